"""Incremental builds (cache + page fingerprints) must equal a cold build, byte for byte.

Each test builds a site, changes one thing, rebuilds with the cache, and
compares the whole output tree with a cold build (no cache, fresh folder) of
the same content.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from biteye_site.build import BuildOptions, BuildReport, build
from biteye_site.cache import FILE_NAME
from biteye_site.config import load_config
from conftest import SiteFolder

NOW = datetime(2026, 11, 1, 15, 0, tzinfo=timezone.utc)
TAGS = ["Inteligência artificial", "Código aberto", "Segurança", "Nuvem", "Dados", "Hardware", "IA"]
AUTHORS = ["Ana Fictícia", "Bruno Exemplo", "Célia Teste"]


def populate(site: SiteFolder, n: int) -> None:
    for i in range(n):
        month = 1 + i % 12
        site.add(f"{2024 + i % 3}/artigo-{i:03d}.md", title=f"Notícia fictícia número {i}",
                 date=f"{2024 + i % 3}-{month:02d}-{1 + i % 27:02d}T{8 + i % 10:02d}:00:00-03:00",
                 authors=[AUTHORS[i % 3]] + ([AUTHORS[(i + 1) % 3]] if i % 4 == 0 else []),
                 tags=[TAGS[i % 7], TAGS[(i * 3 + 1) % 7]],
                 body=f"## Contexto\n\nTexto inventado do artigo {i}, sobre *modelos* e dados.\n\n"
                      f"## Detalhes\n\n- item {i}\n- outro item\n\n## Conclusão\n\nFim do artigo {i}.")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def replace_in(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def build_into(site: SiteFolder, out: Path, *, cache: bool, jobs: int = 0) -> BuildReport:
    config = load_config(site.root / "site.yaml")
    return build(config, BuildOptions(now=NOW, output=out, use_cache=cache, jobs=jobs))


def assert_same_as_cold(site: SiteFolder, tmp_path: Path) -> None:
    cold = tmp_path / f"cold-{len(list(tmp_path.glob('cold-*')))}"
    build_into(site, cold, cache=False)
    warm, fresh = tree(site.public), tree(cold)
    assert sorted(warm) == sorted(fresh), set(warm) ^ set(fresh)
    differing = [k for k in fresh if warm[k] != fresh[k]]
    assert not differing, f"incremental output differs from a cold build in {differing[:5]}"


@pytest.fixture
def built(site, tmp_path):
    populate(site, 60)
    build_into(site, site.public, cache=True)
    return site


def test_no_change_rebuild_touches_nothing(built):
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.public.rglob("*") if p.is_file()}
    config = load_config(built.root / "site.yaml")
    report = build(config, BuildOptions(now=NOW, output=built.public))
    assert report.written == 0 and report.removed == 0 and report.rendered == 0
    assert report.cache_hits == 60
    after = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in built.public.rglob("*") if p.is_file()}
    assert before == after


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_failed_first_build_keeps_what_it_parsed(site, tmp_path, jobs):
    """The build after an editor fixes the one broken article parses only that one."""
    from biteye_site.errors import ContentError
    populate(site, 60)
    site.write("content/2026/quebrado.md", "---\ntitle: [sem fim\n---\nTexto.\n")
    config = load_config(site.root / "site.yaml")
    with pytest.raises(ContentError):
        build(config, BuildOptions(now=NOW, output=site.public, jobs=jobs))
    site.add("2026/quebrado.md", title="Consertado", date="2026-02-02T10:00:00-03:00", tags=["Dados"])
    report = build(config, BuildOptions(now=NOW, output=site.public, jobs=jobs))
    assert report.cache_hits == 60 and report.articles + report.skipped_future == 61
    assert_same_as_cold(site, tmp_path)


def test_a_cache_failing_to_store_documents_does_not_hide_the_content_error(built, monkeypatch):
    """The documents parsed before a content error are stored when the build gives up;
    if SQLite fails then (a full disk), the editor still sees the content error."""
    import sqlite3

    from biteye_site.cache import BuildCache
    from biteye_site.errors import ContentError

    def full(db, items, keep):
        raise sqlite3.OperationalError("database or disk is full")
    monkeypatch.setattr(BuildCache, "_put_documents", staticmethod(full))
    (built.content / "2025/artigo-001.md").write_text("---\ntitle: [sem fim\n---\nTexto.\n", encoding="utf-8")
    with pytest.raises(ContentError):
        build_into(built, built.public, cache=True)


def test_edit_one_article(built, tmp_path):
    path = built.content / "2025/artigo-010.md"
    replace_in(path, "Notícia fictícia número 10", "Título novo e editado")
    config = load_config(built.root / "site.yaml")
    report = build(config, BuildOptions(now=NOW, output=built.public))
    assert 0 < report.rendered < report.files / 3, "only the pages that show the article are rendered again"
    assert "Título novo e editado" in built.read("index.html") or "Título novo e editado" in built.read("feed.xml")
    assert_same_as_cold(built, tmp_path)
    again = build(config, BuildOptions(now=NOW, output=built.public))
    assert again.timings[0][0] == "verificar", "after an edit, the next unchanged build takes the short path"


def test_unchanged_files_keep_mtime_after_an_edit(built):
    untouched = built.public / "artigos/noticia-ficticia-numero-50/index.html"
    stat = untouched.stat()
    path = built.content / "2024/artigo-003.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nMais um parágrafo.\n", encoding="utf-8")
    build_into(built, built.public, cache=True)
    assert untouched.stat().st_mtime_ns == stat.st_mtime_ns and untouched.stat().st_ino == stat.st_ino


def test_add_article(built, tmp_path):
    built.add("2026/novo.md", title="Artigo recém-chegado", date="2026-10-30T09:00:00-03:00",
              authors=["Autora Nova"], tags=["Nuvem", "Tema Inédito"], body="Conteúdo novo.")
    build_into(built, built.public, cache=True)
    assert (built.public / "tags/tema-inedito/index.html").is_file()
    assert_same_as_cold(built, tmp_path)


def test_delete_article(built, tmp_path):
    (built.content / "2026/artigo-005.md").unlink()
    build_into(built, built.public, cache=True)
    assert not (built.public / "artigos/noticia-ficticia-numero-5").exists()
    assert_same_as_cold(built, tmp_path)


def test_rename_source_file(built, tmp_path):
    (built.content / "2024/artigo-012.md").rename(built.content / "2024/renomeado.md")
    build_into(built, built.public, cache=True)
    assert_same_as_cold(built, tmp_path)


def test_tag_spelling_majority_flips(built, tmp_path):
    # "IA" and "Inteligência artificial" are different slugs; make "ia" spelt "Ia" the majority.
    for i in (6, 13, 20, 27, 34, 41, 48, 55):
        path = built.content / f"{2024 + i % 3}/artigo-{i:03d}.md"
        replace_in(path, '"IA"', '"Ia"')
    build_into(built, built.public, cache=True)
    assert_same_as_cold(built, tmp_path)


def test_template_change_rebuilds_affected_pages(built, tmp_path):
    base = built.root / "templates/base.html"
    replace_in(base, "Pular para o conteúdo", "Ir ao conteúdo")
    build_into(built, built.public, cache=True)
    assert "Ir ao conteúdo" in built.read("artigos/noticia-ficticia-numero-1/index.html")
    assert_same_as_cold(built, tmp_path)


def test_config_change_rebuilds(built, tmp_path):
    built.config(title="Outro Título de Site")
    build_into(built, built.public, cache=True)
    assert "Outro Título de Site" in built.read("tags/index.html")
    assert_same_as_cold(built, tmp_path)


def test_author_bio_change(built, tmp_path):
    built.write("content/authors.yaml", "Ana Fictícia:\n  bio: Repórter inventada para testes.\n")
    build_into(built, built.public, cache=True)
    assert "Repórter inventada para testes." in built.read("autores/ana-ficticia/index.html")
    assert_same_as_cold(built, tmp_path)


def test_reference_time_moves_future_article_in(built, tmp_path):
    built.add("2026/agendado.md", title="Artigo agendado", date="2026-11-05T09:00:00-03:00", tags=["Dados"])
    build_into(built, built.public, cache=True)
    assert not (built.public / "artigos/artigo-agendado").exists()
    config = load_config(built.root / "site.yaml")
    later = datetime(2026, 11, 6, tzinfo=timezone.utc)
    build(config, BuildOptions(now=later, output=built.public))
    assert (built.public / "artigos/artigo-agendado/index.html").is_file()
    cold = tmp_path / "cold-later"
    build(config, BuildOptions(now=later, output=cold, use_cache=False))
    assert tree(built.public) == tree(cold)


@pytest.mark.parametrize("damage", ["garbage", "empty", "truncated"])
def test_corrupt_cache_is_rebuilt_not_trusted(built, tmp_path, damage):
    db = built.root / ".biteye-cache" / FILE_NAME
    assert db.is_file()
    for suffix in ("-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    data = db.read_bytes()
    db.write_bytes({"garbage": b"not a database at all" * 100, "empty": b"",
                    "truncated": data[: len(data) // 3]}[damage])
    path = built.content / "2025/artigo-001.md"
    replace_in(path, "Fim do artigo 1.", "Fim alterado.")
    build_into(built, built.public, cache=True)
    assert_same_as_cold(built, tmp_path)


def _page_size(db: bytes) -> int:
    """The page size an SQLite file's header gives (1 stands for 65,536)."""
    size = int.from_bytes(db[16:18], "big")
    return 65536 if size == 1 else size


