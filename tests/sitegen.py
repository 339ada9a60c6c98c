"""A fictional newsroom archive for tests: ``populate(site, n)`` writes n articles into a SiteFolder.

Everything here is invented (companies, people, events). The output is
deterministic: the same ``n`` always gives the same files. What it covers:

- several authors (accented names, co-authored pieces) with profiles in ``authors.yaml``;
- several tags, some accented ("Inteligência artificial", "Segurança");
- articles spread over several years and months, three of them inside the
  Google News window (the two days before ``conftest.NOW``) and one just outside;
- ``SECTIONS_SLUG``: an article with four ``##`` sections, a list, a quote, code,
  a table and a very long link (the table of contents and 320 px layout);
- ``IMAGE_SLUG``: an article with an ``image:`` field (the image is written to static/);
- ``SCRIPT_TITLE``: a title with ``</script>``, double and single quotes and '&'.
"""

from __future__ import annotations

import json
import random
import struct
import zlib
from datetime import datetime, timedelta, timezone

AUTHORS = ("Beatriz Lemos", "Caio Nunes", "Joana Prado", "Otávio Araújo", "Lúcia Ferraz")
PROFILES = {
    "Beatriz Lemos": "Editora de tecnologia; cobre chips, nuvem e infraestrutura.",
    "Otávio Araújo": "Repórter de segurança digital e privacidade.",
    "Lúcia Ferraz": "Colunista de políticas públicas para a internet.",
}
TAGS = ("Inteligência artificial", "Segurança", "Código aberto", "Computação em nuvem", "Hardware",
        "Políticas públicas", "Mercado", "Programação", "Privacidade")
COMPANIES = ("Nuvem Austral", "Jacarandá Quântica", "Rede Ipê", "Bitaraúna Labs", "Serra Azul Sistemas",
             "Cajuína Dados", "Pororoca Chips", "Mandacaru Software")
SUBJECTS = ("lança processador de baixo consumo", "abre o código do seu compilador",
            "anuncia centro de dados no Nordeste", "corrige falha em roteadores domésticos",
            "treina modelo de linguagem em português", "reduz preços de armazenamento",
            "contrata equipe de pesquisa em criptografia", "adota semana de quatro dias",
            "publica relatório de transparência", "encerra aplicativo de mensagens")

SECTIONS_SLUG = "guia-completo-do-arquivo-de-testes"
SECTIONS_TITLE = "Guia completo do arquivo de testes: seções, listas e tabelas"
SECTION_HEADINGS = ("O que mudou", "Como funciona por dentro", "Quem é afetado", "Próximos passos")
IMAGE_SLUG = "satelite-ficticio-fotografa-a-serra"
IMAGE_PATH = "/static/img/fixture-capa.png"
SCRIPT_TITLE = 'Por que "</script>" e \'aspas\' não quebram a página & o JSON-LD'
SCRIPT_SLUG = "titulo-com-script-e-aspas"

# Reference time of test builds is 2026-11-01T12:00-03:00 (conftest.NOW).
NEWS_DATES = ("2026-11-01T09:00:00-03:00", "2026-10-31T15:30:00-03:00", "2026-10-30T13:00:00-03:00")
OUTSIDE_NEWS_DATE = "2026-10-30T11:00:00-03:00"   # one hour before the two-day window opens

_PARAGRAPHS = (
    "A empresa fictícia explicou a mudança em uma nota curta, publicada no fim da tarde, e prometeu detalhes "
    "técnicos nas próximas semanas. Engenheiros ouvidos pela reportagem disseram que a decisão era esperada.",
    "Segundo o comunicado, os clientes atuais não precisam fazer nada por enquanto: a migração será automática "
    "e acontecerá em etapas, começando pelas contas menores e terminando nos contratos corporativos.",
    "Analistas do setor lembram que movimentos parecidos costumam mexer com preços e prazos de toda a cadeia. "
    "Fornecedores menores, que dependem de poucos clientes, são os mais expostos a uma mudança brusca.",
    "Para pesquisadores da área, o anúncio mostra que a disputa agora é por eficiência energética e por gente "
    "qualificada, mais do que por capacidade bruta de processamento ou por marketing.",
    "Ainda não há data para a chegada da novidade a outros países. A empresa diz que vai priorizar regiões onde "
    "a demanda já existe e onde a regulação é mais clara para serviços de dados.",
    "Procurada, a associação de usuários afirmou que vai acompanhar a transição e pediu mais transparência "
    "sobre o tratamento de dados pessoais durante o processo.",
)


def _article_text(title: str, date: str, authors, tags, body: str, **extra) -> str:
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", f"date: {date}",
             "authors: " + json.dumps(list(authors), ensure_ascii=False),
             "tags: " + json.dumps(list(tags), ensure_ascii=False)]
    for key, value in extra.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}")
    return "\n".join(lines + ["---", "", body.strip(), ""])


def _body(rng: random.Random, paragraphs: int) -> str:
    return "\n\n".join(rng.choice(_PARAGRAPHS) for _ in range(paragraphs))


