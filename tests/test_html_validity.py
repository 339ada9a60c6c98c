"""The Nu HTML Checker (vnu-jar, W3C) finds 0 errors on every page: the 60-article fixture and the real content.

vnu starts slowly (about 3 s), so it runs once over one folder that holds both
sites and a deliberately broken canary page: the canary proves that the checker
really ran and reports errors, and ``--verbose`` proves every page was checked.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from checktools import build_real_content, program, vnu_jar
from sitegen import build_fixture

pytestmark = pytest.mark.vnu

CANARY = '<!doctype html><html lang="pt-BR"><head><title>canário</title></head><body><p><div>x</p></body></html>\n'


@pytest.fixture(scope="module")
def vnu_run(tmp_path_factory):
    java = program("java", "Java (para o Nu HTML Checker)")
    jar = vnu_jar()
    root = tmp_path_factory.mktemp("vnu")
    fixture = build_fixture(root / "fixture-site").public
    real = build_real_content(root / "real")
    (root / "canary").mkdir()
    (root / "canary" / "broken.html").write_text(CANARY, encoding="utf-8")
    result = subprocess.run([java, "-jar", str(jar), "--format", "json", "--stdout", "--skip-non-html", "--verbose",
                             str(root)], capture_output=True, text=True, timeout=300)
    report = json.loads(result.stdout)
    return root, fixture, real, report["messages"], result.stderr


def _pages(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def _path_of(message: dict) -> Path | None:
    url = message.get("url", "")
    if not url.startswith("file:"):
        return None
    return Path(unquote(urlsplit(url).path)).resolve()


def _messages_for(messages: list[dict], folder: Path, kinds=("error",)) -> list[str]:
    folder = folder.resolve()
    out = []
    for m in messages:
        path = _path_of(m)
        if path is not None and path.is_relative_to(folder) and m["type"] in kinds:
            out.append(f"{path.relative_to(folder)}:{m.get('lastLine')}:{m.get('lastColumn')}: {m['type']}: {m['message']}")
    return out


def test_the_checker_runs_and_catches_a_broken_page(vnu_run):
    root, _, _, messages, _ = vnu_run
    found = _messages_for(messages, root / "canary")
    assert any("Unclosed element" in m or "No “p” element in scope" in m for m in found), found


def test_every_page_was_checked(vnu_run):
    root, fixture, real, _, stderr = vnu_run
    pages = _pages(fixture) + _pages(real)
    assert len(_pages(fixture)) > 100 and len(_pages(real)) >= 10
    checked = {Path(line.strip()).resolve() for line in stderr.splitlines() if line.strip().endswith(".html")}
    unchecked = [p for p in pages if p.resolve() not in checked]
    assert not unchecked, f"vnu did not check: {unchecked[:5]}"


@pytest.mark.parametrize("which", ["fixture", "real"])
def test_zero_errors_on_every_page(vnu_run, which):
    root, fixture, real, messages, _ = vnu_run
    folder = fixture if which == "fixture" else real
    errors = _messages_for(messages, folder, kinds=("error", "non-document-error"))
    assert not errors, "\n".join(errors[:40])


def test_no_messages_outside_the_three_folders(vnu_run):
    """A file vnu could not read (or a crash) shows up without a page path; 'info' lines are only notes."""
    root, _, _, messages, _ = vnu_run
    stray = [m for m in messages if m["type"] != "info"
             and (_path_of(m) is None or not _path_of(m).is_relative_to(root.resolve()))]
    assert not stray, stray
