"""Issue 4: every kind of bad input in BAD-INPUTS.md that concerns the build.

Each case builds a small fictional site once (the "previous" site), then adds
one mistake and builds again. It asserts the message an editor reads
(``path:line:col: what — how to fix``), the exit code (1 for content and
templates, 2 for config, usage and an unsafe output folder), that the
previous ``public/`` is byte-identical afterwards, and that no temporary
sibling folder is left behind. Warnings pass the build and fail it with
``--strict``.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from biteye_site import output as output_module
from conftest import NOW, SiteFolder

GOOD = "---\ntitle: \"Artigo bom\"\ndate: 2026-03-05T10:00:00-03:00\nauthors: [Ana Teste]\ntags: [Testes]\n---\n\nUm parágrafo fictício.\n"
T = 'title: "Artigo"'
D = "date: 2026-03-05T10:00:00-03:00"
A = "authors: [Ana Teste]"
# "path:line:col: message — hint": the position is optional, the hint is not.
PROGRESS = re.compile(r"^[\w ]+: \d+ itens?$")
LINE = re.compile(r"^(?P<path>[^:]+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: (?P<msg>.+?) — (?P<hint>\S.*)$")


def fm(*lines: str, body: str = "Um parágrafo fictício.") -> str:
    """An article whose header is exactly ``lines``: line 2 is lines[0]; the body starts at len(lines) + 4."""
    return "---\n" + "\n".join(lines) + "\n---\n\n" + body + "\n"


def body_line(n_header_lines: int = 3) -> int:
    return n_header_lines + 4


# -- helpers ------------------------------------------------------------------------------------

def build(site: SiteFolder, capsys, *args: str) -> tuple[int, list[str], str]:
    """Build in-process; returns (exit code, stderr lines, stdout)."""
    capsys.readouterr()
    code = site.build(*args)
    out, err = capsys.readouterr()
    return code, messages(err), out


def messages(stderr: str) -> list[str]:
    """stderr without the progress lines ('analisar: 3 itens') and blank lines."""
    return [line for line in stderr.splitlines() if line.strip() and not PROGRESS.match(line)]


def leftovers(site: SiteFolder) -> list[str]:
    """Temporary siblings of public/ (tmp, old, staging...) that a build left behind."""
    return sorted(p.name for p in site.root.iterdir() if p.name.startswith(".public"))


def assert_intact(site: SiteFolder, before: dict[str, bytes]) -> None:
    assert site.tree() == before, "the previous public/ changed"
    assert leftovers(site) == []


def find(lines: list[str], path: str, line: int | None, col: int | None, needle: str) -> re.Match:
    """The one message for ``path`` at ``line:col`` that contains ``needle``; it must carry a hint."""
    found = []
    for text in lines:
        m = LINE.match(text)
        if not m or m["path"] != path or needle.lower() not in text.lower():
            continue
        if line is not None and m["line"] != str(line):
            continue
        if col is not None and m["col"] != str(col):
            continue
        found.append(m)
    assert len(found) == 1, f"expected one message {path}:{line}:{col} with {needle!r}, got:\n" + "\n".join(lines)
    assert found[0]["hint"].strip(), "message without a hint"
    return found[0]


@pytest.fixture
def built(make_site, capsys):
    """A site with one good article, built once: (site, bytes of every file of the previous public/)."""
    site = make_site()
    site.write("content/2026/bom.md", GOOD)
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    return site, site.tree()


# -- front matter, Markdown and files: data-driven ------------------------------------------------

B = body_line()
LAUGHS = ['a: &a ["x","x","x","x","x","x","x","x","x"]'] + [
    f"{chr(98 + i)}: &{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]

# (id, {content path: text or bytes}, [(shown path, line, col, needle in message)], needle in hint or None)
ERRORS = [
    # front matter: dates
    ("impossible-date", {"a.md": fm(T, "date: 2026-02-30", A)}, [("content/a.md", 3, 7, "data impossível")], "AAAA-MM-DD"),
    ("impossible-hour", {"a.md": fm(T, "date: 2026-03-05 24:30", A)}, [("content/a.md", 3, 7, "hora")], "HH:MM"),
    ("impossible-month", {"a.md": fm(T, "date: 2026-13-01", A)}, [("content/a.md", 3, 7, "mês")], None),
    ("year-out-of-range", {"a.md": fm(T, "date: 9999-12-31", A)}, [("content/a.md", 3, 7, "ano")], None),
    ("naive-and-aware", {"a.md": fm(T, "date: 2026-03-05", A, "updated: 2026-03-06T10:00:00-03:00")},
     [("content/a.md", 5, 10, "fuso")], "-03:00"),
    ("impossible-offset", {"a.md": fm(T, "date: 2026-03-05T10:00:00+25:00", A)}, [("content/a.md", 3, 7, "fuso")], None),
    ("date-not-a-date", {"a.md": fm(T, "date: ontem", A)}, [("content/a.md", 3, 7, "formato")], "AAAA-MM-DD"),
    ("updated-before-date", {"a.md": fm(T, D, A, "updated: 2026-03-01T10:00:00-03:00")},
     [("content/a.md", 5, 10, "anterior")], None),
    # front matter: wrong types
    ("title-boolean", {"a.md": fm("title: no", D, A)}, [("content/a.md", 2, 8, "booleano")], 'title: "no"'),
    ("title-number", {"a.md": fm("title: 3.10", D, A)}, [("content/a.md", 2, 8, "número")], 'title: "3.10"'),
    ("title-list", {"a.md": fm("title: [a, b]", D, A)}, [("content/a.md", 2, 8, "uma lista")], None),
    ("tags-number", {"a.md": fm(T, D, A, "tags: 3.10")}, [("content/a.md", 5, 7, "número")], 'tags: "3.10"'),
    ("tag-item-number", {"a.md": fm(T, D, A, "tags: [IA, 2026]")}, [("content/a.md", 5, 12, "número")], '["2026"]'),
    ("tags-null-item", {"a.md": fm(T, D, A, "tags: [IA, null]")}, [("content/a.md", 5, 12, "vazio")], None),
    ("authors-empty-list", {"a.md": fm(T, D, "authors: []")}, [("content/a.md", 4, 10, "lista vazia")], "authors: ["),
    ("authors-map-item", {"a.md": fm(T, D, "authors: [Ana, {x: 1}]")}, [("content/a.md", 4, 16, "um mapa")], None),
    ("draft-not-boolean", {"a.md": fm(T, D, A, "draft: talvez")}, [("content/a.md", 5, 8, "draft")], "true"),
    ("image-javascript", {"a.md": fm(T, D, A, 'image: "javascript:alert(1)"')}, [("content/a.md", 5, 8, "javascript")], "https://"),
    ("control-char-escape", {"a.md": fm('title: "Bip\\x07"', D, A)}, [("content/a.md", 2, 8, "U+0007")], None),
    # front matter: slugs
    ("title-without-slug", {"a.md": fm('title: "???"', D, A)}, [("content/a.md", 2, 8, "slug")], "slug: "),
    ("title-only-emoji", {"a.md": fm('title: "🎉🎉"', D, A)}, [("content/a.md", 2, 8, "slug")], "slug: "),
    ("tag-only-emoji", {"a.md": fm(T, D, A, 'tags: ["🎉"]')}, [("content/a.md", 5, 8, "slug")], None),
    ("slug-traversal", {"a.md": fm(T, D, A, "slug: ../../etc")}, [("content/a.md", 5, 7, "slug inválido")], None),
    ("slug-absolute", {"a.md": fm(T, D, A, "slug: /etc/passwd")}, [("content/a.md", 5, 7, "slug inválido")], None),
    ("slug-separator", {"a.md": fm(T, D, A, "slug: artigos/outro")}, [("content/a.md", 5, 7, "barra")], None),
    ("slug-backslash", {"a.md": fm(T, D, A, 'slug: "a\\\\b"')}, [("content/a.md", 5, 7, "barra")], None),
    ("slug-nul", {"a.md": fm(T, D, A, 'slug: "a\\0b"')}, [("content/a.md", 5, 7, "U+0000")], None),
    ("slug-dot", {"a.md": fm(T, D, A, "slug: .oculto")}, [("content/a.md", 5, 7, "ponto")], None),
    ("slug-device-name", {"a.md": fm(T, D, A, "slug: con")}, [("content/a.md", 5, 7, "Windows")], "con-1"),
    ("slug-uppercase", {"a.md": fm(T, D, A, "slug: Artigo")}, [("content/a.md", 5, 7, "a-z")], "slug: artigo"),
    ("slug-too-long", {"a.md": fm(T, D, A, "slug: " + "a" * 300)}, [("content/a.md", 5, 7, "bytes")], None),
    # front matter: YAML traps
    ("unquoted-colon", {"a.md": fm("title: Python: o guia", D, A)}, [("content/a.md", 2, 14, "aspas")], 'title: "Python: o guia"'),
    ("tab-indent", {"a.md": fm(T, "\tdate: 2026-03-05", A)}, [("content/a.md", 3, 1, "tabulação")], "espaços"),
    ("duplicate-key", {"a.md": fm(T, 'title: "Outro"', D, A)}, [("content/a.md", 3, 1, "duas vezes")], "apague"),
    ("python-tag", {"a.md": fm('title: !!python/object/apply:os.system ["echo oi"]', D, A)},
     [("content/a.md", 2, 8, "!!python/object/apply:os.system")], "remova a tag"),
    ("binary-tag", {"a.md": fm("title: !!binary aGVsbG8=", D, A)}, [("content/a.md", 2, 8, "!!binary")], None),
    ("merge-key", {"a.md": fm(T, D, A, "<<: {tags: [x]}")}, [("content/a.md", 5, 1, "chave inválida")], None),
    ("anchor-and-alias", {"a.md": fm(T, D, A, "nome: &n Ana", "outro: *n")}, [("content/a.md", 5, 7, "&n")], "por extenso"),
    ("billion-laughs", {"a.md": fm(T, D, A, *LAUGHS)}, [("content/a.md", 5, 4, "&a")], "por extenso"),
    ("header-is-a-list", {"a.md": "---\n- title\n- date\n---\n\nTexto.\n"}, [("content/a.md", 2, 1, "não uma lista")], "title:"),
    ("header-is-text", {"a.md": "---\nsó um texto\n---\n\nTexto.\n"}, [("content/a.md", 2, 1, "mapa")], None),
    ("header-empty", {"a.md": "---\n---\n\nTexto.\n"}, [("content/a.md", 1, 1, "vazio")], "title"),
    ("header-never-closed", {"a.md": "---\ntitle: x\n\nTexto sem fim.\n"}, [("content/a.md", 1, 1, "nunca é fechado")], "'---'"),
    ("no-header", {"a.md": "# Só Markdown\n\nTexto.\n"}, [("content/a.md", 1, 1, "falta o cabeçalho")], "'---'"),
    ("missing-required", {"a.md": fm(T, A)}, [("content/a.md", 1, 1, "'date'")], "date: "),
    ("misspelt-required", {"a.md": fm('titel: "Artigo"', D, A)}, [("content/a.md", 2, 1, "'titel'")], "troque 'titel' por 'title'"),
    ("two-articles-one-url", {"a.md": fm(T, D, A), "b.md": fm(T, "date: 2026-03-06T10:00:00-03:00", A)},
     [("content/a.md", None, None, "já é usado por content/b.md")], "slug"),
    # Markdown body
    ("nesting-quotes", {"a.md": fm(T, D, A, body="> " * 40 + "fundo")}, [("content/a.md", B, 1, "aninhamento")], "simplifique"),
    ("nesting-lists", {"a.md": fm(T, D, A, body="\n".join("  " * i + "- item" for i in range(40)))},
     [("content/a.md", B + 15, 1, "aninhamento")], None),
    ("missing-internal-link", {"a.md": fm(T, D, A, body="Veja [o outro](../2025/nao-existe.md).")},
     [("content/a.md", B, None, "não existe")], None),
    # files
    ("latin-1", {"a.md": fm('title: "Caf\xe9 com leite"', D, A).encode("latin-1")}, [("content/a.md", 2, 12, "UTF-8")], "iconv"),
    ("utf-16", {"a.md": fm(T, D, A).encode("utf-16")}, [("content/a.md", 1, 1, "UTF-16")], "UTF-8"),
    ("control-char-in-body", {"a.md": fm(T, D, A, body="Texto com \x1b[31m cor.")}, [("content/a.md", B, 11, "U+001B")], "apague"),
    ("nul-in-body", {"a.md": fm(T, D, A, body="Texto\x00nulo")}, [("content/a.md", B, 6, "NUL")], None),
    ("empty-file", {"a.md": ""}, [("content/a.md", 1, 1, "vazio")], "'---'"),
    ("whitespace-file", {"a.md": "  \n\n\t\n"}, [("content/a.md", 1, 1, "vazio")], None),
    ("authors-yaml-latin-1", {"authors.yaml": "Ana Teste:\n  bio: \"Jornalista de ci\xeancia\"\n".encode("latin-1")},
     [("content/authors.yaml", 2, 25, "UTF-8")], "iconv"),
    ("authors-yaml-bad-key", {"authors.yaml": "Ana Teste:\n  biografia: x\n"}, [("content/authors.yaml", 2, 14, "biografia")], "bio"),
]


@pytest.mark.parametrize("files, expected, hint", [pytest.param(f, e, h, id=i) for i, f, e, h in ERRORS])
def test_error_is_reported_and_previous_site_kept(built, capsys, files, expected, hint):
    site, before = built
    for rel, text in files.items():
        site.write(f"content/{rel}", text)
    code, lines, _ = build(site, capsys)
    assert code == 1, lines
    for path, line, col, needle in expected:
        m = find(lines, path, line, col, needle)
        if hint:
            assert hint in m["hint"], m.group(0)
    assert re.fullmatch(r"A construção falhou: \d+ erros?( e \d+ avisos?)?; a saída anterior não foi alterada\.", lines[-1])
    assert "Traceback" not in "\n".join(lines)
    assert_intact(site, before)


# (id, files, [(path, line, col, needle)]): the build passes with a warning and fails with --strict.
WARNINGS = [
    ("unknown-key-typo", {"a.md": fm(T, D, A, 'titel: "Artigo"')}, [("content/a.md", 5, 1, "titel")]),
    ("unknown-key-alias", {"a.md": fm(T, D, A, "tag: [IA]")}, [("content/a.md", 5, 1, "'tag'")]),
    ("empty-summary", {"a.md": fm(T, D, A, 'summary: ""')}, [("content/a.md", 5, 10, "summary")]),
    ("far-future-date", {"a.md": fm(T, "date: 2029-03-05T10:00:00-03:00", A)}, [("content/a.md", 3, 7, "futuro")]),
    ("javascript-link", {"a.md": fm(T, D, A, body="Clique [aqui](javascript:alert(1)).")},
     [("content/a.md", B, 15, "javascript:alert(1)")]),
    ("javascript-mixed-case", {"a.md": fm(T, D, A, body="[a](JaVaScRiPt:alert(1))")}, [("content/a.md", B, 5, "JaVaScRiPt")]),
    ("javascript-entity", {"a.md": fm(T, D, A, body="[a](&#106;avascript:alert(1))")}, [("content/a.md", B, 5, "javascript:")]),
    ("javascript-autolink", {"a.md": fm(T, D, A, body="<javascript:alert(1)>")}, [("content/a.md", B, 2, "javascript:")]),
    ("javascript-reference", {"a.md": fm(T, D, A, body="[a][r]\n\n[r]: javascript:alert(1)")},
     [("content/a.md", B + 2, 6, "javascript:")]),
    ("vbscript-link", {"a.md": fm(T, D, A, body="[a](vbscript:msgbox)")}, [("content/a.md", B, 5, "vbscript:")]),
    ("data-html-link", {"a.md": fm(T, D, A, body="texto\n[a](data:text/html;base64,PHNjcmlwdD4=)")},
     [("content/a.md", B + 1, 5, "data:text/html")]),
    ("data-svg-image", {"a.md": fm(T, D, A, body="![a](data:image/svg+xml;base64,PHN2Zz4=)")}, [("content/a.md", B, 6, "svg")]),
    ("file-link", {"a.md": fm(T, D, A, body="[a](file:///etc/passwd)")}, [("content/a.md", B, 5, "file:")]),
    ("uppercase-extension", {"a.MD": fm(T, D, A)}, [("content/a.MD", None, None, "só arquivos terminados em .md")]),
]


@pytest.mark.parametrize("files, expected", [pytest.param(f, e, id=i) for i, f, e in WARNINGS])
def test_warning_passes_and_strict_fails(built, capsys, files, expected):
    site, before = built
    for rel, text in files.items():
        site.write(f"content/{rel}", text)
    code, lines, _ = build(site, capsys, "--strict")
    assert code == 1, lines
    for path, line, col, needle in expected:
        m = find(lines, path, line, col, needle)
        assert m["msg"].startswith("aviso: ")
    assert "--strict" in lines[-1]
    assert_intact(site, before)
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    for path, line, col, needle in expected:
        find(lines, path, line, col, needle)


def test_rejected_links_are_not_links(site, capsys):
    body = ("[a](javascript:alert(1)) [b](JAVASCRIPT:x) [c](&#106;avascript:y) [d](vbscript:z) "
            "[e](data:text/html,oi) <javascript:w> ![f](data:image/svg+xml,x) ![g](data:image/png;base64,AAAA)")
    site.write("content/a.md", fm(T, D, A, body=body))
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    assert sum(1 for line in lines if "recusado" in line) == 7, lines
    from lxml import html
    root = html.fromstring(site.read("artigos/artigo/index.html"))
    hrefs = [a.get("href") for a in root.iter("a")] + [img.get("src") for img in root.iter("img")]
    assert not [h for h in hrefs if re.match(r"\s*(javascript|vbscript|data:text|data:image/svg)", h or "", re.I)]
    assert "data:image/png;base64,AAAA" in hrefs  # raster data: images are fine
    assert "[a](javascript:alert(1))" in root.text_content()  # kept as text: nothing lost


# -- accepted as they are -------------------------------------------------------------------------

def test_bom_crlf_and_lone_cr_are_fine(site, capsys):
    text = fm('title: "Linhas do Windows"', D, A, body="Primeira linha.\n\nSegunda linha.")
    site.write("content/crlf.md", b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode())
    site.write("content/cr.md", text.replace("Windows", "Mac antigo").replace("\n", "\r").encode())
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    assert not [line for line in lines if ": aviso" in line]
    for slug in ("linhas-do-windows", "linhas-do-mac-antigo"):
        page = site.read(f"artigos/{slug}/index.html")
        assert "<p>Segunda linha.</p>" in page and "\r" not in page


def test_naive_dates_are_in_the_site_time_zone(site, capsys):
    site.write("content/a.md", fm(T, "date: 2026-03-05 10:00", A))
    site.write("content/b.md", fm('title: "Outro"', "date: 2026-03-06", A))
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    assert 'datetime="2026-03-05T10:00:00-03:00"' in site.read("artigos/artigo/index.html")
    assert 'datetime="2026-03-06T00:00:00-03:00"' in site.read("artigos/outro/index.html")


def test_one_tag_written_as_string_is_one_tag(site, capsys):
    site.write("content/a.md", fm(T, D, A, "tags: inteligência artificial"))
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    assert (site.public / "tags/inteligencia-artificial/index.html").is_file()
    assert not (site.public / "tags/i/index.html").exists()  # never iterated character by character


def test_tags_that_mean_the_same_are_one_tag(site, capsys):
    site.write("content/a.md", fm('title: "Um"', D, A, 'tags: [IA, "Código Aberto"]'))
    site.write("content/b.md", fm('title: "Dois"', D, A, 'tags: [ia, "codigo aberto"]'))
    site.write("content/c.md", fm('title: "Três"', D, A, 'tags: ["Co\u0301digo Aberto", "IA"]'))  # decomposed ó
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    tags = sorted(p.name for p in (site.public / "tags").iterdir() if p.is_dir())
    assert tags == ["codigo-aberto", "ia"]


def test_editor_junk_is_ignored(site, capsys):
    site.write("content/a.md", GOOD)
    for junk in (".#a.md", "a.md~", ".DS_Store", "#a.md#", ".a.md.swp", "a.md.bak", "Thumbs.db"):
        site.write(f"content/{junk}", b"\x00\xff lixo do editor, nem UTF-8")
    code, lines, _ = build(site, capsys)
    assert code == 0 and not [line for line in lines if "aviso" in line or "erro" in line], lines


def test_duplicate_heading_ids_are_unique(site, capsys):
    body = "## Conteúdo\n\n## Resumo\n\n## Resumo\n\n## Resumo!\n\n## Sumário\n\n## Relacionados\n\n## fn1\n\n[^1]\n\n[^1]: nota."
    site.write("content/a.md", fm(T, D, A, 'tags: ["IA", "Dados"]', body=body))
    site.write("content/b.md", fm('title: "Outro"', D, A, 'tags: ["IA", "Dados"]'))
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    from lxml import html
    root = html.fromstring(site.read("artigos/artigo/index.html"))
    ids = [el.get("id") for el in root.iter() if el.get("id")]
    assert len(ids) == len(set(ids)), sorted(ids)
    headings = [h.get("id") for h in root.iter("h2") if h.getparent().get("class") != "toc"]
    assert {"resumo", "resumo-2", "resumo-3"} <= set(headings)


# -- files the walker must survive ----------------------------------------------------------------

def test_symlinks_loop_dangling_outside(built, capsys, tmp_path):
    site, before = built
    secret = tmp_path / "segredo.md"
    secret.write_text(GOOD.replace("Artigo bom", "Segredo"), encoding="utf-8")
    (site.content / "sub").mkdir()
    os.symlink("..", site.content / "sub" / "loop")            # a folder loop
    os.symlink("self.md", site.content / "self.md")              # a link to itself
    os.symlink("nowhere.md", site.content / "dangling.md")
    os.symlink(secret, site.content / "outside.md")
    os.symlink(tmp_path, site.content / "outside-dir")
    started = time.monotonic()
    code, lines, _ = build(site, capsys)
    assert time.monotonic() - started < 60  # the loop does not hang the walk
    assert code == 1, lines
    find(lines, "content/self.md", None, None, "laço")
    find(lines, "content/dangling.md", None, None, "quebrado")
    find(lines, "content/outside.md", None, None, "fora de content/")
    find(lines, "content/outside-dir", None, None, "fora de content/")
    assert not [line for line in lines if "content/sub" in line]  # the folder loop is walked once, silently
    assert_intact(site, before)


def test_link_to_an_article_inside_content_is_read_once(site, capsys):
    site.write("content/2026/bom.md", GOOD)
    os.symlink("2026/bom.md", site.content / "atalho.md")
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    find(lines, "content/atalho.md", None, None, "content/2026/bom.md")


def test_unreadable_file(built, capsys):
    site, before = built
    path = site.write("content/fechado.md", GOOD)
    path.chmod(0)
    try:
        if os.geteuid() == 0:
            # Root reads a chmod 000 file anyway: build in a process without the capabilities
            # that bypass file permissions (util-linux setpriv), so the denial is real.
            setpriv = shutil.which("setpriv")
            assert setpriv, "setpriv (util-linux) is needed to test unreadable files as root"
            result = subprocess.run([setpriv, "--bounding-set", "-dac_override,-dac_read_search", "--",
                                     sys.executable, "-m", "biteye_site", "build", "--now", NOW],
                                    cwd=site.root, capture_output=True, text=True, timeout=300)
            code, lines = result.returncode, messages(result.stderr)
        else:
            code, lines, _ = build(site, capsys)
    finally:
        path.chmod(0o644)
    assert code == 1
    find(lines, "content/fechado.md", None, None, "permissão negada")
    assert_intact(site, before)


def test_unreadable_file_simulated(built, capsys, monkeypatch):
    site, before = built
    site.write("content/fechado.md", GOOD.replace("Artigo bom", "Fechado"))
    real_open = open

    def deny(path, *args, **kwargs):
        if str(path).endswith("fechado.md"):
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("biteye_site.discover.open", deny, raising=False)
    code, lines, _ = build(site, capsys)
    assert code == 1
    find(lines, "content/fechado.md", None, None, "permissão negada")
    assert_intact(site, before)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this system")
def test_fifo_does_not_block_the_build(built, capsys):
    site, before = built
    os.mkfifo(site.content / "cano.md")
    code, lines, _ = build(site, capsys)
    assert code == 1
    find(lines, "content/cano.md", None, None, "não é um arquivo comum")
    assert_intact(site, before)


def test_file_name_not_utf8_or_with_newline(built, capsys):
    site, before = built
    (site.content / "linha\nnova.md").write_text(GOOD, encoding="utf-8")
    code, lines, _ = build(site, capsys)
    assert code == 1
    find(lines, "content/linha\\x0anova.md", None, None, "nome de arquivo")
    assert_intact(site, before)


def test_file_over_the_size_limit(built, capsys):
    site, before = built
    site.write("content/enorme.md", GOOD + "x" * (11 * 1024 * 1024))
    code, lines, _ = build(site, capsys)
    assert code == 1
    m = find(lines, "content/enorme.md", None, None, "grande demais")
    assert "max_file_size" in m["hint"]
    assert_intact(site, before)


def test_size_limit_is_configurable(site, capsys):
    site.config(max_file_size=500)
    site.write("content/a.md", GOOD + "x" * 600)
    code, lines, _ = build(site, capsys)
    assert code == 1
    find(lines, "content/a.md", None, None, "o limite é 500 bytes")


def test_pathological_markdown_finishes(site):
    """Inputs known to make Markdown parsers slow still finish (a generous bound, not a speed target)."""
    bodies = {"colchetes": "[" * 50_000, "sublinhados": "a_" * 25_000, "imagens": "![" * 25_000,
              "enfase": "**_* " * 10_000, "links": "[](" * 16_000, "menor": "<" * 50_000, "crases": "\\``" * 16_000,
              "titulos": "# Igual\n" * 5_000, "refs": "[a]: <\n" * 10_000}
    for name, body in bodies.items():
        site.write(f"content/{name}.md", fm(f'title: "{name}"', D, A, body=body))
    result = site.run("build", "--now", NOW, env={"BITEYE_JOBS": "1"})
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    page = site.read("artigos/titulos/index.html")
    assert 'id="igual-5000"' in page


# -- config: exit 2 ---------------------------------------------------------------------------------

CONFIG = 'title: "Arquivo de Teste"\nbase_url: https://teste.example.org/\ntimezone: America/Sao_Paulo\n'
CONFIG_ERRORS = [
    ("unknown-key", CONFIG + "titel: x\n", 4, 1, "desconhecida 'titel'", "'title'"),
    ("per-page-quoted", CONFIG + 'per_page: "10"\n', 4, 11, "per_page", "tire as aspas: per_page: 10"),
    ("per-page-zero", CONFIG + "per_page: 0\n", 4, 11, "maior que zero", "per_page: 20"),
    ("boolean-as-text", CONFIG + "allow_raw_html: sim\n", 4, 17, "booleano", "true"),
    ("title-number", CONFIG.replace('"Arquivo de Teste"', "3.10"), 1, 8, "texto", 'title: "3.10"'),
    ("base-url-no-scheme", CONFIG.replace("https://", ""), 2, 11, "URL absoluta", "https://"),
    ("base-url-broken", CONFIG.replace("teste.example.org", "[teste"), 2, 11, "não é uma URL válida", None),
    ("base-url-space", CONFIG.replace("example.org/", 'example.org/a b"').replace("base_url: ", 'base_url: "'), 2, 11,
     "não é uma URL válida", None),
    ("unknown-time-zone", CONFIG.replace("America/Sao_Paulo", "America/Sao Paulo"), 3, 11, "fuso horário", "America/Sao_Paulo"),
    ("bad-language", CONFIG + "language: pt_BR\n", 4, 11, "idioma", "pt-BR"),
    ("unknown-language", CONFIG + "language: xx-YY\n", 4, 11, "idioma desconhecido", "pt-BR"),
    ("missing-templates", CONFIG + "templates_dir: temas\n", 4, 16, "não existe", "templates_dir"),
    ("missing-base-url", 'title: "Arquivo"\n', 1, 1, "base_url", "https://"),
    ("not-a-mapping", "- title\n- base_url\n", 1, 1, "mapa", None),
    ("yaml-trap", CONFIG + "description: Python: o guia\n", 4, 20, "aspas", 'description: "Python: o guia"'),
    ("duplicate-key", CONFIG + 'title: "Outro"\n', 4, 1, "duas vezes", None),
    ("latin-1", (CONFIG + 'description: "Not\xedcias"\n').encode("latin-1"), 4, 18, "UTF-8", "iconv"),
]


@pytest.mark.parametrize("text, line, col, needle, hint", [pytest.param(*c[1:], id=c[0]) for c in CONFIG_ERRORS])
def test_config_error(built, capsys, text, line, col, needle, hint):
    site, before = built
    site.write("site.yaml", text)
    code, lines, _ = build(site, capsys)
    assert code == 2, lines
    m = find(lines, "site.yaml", line, col, needle)
    if hint:
        assert hint in m["hint"], m.group(0)
    assert_intact(site, before)


def test_config_reports_every_problem_at_once(built, capsys):
    site, before = built
    site.write("site.yaml", CONFIG.replace("America/Sao_Paulo", "Marte/Base") + 'titel: x\nper_page: "10"\n')
    code, lines, _ = build(site, capsys)
    assert code == 2
    for needle in ("fuso horário", "titel", "per_page"):
        find(lines, "site.yaml", None, None, needle)
    assert lines[-1].startswith("A construção falhou: 3 erros")
    assert_intact(site, before)


def test_config_that_is_a_folder(built, capsys):
    site, before = built
    code, lines, _ = build(site, capsys, "--config", "content")
    assert code == 2
    find(lines, "content", None, None, "é uma pasta")
    assert_intact(site, before)


def test_raw_html_is_escaped_unless_the_site_opts_in(site, capsys):
    site.write("content/a.md", fm(T, D, A, body='Antes.\n\n<aside class="nota">Nota <b>crua</b>.</aside>'))
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    page = site.read("artigos/artigo/index.html")
    assert "&lt;aside class=&quot;nota&quot;&gt;" in page and '<aside class="nota">' not in page
    site.config(allow_raw_html=True)
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    assert '<aside class="nota">Nota <b>crua</b>.</aside>' in site.read("artigos/artigo/index.html")


# -- templates ----------------------------------------------------------------------------------------

def _insert_after_block_content(site: SiteFolder, template: str, line_text: str) -> int:
    """Insert ``line_text`` after the '{% block content %}' line of ``template``; returns its line number."""
    path = site.root / "templates" / template
    lines = path.read_text(encoding="utf-8").split("\n")
    at = next(i for i, line in enumerate(lines) if "{% block content %}" in line) + 1
    lines.insert(at, line_text)
    path.write_text("\n".join(lines), encoding="utf-8")
    return at + 1


@pytest.mark.parametrize("line_text, needle", [("<p>{{ nao_existe }}</p>", "indefinida"),
                                               ("<p>{{ doc.titulo_errado }}</p>", "indefinida"),
                                               ("{% if %}", "sintaxe"),
                                               ("{{ doc.title }", "sintaxe"),
                                               ("{{ doc.title | sem_filtro }}", "sem_filtro"),
                                               ('{% include "nao-existe.html" %}', "não encontrado"),
                                               ('<p>{{ 1 + "a" }}</p>', "TypeError"),
                                               ("<p>{{ doc.word_count // 0 }}</p>", "ZeroDivisionError")])
def test_template_error_names_file_and_line(built, capsys, line_text, needle):
    site, before = built
    line = _insert_after_block_content(site, "article.html", line_text)
    code, lines, _ = build(site, capsys)
    assert code == 1, lines
    find(lines, "templates/article.html", line, None, needle)
    assert_intact(site, before)


def test_syntax_error_in_an_included_template_names_that_file(built, capsys):
    site, before = built
    path = site.root / "templates" / "_macros.html"
    path.write_text(path.read_text(encoding="utf-8") + "\n{% for x in %}\n", encoding="utf-8")
    line = path.read_text(encoding="utf-8").count("\n")
    code, lines, _ = build(site, capsys)
    assert code == 1
    find(lines, "templates/_macros.html", line, None, "sintaxe")
    assert_intact(site, before)


@pytest.mark.parametrize("name", ["feed.xml", "robots.txt", "sem-extensao", "pagina.htm"])
def test_autoescape_does_not_depend_on_the_template_name(site, name):
    """A feed or text template is escaped like the HTML ones (Jinja's select_autoescape would skip it)."""
    from biteye_site.build import generate, BuildOptions
    from biteye_site.config import load_config
    from biteye_site.render import Renderer
    from datetime import datetime
    site.write("content/a.md", GOOD)
    site.write(f"templates/{name}", "<x>{{ valor }}</x>")
    config = load_config(site.root / "site.yaml")
    gen = generate(config, BuildOptions(now=datetime.fromisoformat(NOW), use_cache=False))
    renderer = Renderer(config, gen.site, gen.routes)
    out = renderer.env.get_template(name).render(valor="</x><script>alert(1)</script>")
    assert out == "<x>&lt;/x&gt;&lt;script&gt;alert(1)&lt;/script&gt;</x>"


# -- the output folder ----------------------------------------------------------------------------

def shown(site: SiteFolder, target: str) -> str:
    """How a folder given to --output appears in messages: relative to the folder the build runs in."""
    path = (site.root / target).resolve()
    return path.relative_to(site.root).as_posix() if path.is_relative_to(site.root) else str(path)


@pytest.fixture
def no_write(monkeypatch):
    """Refused folders must be refused before anything is written: make any write fail loudly."""
    def refuse(*args, **kwargs):
        raise AssertionError("write_site was called for a folder that should have been refused")
    monkeypatch.setattr("biteye_site.build.write_site", refuse)


@pytest.mark.parametrize("where", ["dot", "root-of-fs", "home", "project", "parent-of-project", "content",
                                   "inside-content", "templates", "static"])
@pytest.mark.parametrize("force", [False, True])
def test_dangerous_output_folder_is_refused(built, capsys, monkeypatch, no_write, where, force):
    site, before = built
    home = site.root.parent / "casa"
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    target = {"dot": ".", "root-of-fs": "/", "home": str(home), "project": str(site.root),
              "parent-of-project": str(site.root.parent), "content": "content", "inside-content": "content/saida",
              "templates": "templates", "static": "static/site"}[where]
    code, lines, _ = build(site, capsys, "--output", target, *(["--force"] if force else []))
    assert code == 2, lines
    m = find(lines, shown(site, target), None, None, "pasta de saída recusada")
    assert "public/" in m["hint"]
    assert_intact(site, before)


def test_non_empty_foreign_folder_needs_force(built, capsys):
    site, before = built
    foreign = site.root / "meus-documentos"
    foreign.mkdir()
    (foreign / "tese.txt").write_text("não apague", encoding="utf-8")
    code, lines, _ = build(site, capsys, "--output", "meus-documentos")
    assert code == 2
    m = find(lines, shown(site, "meus-documentos"), None, None, "não foi criada pelo biteye-site")
    assert "--force" in m["hint"]
    assert (foreign / "tese.txt").read_text(encoding="utf-8") == "não apague"
    assert sorted(p.name for p in foreign.iterdir()) == ["tese.txt"]
    assert_intact(site, before)
    code, lines, _ = build(site, capsys, "--output", "meus-documentos", "--force")
    assert code == 0, lines
    assert (foreign / ".biteye-site").is_file() and not (foreign / "tese.txt").exists()


def test_static_link_leaving_static_is_refused(built, capsys, tmp_path):
    site, before = built
    secret = tmp_path / "chave.txt"
    secret.write_text("segredo", encoding="utf-8")
    os.symlink(secret, site.root / "static" / "chave.txt")
    site.write("content/2026/outro.md", GOOD.replace("Artigo bom", "Outro"))
    code, lines, _ = build(site, capsys)
    assert code == 2, lines
    find(lines, "static/chave.txt", None, None, "fora da pasta")
    assert_intact(site, before)
    assert not any(b"segredo" in data for data in site.tree().values())


def test_output_that_is_a_file_is_refused(built, capsys):
    site, before = built
    site.write("saida.html", "<p>um arquivo</p>")
    code, lines, _ = build(site, capsys, "--output", "saida.html")
    assert code == 2
    find(lines, shown(site, "saida.html"), None, None, "não é uma pasta")
    assert (site.root / "saida.html").read_text(encoding="utf-8") == "<p>um arquivo</p>"
    assert_intact(site, before)


def test_empty_folder_and_generator_folder_are_accepted(built, capsys):
    site, before = built
    (site.root / "vazia").mkdir()
    code, lines, _ = build(site, capsys, "--output", "vazia")
    assert code == 0, lines
    site.write("content/2026/outro.md", GOOD.replace("Artigo bom", "Outro artigo"))
    code, lines, _ = build(site, capsys)  # public/ has the marker: replaced without --force
    assert code == 0, lines
    assert (site.public / "artigos/outro-artigo/index.html").is_file()


# -- interrupted and failed writes ----------------------------------------------------------------

@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
@pytest.mark.parametrize("change", ["one-article", "foreign-folder"])
def test_interrupted_write_keeps_previous_output(built, capsys, monkeypatch, exc, change):
    site, before = built
    args: tuple[str, ...] = ()
    if change == "one-article":  # a small change: written file by file, with a backup
        site.write("content/2026/bom.md", GOOD.replace("Um parágrafo", "Outro parágrafo"))
    else:  # a folder the generator did not make: replaced by the whole-folder swap
        shutil.rmtree(site.public)
        site.public.mkdir()
        (site.public / "antigo.txt").write_text("de antes", encoding="utf-8")
        before = site.tree()
        args = ("--force",)
    calls = {"n": 0}
    real_write = Path.write_bytes

    def flaky_write(self, data):
        calls["n"] += 1
        if calls["n"] == 2:
            raise exc(errno.ENOSPC, "No space left on device") if exc is OSError else exc()
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", flaky_write)
    code, lines, _ = build(site, capsys, *args)
    monkeypatch.undo()
    assert calls["n"] >= 2, "the write never happened"
    if exc is KeyboardInterrupt:
        assert code == 130
        assert "Interrompido" in lines[-1]
    else:
        assert code == 2
        m = find(lines, "public", None, None, "não foi possível gravar")
        assert "espaço" in m["hint"]
    assert_intact(site, before)


def test_stale_temporary_folders_of_a_killed_build_are_removed(built, capsys):
    site, before = built
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)  # a process that has exited
    for kind in ("tmp", "old", "spool"):
        (site.root / f".public.{kind}-{pid}").mkdir()
        (site.root / f".public.{kind}-{pid}" / "index.html").write_text("restos", encoding="utf-8")
    alive = site.root / f".public.tmp-{os.getppid()}"  # a running process: its folder is not ours to remove
    alive.mkdir()
    site.write("content/2026/outro.md", GOOD.replace("Artigo bom", "Outro"))
    code, lines, _ = build(site, capsys)
    assert code == 0, lines
    assert leftovers(site) == [alive.name]
    alive.rmdir()