def _sections_body() -> str:
    long_link = "https://exemplo.invalid/" + "caminho-muito-comprido-sem-quebras/" * 4 + "fim"
    return f"""
Este artigo de teste tem várias seções, para que a página mostre um sumário com links para cada uma.

## {SECTION_HEADINGS[0]}

{_PARAGRAPHS[0]}

- Primeiro item de uma lista com **negrito** e *itálico*.
- Segundo item, com `código embutido` e um [link interno](/arquivo/).
- Terceiro item.

## {SECTION_HEADINGS[1]}

{_PARAGRAPHS[1]}

![Faixas azuis que representam um gráfico fictício]({IMAGE_PATH})

> Uma citação longa de uma fonte fictícia, para ver como as aspas de bloco aparecem no texto corrido.

```python
def saudacao(nome: str) -> str:
    return f"Olá, {{nome}}! Esta linha de código é bem comprida para testar a rolagem horizontal do bloco."
```

## {SECTION_HEADINGS[2]}

| Região | Usuários | Variação anual | Observação longa sobre a coluna |
|---|---:|---:|---|
| Norte | 1.200 | +4% | crescimento puxado por pequenas cidades |
| Sul | 3.400 | -1% | estável desde o ano passado |

Endereço longo, que precisa quebrar em telas estreitas: [{long_link}]({long_link}).

## {SECTION_HEADINGS[3]}

{_PARAGRAPHS[2]}

### Um detalhe de terceiro nível

{_PARAGRAPHS[3]}
"""


def png_bytes(width: int, height: int, color: tuple[int, int, int] = (0x2B, 0x5D, 0x8C)) -> bytes:
    """A plain RGB PNG with horizontal bands (a fictional 'photo' for og:image)."""
    rows = []
    for y in range(height):
        shade = tuple(min(255, c + (40 if (y // 40) % 2 else 0)) for c in color)
        rows.append(b"\x00" + bytes(shade) * width)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
            + chunk(b"IEND", b""))


def populate(site, n: int = 60) -> None:
    """Write ``n`` (at least 6) fictional articles, authors.yaml and the article image into ``site``."""
    if n < 6:
        raise ValueError("populate() needs n >= 6 to include every special article")
    rng = random.Random(20261101)
    profile_lines = ["# Autores fictícios do site de teste."]
    for name, bio in PROFILES.items():
        profile_lines += [f"{json.dumps(name, ensure_ascii=False)}:", f"  bio: {json.dumps(bio, ensure_ascii=False)}"]
    site.write("content/authors.yaml", "\n".join(profile_lines) + "\n")
    site.write(IMAGE_PATH.lstrip("/"), png_bytes(1200, 630))

    special = [
        dict(slug=SECTIONS_SLUG, title=SECTIONS_TITLE, date=NEWS_DATES[0], authors=(AUTHORS[0], AUTHORS[3]),
             tags=(TAGS[0], TAGS[1], TAGS[3]), body=_sections_body(),
             summary="Um artigo fictício com quatro seções, lista, citação, código e tabela."),
        dict(slug=IMAGE_SLUG, title="Satélite fictício fotografa a serra em alta resolução", date=NEWS_DATES[1],
             authors=(AUTHORS[1],), tags=(TAGS[4], TAGS[0]), image=IMAGE_PATH,
             body=_body(rng, 4)),
        dict(slug=SCRIPT_SLUG, title=SCRIPT_TITLE, date=NEWS_DATES[2], authors=(AUTHORS[2],), tags=(TAGS[7], TAGS[1]),
             summary='Um resumo com <b>marcação</b>, "aspas" e </script> que devem continuar texto.',
             body=_body(rng, 3)),
        dict(slug="fora-da-janela-de-noticias", title="Artigo publicado pouco antes da janela de notícias",
             date=OUTSIDE_NEWS_DATE, authors=(AUTHORS[4], AUTHORS[0]), tags=(TAGS[5],), body=_body(rng, 2)),
    ]
    start = datetime(2026, 10, 28, 10, 0, tzinfo=timezone(timedelta(hours=-3)))
    for i in range(n - len(special)):
        # About one article every 17 days: 56 articles reach back into 2024.
        when = start - timedelta(days=17 * i, hours=(i * 7) % 11)
        company = COMPANIES[i % len(COMPANIES)]
        subject = SUBJECTS[(i * 3) % len(SUBJECTS)]
        tags = tuple(dict.fromkeys(TAGS[(i + k * 4) % len(TAGS)] for k in range(1 + i % 3)))
        authors = (AUTHORS[i % len(AUTHORS)],) + ((AUTHORS[(i + 2) % len(AUTHORS)],) if i % 5 == 0 else ())
        special.append(dict(slug=f"noticia-{i + 1:03d}", title=f"{company} {subject} ({i + 1})",
                            date=when.isoformat(), authors=authors, tags=tags, body=_body(rng, 2 + i % 9)))
    for art in special:
        slug = art.pop("slug")
        year = art["date"][:4]
        art.setdefault("slug", slug)
        site.write(f"content/{year}/{slug}.md", _article_text(**art))


def build_fixture(root, n: int = 60):
    """A new SiteFolder under ``root`` with ``populate(site, n)``, built at conftest.NOW. Returns the folder."""
    from conftest import new_site_folder

    site = new_site_folder(root)
    populate(site, n)
    code = site.build("--quiet")
    if code != 0:
        raise RuntimeError(f"the fixture site did not build (exit {code})")
    return site
