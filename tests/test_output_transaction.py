"""A build that fails half-way through replacing files in place leaves the previous site exactly
as it was (output.py's in-place transaction, used by small rebuilds and by the edit path)."""

from __future__ import annotations

import os

import pytest

from biteye_site.errors import OutputError
from test_edit_path import append, path_taken, rebuild
from test_incremental import populate, tree


@pytest.fixture
def built(site):
    populate(site, 40)
    rebuild(site)
    return site


def fail_on_call(monkeypatch, name: str, after: int, exc: BaseException) -> None:
    """os.<name> raises ``exc`` on its ``after``-th call from now on."""
    real = getattr(os, name)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == after:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(os, name, wrapped)


def leftovers(site) -> list[str]:
    return sorted(p.name for p in site.root.iterdir() if p.name.startswith(".public."))


@pytest.mark.parametrize("exc", [OSError(28, "No space left on device"), KeyboardInterrupt()],
                         ids=["disk-full", "ctrl-c"])
@pytest.mark.parametrize("after", [1, 3, 6])
def test_failed_in_place_update_restores_every_file(built, monkeypatch, exc, after):
    before = tree(built.public)
    for rel in ("2024/artigo-003.md", "2025/artigo-010.md"):  # titles: lists, feeds and neighbours change
        path = built.content / rel
        path.write_text(path.read_text(encoding="utf-8").replace("Notícia fictícia", "Manchete trocada"),
                        encoding="utf-8")
    (built.content / "2026/artigo-005.md").unlink()  # and a page is removed
    fail_on_call(monkeypatch, "replace", after, exc)
    with pytest.raises(OutputError if isinstance(exc, OSError) else KeyboardInterrupt):
        rebuild(built)
    monkeypatch.undo()
    assert tree(built.public) == before
    assert leftovers(built) == []
    rebuild(built)  # and the next build completes
    assert "Manchete trocada" in built.read("index.html")


@pytest.mark.parametrize("after", [1, 2])
def test_failed_edit_path_restores_every_file(built, monkeypatch, after):
    before = tree(built.public)
    append(built, "2026/artigo-002.md")
    fail_on_call(monkeypatch, "replace", after, OSError(28, "No space left on device"))
    with pytest.raises(OutputError):
        rebuild(built)
    monkeypatch.undo()
    assert tree(built.public) == before
    assert leftovers(built) == []
    report = rebuild(built)
    assert path_taken(report) == "full", "a failed build is not trusted as the base of the edit path"
    assert "Um parágrafo novo, inventado" in built.read("artigos/noticia-ficticia-numero-2/index.html")


def test_a_link_in_the_output_makes_the_build_swap_the_folder(built, tmp_path):
    outside = tmp_path / "fora.html"
    outside.write_text("não mexa", encoding="utf-8")
    page = built.public / "tags/nuvem/index.html"
    page.unlink()
    page.symlink_to(outside)
    append(built, "2025/artigo-010.md")
    rebuild(built)
    assert outside.read_text(encoding="utf-8") == "não mexa"
    assert not page.is_symlink() and "<html" in page.read_text(encoding="utf-8")


def test_a_stray_file_with_a_backslash_in_its_name_is_removed(built, tmp_path):
    from test_incremental import assert_same_as_cold
    (built.public / "tags" / "a\\b.html").write_text("posto à mão", encoding="utf-8")
    append(built, "2025/artigo-010.md")
    rebuild(built)
    assert not (built.public / "tags" / "a\\b.html").exists()
    assert_same_as_cold(built, tmp_path)


def test_compiled_templates_are_kept_per_generator_version(tmp_path):
    from biteye_site.cache import BuildCache
    first = BuildCache(None, "a" * 64, tmp_path)
    first._db = object()  # an open cache (templates_folder only needs to know it is on)
    folder = first.templates_folder()
    assert folder is not None and folder.is_dir()
    (folder / "x").write_text("compilado", encoding="utf-8")
    second = BuildCache(None, "b" * 64, tmp_path)
    second._db = object()
    other = second.templates_folder()
    assert other != folder and other.is_dir() and not folder.exists(), "another version's compiled code is removed"
    assert BuildCache.disabled().templates_folder() is None


