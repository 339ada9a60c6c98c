"""The edit path (edits.py): a build after only article bodies changed renders just their
pages and feeds. Whenever it applies, the output must equal a cold build, byte for byte;
whenever anything else changed, the full build must run instead."""

from __future__ import annotations

import os

import pytest

from biteye_site.build import BuildOptions, build
from biteye_site.config import load_config
from biteye_site.edits import templates_fit
from biteye_site.errors import ContentError
from test_incremental import NOW, assert_same_as_cold, populate, tree

NEWEST = "2026/recente.md"


def rebuild(site):
    return build(load_config(site.root / "site.yaml"), BuildOptions(now=NOW, output=site.public))


def path_taken(report) -> str:
    return {"editar": "edit", "verificar": "no-change"}.get(report.timings[0][0], "full")


def append(site, rel: str, text: str = "\n\nUm parágrafo novo, inventado para o teste.\n") -> None:
    path = site.content / rel
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def add_to_article_template(site, markup: str) -> None:
    """Put ``markup`` at the start of article.html's content block."""
    template = site.root / "templates" / "article.html"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "{% block content %}", "{% block content %}" + markup, 1), encoding="utf-8")


def assert_text_edit_takes_the_full_path(site, tmp_path) -> None:
    """After a theme change (built once), a text edit must not take the edit path, and match a cold build."""
    rebuild(site)
    append(site, "2025/artigo-010.md")
    assert path_taken(rebuild(site)) == "full"
    assert_same_as_cold(site, tmp_path)


@pytest.fixture
def built(site):
    populate(site, 60)
    site.add(NEWEST, title="A notícia mais recente", date="2026-10-31T10:00:00-03:00",
             authors=["Ana Fictícia"], tags=["Nuvem", "Dados"], summary="Resumo fixo.",
             body="## Contexto\n\nTexto inventado.\n\n## Mais\n\nOutro parágrafo.")
    assert path_taken(rebuild(site)) == "full"
    return site


def test_body_edit_of_the_newest_article_replaces_its_page_and_feeds(built, tmp_path):
    append(built, NEWEST)
    report = rebuild(built)
    assert path_taken(report) == "edit"
    # Its page, the site's feed, two tag feeds and its author's feed.
    assert report.rendered == 5 and report.written == 5
    assert "Um parágrafo novo, inventado" in built.read("artigos/a-noticia-mais-recente/index.html")
    assert "Um parágrafo novo, inventado" in built.read("feed.xml")
    assert_same_as_cold(built, tmp_path)
    assert path_taken(rebuild(built)) == "no-change"


def test_body_edit_leaves_every_other_file_alone(built):
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.public.rglob("*") if p.is_file()}
    append(built, "2025/artigo-010.md")
    report = rebuild(built)
    assert path_taken(report) == "edit"
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.public.rglob("*") if p.is_file()}
    changed = sorted(p.relative_to(built.public).as_posix() for p in before if before[p] != after[p])
    assert "artigos/noticia-ficticia-numero-10/index.html" in changed
    assert all(p.endswith("feed.xml") or p.startswith("artigos/noticia-ficticia-numero-10/") for p in changed), changed
    assert len(changed) == report.written


