"""The only module that writes: a fresh sibling folder, then an atomic swap.

Unchanged files are hard-linked from the previous output instead of being
rewritten, so their modification times stay and rsync-style deploys skip them.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from biteye_site.discover import is_junk
from biteye_site.errors import OutputError, problem

MARKER = ".biteye-site"
MARKER_TEXT = b"Folder written by biteye-site; it is replaced on every build.\n"


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def shown_path(path: Path) -> str:
    """A folder as the editor would type it: relative to the current folder when inside it."""
    absolute = Path(os.path.abspath(path))  # not resolve(): a link is shown where it is, not where it points
    for cwd in (Path.cwd(), Path.cwd().resolve()):
        if absolute.is_relative_to(cwd):
            return absolute.relative_to(cwd).as_posix()
    return str(path)


def check_output_dir(output: Path, *, root: Path, content: Path, protected: Iterable[Path] = (),
                     force: bool = False) -> None:
    """Refuse folders that a swap would destroy: '/', home, the project, content/ or its parents.

    The swap replaces the whole folder, so these are refused even with ``--force``;
    ``--force`` only lets the generator take over a non-empty folder it did not make.
    """
    out = output.resolve()
    try:
        home = Path.home().resolve()
    except (RuntimeError, KeyError):  # no HOME and no passwd entry
        home = None
    cwd = Path.cwd().resolve()
    root = root.resolve()
    bad = None
    if out == Path(out.anchor) or out == home or out == root or root.is_relative_to(out):
        bad = "é a raiz do sistema, a pasta pessoal ou a pasta do projeto (ou contém o projeto)"
    elif cwd.is_relative_to(out):
        bad = "é a pasta atual ou contém a pasta atual"
    elif home is not None and home.is_relative_to(out):
        bad = "contém a pasta pessoal"
    elif content.resolve().is_relative_to(out) or out.is_relative_to(content.resolve()):
        bad = "contém a pasta de conteúdo ou está dentro dela"
    else:
        for other in protected:
            o = other.resolve()
            if o.is_relative_to(out) or out.is_relative_to(o):
                bad = f"coincide com {o.name}/ (templates ou static)"
    if bad:
        raise OutputError([problem(shown_path(output), None, None, f"pasta de saída recusada: {bad}",
                                   "use uma pasta própria para o site, como public/")])
    if out.exists() and not out.is_dir():
        raise OutputError([problem(shown_path(output), None, None, "a saída existe e não é uma pasta",
                                   "apague o arquivo ou escolha outra pasta com --output")])
    if out.is_dir() and not force and not (out / MARKER).is_file() and any(out.iterdir()):
        raise OutputError([problem(shown_path(output), None, None,
                                   "a pasta de saída não está vazia e não foi criada pelo biteye-site",
                                   "escolha outra pasta, esvazie-a, ou use --force para substituí-la")])


def safe_join(base: Path, rel: str) -> Path:
    """``base/rel``, refusing anything that would resolve outside ``base``."""
    if not rel or "\x00" in rel or "\\" in rel or rel.startswith("/"):
        raise OutputError([problem(rel or "(vazio)", None, None, "caminho de saída inválido", "isso é um erro do gerador")])
    target = (base / rel).resolve()
    if not target.is_relative_to(base.resolve()):
        raise OutputError([problem(rel, None, None, "caminho de saída sai da pasta de saída", "isso é um erro do gerador")])
    return target


def fresh_join(base: Path, rel: str) -> Path:
    """``base/rel`` inside a folder this process just created (no links can be in it): a lexical
    check is enough, and it saves resolving every path of a 14,000-file site."""
    return base.joinpath(*_checked_parts(rel))


def _checked_parts(rel: str) -> list[str]:
    parts = rel.split("/")
    if (not rel or "\x00" in rel or "\\" in rel or rel.startswith("/")
            or any(part in ("", ".", "..") for part in parts)):
        raise OutputError([problem(rel or "(vazio)", None, None, "caminho de saída inválido", "isso é um erro do gerador")])
    return parts


def _write_new(path: str, data: bytes) -> None:
    """Write a file with the fewest steps: a first build creates 14,000 of them in this
    process while the workers render, so every microsecond here is taken from them."""
    # 0o666 less the umask, as open() gives; O_BINARY: no newline translation on Windows.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
    try:
        _write_all(fd, data)
    finally:
        os.close(fd)


def _write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is written (it may write fewer)."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _same_file(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def static_files(static_dir: Path) -> list[tuple[str, Path]]:
    """Files of static/ to copy; a link that leads out of static/ is refused, never followed out."""
    if not static_dir.is_dir():
        return []
    base = static_dir.resolve()
    found = []
    for folder, dirs, names in os.walk(static_dir):
        dirs[:] = sorted(d for d in dirs if d == ".well-known" or not is_junk(d))  # .well-known/ is published
        for name in sorted(names):
            if not is_junk(name):
                path = Path(folder) / name
                if path.is_symlink() and not path.resolve().is_relative_to(base):
                    raise OutputError([problem(shown_path(path), None, None, "link simbólico em static/ aponta para fora da pasta",
                                               "copie o arquivo para dentro de static/ em vez de usar um link")])
                found.append(("static/" + path.relative_to(static_dir).as_posix(), path))
    return found


def _tree(folder: Path) -> tuple[set[str], bool]:
    """(every file below ``folder`` as a '/'-separated relative path, whether any entry is a
    symbolic link). Plain strings and scandir: one folder per article makes pathlib's and
    os.walk's overhead count."""
    found: set[str] = set()
    links = False
    folders = [(str(folder), "")]
    while folders:
        path, prefix = folders.pop()
        with os.scandir(path) as entries:
            for entry in entries:
                if entry.is_symlink():
                    links = True
                    found.add(prefix + entry.name)
                elif entry.is_dir():
                    folders.append((entry.path, f"{prefix}{entry.name}/"))
                else:
                    found.add(prefix + entry.name)
    return found, links


