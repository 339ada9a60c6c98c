"""Golden test: a small fictional site built and compared byte for byte with committed output.

The site is ``tests/fixtures/sites/golden/`` (six published articles over two
years, accented tags spelt two ways, NFC and NFD spellings of one tag, two
authors with ``authors.yaml``, a draft, a future article, an article with
footnotes, a table, strikethrough and two headings with the same text, a
``base_url`` under a sub-path and ``per_page: 2``). It is built with the
project's own ``templates/`` and ``static/`` and the fixed ``--now`` of
conftest, and every output file must equal its copy in ``tests/golden/``
(files under ``static/`` are compared with the project's ``static/`` instead).

When the output is meant to change (a theme or pipeline change), regenerate
the expected files and review them like code::

    BITEYE_UPDATE_GOLDEN=1 python3 -m pytest tests/test_golden.py
    git diff --stat tests/golden/ && git diff tests/golden/

With ``BITEYE_UPDATE_GOLDEN=1`` the test rewrites ``tests/golden/`` (files no
longer built are deleted) instead of comparing. Commit the new files together
with the change that caused them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import PROJECT, SiteFolder

FIXTURE = Path(__file__).parent / "fixtures" / "sites" / "golden"
GOLDEN = Path(__file__).parent / "golden"
# Files in tests/golden/ that are not build output (kept when updating).
NOT_OUTPUT = {".gitattributes"}
UPDATE_ENV = "BITEYE_UPDATE_GOLDEN"


def build_fixture(root: Path) -> dict[str, bytes]:
    """Copy the fixture site and the project's theme into ``root``, build it, return the output tree."""
    shutil.copytree(FIXTURE, root)
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "static", root / "static")
    site = SiteFolder(root)
    code = site.build("--quiet")
    assert code == 0, f"the golden fixture site failed to build (exit {code}); see the captured stderr"
    tree = site.tree()
    # static/ is copied verbatim: compared with the project's own files here rather than
    # kept twice in tests/golden/ (where every stylesheet edit would have to be mirrored).
    copies = {rel: data for rel, data in tree.items() if rel.startswith("static/")}
    sources = {f"static/{p.relative_to(PROJECT / 'static').as_posix()}": p.read_bytes()
               for p in sorted((PROJECT / "static").rglob("*")) if p.is_file()}
    assert copies == sources, "static/ must be copied to the output unchanged"
    return {rel: data for rel, data in tree.items() if rel not in copies}


def expected_tree() -> dict[str, bytes]:
    if not GOLDEN.is_dir():
        return {}
    return {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in sorted(GOLDEN.rglob("*"))
            if p.is_file() and p.relative_to(GOLDEN).as_posix() not in NOT_OUTPUT}


def first_difference(expected: bytes, actual: bytes) -> str:
    """Where two versions of one file first differ, for the failure message."""
    try:
        old_lines = expected.decode("utf-8").splitlines(keepends=True)
        new_lines = actual.decode("utf-8").splitlines(keepends=True)
    except UnicodeDecodeError:
        offset = next((i for i, (a, b) in enumerate(zip(expected, actual)) if a != b), min(len(expected), len(actual)))
        return f"binary; first differing byte at offset {offset} (sizes {len(expected)} → {len(actual)})"
    for number, (old, new) in enumerate(zip(old_lines, new_lines), start=1):
        if old != new:
            return f"line {number}:\n      expected: {old[:200]!r}\n      actual:   {new[:200]!r}"
    number = min(len(old_lines), len(new_lines)) + 1
    if len(old_lines) > len(new_lines):
        return f"line {number}: expected more lines, starting {old_lines[number - 1][:200]!r}"
    return f"line {number}: unexpected extra line {new_lines[number - 1][:200]!r}"


def describe(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    changed = sorted(p for p in set(expected) & set(actual) if expected[p] != actual[p])
    if not (missing or extra or changed):
        return ""
    out = [f"the golden site's output differs from tests/golden/ "
           f"({len(changed)} changed, {len(missing)} missing, {len(extra)} unexpected):"]
    out += [f"  missing (expected but not built): {p}" for p in missing]
    out += [f"  unexpected (built but not expected): {p}" for p in extra]
    for p in changed:
        out.append(f"  changed: {p}: {first_difference(expected[p], actual[p])}")
    out.append(f"If the change is intended: {UPDATE_ENV}=1 python3 -m pytest tests/test_golden.py, "
               "then review and commit `git diff tests/golden/`.")
    return "\n".join(out)


def update(actual: dict[str, bytes]) -> None:
    GOLDEN.mkdir(exist_ok=True)
    for path in sorted(GOLDEN.rglob("*"), reverse=True):   # children before their folders
        rel = path.relative_to(GOLDEN).as_posix()
        if rel in NOT_OUTPUT:
            continue
        if path.is_dir():
            if not any(path.iterdir()):
                path.rmdir()
        elif rel not in actual:
            path.unlink()
    for rel, data in actual.items():
        target = GOLDEN / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if not target.is_file() or target.read_bytes() != data:
            target.write_bytes(data)
    for path in sorted(GOLDEN.rglob("*"), reverse=True):
        if path.is_dir() and not any(path.iterdir()):
            path.rmdir()


def test_golden_site_matches_committed_output(tmp_path):
    actual = build_fixture(tmp_path / "golden")
    if os.environ.get(UPDATE_ENV) == "1":
        update(actual)
        assert expected_tree() == actual
        return
    expected = expected_tree()
    assert expected, f"tests/golden/ is empty: create it with {UPDATE_ENV}=1 python3 -m pytest tests/test_golden.py"
    problems = describe(expected, actual)
    assert not problems, problems


def test_failure_message_names_files_and_first_differing_line():
    expected = {"a/index.html": b"<p>um</p>\n<p>dois</p>\n", "gone.xml": b"x", "img.ico": b"\x00\x01\xff"}
    actual = {"a/index.html": b"<p>um</p>\n<p>DOIS</p>\n", "new.txt": b"y", "img.ico": b"\x00\x02\xff"}
    message = describe(expected, actual)
    assert "missing (expected but not built): gone.xml" in message
    assert "unexpected (built but not expected): new.txt" in message
    assert "changed: a/index.html: line 2:" in message and "'<p>DOIS</p>\\n'" in message
    assert "changed: img.ico:" in message
    assert UPDATE_ENV in message
    assert describe(expected, dict(expected)) == ""


@pytest.mark.parametrize("old, new, where", [
    (b"a\nb\n", b"a\n", "line 2: expected more lines"),
    (b"a\n", b"a\nb\n", "line 2: unexpected extra line"),
    (b"a\nb", b"a\nb\n", "line 2:"),
])
def test_first_difference_at_the_end_of_a_file(old, new, where):
    assert first_difference(old, new).startswith(where)