def test_consecutive_edits_a_revert_and_then_a_template_change(built, tmp_path):
    original = (built.content / "2024/artigo-003.md").read_text(encoding="utf-8")
    append(built, "2024/artigo-003.md")
    assert path_taken(rebuild(built)) == "edit"
    append(built, "2026/artigo-005.md", "\n\nOutra correção, no meio do texto.\n")
    assert path_taken(rebuild(built)) == "edit"
    assert_same_as_cold(built, tmp_path)
    (built.content / "2024/artigo-003.md").write_text(original, encoding="utf-8")
    assert path_taken(rebuild(built)) == "edit"
    assert_same_as_cold(built, tmp_path)
    template = built.root / "templates" / "base.html"
    template.write_text(template.read_text(encoding="utf-8").replace("Pular para o conteúdo", "Ir ao conteúdo"),
                        encoding="utf-8")
    assert path_taken(rebuild(built)) == "full"
    assert_same_as_cold(built, tmp_path)


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.replace("Notícia fictícia número 7", "Outro título"), id="title-and-so-slug"),
    pytest.param(lambda t: t.replace("2025-08-08T", "2025-08-09T"), id="date"),
    pytest.param(lambda t: t.replace("2025-08-08T15:00:00-03:00", "2025-08-08T18:00:00+00:00"), id="same-instant-other-offset"),
    pytest.param(lambda t: t.replace("\n---\n", "\nupdated: 2025-09-01T10:00:00-03:00\n---\n", 1), id="updated"),
    pytest.param(lambda t: t.replace('"Código aberto"', '"Redes"'), id="tag"),
    pytest.param(lambda t: t.replace('"Código aberto"', '"Código Aberto"'), id="tag-spelling"),
    pytest.param(lambda t: t.replace('"Bruno Exemplo"', '"Ana Fictícia"'), id="author"),
    pytest.param(lambda t: t.replace("\n---\n", "\ndraft: true\n---\n", 1), id="draft"),
])
def test_a_change_that_moves_an_article_takes_the_full_path(built, tmp_path, change):
    """Its place in the lists, its address or its sitemap date: the full build places it."""
    path = built.content / "2025/artigo-007.md"
    text = path.read_text(encoding="utf-8")
    assert change(text) != text
    path.write_text(change(text), encoding="utf-8")
    assert path_taken(rebuild(built)) == "full"
    assert_same_as_cold(built, tmp_path)


def with_slug(site, rel: str, slug: str) -> None:
    path = site.content / rel
    path.write_text(path.read_text(encoding="utf-8").replace("\n---\n", f"\nslug: {slug}\n---\n", 1), encoding="utf-8")


@pytest.mark.parametrize("change", [
    pytest.param(lambda t: t.replace("Notícia fictícia número 7", "Manchete corrigida"), id="title-with-a-slug"),
    pytest.param(lambda t: t.replace("\n---\n", "\nsummary: Um resumo novo.\n---\n", 1), id="summary"),
    pytest.param(lambda t: t.replace("\n---\n", "\nassunto_extra: sim\n---\n", 1), id="unknown-key"),
    pytest.param(lambda t: t.replace("\n---\n", "\nimage: /static/img/capa.png\n---\n", 1), id="image"),
    pytest.param(lambda t: t + "\n\n" + "palavra " * 400, id="reading-time"),
    pytest.param(lambda t: t.replace("Texto inventado do artigo 7", "Mudou o primeiro parágrafo"), id="first-paragraph"),
    pytest.param(lambda t: t.replace("Notícia fictícia número 7", "Manchete corrigida") + "\n\nE o texto.\n",
                 id="title-and-text"),
])
def test_a_change_to_what_lists_show_takes_the_edit_path(built, tmp_path, change):
    """The article stays where it was: its page, its neighbours', the related articles that
    name it, the list pages it is on, its year and the feeds are made again, as a cold build makes them."""
    rel = "2025/artigo-007.md"
    with_slug(built, rel, "numero-sete")
    assert path_taken(rebuild(built)) == "full"
    before = tree(built.public)
    path = built.content / rel
    text = path.read_text(encoding="utf-8")
    assert change(text) != text
    path.write_text(change(text), encoding="utf-8")
    report = rebuild(built)
    assert path_taken(report) == "edit"
    assert_same_as_cold(built, tmp_path)
    changed = sorted(k for k, v in tree(built.public).items() if before.get(k) != v)
    assert len(changed) == report.written, "equal pages are not written again"
    if "Manchete corrigida" in change(text):
        shown = sorted(k for k, v in tree(built.public).items() if "Manchete corrigida".encode() in v)
        # its page, the home page it is on, its tags' and its author's pages, its month and year…
        for page in ("artigos/numero-sete/index.html", "arquivo/2025/index.html", "arquivo/2025/08/index.html",
                     "tags/codigo-aberto/index.html", "autores/bruno-exemplo/index.html"):
            assert page in shown, page
        assert any(k.startswith("pagina/") for k in shown), "a home page after the first"
        assert set(shown) <= set(changed)
    assert path_taken(rebuild(built)) == "no-change"