def test_cache_damaged_inside_is_found_and_rebuilt(built, tmp_path):
    """Damage to one page of parsed documents, where opening the file and reading its
    first table do not look: the whole-file check finds it (the file is no longer as the
    last build sealed it), and the cache is made again instead of failing the build."""
    folder = built.root / ".biteye-cache"
    assert (folder / (FILE_NAME + ".sealed")).is_file(), "a clean close seals the file"
    db = folder / FILE_NAME
    data = bytearray(db.read_bytes())
    at = data.find("Texto inventado do artigo 33,".encode())
    assert at > 0, "the article's parsed document is in the file"
    page = _page_size(data)
    start = at - at % page
    data[start + 8:start + page] = b"\xff" * (page - 8)  # a b-tree page still, but its cells point nowhere
    db.write_bytes(bytes(data))
    built.add("2026/novo.md", title="Um artigo novo", date="2026-05-05T10:00:00-03:00", tags=["Dados"])
    build_into(built, built.public, cache=True)  # a full build: every cached document is read
    # Found when the file was opened, the cache was made again and this build sealed it; met
    # only mid-build, it would have been turned off for the build and left unsealed.
    assert (folder / (FILE_NAME + ".sealed")).is_file(), "the whole-file check did not find the damage"
    assert_same_as_cold(built, tmp_path)