def _nothing_changed(previous: Path, files: list[tuple[str, bytes | None]], statics: list[tuple[str, Path]]) -> bool:
    """Every page unchanged, the same set of files, static files equal: the build writes nothing."""
    if any(data is not None for _, data in files):
        return False
    wanted = {rel for rel, _ in files} | {rel for rel, _ in statics}
    present, _ = _tree(previous)
    present.discard(MARKER)
    if present != wanted:
        return False
    return all(_same_file(previous / rel, path.read_bytes()) for rel, path in statics)


def _clean_stale(output: Path) -> None:
    """Remove temporary siblings left by a build that was killed (its process no longer exists)."""
    pattern = re.compile(rf"\.{re.escape(output.name)}\.(?:tmp|old|spool)-(\d+)")
    try:
        entries = list(os.scandir(output.parent))
    except OSError:
        return
    for entry in entries:
        m = pattern.fullmatch(entry.name)
        if not m or int(m.group(1)) == os.getpid() or not entry.is_dir(follow_symlinks=False):
            continue
        try:
            os.kill(int(m.group(1)), 0)
        except ProcessLookupError:
            shutil.rmtree(entry.path, ignore_errors=True)
        except (OSError, OverflowError):
            pass  # alive (or not ours to ask about): leave it


class Spool:
    """Pages on their way from the render workers to this process, through files.

    A first build at 10,000 articles renders 280 MB of pages in two worker
    processes; through the pool's pipes every page was pickled, copied into the pipe,
    read back in 64 kB pieces, unpickled and written again, by this process, which
    writes every file and so set the pace. Instead each worker appends its pages to
    a file of its own (a new one every few megabytes) and sends back where each page
    is; this process copies it into place in the kernel (``sendfile``) and deletes a
    worker's file once that worker has moved on to the next.
    """

    PART = 8 << 20  # bytes per file before a worker starts the next

    def __init__(self, folder: Path):
        self.folder = str(folder)
        os.mkdir(self.folder)
        # In a worker: its current file.
        self._pid = 0
        self._fd = -1
        self._part = 0
        self._size = 0
        # Here: open files of the workers, (pid, part) → descriptor.
        self._open: dict[tuple[int, int], int] = {}

    def _name(self, pid: int, part: int) -> str:
        return f"{self.folder}/{pid}-{part}"

    def write(self, data: bytes) -> tuple[int, int, int, int]:
        """In a worker: append ``data``; where it is, for copy()."""
        pid = os.getpid()
        if pid != self._pid or self._fd < 0 or (self._size and self._size + len(data) > self.PART):
            if pid == self._pid:
                if self._fd >= 0:
                    os.close(self._fd)
                    self._fd = -1
                self._part += 1
            else:  # the first page of a newly forked worker
                self._pid, self._part, self._fd = pid, 0, -1
            self._size = 0
            self._fd = os.open(self._name(pid, self._part), os.O_WRONLY | os.O_CREAT | os.O_EXCL
                               | getattr(os, "O_BINARY", 0), 0o600)  # failing, the next page tries a new part
        offset = self._size
        try:
            _write_all(self._fd, data)
        except OSError:
            self._size = self.PART  # half written: the next page starts a new file
            raise
        self._size += len(data)
        return pid, self._part, offset, len(data)

    def copy(self, where: tuple[int, int, int, int], target: str) -> None:
        """Here: write the page at ``where`` to a new file ``target``."""
        pid, part, offset, length = where
        source = self._open.get((pid, part))
        if source is None:
            for key in [k for k in self._open if k[0] == pid]:  # the worker has moved on
                os.close(self._open.pop(key))
                os.unlink(self._name(*key))
            source = self._open[(pid, part)] = os.open(self._name(pid, part), os.O_RDONLY | getattr(os, "O_BINARY", 0))
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_BINARY", 0), 0o666)
        try:
            _copy_range(source, fd, offset, length)
        finally:
            os.close(fd)

    def close(self) -> None:
        for fd in self._open.values():
            os.close(fd)
        self._open.clear()
        shutil.rmtree(self.folder, ignore_errors=True)


