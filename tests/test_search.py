"""Site search without a browser: what the build puts in the Pagefind index, and how it behaves.

The browser side (typing queries, filters, axe-core) is in test_search_browser.py.
"""

from __future__ import annotations

import gzip
import json
import re
import sys
import textwrap
from pathlib import Path

import pytest

from biteye_site.search import _read_pf, canonical_bundle

SITE_WORD = "Zumbalândia"          # the site title: header, <title> and footer of every page, never in an article
FOOTER_WORD = "Xilofônico"         # only in the site description (footer, home page)


def search_site(make_site, name=None, **config):
    site = make_site(name)
    site.config(search=True, title=SITE_WORD, description=f"Um arquivo {FOOTER_WORD} de testes.", **config)
    return site


def add_articles(site):
    site.add("2026/lideranca.md", title="Crise de liderança na Cooperativa Tucunaré", date="2026-03-05T10:00:00-03:00",
             authors=["Beatriz Lemos"], tags=["Mercado", "Gestão"],
             body="A liderança da cooperativa fictícia mudou de mãos.\n\n## Um segundo bloco\n\nTexto do corpo.")
    site.add("2025/modelo.md", title="Um modelo de previsão do tempo", date="2025-07-01T08:00:00-03:00",
             authors=["Caio Nunes", "Joana Prado"], tags=["Ciência"],
             body="O modelo fictício erra pouco nas previsões de chuva.")
    site.add("2024/antigo.md", title="Arquivo de 2024", date="2024-01-15T12:00:00-03:00", authors=["Caio Nunes"],
             tags=["Mercado"], body="Uma nota curta e antiga.")


def fragments(public: Path) -> dict[str, dict]:
    """URL → the record Pagefind keeps for that page (content, filters, meta)."""
    out = {}
    for path in sorted((public / "pagefind" / "fragment").iterdir()):
        raw = gzip.decompress(path.read_bytes())
        assert raw.startswith(b"pagefind_dcd")
        record = json.loads(raw[len(b"pagefind_dcd"):])
        out[record["url"]] = record
    return out


def language_meta(public: Path):
    entry = json.loads((public / "pagefind" / "pagefind-entry.json").read_text())
    assert list(entry["languages"]) == ["pt-br"], entry     # Portuguese index (stemmer), from <html lang>
    info = entry["languages"]["pt-br"]
    return info, _read_pf((public / "pagefind" / f"pagefind.{info['hash']}.pf_meta").read_bytes())


# -- search off --------------------------------------------------------------------------------

def test_search_is_off_by_default_and_leaves_no_trace(site):
    site.add("a.md", title="Um artigo")
    assert site.build("--quiet") == 0
    tree = site.tree()
    assert not any(p.startswith(("busca/", "pagefind/")) for p in tree)
    home = site.read("index.html")
    assert "busca" not in home and "pagefind" not in home
    assert 'action="/busca/"' not in site.read("artigos/um-artigo/index.html")


BLOCK_PAGEFIND = textwrap.dedent("""
    import sys
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in ("pagefind", "pagefind_bin"):
                raise ImportError("blocked for the test: " + name)
    sys.meta_path.insert(0, Block())
    from biteye_site.cli import main
    sys.exit(main(sys.argv[1:]))
""")