def test_headline_edits_in_a_row_and_a_revert(built, tmp_path):
    """Each edit build leaves what it changed for the next: reverting the first headline
    must render the list pages again, though they now differ from the last full build's."""
    rel = "2025/artigo-010.md"
    with_slug(built, rel, "dez")
    rebuild(built)
    path = built.content / rel
    original = path.read_text(encoding="utf-8")
    for title in ("Primeira correção", "Segunda correção"):
        path.write_text(original.replace("Notícia fictícia número 10", title), encoding="utf-8")
        assert path_taken(rebuild(built)) == "edit"
        assert title in built.read("arquivo/2025/index.html")
        assert_same_as_cold(built, tmp_path)
    path.write_text(original, encoding="utf-8")
    assert path_taken(rebuild(built)) == "edit"
    assert "Segunda correção" not in built.read("arquivo/2025/index.html")
    assert_same_as_cold(built, tmp_path)


def test_a_new_headline_among_the_newest_is_on_the_404_page(built, tmp_path):
    rel = "2026/artigo-020.md"  # the second newest, out of the news sitemap's two days
    with_slug(built, rel, "vinte")
    rebuild(built)
    assert "Notícia fictícia número 20" in built.read("404.html")
    path = built.content / rel
    path.write_text(path.read_text(encoding="utf-8").replace("Notícia fictícia número 20", "Vinte, corrigida"),
                    encoding="utf-8")
    assert path_taken(rebuild(built)) == "edit"
    assert "Vinte, corrigida" in built.read("404.html") and "Vinte, corrigida" in built.read("index.html")
    assert_same_as_cold(built, tmp_path)


def test_a_new_headline_in_the_news_window_takes_the_full_path(built, tmp_path):
    with_slug(built, NEWEST, "recente")
    rebuild(built)
    path = built.content / NEWEST
    path.write_text(path.read_text(encoding="utf-8").replace("A notícia mais recente", "Outra manchete"), encoding="utf-8")
    assert path_taken(rebuild(built)) == "full"
    assert "Outra manchete" in built.read("sitemap-news.xml")
    assert_same_as_cold(built, tmp_path)


@pytest.mark.parametrize("template, markup", [
    ("tag.html", "{{ tag.documents[0].title }}"),
    ("index.html", "{{ site.tags | length }}"),
    ("archive_year.html", "{% for t in site.tags %}{{ t.name }}{% endfor %}"),
    ("404.html", "{% for d in site.documents %}{{ d.title }}{% endfor %}"),
    ("404.html", "{{ site.documents.count(none) }} {{ site.documents == () }}"),
    ("_card.html", "{{ site.related | length }}"),
])
def test_a_list_template_reading_what_the_partial_site_lacks_takes_the_full_path(built, tmp_path, template, markup):
    page = built.root / "templates" / template
    text = page.read_text(encoding="utf-8")
    page.write_text(text.replace("{% block content %}", "{% block content %}" + markup, 1) if "{% block content %}" in text
                    else text.replace("<li", "<li data-x=\"" + markup + "\"", 1), encoding="utf-8")
    with_slug(built, "2025/artigo-010.md", "dez")
    rebuild(built)
    path = built.content / "2025/artigo-010.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Notícia fictícia número 10", "Dez, corrigida"),
                    encoding="utf-8")
    assert path_taken(rebuild(built)) == "full"
    assert_same_as_cold(built, tmp_path)
    append(built, "2025/artigo-010.md")
    assert path_taken(rebuild(built)) == "edit", "a text edit makes no list page"
    assert_same_as_cold(built, tmp_path)