# -- all of it at once ------------------------------------------------------------------------------

def _all_bad_inputs(site: SiteFolder) -> list[tuple[str, int | None, str]]:
    """Write one file per error kind; returns what each must produce: (path, line, needle)."""
    expected = []
    for case_id, files, problems, _ in ERRORS:
        if case_id in ("two-articles-one-url", "authors-yaml-latin-1", "authors-yaml-bad-key"):
            continue  # route conflicts are checked once content is clean; one authors.yaml per site
        for rel, text in files.items():
            name = f"{case_id}.md"
            site.write(f"content/ruins/{name}", text)
            for path, line, _col, needle in problems:
                expected.append((f"content/ruins/{name}", line, needle))
    site.write("content/authors.yaml", "Ana Teste:\n  biografia: x\n")
    expected.append(("content/authors.yaml", 2, "biografia"))
    site.write("content/ruins/enorme.md", GOOD + "x" * (3 * 1024 * 1024))
    expected.append(("content/ruins/enorme.md", None, "grande demais"))
    os.symlink("nada.md", site.content / "ruins" / "quebrado.md")
    expected.append(("content/ruins/quebrado.md", None, "quebrado"))
    for case_id, files, problems in WARNINGS:
        for rel, text in files.items():
            name = f"{case_id}.{rel.rsplit('.', 1)[1]}"
            site.write(f"content/avisos/{name}", text.replace('"Artigo"', f'"Aviso {case_id}"'))
            for path, line, _col, needle in problems:
                expected.append((f"content/avisos/{name}", line, needle))
    return expected


