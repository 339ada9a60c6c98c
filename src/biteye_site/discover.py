"""Find the article sources under content/: sorted, safe, junk ignored."""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
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


_OTHER_MARKDOWN = (".markdown", ".mdown", ".mkd", ".mkdn", ".md.txt")


def _unreadable(exc: OSError) -> str:
    if exc.errno == errno.EACCES or exc.errno == errno.EPERM:
        return "permissão negada"
    return exc.strerror or type(exc).__name__


def discover(content_dir: Path, root: Path, max_size: int,
             known: dict[str, tuple[tuple[int, int, int], str]] | None = None) -> tuple[tuple[Source, ...], list[Problem]]:
    """Walk ``content_dir`` and read every article file; symlinks may not leave it."""
    content_dir = content_dir.resolve()
    sources: list[Source] = []
    problems: list[Problem] = []
    visited_dirs: set[tuple[int, int]] = set()
    read_files: dict[tuple[int, int], tuple[Path, bool]] = {}  # (dev, inode) -> (path, reached by a link)

    def walk(folder: Path, via_link: bool, prefix: str) -> None:
        """``prefix``: the folder's path relative to content/, '' or ending in '/'."""
        try:
            st = folder.stat()
        except OSError as exc:
            problems.append(problem(display_path(folder, root), None, None, f"pasta ilegível: {_unreadable(exc)}",
                                    "confira as permissões (chmod a+rx)"))
            return
        key = (st.st_dev, st.st_ino)
        if key in visited_dirs:  # a symlink loop, or a second way to the same folder: walked once
            return
        visited_dirs.add(key)
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            problems.append(problem(display_path(folder, root), None, None, f"pasta ilegível: {_unreadable(exc)}",
                                    "confira as permissões (chmod a+rx)"))
            return
        for entry in entries:
            if is_junk(entry.name):
                continue
            path = Path(entry.path)
            shown = _Shown(path, root)  # formatted only if a problem is reported
            if _bad_name(entry.name):
                problems.append(problem(shown, None, None,
                                        "nome de arquivo com caracteres de controle ou que não está em UTF-8",
                                        "renomeie o arquivo usando só letras, números, '-' e '_'"))
                continue
            is_link = entry.is_symlink()
            if is_link:
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
            try:
                is_dir = entry.is_dir()
                st = entry.stat()
            except OSError as exc:
                problems.append(problem(shown, None, None, f"não foi possível ler: {_unreadable(exc)}",
                                        "confira as permissões (chmod a+r)"))
                continue
            if is_dir:
                walk(path, via_link or is_link, f"{prefix}{entry.name}/")
                continue
            if not entry.name.endswith(ARTICLE_SUFFIX):
                lowered = entry.name.lower()
                if lowered.endswith(ARTICLE_SUFFIX) or lowered.endswith(_OTHER_MARKDOWN):
                    stem = entry.name.rsplit(".", 2 if lowered.endswith(".md.txt") else 1)[0]
                    problems.append(problem(shown, None, None, "arquivo ignorado: só arquivos terminados em .md são lidos",
                                            f"renomeie-o para {stem}.md", "warning"))
                continue
            if not stat.S_ISREG(st.st_mode):  # a FIFO would block the build forever, a device never ends
                problems.append(problem(shown, None, None, "não é um arquivo comum (é um pipe, socket ou dispositivo)",
                                        "apague-o ou troque-o por um arquivo de texto"))
                continue
            if st.st_size > max_size:
                problems.append(problem(shown, None, None, f"arquivo grande demais ({_size(st.st_size)}; o limite é {_size(max_size)})",
                                        "divida o artigo em partes ou aumente max_file_size em site.yaml"))
                continue
            key = (st.st_dev, st.st_ino)
            reached_by_link = via_link or is_link
            if key in read_files:
                _same_file_twice(key, path, reached_by_link)
                continue
            signature = (st.st_size, st.st_mtime_ns, st.st_ino)
            seen_before = known.get(str(path)) if known else None
            if seen_before is not None and seen_before[0] == signature:
                # Same size, time and inode as when the build cache hashed it: trust that hash
                # and leave the bytes on disk (build.parse_all reads them only if needed).
                read_files[key] = (path, reached_by_link)
                sources.append(Source(path, prefix + entry.name, seen_before[1], None, signature))
                continue
            try:
                with open(path, "rb", buffering=0) as handle:
                    # Sized by stat(): asking for max_size bytes would allocate that much
                    # for every file. The size may have changed since: read on to the limit.
                    data = handle.read(st.st_size + 1)
                    while 0 < len(data) <= max_size:
                        more = handle.read(max_size + 1 - len(data))
                        if not more:
                            break
                        data += more
            except OSError as exc:
                problems.append(problem(shown, None, None, f"não foi possível ler o arquivo: {_unreadable(exc)}",
                                        "confira as permissões (chmod a+r)"))
                continue
            if len(data) > max_size:
                problems.append(problem(shown, None, None, f"arquivo grande demais (mais de {_size(max_size)})",
                                        "divida o artigo em partes ou aumente max_file_size em site.yaml"))
                continue
            read_files[key] = (path, reached_by_link)
            sources.append(Source(path, prefix + entry.name, hashlib.sha256(data).hexdigest(), data, signature))

    def _same_file_twice(key: tuple[int, int], path: Path, reached_by_link: bool) -> None:
        """One file reached twice (a link to another article): keep its real path, warn about the link."""
        first, first_by_link = read_files[key]
        link, real = (first, path) if first_by_link and not reached_by_link else (path, first)
        if link is first:  # the link came first in the walk: the article takes its real path instead
            for i, source in enumerate(sources):
                if source.path == first:
                    rel = real.relative_to(content_dir).as_posix()
                    sources[i] = Source(real, rel, source.sha256, source.data, source.signature)
            read_files[key] = (real, False)
        problems.append(problem(display_path(link, root), None, None,
                                f"ignorado: é um link para {display_path(real, root)}, que já é lido",
                                "apague o link: cada artigo deve estar uma só vez em content/", "warning"))

    walk(content_dir, False, "")
    sources.sort(key=lambda s: s.rel_path)
    return tuple(sources), problems


_BAD_NAME = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class _Shown:
    """A file's name as shown in messages, computed on demand (most files have no problem)."""

    __slots__ = ("path", "root")

    def __init__(self, path: Path, root: Path):
        self.path, self.root = path, root

    def __str__(self) -> str:
        return display_path(self.path, self.root)


def _bad_name(name: str) -> bool:
    # A regex, not a per-character loop: this runs for every file of a 10,000-article archive.
    return _BAD_NAME.search(name) is not None


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f} MB".replace(".", ",")
    if n >= 1000:
        return f"{n / 1000:.0f} kB"
    return f"{n} bytes"
