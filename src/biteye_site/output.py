"""The only module that writes: a fresh sibling folder, then an atomic swap.

Unchanged files are hard-linked from the previous output instead of being
rewritten, so their modification times stay and rsync-style deploys skip them.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from biteye_site.discover import is_junk
from biteye_site.errors import OutputError, problem

MARKER = ".biteye-site"
MARKER_TEXT = b"Folder written by biteye-site; it is replaced on every build.\n"


@dataclass(frozen=True)
class WriteReport:
    written: int
    unchanged: int
    removed: int


def check_output_dir(output: Path, *, root: Path, content: Path, protected: Iterable[Path] = (),
                     force: bool = False) -> None:
    """Refuse folders that a swap would destroy: '/', home, the project, content/ or its parents."""
    out = output.resolve()
    home = Path.home().resolve()
    bad = None
    if out == Path(out.anchor) or out == home or out == root or root.is_relative_to(out):
        bad = "é a raiz do sistema, a pasta pessoal ou a pasta do projeto (ou contém o projeto)"
    elif content.resolve().is_relative_to(out) or out.is_relative_to(content.resolve()):
        bad = "contém a pasta de conteúdo ou está dentro dela"
    else:
        for other in protected:
            o = other.resolve()
            if o.is_relative_to(out) or out.is_relative_to(o):
                bad = f"coincide com {o.name}/ (templates ou static)"
    if bad:
        raise OutputError([problem(str(output), None, None, f"pasta de saída recusada: {bad}",
                                   "use uma pasta própria para o site, como public/")])
    if out.exists() and not out.is_dir():
        raise OutputError([problem(str(output), None, None, "a saída existe e não é uma pasta",
                                   "apague o arquivo ou escolha outra pasta com --output")])
    if out.is_dir() and not force and not (out / MARKER).is_file() and any(out.iterdir()):
        raise OutputError([problem(str(output), None, None,
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


def _same_file(path: Path, data: bytes) -> bool:
    try:
        if path.stat().st_size != len(data):
            return False
        return path.read_bytes() == data
    except OSError:
        return False


def _static_files(static_dir: Path) -> list[tuple[str, Path]]:
    if not static_dir.is_dir():
        return []
    found = []
    for folder, dirs, names in os.walk(static_dir):
        dirs[:] = sorted(d for d in dirs if not is_junk(d))
        for name in sorted(names):
            if not is_junk(name):
                path = Path(folder) / name
                found.append(("static/" + path.relative_to(static_dir).as_posix(), path))
    return found


def _nothing_changed(previous: Path, files: list[tuple[str, bytes | None]], statics: list[tuple[str, Path]]) -> bool:
    """Every page unchanged, the same set of files, static files equal: the build writes nothing."""
    if any(data is not None for _, data in files):
        return False
    wanted = {rel for rel, _ in files} | {rel for rel, _ in statics}
    present = set()
    for folder, _, names in os.walk(previous):
        base = Path(folder).relative_to(previous).as_posix()
        present.update(name if base == "." else f"{base}/{name}" for name in names)
    present.discard(MARKER)
    if present != wanted:
        return False
    return all(_same_file(previous / rel, path.read_bytes()) for rel, path in statics)


def write_site(output: Path, files: Iterable[tuple[str, bytes | None]], static_dir: Path | None = None) -> WriteReport:
    """Write every (path, bytes) into a fresh folder beside ``output`` and swap it in."""
    output = output.resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.parent / f".{output.name}.tmp-{os.getpid()}"
    old = output.parent / f".{output.name}.old-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    previous = output if output.is_dir() else None
    files = list(files)
    statics = _static_files(static_dir) if static_dir else []
    if previous is not None and _nothing_changed(previous, files, statics):
        return WriteReport(0, len(files) + len(statics), 0)  # leave the folder exactly as it is
    written = unchanged = 0
    seen: set[str] = set()
    made: set[Path] = set()
    try:
        tmp.mkdir()

        def put(rel: str, data: bytes | None, source: Path | None = None) -> None:
            nonlocal written, unchanged
            if rel in seen:
                raise OutputError([problem(rel, None, None, "o gerador tentou escrever o mesmo arquivo duas vezes",
                                           "isso é um erro do gerador; relate-o")])
            seen.add(rel)
            target = safe_join(tmp, rel)
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
    shutil.rmtree(old, ignore_errors=True)
    return WriteReport(written, unchanged, removed)