# sendfile() into a file the file system cannot splice into: copy through memory instead.
_NO_SENDFILE = {errno.EINVAL, errno.ENOSYS, getattr(errno, "EOPNOTSUPP", errno.EINVAL)}


def _copy_range(source: int, target: int, offset: int, length: int) -> None:
    if hasattr(os, "sendfile") and sys.platform.startswith("linux"):
        first = True
        while length:
            try:
                sent = os.sendfile(target, source, offset, length)
            except OSError as exc:
                if first and exc.errno in _NO_SENDFILE:
                    break
                raise
            if not sent:
                raise OSError(errno.EIO, "a spooled page ended early")
            first = False
            offset += sent
            length -= sent
        else:
            return
    data = os.pread(source, length, offset)
    if len(data) != length:
        raise OSError(errno.EIO, "a spooled page ended early")
    _write_all(target, data)


class Staged:
    """In place of a page's bytes: the page is already in the Staging folder."""


STAGED = Staged()


class Staging:
    """The fresh folder beside the output that a first build (no output folder yet)
    writes pages into as they are rendered, instead of holding every page in memory to
    write at the end. ``write_site`` then finishes it and swaps it in."""

    def __init__(self, output: Path):
        self.output = output.resolve()
        self.folder = self.output.parent / f".{self.output.name}.tmp-{os.getpid()}"
        self._base = str(self.folder)
        self._made: set[str] = {""}
        try:
            self.output.parent.mkdir(parents=True, exist_ok=True)
            _clean_stale(self.output)
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir()
        except OSError as exc:
            raise _output_error(exc, self.output) from None

    def put(self, rel: str, data: bytes) -> Staged:
        return self._put(rel, lambda target: _write_new(target, data))

    def spool(self) -> Spool:
        """A Spool beside the staging folder (removed with close(), or as a killed build's leftover)."""
        try:
            folder = self.output.parent / f".{self.output.name}.spool-{os.getpid()}"
            shutil.rmtree(folder, ignore_errors=True)
            return Spool(folder)
        except OSError as exc:
            raise _output_error(exc, self.output) from None

    def put_spooled(self, rel: str, spool: Spool, where: tuple[int, int, int, int]) -> Staged:
        """As put(), for a page a render worker left in ``spool``."""
        return self._put(rel, lambda target: spool.copy(where, target))

    def _put(self, rel: str, write: Callable[[str], None]) -> Staged:
        try:
            _checked_parts(rel)
            folder = rel.rpartition("/")[0]
            if folder not in self._made:
                os.makedirs(f"{self._base}/{folder}", exist_ok=True)
                self._made.add(folder)
            write(f"{self._base}/{rel}")
            return STAGED
        except OSError as exc:
            raise _output_error(exc, self.output) from None

    def read(self, rel: str) -> bytes:
        return fresh_join(self.folder, rel).read_bytes()

    def discard(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _output_error(exc: OSError, output: Path) -> OutputError:
    where = Path(exc.filename) if exc.filename else output
    return OutputError([problem(shown_path(where), None, None, f"não foi possível gravar a saída: {exc.strerror or exc}",
                                "confira as permissões e o espaço livre no disco; a saída anterior não foi alterada")])


def write_site(output: Path, files: Iterable[tuple[str, bytes | Staged | None]], static_dir: Path | None = None,
               staging: Staging | None = None) -> WriteReport:
    """Write every (path, bytes) into a fresh folder beside ``output`` and swap it in.

    ``staging``: the fresh folder, already holding the pages marked ``Staged``.
    On any failure, Ctrl-C included, the temporary folder is removed and the
    previous output is left as it was. File-system errors become OutputError.
    """
    try:
        return _write_site(output, files, static_dir, staging)
    except OSError as exc:
        raise _output_error(exc, output) from None


def _write_site(output: Path, files: Iterable[tuple[str, bytes | Staged | None]], static_dir: Path | None,
                staging: Staging | None) -> WriteReport:
    output = output.resolve()
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    previous = output if output.is_dir() else None
    files = list(files)
    statics = static_files(static_dir) if static_dir else []
    if staging is not None:
        tmp = staging.folder
    else:
        output.parent.mkdir(parents=True, exist_ok=True)
        _clean_stale(output)
        tmp = output.parent / f".{output.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        if previous is not None and _nothing_changed(previous, files, statics):
            return WriteReport(0, len(files) + len(statics), 0)  # leave the folder exactly as it is
        if previous is not None and (previous / MARKER).is_file():
            report = _update_in_place(previous, files, statics, tmp, old)
            if report is not None:
                return report
    written = unchanged = 0
    seen: set[str] = set()
    made: set[Path] = set()
    try:
        if staging is None:
            tmp.mkdir()

        def put(rel: str, data: bytes | None, source: Path | None = None) -> None:
            nonlocal written, unchanged
            if rel in seen:
                raise OutputError([problem(rel, None, None, "o gerador tentou escrever o mesmo arquivo duas vezes",
                                           "isso é um erro do gerador; relate-o")])
            seen.add(rel)
            if isinstance(data, Staged):  # already in tmp/, written as it was rendered
                written += 1
                return
            target = fresh_join(tmp, rel)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            if data is None and source is None:  # unchanged since the last build: link, don't rewrite
                if previous is None:
                    raise OutputError([problem(rel, None, None, "arquivo sem conteúdo e sem versão anterior",
                                               "isso é um erro do gerador; rode com --no-cache")])
                os.link(previous / rel, target)
                unchanged += 1
                return
            if data is None:
                data = source.read_bytes()  # type: ignore[union-attr]
            if previous is not None:
                before = previous / rel
                if _same_file(before, data):
                    try:
                        os.link(before, target)
                        unchanged += 1
                        return
                    except OSError:
                        pass
            target.write_bytes(data)
            written += 1

        for rel, data in files:
            put(rel, data)
        for rel, path in statics:
            put(rel, None, path)
        (tmp / MARKER).write_bytes(MARKER_TEXT)
        removed = 0
        if previous is not None:
            removed = sum(1 for p in previous.rglob("*") if p.is_file() and p.name != MARKER
                          and p.relative_to(previous).as_posix() not in seen)
            os.rename(previous, old)
        os.rename(tmp, output)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if previous is not None and old.exists() and not output.exists():
            os.rename(old, output)
        raise
    try:
        shutil.rmtree(old, ignore_errors=True)
    except KeyboardInterrupt:  # the new site is in place: finish tidying up, then stop
        shutil.rmtree(old, ignore_errors=True)
        raise
    return WriteReport(written, unchanged, removed)


def _update_in_place(output: Path, files: list[tuple[str, bytes | None]], statics: list[tuple[str, Path]],
                     staging: Path, backup: Path) -> WriteReport | None:
    """Replace only the files that changed, as one transaction; None when a full swap fits better.

    Changed files are first written to a staging folder; then each old file is
    linked into a backup folder before the new one replaces it. Any failure,
    Ctrl-C included, puts every old file back. Linking a whole new tree for a
    one-article edit would cost more than the edit (tens of thousands of links).
    """
    present, links = _tree(output)
    if links:
        return None  # a link someone put in the output: the swap never writes through one
    present.discard(MARKER)
    # No links below output/, so a path joined lexically (fresh_join refuses '..') stays inside.
    seen: set[str] = set()
    changes: list[tuple[str, bytes]] = []
    unchanged = 0
    for rel, data in list(files) + [(rel, path.read_bytes()) for rel, path in statics]:
        if rel in seen:
            raise OutputError([problem(rel, None, None, "o gerador tentou escrever o mesmo arquivo duas vezes",
                                       "isso é um erro do gerador; relate-o")])
        seen.add(rel)
        if data is None:
            # Nothing is written here, and build() checked this file's size, mtime and inode
            # against the last build (a file it wrote): the walk above saw it is still there.
            if rel not in present:
                return None
            unchanged += 1
            continue
        target = fresh_join(output, rel)
        if target.is_dir():
            return None
        elif _same_file(target, data):
            unchanged += 1
        else:
            changes.append((rel, data))
    removed = sorted(present - seen)
    if len(changes) + len(removed) > max(200, len(seen) // 10):
        return None  # a big change: the whole-folder swap is as fast and simpler to undo
    _apply(output, changes, removed, staging, backup, fresh_join)
    return WriteReport(len(changes), unchanged, len(removed))


def replace_files(output: Path, files: list[tuple[str, bytes]]) -> WriteReport:
    """Replace a few files of an existing output folder, as one transaction (the edit path:
    every other file is known to be as the last build wrote it). Equal files are left alone."""
    try:
        changes = [(rel, data) for rel, data in files if not _same_file(safe_join(output, rel), data)]
        if changes:
            output = output.resolve()
            _apply(output, changes, [], output.parent / f".{output.name}.tmp-{os.getpid()}",
                   output.parent / f".{output.name}.old-{os.getpid()}", safe_join)
    except OSError as exc:
        raise _output_error(exc, output) from None
    return WriteReport(len(changes), len(files) - len(changes), 0)


def _apply(output: Path, changes: list[tuple[str, bytes]], removed: list[str], staging: Path, backup: Path,
           join: Callable[[Path, str], Path]) -> None:
    """Write ``changes`` and delete ``removed`` inside ``output``; on any failure, Ctrl-C
    included, every old file is put back. New files wait in ``staging`` and old ones in
    ``backup`` under numbers, not mirrored folders: two folders fewer to make and delete
    per page."""
    replaced: list[tuple[Path, Path]] = []   # (target, its backup)
    created: list[Path] = []
    deleted: list[tuple[Path, Path]] = []
    try:
        staging.mkdir()
        backup.mkdir()
        staged = []
        for n, (rel, data) in enumerate(changes):
            (staging / str(n)).write_bytes(data)
            staged.append((join(output, rel), staging / str(n)))
        for n, (target, new) in enumerate(staged):
            if target.exists():
                os.link(target, backup / f"r{n}")
                os.replace(new, target)
                replaced.append((target, backup / f"r{n}"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(new, target)
                created.append(target)
        for n, rel in enumerate(removed):
            target = output / rel  # a name the walk found below output/ (and it found no links)
            os.replace(target, backup / f"d{n}")
            deleted.append((target, backup / f"d{n}"))
    except BaseException:
        for target, saved in replaced + deleted:
            os.replace(saved, target)
        for target in created:
            target.unlink(missing_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(backup, ignore_errors=True)
        raise
    for rel in removed:  # folders emptied by removals (a deleted article's folder)
        folder = (output / rel).parent
        while folder != output and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent
    shutil.rmtree(staging, ignore_errors=True)
    shutil.rmtree(backup, ignore_errors=True)


def clean(output: Path, cache: Path, *, root: Path, content: Path, protected: Iterable[Path] = (),
          force: bool = False) -> list[Path]:
    """``biteye-site clean``: delete the output folder, leftovers of killed builds and the cache.

    The same safety rules as a build apply: never '/', home, the project, content/,
    templates/ or static/; an output folder without the marker only with ``force``.
    """
    check_output_dir(output, root=root, content=content, protected=protected, force=force)
    removed = []
    leftovers = sorted(output.parent.glob(f".{output.name}.tmp-*")) + sorted(output.parent.glob(f".{output.name}.old-*"))
    for path in ([output] if output.is_dir() else []) + [p for p in leftovers if p.is_dir()]:
        shutil.rmtree(path)
        removed.append(path)
    if cache.exists():
        check_output_dir(cache, root=root, content=content, protected=protected, force=True)
        if cache.is_dir():
            shutil.rmtree(cache)
        else:
            cache.unlink()
        removed.append(cache)
    return removed