def test_first_build_files_follow_the_umask_like_later_ones(site):
    """Pages a first build writes (os.open in Staging) get the same permissions as files the
    in-place writer and the static copy make: 0o666 less the umask."""
    populate(site, 3)
    old = os.umask(0o002)
    try:
        assert site.build() == 0
        modes = {p.relative_to(site.public).as_posix(): p.stat().st_mode & 0o777
                 for p in site.public.rglob("*") if p.is_file()}
    finally:
        os.umask(old)
    assert modes["index.html"] == modes["feed.xml"] == 0o664, modes
    assert set(modes.values()) == {0o664}, {k: oct(v) for k, v in modes.items() if v != 0o664}


@pytest.mark.parametrize("platform", ["linux", "other"])
def test_spool_hands_over_pages_byte_for_byte(tmp_path, monkeypatch, platform):
    """output.Spool, as the render workers and this process use it: pages written in
    parts, copied out in order (sendfile on Linux, read and write elsewhere), parts a
    worker has left deleted, nothing left after close()."""
    import biteye_site.output as output
    if platform == "other":
        monkeypatch.setattr(output.sys, "platform", "darwin")
    monkeypatch.setattr(output.Spool, "PART", 3000)
    spool = output.Spool(tmp_path / "spool")
    pages = [bytes([65 + i % 26]) * (700 + 97 * i) + "ção".encode() for i in range(40)]
    places = [spool.write(page) for page in pages]
    assert len({(pid, part) for pid, part, _, _ in places}) > 5
    out = tmp_path / "out"
    out.mkdir()
    for i, where in enumerate(places):
        spool.copy(where, str(out / f"{i}.html"))
        left = {int(name.rsplit("-", 1)[1]) for name in os.listdir(tmp_path / "spool")}
        assert min(left) == where[1], "parts already copied are deleted"
    assert [(out / f"{i}.html").read_bytes() for i in range(len(pages))] == pages
    spool.close()
    assert not (tmp_path / "spool").exists()


def test_spool_copies_through_memory_where_sendfile_cannot_write(tmp_path, monkeypatch):
    """A file system that sendfile() cannot write into (EINVAL): the same bytes, by read and write."""
    import errno

    import biteye_site.output as output

    def refuse(*args):
        raise OSError(errno.EINVAL, "Invalid argument")
    monkeypatch.setattr(output.os, "sendfile", refuse, raising=False)
    spool = output.Spool(tmp_path / "spool")
    page = "página ".encode() * 5000
    spool.copy(spool.write(page), str(tmp_path / "page.html"))
    spool.close()
    assert (tmp_path / "page.html").read_bytes() == page


def test_spool_that_cannot_start_a_part_recovers_on_the_next_page(tmp_path, monkeypatch):
    import biteye_site.output as output
    monkeypatch.setattr(output.Spool, "PART", 10)
    spool = output.Spool(tmp_path / "spool")
    first = spool.write(b"a" * 20)
    real_open = output.os.open
    monkeypatch.setattr(output.os, "open", lambda *a, **k: (_ for _ in ()).throw(OSError(24, "Too many open files")))
    with pytest.raises(OSError):
        spool.write(b"b" * 20)  # the next part cannot be opened: this page goes through the pipe
    monkeypatch.setattr(output.os, "open", real_open)
    third = spool.write(b"c" * 20)
    for n, (where, data) in enumerate(((first, b"a" * 20), (third, b"c" * 20))):
        spool.copy(where, str(tmp_path / f"{n}.html"))
        assert (tmp_path / f"{n}.html").read_bytes() == data
    spool.close()