@pytest.mark.parametrize("between", ["check", "failed-build", "killed-build"])
def test_an_edit_before_a_check_or_a_failed_build_is_not_lost(built, tmp_path, between):
    """`biteye-site check` and a build that fails both read content/ with the cache, and
    record the hashes they read; the edit path must still compare with what the last
    full build published, or the article edited before them keeps its old page."""
    from biteye_site.cli import main as cli_main
    append(built, "2025/artigo-010.md", "\n\nCorreção feita antes da verificação.\n")
    if between == "check":
        old = os.getcwd()
        os.chdir(built.root)
        try:
            assert cli_main(["check", "--now", NOW.isoformat()]) == 0
        finally:
            os.chdir(old)
    elif between == "killed-build":
        # Killed (as by SIGKILL) once its documents are parsed and stored, before it writes anything.
        import subprocess
        import sys
        moved = built.content / "2024/artigo-006.md"
        original = moved.read_text(encoding="utf-8")
        moved.write_text(original.replace('tags: [', 'tags: ["Outro assunto", ', 1), encoding="utf-8")  # the full build
        code = ("import os, sys; import biteye_site.cache as c; "
                "c.BuildCache.put_cards = lambda *a, **k: os._exit(9); "
                "from biteye_site.cli import main; main(sys.argv[1:])")
        run = subprocess.run([sys.executable, "-c", code, "build", "--now", NOW.isoformat(), "--output", str(built.public)],
                             cwd=built.root, capture_output=True, text=True, timeout=300)
        assert run.returncode == 9, run.stderr
        moved.write_text(original, encoding="utf-8")
    else:
        broken = built.content / "2024/artigo-006.md"
        original = broken.read_text(encoding="utf-8")
        broken.write_text("---\ntitle: [sem fim\n---\nTexto.\n", encoding="utf-8")
        with pytest.raises(ContentError):
            rebuild(built)
        broken.write_text(original, encoding="utf-8")
    append(built, "2024/artigo-003.md")
    rebuild(built)
    assert "Correção feita antes da verificação." in built.read("artigos/noticia-ficticia-numero-10/index.html")
    assert_same_as_cold(built, tmp_path)


def test_new_link_to_another_article_is_resolved(built, tmp_path):
    append(built, "2025/artigo-010.md", "\n\nVeja também [o artigo três](../2024/artigo-003.md#detalhes).\n")
    assert path_taken(rebuild(built)) == "edit"
    assert 'href="/artigos/noticia-ficticia-numero-3/#detalhes"' in built.read("artigos/noticia-ficticia-numero-10/index.html")
    assert_same_as_cold(built, tmp_path)


def test_new_link_to_a_missing_article_is_an_error_and_the_site_is_kept(built):
    before = tree(built.public)
    append(built, "2025/artigo-010.md", "\n\nVeja [isto](../2024/nao-existe.md).\n")
    with pytest.raises(ContentError) as info:
        rebuild(built)
    assert "2025/artigo-010.md" in str(info.value.problems[0].format()) and "não existe" in info.value.problems[0].format()
    assert tree(built.public) == before


def test_warning_anywhere_takes_the_full_path_and_is_reported_again(built, tmp_path):
    append(built, "2024/artigo-003.md", "\n\n[clique](javascript:alert(1))\n")
    first = rebuild(built)
    assert first.warnings and path_taken(first) == "full"
    append(built, "2025/artigo-010.md")
    second = rebuild(built)
    assert path_taken(second) == "full"
    assert [w.format() for w in second.warnings] == [w.format() for w in first.warnings]
    assert_same_as_cold(built, tmp_path)


def test_an_article_template_that_reads_the_whole_site_takes_the_full_path(built, tmp_path):
    add_to_article_template(built, "<p>{{ site.documents | length }} artigos no arquivo</p>")
    assert_text_edit_takes_the_full_path(built, tmp_path)


def test_a_page_edited_by_hand_in_the_output_takes_the_full_path(built, tmp_path):
    page = built.public / "tags/nuvem/index.html"
    page.write_text("editado à mão", encoding="utf-8")
    append(built, "2025/artigo-010.md")
    assert path_taken(rebuild(built)) == "full"
    assert_same_as_cold(built, tmp_path)


def test_a_new_file_takes_the_full_path(built, tmp_path):
    append(built, "2025/artigo-010.md")
    built.add("2026/outro.md", title="Mais um", date="2026-03-01T10:00:00-03:00", authors=["Ana Fictícia"],
              tags=["Nuvem"], body="Novo.")
    assert path_taken(rebuild(built)) == "full"
    assert_same_as_cold(built, tmp_path)


