"""Find the article sources under content/: sorted, safe, junk ignored."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from biteye_site.errors import Problem, problem
from biteye_site.model import Source

ARTICLE_SUFFIX = ".md"


def is_junk(name: str) -> bool:
    """Editor backups, lock files and OS litter that are never content."""
    return (name.startswith(".") or name.startswith("#") or name.endswith("~")
            or name.endswith((".swp", ".swo", ".tmp", ".bak", ".orig")) or name in {"Thumbs.db", "desktop.ini"})


def display_path(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def discover(content_dir: Path, root: Path, max_size: int) -> tuple[tuple[Source, ...], list[Problem]]:
    """Walk ``content_dir`` and read every article file; symlinks may not leave it."""
    content_dir = content_dir.resolve()
    sources: list[Source] = []
    problems: list[Problem] = []
    visited_dirs: set[tuple[int, int]] = set()

    def walk(folder: Path) -> None:
        try:
            st = folder.stat()
        except OSError as exc:
            problems.append(problem(display_path(folder, root), None, None, f"pasta ilegível: {exc.strerror}",
                                    "confira as permissões"))
            return
        key = (st.st_dev, st.st_ino)
        if key in visited_dirs:  # a symlink loop: each real folder is walked once
            return
        visited_dirs.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(problem(display_path(folder, root), None, None, f"pasta ilegível: {exc.strerror}",
                                    "confira as permissões (chmod a+rx)"))
            return
        for entry in entries:
            if is_junk(entry.name):
                continue
            path = Path(entry.path)
            shown = display_path(path, root)
            if entry.is_symlink():
                try:
                    target = path.resolve(strict=True)
                except (OSError, RuntimeError):
                    problems.append(problem(shown, None, None, "link simbólico quebrado ou em laço",
                                            "apague o link ou aponte-o para um arquivo que exista em content/"))
                    continue
                if not target.is_relative_to(content_dir):
                    problems.append(problem(shown, None, None, f"link simbólico aponta para fora de content/ ({target})",
                                            "copie o arquivo para dentro de content/ em vez de usar um link"))
                    continue
            if entry.is_dir():
                walk(path)
                continue
            if not entry.name.endswith(ARTICLE_SUFFIX):
                continue
            try:
                size = path.stat().st_size
                if size > max_size:
                    problems.append(problem(shown, None, None,
                                            f"arquivo grande demais ({size:,} bytes; o limite é {max_size:,})".replace(",", "."),
                                            "divida o artigo ou aumente max_file_size em site.yaml"))
                    continue
                data = path.read_bytes()
            except OSError as exc:
                problems.append(problem(shown, None, None, f"não foi possível ler o arquivo: {exc.strerror}",
                                        "confira as permissões (chmod a+r)"))
                continue
            rel = path.relative_to(content_dir).as_posix() if path.is_relative_to(content_dir) else entry.name
            sources.append(Source(path, rel, hashlib.sha256(data).hexdigest(), data))

    walk(content_dir)
    sources.sort(key=lambda s: s.rel_path)
    return tuple(sources), problems