def test_parallel_build_is_byte_identical_to_single_process(site, tmp_path):
    populate(site, 80)  # above the pool's minimum, so two processes really run
    build_into(site, tmp_path / "one", cache=False, jobs=1)
    build_into(site, tmp_path / "two", cache=False, jobs=2)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_cache_damaged_during_a_build_is_not_sealed(built, tmp_path, monkeypatch):
    """Damage the build meets while reading (it appeared after the file was opened, or the
    whole-file check missed it): the cache goes off for that build, which still succeeds,
    and is not sealed, so the next build checks the file and starts a new one."""
    from biteye_site.cache import BuildCache
    folder = built.root / ".biteye-cache"
    db, seal = folder / FILE_NAME, folder / (FILE_NAME + ".sealed")
    real = BuildCache.get_documents

    def damaged_then_read(self, keys):
        data = bytearray(db.read_bytes())
        at = data.find("Texto inventado do artigo 33,".encode())
        page = _page_size(data)
        data[at - at % page + 8:at - at % page + page] = b"\xff" * (page - 8)
        with open(db, "r+b") as handle:  # in place, as a failing disk would
            handle.write(bytes(data))
        monkeypatch.setattr(BuildCache, "get_documents", real)
        return real(self, keys)
    monkeypatch.setattr(BuildCache, "get_documents", damaged_then_read)
    built.add("2026/novo.md", title="Um artigo novo", date="2026-05-05T10:00:00-03:00", tags=["Dados"])
    build_into(built, built.public, cache=True)
    assert not seal.exists(), "a cache that failed is not sealed"
    assert_same_as_cold(built, tmp_path)
    built.add("2026/outro.md", title="Mais um artigo", date="2026-05-06T10:00:00-03:00", tags=["Dados"])
    build_into(built, built.public, cache=True)
    assert seal.exists()
    assert_same_as_cold(built, tmp_path)