def test_templates_fit(site):
    config = load_config(site.root / "site.yaml")
    assert templates_fit(config), "the project's own article template reads only site.reference_time"
    article = site.root / "templates" / "article.html"
    original = article.read_text(encoding="utf-8")
    for bad in ["{{ site.tags | length }}", "{% set s = site %}{{ s.reference_time }}", "{{ site['documents'] }}",
                "{% include name_of_template %}"]:
        article.write_text(original.replace("{% block content %}", "{% block content %}" + bad, 1), encoding="utf-8")
        assert not templates_fit(config), bad
    article.write_text(original, encoding="utf-8")
    base = site.root / "templates" / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("<body", "{{ site.authors }}<body", 1), encoding="utf-8")
    assert not templates_fit(config), "a template the article extends is read too"


@pytest.mark.parametrize("reads", [
    "{{ (tag_for(doc.tags[0]).documents | first).title }} na tag",
    "{% for other in author_for(doc.authors[0]).documents %}{{ other.title }}{% endfor %} do autor",
    "{% if newer %}{% for other in related(newer) %}{{ other.title }}{% endfor %}{% endif %}",
])
def test_a_template_reading_data_the_partial_site_lacks_is_not_rendered_from_it(built, tmp_path, reads):
    """Beyond `site`: tags' and authors' article lists, other articles' related links. The
    edit path's site refuses them, so the full build renders the page instead."""
    add_to_article_template(built, "<p>" + reads + "</p>")
    assert_text_edit_takes_the_full_path(built, tmp_path)


def test_how_many_articles_a_tag_or_author_has_is_known_to_the_edit_path(built, tmp_path):
    add_to_article_template(built, "<p>{{ tag_for(doc.tags[0]).documents | length }} na tag, "
                                   "{{ author_for(doc.authors[0]).documents | length }} do autor</p>")
    rebuild(built)
    append(built, "2025/artigo-010.md")
    assert path_taken(rebuild(built)) == "edit"
    assert_same_as_cold(built, tmp_path)


def test_a_card_template_that_reads_the_site_is_refused_too(built, tmp_path):
    card = built.root / "templates" / "_card.html"
    card.write_text(card.read_text(encoding="utf-8").replace("<li", "<li data-total=\"{{ site.documents | length }}\"", 1),
                    encoding="utf-8")
    add_to_article_template(built, "<ul>{{ card(doc) }}</ul>")
    assert_text_edit_takes_the_full_path(built, tmp_path)


def test_a_build_that_fails_after_writing_is_not_trusted_by_the_next(built, tmp_path, monkeypatch):
    import biteye_site.build as build_module

    def broken(*args, **kwargs):
        raise RuntimeError("falha simulada depois da gravação")

    template = built.root / "templates" / "base.html"
    original = template.read_text(encoding="utf-8")
    template.write_text(original.replace("Pular para o conteúdo", "Pular — MARCA"), encoding="utf-8")
    monkeypatch.setattr(build_module, "edit_index", broken)
    with pytest.raises(RuntimeError):
        rebuild(built)
    monkeypatch.undo()
    assert "MARCA" in built.read("index.html"), "the output was written before the failure"
    template.write_text(original, encoding="utf-8")
    report = rebuild(built)
    assert path_taken(report) == "full"
    assert "MARCA" not in built.read("index.html")
    assert_same_as_cold(built, tmp_path)


def test_a_template_that_is_not_utf8_does_not_break_the_build(built, tmp_path):
    (built.root / "templates" / "antigo.html").write_bytes("<p>ação</p>".encode("latin-1"))
    add_to_article_template(built, '{% if false %}{% include "antigo.html" %}{% endif %}')
    assert_text_edit_takes_the_full_path(built, tmp_path)


