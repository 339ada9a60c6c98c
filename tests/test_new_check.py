"""`biteye-site new` and `biteye-site check` on small fictional sites.

Commands run in-process through the real CLI entry point; line numbers in the
expected messages are looked up in the files the test wrote, so they follow
the source rather than a hard-coded count.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml

from biteye_site.cli import main as cli_main
from conftest import NOW


def cli(site, capsys, *args: str, env: dict | None = None) -> tuple[int, str, str]:
    old = os.getcwd()
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.chdir(site.root)
    os.environ.update(env or {})
    try:
        code = cli_main(list(args))
    finally:
        os.chdir(old)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    out, err = capsys.readouterr()
    return code, out, err


def line_of(path: Path, needle: str) -> int:
    for number, text in enumerate(path.read_text(encoding="utf-8").split("\n"), start=1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} not in {path}")


def front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:text.index("\n---\n", 4)])


# -- new ----------------------------------------------------------------------------------------

def test_new_creates_a_draft_with_its_front_matter(site, capsys):
    code, out, err = cli(site, capsys, "new", "Ação e reação: o guia \"definitivo\" #1", "--author", "Ana Teste",
                         "--author", "Caio Nunes", "--tag", "Redes", "--tag", "Código aberto",
                         "--now", "2026-03-05T14:30:00-03:00")
    assert code == 0, err
    path = site.content / "2026" / "acao-e-reacao-o-guia-definitivo-1.md"
    assert out.strip() == os.path.join("content", "2026", "acao-e-reacao-o-guia-definitivo-1.md")
    assert path.is_file()
    fm = front_matter(path)
    assert fm["title"] == "Ação e reação: o guia \"definitivo\" #1"
    assert fm["authors"] == ["Ana Teste", "Caio Nunes"]
    assert fm["tags"] == ["Redes", "Código aberto"]
    assert fm["draft"] is True
    assert fm["slug"] == "acao-e-reacao-o-guia-definitivo-1"
    assert "date: 2026-03-05T14:30:00-03:00" in path.read_text(encoding="utf-8")
    # It is a valid article: a draft, so only built with --drafts, with its badge.
    assert site.build() == 0
    assert not (site.public / "artigos" / "acao-e-reacao-o-guia-definitivo-1").exists()
    assert site.build("--drafts") == 0
    page = site.read("artigos/acao-e-reacao-o-guia-definitivo-1/index.html")
    assert "Rascunho" in page and "Código aberto" in page


def test_new_dates_in_the_site_time_zone(site, capsys):
    # 01:30 UTC on New Year's Day is still 31 December in São Paulo: folder 2026, offset -03:00.
    code, out, err = cli(site, capsys, "new", "Virada do ano", "--author", "Ana Teste",
                         "--now", "2027-01-01T01:30:00+00:00")
    assert code == 0, err
    path = site.content / "2026" / "virada-do-ano.md"
    assert "date: 2026-12-31T22:30:00-03:00" in path.read_text(encoding="utf-8")
    site.config(timezone="Europe/Lisbon")
    code, out, err = cli(site, capsys, "new", "Virada em Lisboa", "--author", "Ana Teste",
                         "--now", "2027-01-01T01:30:00+00:00")
    assert code == 0, err
    assert "date: 2027-01-01T01:30:00+00:00" in (site.content / "2027" / "virada-em-lisboa.md").read_text(encoding="utf-8")


def test_new_uses_source_date_epoch_and_default_author(site, capsys):
    site.config(default_author="Equipe Biteye")
    # 1772726400 = 2026-03-05T16:00:00Z = 13:00 in São Paulo
    code, out, err = cli(site, capsys, "new", "Artigo da equipe", env={"SOURCE_DATE_EPOCH": "1772726400"})
    assert code == 0, err
    path = site.content / "2026" / "artigo-da-equipe.md"
    fm = front_matter(path)
    assert fm["authors"] == ["Equipe Biteye"] and fm["tags"] == []
    assert "date: 2026-03-05T13:00:00-03:00" in path.read_text(encoding="utf-8")


def test_new_never_overwrites(site, capsys):
    assert cli(site, capsys, "new", "Uma pauta", "--author", "Ana Teste", "--now", NOW)[0] == 0
    path = site.content / "2026" / "uma-pauta.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nTexto que a editora já escreveu.\n", encoding="utf-8")
    before = path.read_bytes()
    code, out, err = cli(site, capsys, "new", "Uma pauta", "--author", "Ana Teste", "--now", NOW)
    assert code == 1 and "já existe" in err and "content/2026/uma-pauta.md" in err
    assert path.read_bytes() == before


def test_new_refuses_a_slug_used_in_another_year(site, capsys):
    site.add("2025/uma-pauta.md", title="Uma pauta", date="2025-05-05T10:00:00-03:00")
    site.add("2024/outra.md", title="Outra coisa", date="2024-05-05T10:00:00-03:00", slug="pauta-fixa")
    code, _, err = cli(site, capsys, "new", "Uma pauta", "--author", "Ana Teste", "--now", NOW)
    assert code == 1 and "content/2025/uma-pauta.md" in err and "--slug" in err
    code, _, err = cli(site, capsys, "new", "Pauta fixa", "--author", "Ana Teste", "--now", NOW)
    assert code == 1 and "content/2024/outra.md" in err
    assert not (site.content / "2026").exists()
    code, out, err = cli(site, capsys, "new", "Uma pauta", "--slug", "uma-pauta-2", "--author", "Ana Teste", "--now", NOW)
    assert code == 0 and (site.content / "2026" / "uma-pauta-2.md").is_file()


@pytest.mark.parametrize("args, message", [
    (["new", "Sem autor"], "--author"),
    (["new", "???", "--author", "Ana"], "--slug"),
    (["new", "   ", "--author", "Ana"], "título está vazio"),
    (["new", "Ok", "--author", "Ana", "--slug", "../fora"], "slug inválido"),
    (["new", "Ok", "--author", "Ana", "--tag", "!!!"], "tag '!!!'"),
])
def test_new_rejects_bad_input_without_writing(site, capsys, args, message):
    code, _, err = cli(site, capsys, *args, "--now", NOW)
    assert code == 1 and message in err
    assert not any(site.content.rglob("*.md"))


def test_new_title_with_emoji_only_works_with_slug(site, capsys):
    code, _, err = cli(site, capsys, "new", "🚀🚀", "--author", "Ana Teste", "--slug", "foguetes", "--now", NOW)
    assert code == 0, err
    assert front_matter(site.content / "2026" / "foguetes.md")["title"] == "🚀🚀"
    assert site.build("--drafts") == 0


# -- check: clean sites ---------------------------------------------------------------------------

def _good_site(site):
    site.add("2026/outro.md", title="Outro artigo", date="2026-02-01T10:00:00-03:00",
             body="Abertura.\n\n## Primeira seção\n\nTexto.\n\n## Segunda seção\n\nMais texto.")
    site.write("static/img/grafico.png", b"\x89PNG\r\n\x1a\nfake")
    site.add("2026/principal.md", title="Artigo principal", image="/static/img/grafico.png", body="""
        Primeiro parágrafo com [o outro](outro.md), [a seção dele](outro.md#segunda-secao),
        [o endereço direto](/artigos/outro-artigo/#primeira-secao), [uma âncora daqui](#detalhes)
        e [um site externo](https://example.com/x#y).

        ![Gráfico](/static/img/grafico.png)

        ## Detalhes

        Fim.
        """)


def test_check_passes_on_a_clean_site_in_memory_and_on_public(site, capsys):
    _good_site(site)
    code, out, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 0, err
    assert "Tudo certo" in out
    assert not site.public.exists()            # in memory: nothing written
    assert site.build() == 0
    code, out, err = cli(site, capsys, "check", "--dir", "public", "--now", NOW)
    assert code == 0, err
    # The Markdown link to the source file became the article's URL.
    assert 'href="/artigos/outro-artigo/#segunda-secao"' in site.read("artigos/artigo-principal/index.html")


def test_check_passes_on_the_real_content(capsys):
    from conftest import PROJECT
    old = os.getcwd()
    os.chdir(PROJECT)
    try:
        code = cli_main(["check", "--now", NOW, "--no-cache"])
    finally:
        os.chdir(old)
    out, err = capsys.readouterr()
    assert code == 0, err


# -- check: problems at their lines --------------------------------------------------------------

def test_check_reports_broken_links_anchors_and_images_at_their_lines(site, capsys):
    _good_site(site)
    path = site.add("2026/quebrado.md", title="Artigo quebrado", body="""
        Primeiro parágrafo.

        Veja [um artigo que não existe](/artigos/nao-existe/).

        Uma [âncora perdida](#secao-que-nao-existe) nesta página.

        E [uma seção inexistente do outro](/artigos/outro-artigo/#terceira-secao).

        ![Imagem perdida](/static/img/nao-existe.png)

        ## Seção real
        """)
    code, out, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 1
    shown = "content/2026/quebrado.md"
    assert f"{shown}:{line_of(path, '/artigos/nao-existe/')}:" in err and "não existe no site" in err
    assert f"{shown}:{line_of(path, '#secao-que-nao-existe')}: âncora '#secao-que-nao-existe'" in err
    assert f"{shown}:{line_of(path, '#terceira-secao')}: âncora '#terceira-secao' não existe em /artigos/outro-artigo/" in err
    assert f"{shown}:{line_of(path, 'nao-existe.png')}: imagem quebrada" in err
    assert "principal.md" not in err and "outro.md" not in err      # the good articles are clean
    assert "A verificação falhou: 4 erros e 0 avisos" in err
    # The same site built and checked on disk: found again, at their lines in the HTML.
    assert site.build() == 0
    code, _, err = cli(site, capsys, "check", "--dir", "public", "--now", NOW)
    assert code == 1
    html_path = site.public / "artigos" / "artigo-quebrado" / "index.html"
    assert f"public/artigos/artigo-quebrado/index.html:{line_of(html_path, '/artigos/nao-existe/')}:" in err
    assert f"public/artigos/artigo-quebrado/index.html:{line_of(html_path, '#terceira-secao')}:" in err


def test_check_reports_a_missing_front_matter_image_at_its_line(site, capsys):
    path = site.add("2026/capa.md", title="Com capa", image="/static/img/capa-sumida.jpg")
    code, _, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 1
    assert f"content/2026/capa.md:{line_of(path, 'image:')}: imagem quebrada" in err


def test_check_finds_the_image_line_under_a_base_path(site, capsys):
    site.config(base_url="https://teste.example.org/arquivo/")
    path = site.add("2026/capa.md", title="Com capa", image="static/img/capa-sumida.jpg")
    code, _, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 1
    assert f"content/2026/capa.md:{line_of(path, 'image:')}: imagem quebrada: '/arquivo/static/img/capa-sumida.jpg'" in err


def test_markdown_link_to_a_missing_article_is_an_error_at_its_line(site, capsys):
    site.add("2025/existe.md", title="Existe", date="2025-01-01T10:00:00-03:00")
    site.add("2026/rascunho.md", title="Rascunho", draft=True)
    path = site.add("2026/liga.md", title="Liga", body="""
        Texto com [um que existe](../2025/existe.md).

        Texto com [um que não existe](../2025/outro-artigo.md).

        E [um rascunho](rascunho.md).
        """)
    code, _, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 1
    assert f"content/2026/liga.md:{line_of(path, 'outro-artigo.md')}:" in err and "não existe em content/" in err
    assert f"content/2026/liga.md:{line_of(path, '(rascunho.md)')}:" in err and "rascunho" in err
    assert "existe.md)" not in err
    # build fails on it too, at the same line, and public/ is not written.
    code, _, err = cli(site, capsys, "build", "--now", NOW)
    assert code == 1 and f"content/2026/liga.md:{line_of(path, 'outro-artigo.md')}:" in err
    assert not site.public.exists()
    # With --drafts the draft is a valid target.
    (site.content / "2026" / "liga.md").write_text(
        path.read_text(encoding="utf-8").replace("../2025/outro-artigo.md", "../2025/existe.md"), encoding="utf-8")
    code, _, err = cli(site, capsys, "check", "--drafts", "--now", NOW)
    assert code == 0, err


def test_check_fails_on_front_matter_warnings_that_build_accepts(site, capsys):
    path = site.write("content/2026/aviso.md",
                      "---\ntitle: Com aviso\ndate: 2026-03-05T10:00:00-03:00\nauthors: [Ana Teste]\n"
                      "titel: digitado errado\n---\n\nTexto.\n")
    assert cli(site, capsys, "build", "--now", NOW)[0] == 0
    code, _, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 1
    assert f"content/2026/aviso.md:{line_of(path, 'titel:')}:" in err and "aviso:" in err
    assert "1 aviso" in err


def test_check_reports_links_from_templates_with_the_template_name(site, capsys):
    site.add("2026/a.md", title="Artigo A")
    tpl = site.root / "templates" / "tags.html"
    text = tpl.read_text(encoding="utf-8")
    tpl.write_text(text.replace("{% block content %}", '{% block content %}<a href="/pagina-sumida/">x</a>', 1),
                   encoding="utf-8")
    code, _, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 1
    assert re.search(r"public/tags/index\.html:\d+: link quebrado: '/pagina-sumida/'.*templates/tags\.html", err)


def test_check_reports_links_outside_the_base_path(site, capsys):
    site.config(base_url="https://teste.example.org/arquivo/")
    site.add("2026/b.md", title="Artigo B")
    path = site.add("2026/a.md", title="Artigo A", body="Veja [B](/artigos/artigo-b/) e [B certo](/arquivo/artigos/artigo-b/).")
    code, _, err = cli(site, capsys, "check", "--now", NOW)
    assert code == 1
    assert f"content/2026/a.md:{line_of(path, '[B]')}: link '/artigos/artigo-b/' aponta para fora do site" in err
    assert "/arquivo/artigos/artigo-b/'" not in err


def test_check_on_a_missing_folder(site, capsys):
    code, _, err = cli(site, capsys, "check", "--dir", "nao-existe", "--now", NOW)
    assert code == 1 and "rode biteye-site build antes" in err


# -- clean ------------------------------------------------------------------------------------------

def test_clean_removes_output_and_cache_only(site, capsys):
    site.add("2026/a.md", title="Artigo A")
    assert site.build() == 0
    (site.root / ".biteye-cache").mkdir(exist_ok=True)
    code, out, _ = cli(site, capsys, "clean")
    assert code == 0 and "public/" in out
    assert not site.public.exists() and not (site.root / ".biteye-cache").exists()
    assert (site.content / "2026" / "a.md").is_file() and (site.root / "templates").is_dir()
    assert cli(site, capsys, "clean")[1].strip() == "Nada para apagar."


def test_clean_refuses_a_folder_it_did_not_make(site, capsys):
    site.config(output_dir="meus-arquivos")
    site.write("meus-arquivos/importante.txt", "não apague")
    code, _, err = cli(site, capsys, "clean")
    assert code == 2 and "--force" in err
    assert (site.root / "meus-arquivos" / "importante.txt").is_file()