def test_first_build_pages_pass_from_the_workers_through_spool_files(site, tmp_path, monkeypatch):
    """A parallel first build hands pages over in files (output.Spool), a new file every
    PART bytes; the bytes are those of a one-process build, and no spool file is left."""
    from biteye_site.output import Spool
    populate(site, 80)
    copied = []
    real_copy = Spool.copy
    monkeypatch.setattr(Spool, "PART", 40_000)  # a few pages per file: files are started and deleted often
    monkeypatch.setattr(Spool, "copy", lambda self, where, target: copied.append(where) or real_copy(self, where, target))
    build_into(site, tmp_path / "two", cache=False, jobs=2)
    parts = {(pid, part) for pid, part, _, _ in copied}
    assert len({pid for pid, _ in parts}) == 2 and len(parts) > 10, parts
    build_into(site, tmp_path / "one", cache=False, jobs=1)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == [], "no spool or staging folder left"


def test_the_theme_is_compiled_while_the_workers_parse(site, tmp_path, monkeypatch):
    """A parallel first build compiles the templates in a thread during the parse stage;
    the renderer compiles none itself, and the compiled code is kept for the next build."""
    import threading

    import jinja2
    populate(site, 80)
    where = []
    real = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda self, *a, **k: where.append(threading.current_thread().name) or real(self, *a, **k))
    build_into(site, site.public, cache=True, jobs=2)
    assert where and set(where) == {"biteye-templates"}, where
    compiled = list((site.root / ".biteye-cache").glob("jinja-*/*"))
    assert len(compiled) >= 10, "what was compiled ahead is stored for the next build"
    where.clear()
    replace_in(site.content / "2025/artigo-010.md", "Notícia fictícia número 10", "Outro título")  # the full path
    build_into(site, site.public, cache=True, jobs=2)
    assert where == [], "the next build compiles nothing"
    assert_same_as_cold(site, tmp_path)


def test_a_worker_killed_mid_build_fails_the_build_instead_of_hanging(site, tmp_path, monkeypatch):
    """The out-of-memory killer takes a render worker: the pool would wait for its part
    forever. The build fails with a message, and the previous output stays."""
    import signal
    import time

    import biteye_site.parallel as parallel
    import biteye_site.render as render
    from biteye_site.errors import WorkerLost
    populate(site, 80)
    build_into(site, site.public, cache=False)
    before = tree(site.public)
    monkeypatch.setattr(parallel, "WATCH_SECONDS", 0.2)
    real = render.Renderer.render
    parent = os.getpid()

    def dies_on_a_feed(self, route):
        if route.kind == "feed" and os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return real(self, route)
    monkeypatch.setattr(render.Renderer, "render", dies_on_a_feed)
    site.add("2026/outro.md", title="Mais um", date="2026-03-01T10:00:00-03:00", tags=["Dados"])
    started = time.monotonic()
    with pytest.raises(WorkerLost) as info:
        build_into(site, site.public, cache=False, jobs=2)
    assert time.monotonic() - started < 60
    assert "falta de memória" in info.value.problems[0].format()
    assert tree(site.public) == before
    assert [p.name for p in site.root.iterdir() if p.name.startswith(".public")] == [], "no staging or spool left"


def test_a_spool_that_cannot_be_written_only_costs_time(site, tmp_path, monkeypatch):
    """A worker that fails to write a page to its spool file (a full disk) sends the page
    itself instead; the build is the same."""
    from biteye_site.output import Spool
    populate(site, 80)
    real_write = Spool.write
    calls = []

    def flaky(self, data):
        calls.append(1)
        if len(calls) % 3 == 0:
            raise OSError(28, "No space left on device")
        return real_write(self, data)
    monkeypatch.setattr(Spool, "write", flaky)
    build_into(site, tmp_path / "two", cache=False, jobs=2)
    build_into(site, tmp_path / "one", cache=False, jobs=1)
    assert tree(tmp_path / "one") == tree(tmp_path / "two")


def test_output_moved_by_hand_is_not_trusted(built, tmp_path):
    page = built.public / "artigos/noticia-ficticia-numero-2/index.html"
    page.write_text("editado à mão", encoding="utf-8")
    build_into(built, built.public, cache=True)
    assert "editado à mão" not in page.read_text(encoding="utf-8")
    assert_same_as_cold(built, tmp_path)


