"""Layered fixtures: a site folder (config + templates + static) → content → a built site.

``make_site`` copies the project's real templates and static files into a
temporary folder, writes ``site.yaml`` and articles there, and returns a
``SiteFolder`` that can build itself through the real CLI entry point.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from biteye_site.cli import main as cli_main

PROJECT = Path(__file__).resolve().parent.parent
# Subprocesses (`python -m biteye_site`) run this checkout's code too, not whatever
# checkout the editable install points at.
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(PROJECT / "src")] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])
# Fixed reference time for every test build: output never depends on the clock.
NOW = "2026-11-01T12:00:00-03:00"

BASE_CONFIG = {
    "title": "Arquivo de Teste",
    "base_url": "https://teste.example.org/",
    "language": "pt-BR",
    "timezone": "America/Sao_Paulo",
    "per_page": 20,
    "publisher": "Biteye",
}


def article(title: str = "Artigo de teste", date: str = "2026-03-05T10:00:00-03:00",
            authors=("Ana Teste",), tags=("Testes",), body: str = "Um parágrafo de texto fictício.",
            **extra) -> str:
    """Markdown source of one article; values are written as YAML flow scalars (quoted)."""
    import json
    lines = ["---", f"title: {json.dumps(title, ensure_ascii=False)}", f"date: {date}"]
    lines.append("authors: " + json.dumps(list(authors), ensure_ascii=False))
    if tags is not None:
        lines.append("tags: " + json.dumps(list(tags), ensure_ascii=False))
    for key, value in extra.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False) if not isinstance(value, bool) else str(value).lower()}")
    lines += ["---", "", textwrap.dedent(body).strip(), ""]
    return "\n".join(lines)


@dataclass
class SiteFolder:
    root: Path

    @property
    def content(self) -> Path:
        return self.root / "content"

    @property
    def public(self) -> Path:
        return self.root / "public"

    def write(self, rel: str, text: str | bytes) -> Path:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    def add(self, rel: str, **kwargs) -> Path:
        """Add content/<rel> built with ``article(**kwargs)``."""
        return self.write(f"content/{rel}", article(**kwargs))

    def config(self, **values) -> None:
        import yaml
        cfg = dict(BASE_CONFIG, **values)
        self.write("site.yaml", yaml.safe_dump(cfg, allow_unicode=True, sort_keys=True))

    def build(self, *args: str, capsys=None) -> int:
        """Run ``biteye-site build`` in-process; returns the exit code."""
        old = os.getcwd()
        os.chdir(self.root)
        try:
            return cli_main(["build", "--now", NOW, *args])
        finally:
            os.chdir(old)

    def run(self, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
        """Run the CLI in a subprocess (for exit codes, stderr, hash seeds)."""
        full_env = {**os.environ, **(env or {})}
        return subprocess.run([sys.executable, "-m", "biteye_site", *args], cwd=self.root, env=full_env,
                              capture_output=True, text=True, timeout=600)

    def read(self, rel: str) -> str:
        return (self.public / rel).read_text(encoding="utf-8")

    def tree(self) -> dict[str, bytes]:
        """Every output file → bytes (for byte-for-byte comparisons)."""
        return {p.relative_to(self.public).as_posix(): p.read_bytes()
                for p in sorted(self.public.rglob("*")) if p.is_file()}


def new_site_folder(root: Path) -> SiteFolder:
    root.mkdir(parents=True, exist_ok=True)
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "static", root / "static")
    (root / "content").mkdir()
    site = SiteFolder(root)
    site.config()
    return site


@pytest.fixture
def make_site(tmp_path):
    """Factory: make_site() → an empty SiteFolder (templates, static, site.yaml)."""
    counter = iter(range(1000))

    def factory(name: str | None = None) -> SiteFolder:
        return new_site_folder(tmp_path / (name or f"site{next(counter)}"))

    return factory


@pytest.fixture
def site(make_site) -> SiteFolder:
    return make_site()