def test_all_bad_inputs_at_once(built, capsys):
    site, before = built
    expected = _all_bad_inputs(site)
    code, lines, _ = build(site, capsys)
    assert code == 1
    *messages, summary = lines
    for line in messages:
        assert LINE.match(line), f"not 'path:line:col: message — hint': {line!r}"
    for path, line, needle in expected:
        hits = [m for m in map(LINE.match, messages) if m and m["path"] == path and needle.lower() in m.group(0).lower()
                and (line is None or m["line"] == str(line))]
        assert len(hits) == 1, (path, line, needle, [m for m in messages if path in m])
    # one message per problem: nothing else was reported
    assert len(messages) == len(expected), "\n".join(messages)
    errors = sum(1 for m in messages if ": aviso: " not in m)
    warnings = len(messages) - errors
    assert summary == f"A construção falhou: {errors} erros e {warnings} avisos; a saída anterior não foi alterada."
    assert_intact(site, before)


def test_no_traceback_reaches_the_editor(make_site):
    """The same folder through the real command in a subprocess: messages, never a traceback."""
    site = make_site()
    site.write("content/bom.md", GOOD)
    _all_bad_inputs(site)
    result = site.run("build", "--now", NOW)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr and "erro interno" not in result.stderr
    assert messages(result.stderr)[-1].startswith("A construção falhou:")
    for config_case in CONFIG_ERRORS:
        site.write("site.yaml", config_case[1])
        result = site.run("build", "--now", NOW)
        assert result.returncode == 2, (config_case[0], result.stderr)
        assert "Traceback" not in result.stderr and "erro interno" not in result.stderr, result.stderr


def test_size_limit_is_exact_and_files_are_read_whole(tmp_path):
    """discover() reads each file by the size stat() gave, then on to the limit: a file of
    exactly max_file_size bytes is read whole, one byte more is refused."""
    from biteye_site.discover import discover
    content = tmp_path / "content"
    content.mkdir()
    body = (GOOD + "y" * 5000).encode()
    (content / "a.md").write_bytes(body)
    (content / "b.md").write_bytes(body + b"z")
    sources, problems = discover(content, tmp_path, len(body))
    assert [s.rel_path for s in sources] == ["a.md"]
    assert sources[0].data == body
    assert [(p.path, "grande demais" in p.message) for p in problems] == [("content/b.md", True)]