def test_static_file_change_is_copied(built, tmp_path):
    css = built.root / "static/css/site.css"
    css.write_text(css.read_text(encoding="utf-8") + "\n/* mudança */\n", encoding="utf-8")
    build_into(built, built.public, cache=True)
    assert "/* mudança */" in built.read("static/css/site.css")
    assert_same_as_cold(built, tmp_path)
    # …and the build after that is a no-change build again (the cache recorded the new copy).
    config = load_config(built.root / "site.yaml")
    report = build(config, BuildOptions(now=NOW, output=built.public))
    assert report.timings[0][0] == "verificar" and report.written == 0


def test_file_added_to_output_by_hand_is_removed(built, tmp_path):
    (built.public / "intruso.html").write_text("não é do site", encoding="utf-8")
    build_into(built, built.public, cache=True)
    assert not (built.public / "intruso.html").exists()
    assert_same_as_cold(built, tmp_path)


def test_same_bytes_new_mtime_still_equal(built, tmp_path):
    path = built.content / "2024/artigo-000.md"
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    config = load_config(built.root / "site.yaml")
    report = build(config, BuildOptions(now=NOW, output=built.public))
    assert report.written == 0 and report.rendered == 0  # parsed from cache, nothing re-rendered
    assert_same_as_cold(built, tmp_path)


def test_parse_setting_change_reparses_known_files(built, tmp_path):
    # The cache knows every file's hash, but a new time zone invalidates every parsed document:
    # the files must be read again, not taken as empty.
    built.config(timezone="America/Manaus")
    config = load_config(built.root / "site.yaml")
    report = build(config, BuildOptions(now=NOW, output=built.public))
    assert report.cache_hits == 0 and report.articles > 0
    assert_same_as_cold(built, tmp_path)


def test_repaired_file_is_trusted_again_on_the_next_build(built):
    page = built.public / "artigos/noticia-ficticia-numero-2/index.html"
    page.write_text("editado à mão", encoding="utf-8")
    config = load_config(built.root / "site.yaml")
    first = build(config, BuildOptions(now=NOW, output=built.public))
    assert first.rendered >= 1 and first.written == 1
    second = build(config, BuildOptions(now=NOW, output=built.public))
    assert second.rendered == 0 and second.written == 0


def test_static_file_edited_in_the_output_is_restored(built, tmp_path):
    copy = built.public / "static/css/site.css"
    copy.write_text("/* editado à mão */", encoding="utf-8")
    build_into(built, built.public, cache=True)
    assert "editado à mão" not in copy.read_text(encoding="utf-8")
    assert_same_as_cold(built, tmp_path)


def _stored_cards(site: SiteFolder) -> dict[str, str]:
    import sqlite3
    db = sqlite3.connect(site.root / ".biteye-cache" / FILE_NAME)
    try:
        return dict(db.execute("SELECT key, html FROM cards"))
    finally:
        db.close()


def test_headline_edit_renders_its_cards_again(built, tmp_path):
    """Cards (an article's entry in lists) are kept between builds under the digest of the
    article as lists show it: a new headline is a new digest, so every list shows it, and
    the old card is dropped from the cache."""
    assert any("Notícia fictícia número 5<" in html for html in _stored_cards(built).values())
    path = built.content / "2026/artigo-005.md"
    replace_in(path, "número 5", "número cinco")
    build_into(built, built.public, cache=True)
    tag_pages = [p for p in (built.public / "tags/hardware").rglob("index.html")]
    assert any("Notícia fictícia número cinco<" in p.read_text(encoding="utf-8") for p in tag_pages)
    cards = _stored_cards(built).values()
    assert not any("Notícia fictícia número 5<" in html for html in cards)
    assert any("Notícia fictícia número cinco<" in html for html in cards)
    assert_same_as_cold(built, tmp_path)


def test_card_template_change_renders_every_card_again(built, tmp_path):
    card = built.root / "templates/_card.html"
    replace_in(card, 'class="summary"', 'class="summary resumo"')
    build_into(built, built.public, cache=True)
    assert built.read("index.html").count('class="summary resumo"') >= 10
    assert all('class="summary resumo"' in html for html in _stored_cards(built).values())
    assert_same_as_cold(built, tmp_path)


