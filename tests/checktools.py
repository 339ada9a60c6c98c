"""Where the third-party checkers live, and what a missing one means (skip here, failure under CI=true)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
NOW = "2026-11-01T12:00:00-03:00"   # the same reference time as conftest.NOW
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str) -> None:
    """A required checker is absent: a failure under CI=true, a skip with the reason elsewhere."""
    message = f"{what} não encontrado (scripts/test.sh instala as ferramentas)"
    if in_ci():
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(message)


def tools_dir() -> Path:
    return Path(os.environ.get("BITEYE_TOOLS") or PROJECT / ".tools")


def tool_file(rel: str, what: str) -> Path:
    """A file from the npm tools folder (node_modules/...)."""
    path = tools_dir() / "node_modules" / rel
    if not path.is_file():
        missing(f"{what} ({path})")
    return path


def program(name: str, what: str) -> str:
    found = shutil.which(name)
    if not found:
        missing(f"{what} ({name})")
    return found  # type: ignore[return-value]


def vnu_jar() -> Path:
    return tool_file("vnu-jar/build/dist/vnu.jar", "Nu HTML Checker (vnu-jar)")


def axe_script() -> Path:
    return tool_file("axe-core/axe.min.js", "axe-core")


def sitemap_xsd() -> Path:
    return tool_file("sitemap/schema/sitemap.xsd", "XSD do sitemaps.org (npm sitemap)")


def chromium() -> str:
    if not Path(CHROMIUM).is_file():
        missing(f"Chromium ({CHROMIUM})")
    return CHROMIUM


def build_real_content(out: Path) -> Path:
    """Build the project's own content/ into ``out`` (a fresh folder) at NOW; returns ``out``."""
    result = subprocess.run([sys.executable, "-m", "biteye_site", "build", "--output", str(out), "--now", NOW,
                             "--quiet"], cwd=PROJECT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    return out


def commonmark_spec() -> Path:
    return tool_file("commonmark-spec/spec.txt", "CommonMark spec (npm commonmark-spec)")