def test_related_articles_are_reused_only_while_dates_and_tags_stay(built, tmp_path, monkeypatch):
    """The full build remembers related articles under a digest of the lists they come from,
    and the lists themselves, to update them around an article added, removed or retagged."""
    import biteye_site.build as build_module

    calls = []
    real = build_module.related_documents
    monkeypatch.setattr(build_module, "related_documents", lambda site: calls.append(1) or real(site))
    path = built.content / "2025/artigo-010.md"
    path.write_text(path.read_text(encoding="utf-8").replace("Notícia fictícia número 10", "Manchete nova"),
                    encoding="utf-8")
    assert path_taken(rebuild(built)) == "full" and calls == [], "a new headline (and slug) moves no related list"
    assert_same_as_cold(built, tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("tags: [", 'tags: ["Outro assunto", ', 1),
                    encoding="utf-8")
    calls.clear()  # (the cold build above computed its own)
    updates = []
    real_update = build_module.update_related
    monkeypatch.setattr(build_module, "update_related", lambda *a, **k: updates.append(1) or real_update(*a, **k))
    rebuild(built)
    assert updates == [1], "a new tag updates them around the article (tests/test_related.py)"
    assert_same_as_cold(built, tmp_path)


def build_with(site, out, *, cache: bool, **options):
    return build(load_config(site.root / "site.yaml"), BuildOptions(now=NOW, output=out, use_cache=cache, **options))


def assert_same_as_cold_with(site, tmp_path, **options) -> None:
    cold = tmp_path / f"cold-with-{len(list(tmp_path.glob('cold-with-*')))}"
    build_with(site, cold, cache=False, **options)
    assert tree(site.public) == tree(cold)


@pytest.mark.parametrize("options", [{"drafts": True}, {"future": True}, {"strict": True}], ids=lambda o: next(iter(o)))
def test_edit_path_under_build_options(site, tmp_path, options):
    populate(site, 30)
    site.add("2026/rascunho.md", title="Um rascunho", date="2026-10-20T10:00:00-03:00", authors=["Ana Fictícia"],
             tags=["Nuvem"], draft=True, body="Texto do rascunho.")
    site.add("2027/futuro.md", title="Agendado", date="2027-01-10T10:00:00-03:00", authors=["Ana Fictícia"],
             tags=["Nuvem"], body="Texto do futuro.")
    build_with(site, site.public, cache=True, **options)
    for rel in ("2026/rascunho.md", "2027/futuro.md", "2025/artigo-010.md"):
        append(site, rel)
        report = build_with(site, site.public, cache=True, **options)
        shown = (rel == "2026/rascunho.md" and options.get("drafts")) or (rel == "2027/futuro.md" and options.get("future"))
        if rel == "2025/artigo-010.md" or shown:
            assert path_taken(report) == "edit", (rel, options)
        else:
            assert path_taken(report) == "full", "an unpublished article is not in the edit index"
        assert_same_as_cold_with(site, tmp_path, **options)
    # Another option than the last build's: the full build.
    assert path_taken(build_with(site, site.public, cache=True)) == "full"


def test_edit_path_on_a_site_under_a_sub_path(site, tmp_path):
    site.config(base_url="https://org.example/arquivo/")
    populate(site, 30)
    build_with(site, site.public, cache=True)
    append(site, "2025/artigo-010.md", "\n\nVeja [o três](../2024/artigo-003.md).\n")
    assert path_taken(build_with(site, site.public, cache=True)) == "edit"
    assert 'href="/arquivo/artigos/noticia-ficticia-numero-3/"' in site.read("artigos/noticia-ficticia-numero-10/index.html")
    assert_same_as_cold(site, tmp_path)


def test_edit_of_an_article_in_the_news_window(site, tmp_path):
    populate(site, 30)
    site.add("2026/hoje.md", title="Notícia de hoje", date="2026-11-01T09:00:00-03:00", authors=["Ana Fictícia"],
             tags=["Nuvem"], summary="Resumo.", body="Primeiro texto.")
    build_with(site, site.public, cache=True)
    assert "Notícia de hoje" in site.read("sitemap-news.xml")
    append(site, "2026/hoje.md")
    assert path_taken(build_with(site, site.public, cache=True)) == "edit"
    assert_same_as_cold(site, tmp_path)