def test_cache_stamp_covers_the_libraries_that_shape_the_output(monkeypatch):
    """A new markdown-it-py (or Jinja, Babel…) may render the same text differently: the
    cache made with the old one is not trusted."""
    from biteye_site import cache
    before = cache.stamp()
    real = cache.metadata.version
    monkeypatch.setattr(cache.metadata, "version", lambda name: "99.0" if name == "markdown-it-py" else real(name))
    assert cache.stamp() != before


def test_garbage_collector_is_on_again_after_a_build(built):
    """A build pauses the cyclic collector and freezes what it loads; a build, failed or
    not, full or on the edit path, leaves it as it was, with nothing frozen (the preview
    server builds again and again in one process)."""
    import gc
    assert gc.isenabled() and gc.get_freeze_count() == 0
    build_into(built, built.public, cache=True)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    first = _article_file(built, 1)
    first.write_text(first.read_text(encoding="utf-8") + "\nUm parágrafo a mais.\n", encoding="utf-8")
    report = build_into(built, built.public, cache=True)
    assert dict(report.timings).keys() == {"editar", "gravar"}, "the edit path ran"
    assert gc.isenabled() and gc.get_freeze_count() == 0
    built.add("2026/quebrado.md", title="Artigo com link quebrado", date="2026-01-02T10:00:00-03:00",
              authors=["Ana Fictícia"], tags=["Dados"], body="[outro](../2025/nao-existe.md)")
    from biteye_site.errors import ContentError
    with pytest.raises(ContentError):
        build_into(built, built.public, cache=True)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        (built.content / "2026/quebrado.md").unlink()
        build_into(built, built.public, cache=True)
        assert not gc.isenabled(), "a caller that had it off keeps it off"
        assert gc.get_freeze_count() == 0
    finally:
        gc.enable()



def _article_file(site: SiteFolder, i: int) -> Path:
    return site.content / f"{2024 + i % 3}/artigo-{i:03d}.md"


def test_kept_cards_follow_the_article_body(built, tmp_path):
    """A theme's card may show more than lists do (here the word count, from the body): kept
    cards are keyed by the whole article. One article's text grows while another on the same
    home page gets a new title, so the page is rendered again, with a new card for both."""
    import re
    replace_in(built.root / "templates/_card.html", '<p class="summary">',
               '<p class="summary" data-palavras="{{ doc.word_count }}">')
    build_into(built, built.public, cache=True)
    first, second = [int(n) for n in re.findall(r'href="/artigos/noticia-ficticia-numero-(\d+)/"',
                                                built.read("index.html"))[:2]]
    path = _article_file(built, first)
    path.write_text(path.read_text(encoding="utf-8") + "\nMais quatro palavras aqui.\n", encoding="utf-8")
    replace_in(_article_file(built, second), f"Notícia fictícia número {second}", "Manchete trocada")
    build_into(built, built.public, cache=True)
    # (Only pages rendered again can follow: the text's own tag pages keep the old count, as a
    # card reading past the list fields is outside what page fingerprints track.)
    build_into(built, tmp_path / "cold", cache=False)
    assert built.read("index.html") == (tmp_path / "cold/index.html").read_text(encoding="utf-8")


def test_a_fresh_output_renders_every_card(built, tmp_path):
    """Into an empty output folder every card is rendered from the sources, even with the
    cache kept (a CI job): a theme's card that reads the whole site is right there too."""
    import shutil
    replace_in(built.root / "templates/_card.html", '<p class="summary">',
               '<p class="summary" data-total="{{ site.documents | length }}">')
    build_into(built, built.public, cache=True)
    built.add("2026/artigo-novo.md", title="Artigo novo", date="2026-02-03T10:00:00-03:00",
              authors=["Ana Fictícia"], tags=["Dados"], body="Texto novo.")
    shutil.rmtree(built.public)
    build_into(built, built.public, cache=True)
    assert_same_as_cold(built, tmp_path)


def test_card_key_reads_lead_as_the_template_does():
    """`lead` is whatever a theme passes (none, "", 0, a string): the key follows its truth,
    as `{% if lead %}` in _card.html does, and never fails on it."""
    from biteye_site.render import CardStore
    doc = object()
    store = CardStore({id(doc): "d"}, {})
    assert store.key(doc, "h2", None) == store.key(doc, "h2", False) == store.key(doc, "h2", "") == "d|h2|0"
    assert store.key(doc, "h2", "0") == store.key(doc, "h2", True) == "d|h2|1"
    assert store.key(object(), "h2", True) is None


