"""Determinism: the same input gives byte-identical output, whatever the hash seed, the order in
which the files were created, their modification times, or the clock.

The input is the golden fixture site (tests/fixtures/sites/golden/), which has
ties on purpose: two articles on one day, tag spellings used equally often,
an NFD and an NFC spelling of one tag.
"""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from biteye_site.cli import main as cli_main
from conftest import NOW, PROJECT, SiteFolder

FIXTURE = Path(__file__).parent / "fixtures" / "sites" / "golden"


def snapshot() -> dict[str, bytes]:
    """The fixture site plus the project's theme, read once (so every copy in a test is identical)."""
    files = {p.relative_to(FIXTURE).as_posix(): p.read_bytes() for p in FIXTURE.rglob("*") if p.is_file()}
    for top in ("templates", "static"):
        files.update({f"{top}/{p.relative_to(PROJECT / top).as_posix()}": p.read_bytes()
                      for p in (PROJECT / top).rglob("*") if p.is_file()})
    return files


def copy_site(root: Path, files: dict[str, bytes], *, reverse: bool = False, mtime: int | None = None) -> SiteFolder:
    """Write ``files`` under ``root``, creating them in sorted or reverse order."""
    root.mkdir()
    for rel in sorted(files, reverse=reverse):
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(files[rel])
        if mtime is not None:
            os.utime(target, (mtime, mtime))
    return SiteFolder(root)


def assert_same_tree(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert sorted(a) == sorted(b), f"different files: {sorted(set(a) ^ set(b))}"
    differing = sorted(p for p in a if a[p] != b[p])
    assert not differing, f"files that differ between the two builds: {differing}"


def test_hash_seed_and_file_order_do_not_change_the_output(tmp_path):
    files = snapshot()
    first = copy_site(tmp_path / "one", files)
    second = copy_site(tmp_path / "two", files, reverse=True, mtime=1_000_000_000)
    runs = [(first, "1"), (second, "4242")]
    for site, seed in runs:
        result = site.run("build", "--now", NOW, "--drafts", env={"PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
    a, b = first.tree(), second.tree()
    assert len(a) > 40 and any(p.startswith("artigos/rascunho") for p in a)
    assert_same_tree(a, b)
    # The output never mentions where it was built.
    for site, tree in ((first, a), (second, b)):
        leaked = [p for p, data in tree.items() if str(site.root).encode() in data]
        assert not leaked, f"output files contain the build folder's path: {leaked}"


def build_in(site: SiteFolder, *args: str) -> dict[str, bytes]:
    old = os.getcwd()
    os.chdir(site.root)
    try:
        assert cli_main(["build", "--quiet", *args]) == 0
    finally:
        os.chdir(old)
    return site.tree()


def test_source_date_epoch_and_now_for_one_instant_give_the_same_site(tmp_path, monkeypatch):
    # Five minutes after one article and five before the next: the reference time decides
    # what is published, so a build that read the clock instead would differ.
    moment = "2026-07-21T00:05:00-03:00"
    instant = datetime.fromisoformat(moment)
    files = snapshot()
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    with_now = build_in(copy_site(tmp_path / "now", files), "--now", moment)
    # The same instant written in UTC: the offset of --now must not leak into the output.
    with_utc = build_in(copy_site(tmp_path / "utc", files), "--now", instant.astimezone(timezone.utc).isoformat())
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(instant.timestamp())))
    with_epoch = build_in(copy_site(tmp_path / "epoch", files))
    assert "artigos/etica-e-automacao/index.html" in with_now
    assert "artigos/curadoria-manual-em-tempos-automaticos/index.html" not in with_now
    assert b"/artigos/etica-e-automacao/" in with_now["sitemap-news.xml"]
    assert_same_tree(with_now, with_epoch)
    assert_same_tree(with_now, with_utc)


def test_rebuilding_in_place_gives_the_same_site(tmp_path):
    site = copy_site(tmp_path / "site", snapshot())
    first = build_in(site, "--now", NOW)
    second = build_in(site, "--now", NOW)
    assert_same_tree(first, second)