def run_without_pagefind(site, *args):
    """The CLI in a Python where importing Pagefind fails, as on a machine without the extra."""
    import subprocess
    return subprocess.run([sys.executable, "-c", BLOCK_PAGEFIND, "build", "--now", "2026-11-01T12:00:00-03:00", *args],
                          cwd=site.root, capture_output=True, text=True, timeout=120,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": ":".join(sys.path)})


def test_search_off_builds_without_pagefind_installed(site):
    site.add("a.md", title="Um artigo")
    result = run_without_pagefind(site)
    assert result.returncode == 0, result.stderr
    assert (site.public / "artigos/um-artigo/index.html").is_file()


def test_search_on_without_pagefind_is_a_clear_error_that_keeps_the_old_site(make_site):
    site = search_site(make_site)
    site.add("a.md", title="Um artigo")
    site.config(search=False)
    assert site.build("--quiet") == 0
    before = site.tree()
    site.config(search=True)
    result = run_without_pagefind(site)
    assert result.returncode == 2, result.stderr
    assert "a busca está ligada (search: true), mas o Pagefind não está instalado" in result.stderr
    assert "pip install 'biteye-site[search]'" in result.stderr
    assert "search: false" in result.stderr
    assert "Traceback" not in result.stderr
    assert site.tree() == before


# -- what the index holds -------------------------------------------------------------------------

@pytest.fixture
def built(make_site):
    site = search_site(make_site)
    add_articles(site)
    assert site.build("--quiet") == 0
    return site


def test_search_page_bundle_and_header_form(built):
    tree = built.tree()
    assert "busca/index.html" in tree
    assert "pagefind/pagefind.js" in tree and "pagefind/pagefind-entry.json" in tree
    assert any(p.startswith("pagefind/wasm.pt-br") for p in tree)
    # Pagefind's own ready-made interfaces are not shipped: the site has its own.
    assert not [p for p in tree if re.search(r"pagefind-(ui|modular-ui|component-ui|highlight)\.", p)]
    page = built.read("busca/index.html")
    assert 'src="/static/js/search.js"' in page and 'href="/static/css/search.css"' in page
    assert 'data-bundle="/pagefind/"' in page
    assert 'role="status"' in page and 'aria-live="polite"' in page
    assert '<label for="busca-q">' in page and 'id="busca-q" name="q"' in page
    assert "Nenhum" not in page                     # the message comes from a search, not the markup
    # Without JavaScript: an explanation and the ways that always work.
    fallback = page[page.index("data-search-fallback"):page.index("data-search-form")]
    assert "precisa de JavaScript" in fallback
    for href in ('href="/tags/"', 'href="/arquivo/"', 'href="/autores/"'):
        assert href in fallback
    for rel in ("index.html", "artigos/crise-de-lideranca-na-cooperativa-tucunare/index.html", "tags/index.html"):
        html = built.read(rel)
        form = re.search(r'<form class="site-search".*?</form>', html, re.S)
        assert form, rel
        assert 'action="/busca/"' in form[0] and 'method="get"' in form[0]
        assert re.search(r'<label[^>]*for="busca-topo"', form[0]) and 'id="busca-topo" name="q"' in form[0]
        # Other pages never load the search code or the index.
        assert "search.js" not in html and "pagefind" not in html.replace("data-pagefind", "")
    assert 'class="site-search"' not in page        # /busca/ has its own form, not a second one


def test_index_holds_articles_only_with_title_and_body_but_no_page_furniture(built):
    records = fragments(built.public)
    assert sorted(records) == ["/artigos/arquivo-de-2024/", "/artigos/crise-de-lideranca-na-cooperativa-tucunare/",
                               "/artigos/um-modelo-de-previsao-do-tempo/"]
    info, meta = language_meta(built.public)
    assert info["page_count"] == 3
    lead = records["/artigos/crise-de-lideranca-na-cooperativa-tucunare/"]
    text = lead["content"]
    assert text.startswith("Crise de liderança na Cooperativa Tucunaré.")
    assert "mudou de mãos" in text and "Um segundo bloco" in text
    for outside in (SITE_WORD, FOOTER_WORD, "Pular para o conteúdo", "Início", "Autores", "Feed Atom",
                    "Beatriz Lemos", "min de leitura", "Gestão", "Leia também", "março"):
        assert outside not in text, outside
    for record in records.values():
        assert SITE_WORD not in record["content"] and FOOTER_WORD not in record["content"]
    assert lead["filters"] == {"autor": ["Beatriz Lemos"], "tag": ["Mercado", "Gestão"]}
    assert lead["meta"]["title"] == "Crise de liderança na Cooperativa Tucunaré"
    assert lead["meta"]["data"] == "5 de março de 2026"
    assert lead["meta"]["data_iso"] == "2026-03-05T10:00:00-03:00"
    two = records["/artigos/um-modelo-de-previsao-do-tempo/"]
    assert two["filters"]["autor"] == ["Caio Nunes", "Joana Prado"]


def test_filters_and_date_sort_are_in_the_language_index(built):
    records = fragments(built.public)
    _, meta = language_meta(built.public)
    version, pages, chunks, filters, sorts = meta[:5]
    assert version == json.loads((built.public / "pagefind/pagefind-entry.json").read_text())["version"]
    assert [name for name, _ in filters] == ["autor", "tag"]
    by_filter = {}
    for name, digest in filters:
        filter_name, values = _read_pf((built.public / "pagefind" / "filter" / f"{digest}.pf_filter").read_bytes())
        assert filter_name == name
        assert [v for v, _ in values] == sorted(v for v, _ in values)        # canonical order
        by_filter[name] = {v: len(p) for v, p in values}
    assert by_filter["tag"] == {"Ciência": 1, "Gestão": 1, "Mercado": 2}
    assert by_filter["autor"] == {"Beatriz Lemos": 1, "Caio Nunes": 2, "Joana Prado": 1}
    # The sort key orders pages oldest → newest by publication time.
    (name, order), = sorts
    assert name == "data"
    page_hashes = [h for h, _ in pages]
    by_hash = {}
    for path in (built.public / "pagefind" / "fragment").iterdir():
        by_hash[path.name.removesuffix(".pf_fragment")] = json.loads(gzip.decompress(path.read_bytes())[12:])
    dates = [by_hash[page_hashes[i]]["meta"]["data_iso"] for i in order]
    assert dates == ["2024-01-15T12:00:00-03:00", "2025-07-01T08:00:00-03:00", "2026-03-05T10:00:00-03:00"]


def test_same_site_same_bundle_whatever_the_process(make_site):
    """Pagefind's own output varies between runs (hash-map order); the stage makes it byte-identical."""
    site = search_site(make_site)
    for i in range(12):
        site.add(f"a{i}.md", title=f"Artigo {i}", date=f"2026-02-{i + 1:02d}T10:00:00-03:00",
                 authors=[f"Autora {i % 5}"], tags=[f"Tag {i % 7}", f"Outra {i % 3}"], body=f"Texto número {i}.")
    trees = []
    for seed in ("1", "2", "3"):
        result = site.run("build", "--now", "2026-11-01T12:00:00-03:00", "--no-cache", "--output", f"out{seed}",
                          env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        out = site.root / f"out{seed}"
        trees.append({p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert trees[0] == trees[1] == trees[2]
    assert sum(1 for p in trees[0] if p.startswith("pagefind/filter/")) == 2


def test_canonical_bundle_leaves_an_unknown_format_alone():
    odd = {"pagefind-entry.json": b'{"version":"9","languages":{"xx":{"hash":"xx_1"}}}',
           "pagefind.xx_1.pf_meta": gzip.compress(b"not cbor at all")}
    assert canonical_bundle(odd) == odd
    assert canonical_bundle({}) == {}


def test_build_summary_reports_index_size_and_time(built, capsys):
    built.add("2026/outro.md", title="Mais um artigo", body="Conteúdo novo para reindexar.")
    assert built.build() == 0
    out = capsys.readouterr().out
    found = re.search(r"Busca: índice de (\d+(?:,\d)?) (kB|MB) gerado em (\d+\.\d\d) s\.", out)
    assert found, out
    total = sum(len(b) for p, b in built.tree().items() if p.startswith("pagefind/"))
    shown = float(found[1].replace(",", ".")) * (1e3 if found[2] == "kB" else 1e6)
    assert abs(shown - total) <= (500 if found[2] == "kB" else 50_000)
    assert "indexar busca" in out


def test_unchanged_rebuild_summary_with_search_on(built, capsys):
    """The index was reused, not made: the summary says nothing about it (and does not crash)."""
    capsys.readouterr()
    assert built.build() == 0
    out = capsys.readouterr().out
    assert "0 gravados" in out and "verificar" in out
    assert "Busca:" not in out


def test_incremental_builds_keep_the_index_in_step_with_the_articles(built):
    """Rebuilding with the cache gives the same bundle a cold build would: reused, updated, shrunk."""
    def bundle():
        return {p: b for p, b in built.tree().items() if p.startswith("pagefind/")}

    first = bundle()
    assert built.build("--quiet") == 0                     # nothing changed: the bundle is reused as is
    assert bundle() == first
    built.add("2024/antigo.md", title="Arquivo de 2024", date="2024-01-15T12:00:00-03:00", authors=["Caio Nunes"],
              tags=["Mercado"], body="Uma nota curta e antiga sobre ornitorrincos.")
    assert built.build("--quiet") == 0
    assert "ornitorrincos" in fragments(built.public)["/artigos/arquivo-de-2024/"]["content"]
    (built.content / "2025/modelo.md").unlink()
    assert built.build("--quiet") == 0
    warm = bundle()
    assert "/artigos/um-modelo-de-previsao-do-tempo/" not in fragments(built.public)
    assert built.build("--quiet", "--no-cache", "--output", "frio") == 0
    cold = {p.relative_to(built.root / "frio").as_posix(): p.read_bytes()
            for p in sorted((built.root / "frio" / "pagefind").rglob("*")) if p.is_file()}
    assert warm == cold


def test_search_under_a_sub_path(make_site):
    site = search_site(make_site, base_url="https://exemplo.org/arquivo-sub/")
    add_articles(site)
    assert site.build("--quiet") == 0
    page = site.read("busca/index.html")
    assert 'data-base="/arquivo-sub/"' in page and 'data-bundle="/arquivo-sub/pagefind/"' in page
    assert 'src="/arquivo-sub/static/js/search.js"' in page
    assert 'action="/arquivo-sub/busca/"' in site.read("index.html")
    # Pagefind stores site-relative URLs; search.js puts data-base in front (checked in the browser tests).
    assert "/artigos/um-modelo-de-previsao-do-tempo/" in fragments(site.public)


def test_search_on_with_no_articles_still_builds(make_site):
    site = search_site(make_site)
    assert site.build("--quiet") == 0
    assert (site.public / "busca/index.html").is_file()
    assert not (site.public / "pagefind").exists()