def test_cache_locked_by_another_build_is_left_alone(built, tmp_path):
    """Another process holding the cache's write lock (a second build, the preview server)
    is not damage: the build waits SQLite's timeout, goes on without the cache, and neither
    fails nor deletes the other's database."""
    import sqlite3
    db_path = built.root / ".biteye-cache" / FILE_NAME
    inode = db_path.stat().st_ino
    other = sqlite3.connect(db_path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        replace_in(built.content / "2025/artigo-001.md", "Fim do artigo 1.", "Fim trocado.")
        build_into(built, built.public, cache=True)
        other.execute("COMMIT")
    finally:
        other.close()
    assert db_path.stat().st_ino == inode, "the other process's cache was deleted under it"
    assert_same_as_cold(built, tmp_path)


def test_cache_that_fails_mid_build_turns_off_instead_of_failing(tmp_path):
    """A write the lock refuses (past SQLite's timeout) turns the cache off for the rest of
    the build; later calls answer as a disabled cache does."""
    import sqlite3
    from biteye_site.cache import BuildCache
    cache = BuildCache.open(tmp_path / "cache")
    other = sqlite3.connect(tmp_path / "cache" / FILE_NAME, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        cache.put_meta("chave", {"valor": 1})
        assert cache.db is None
        assert cache.get_meta("chave") is None and cache.get_cards("tema") == {} and cache.get_known() == {}
        cache.put_pages(tmp_path, {"index.html": "x"})
    finally:
        other.close()
        cache.close()


def _old_cache(folder: Path) -> Path:
    """A cache file as an older version left it: 4 KiB pages, another stamp, a document."""
    import sqlite3
    folder.mkdir(parents=True)
    path = folder / FILE_NAME
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA page_size=4096")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB)")
    db.execute("INSERT INTO meta VALUES ('stamp', 'uma versão antiga')")
    db.execute("CREATE TABLE documents (key TEXT PRIMARY KEY, data BLOB)")
    db.execute("INSERT INTO documents VALUES ('chave', zeroblob(50000))")
    db.close()
    return path


def test_another_versions_cache_is_emptied_and_given_large_pages(tmp_path):
    """SQLite keeps a file's page size: a cache from an older version gets the large pages
    when it is emptied for this one, and works; held open by another connection (a
    preview server) it keeps its pages, and works too."""
    import sqlite3
    from biteye_site.cache import PAGE_SIZE, BuildCache
    assert PAGE_SIZE > 4096
    for held in (False, True):
        folder = tmp_path / f"held-{held}"
        path = _old_cache(folder)
        other = sqlite3.connect(path)
        if held:
            other.execute("SELECT * FROM meta").fetchall()
        else:
            other.close()
        try:
            cache = BuildCache.open(folder)
            try:
                assert cache.db is not None
                assert cache.db.execute("PRAGMA page_size").fetchone()[0] == (4096 if held else PAGE_SIZE)
                assert cache.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                assert cache.db.execute("SELECT count(*) FROM documents").fetchone()[0] == 0, "another version's documents"
                cache.put_documents({"nova": b"x" * 20000}, {"nova"})
                assert cache.db.execute("SELECT length(data) FROM documents WHERE key='nova'").fetchone()[0] == 20000
            finally:
                cache.close()
        finally:
            other.close()


def test_a_new_cache_has_large_pages(tmp_path, monkeypatch):
    """From the start: not converted afterwards (a VACUUM of every new cache)."""
    from biteye_site import cache as cache_module
    from biteye_site.cache import PAGE_SIZE, BuildCache
    real, seen = cache_module._large_pages, []

    def checked(db):
        seen.append(db.execute("PRAGMA page_size").fetchone()[0])
        return real(db)
    monkeypatch.setattr(cache_module, "_large_pages", checked)
    cache = BuildCache.open(tmp_path / "cache")
    try:
        assert cache.db.execute("PRAGMA page_size").fetchone()[0] == PAGE_SIZE
        assert seen == [PAGE_SIZE], "the new file was made with small pages, then converted"
        assert cache.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        cache.close()
