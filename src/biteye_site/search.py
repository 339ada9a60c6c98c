"""Site search: a Pagefind index of the article pages, returned as files for output.py to write.

Pagefind reads HTML from a folder, so the rendered article pages are copied
into a temporary folder, indexed there, and the bundle is read back into
memory; the folder is gone before this stage returns. Nothing here writes
the site: build.py appends the bundle to the files that output.py writes.

What gets indexed is decided by the article template: ``data-pagefind-body``
marks the title and body, ``data-pagefind-ignore`` the byline and tag list,
and the filters (tag, autor), sort key (data) and metadata live in
attributes (see templates/article.html). Only article pages are handed to
Pagefind, so lists, tag pages and the home page never appear in results.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from biteye_site.errors import BiteyeError, ConfigError, problem
from biteye_site.output import safe_join
from biteye_site.routes import Route, url_for

INSTALL_HINT = ("instale com: pip install 'biteye-site[search]' "
                "(ou desligue a busca com 'search: false' em site.yaml)")

# Pagefind's ready-made interfaces: the site has its own (static/js/search.js), so they are not shipped.
_UNUSED = re.compile(r"pagefind-(?:ui|modular-ui|component-ui|highlight)\.(?:js|css)")

# Route kinds whose pages are searchable.
INDEXED_KINDS = frozenset({"article"})


@dataclass(frozen=True)
class SearchIndex:
    """The search bundle as (output path, bytes), sorted by path, and what it cost."""

    files: tuple[tuple[str, bytes], ...]
    pages: int
    seconds: float

    @property
    def size(self) -> int:
        """Bytes of the whole bundle (what the server stores; a reader downloads a fraction)."""
        return sum(len(data) for _, data in self.files)


def pagefind_executable(config_file: str = "site.yaml") -> Path:
    """The Pagefind binary from the ``pagefind[bin]`` package; a ConfigError saying how to install it."""
    def missing(why: str) -> ConfigError:
        return ConfigError([problem(config_file, None, None,
                                    f"a busca está ligada (search: true), mas {why}", INSTALL_HINT)])

    try:
        from pagefind.service import get_executable
    except ImportError:
        raise missing("o Pagefind não está instalado") from None
    exe = get_executable()  # honours PAGEFIND_BINARY_PATH, then pagefind_bin, then PATH
    if exe is None or not Path(exe).is_file():
        raise missing("o programa do Pagefind não foi encontrado") from None
    return Path(exe)


def pages_to_index(routes: Iterable[Route], files: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """The rendered pages Pagefind should see: articles only, in route order."""
    wanted = {r.output_path for r in routes if r.kind in INDEXED_KINDS}
    return [(path, data) for path, data in files if path in wanted]


def run_pagefind(exe: Path, pages: Iterable[tuple[str, bytes]]) -> dict[str, bytes]:
    """Index ``pages`` (output path → HTML) in a temporary folder; return the bundle (path → bytes)."""
    with tempfile.TemporaryDirectory(prefix="biteye-busca-") as tmp:
        site = Path(tmp, "site")
        bundle = Path(tmp, "bundle")
        site.mkdir()
        for rel, data in pages:
            target = safe_join(site, rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        try:
            proc = subprocess.run([str(exe), "--site", str(site), "--output-path", str(bundle), "--silent"],
                                  cwd=tmp, capture_output=True, text=True, errors="replace")
        except OSError as exc:
            raise BiteyeError([problem(str(exe), None, None, f"não foi possível executar o Pagefind: {exc}",
                                       INSTALL_HINT)]) from None
        if proc.returncode != 0 or not bundle.is_dir():
            detail = (proc.stderr or proc.stdout).strip().splitlines()
            raise BiteyeError([problem("pagefind", None, None,
                                       f"o Pagefind falhou (código {proc.returncode}): "
                                       + (detail[-1] if detail else "sem mensagem"),
                                       "rode de novo com BITEYE_DEBUG=1 e relate o problema")])
        found: dict[str, bytes] = {}
        for folder, dirs, names in os.walk(bundle):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder, name)
                found[path.relative_to(bundle).as_posix()] = path.read_bytes()
        return found


def build_search_index(routes: Iterable[Route], files: Iterable[tuple[str, bytes]],
                       config_file: str = "site.yaml") -> SearchIndex:
    """Index the site's article pages; return the bundle under url_for('search_bundle')."""
    exe = pagefind_executable(config_file)
    clock = time.perf_counter()
    pages = pages_to_index(routes, files)
    bundle = run_pagefind(exe, pages)
    prefix = url_for("search_bundle")
    out = tuple(sorted((prefix + rel, data) for rel, data in bundle.items() if not _UNUSED.fullmatch(rel)))
    return SearchIndex(out, len(pages), time.perf_counter() - clock)
