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

import gzip
import hashlib
import json
import os
import re
import struct
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
                                       "confira a instalação do Pagefind (pip install 'biteye-site[search]') "
                                       "ou desligue a busca com 'search: false' em site.yaml")])
        found: dict[str, bytes] = {}
        for folder, dirs, names in os.walk(bundle):
            dirs.sort()
            for name in sorted(names):
                path = Path(folder, name)
                found[path.relative_to(bundle).as_posix()] = path.read_bytes()
        return found


# -- determinism --------------------------------------------------------------------------------
# Pagefind 1.5 keeps filters in hash maps with a per-process random seed, so the order of filter
# values inside filter/*.pf_filter (and of the filters listed in the language's .pf_meta) changes
# from run to run; file names are hashes of the contents, so names and pagefind-entry.json change
# too. canonical_bundle() sorts those lists and renames the files, so the same site always gives
# the same bundle. The files are gzip('pagefind_dcd' + CBOR); only the subset of CBOR that
# Pagefind writes (unsigned ints, text, arrays) is handled, and a file that does not read back
# byte for byte is left exactly as Pagefind wrote it.

_SIGNATURE = b"pagefind_dcd"


class _Unsupported(ValueError):
    pass


def _cbor_decode(data: bytes, i: int = 0) -> tuple[object, int]:
    head = data[i]
    major, info = head >> 5, head & 31
    i += 1
    if info < 24:
        value = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        value = int.from_bytes(data[i:i + size], "big")
        i += size
    else:
        raise _Unsupported(f"CBOR item {head:#x}")
    if major == 0:
        return value, i
    if major == 3:
        return data[i:i + value].decode("utf-8"), i + value
    if major == 4:
        items = []
        for _ in range(value):
            item, i = _cbor_decode(data, i)
            items.append(item)
        return items, i
    raise _Unsupported(f"CBOR major type {major}")


def _cbor_head(major: int, value: int) -> bytes:
    if value < 24:
        return bytes([major << 5 | value])
    for info, fmt in ((24, ">B"), (25, ">H"), (26, ">I"), (27, ">Q")):
        if value < 1 << (8 * struct.calcsize(fmt)):
            return bytes([major << 5 | info]) + struct.pack(fmt, value)
    raise _Unsupported("integer too large")


def _cbor_encode(value: object) -> bytes:
    if isinstance(value, bool) or not isinstance(value, (int, str, list)):
        raise _Unsupported(type(value).__name__)
    if isinstance(value, int):
        return _cbor_head(0, value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _cbor_head(3, len(raw)) + raw
    return _cbor_head(4, len(value)) + b"".join(_cbor_encode(v) for v in value)


def _read_pf(data: bytes) -> object:
    raw = gzip.decompress(data)
    if not raw.startswith(_SIGNATURE):
        raise _Unsupported("missing Pagefind signature")
    value, end = _cbor_decode(raw, len(_SIGNATURE))
    if end != len(raw) or _SIGNATURE + _cbor_encode(value) != raw:
        raise _Unsupported("does not round-trip")
    return value


def _write_pf(value: object) -> tuple[bytes, str]:
    """Compressed file and a hash of its contents (hex) for the file name."""
    raw = _SIGNATURE + _cbor_encode(value)
    return gzip.compress(raw, compresslevel=9, mtime=0), hashlib.sha256(raw).hexdigest()


def canonical_bundle(bundle: dict[str, bytes]) -> dict[str, bytes]:
    """The same bundle with filter lists sorted and files renamed to match (see above)."""
    try:
        entry = json.loads(bundle["pagefind-entry.json"])
        out = dict(bundle)
        entry_text = bundle["pagefind-entry.json"].decode("utf-8")
        for language, info in sorted(entry["languages"].items()):
            meta_name = f"pagefind.{info['hash']}.pf_meta"
            meta = _read_pf(bundle[meta_name])
            # MetaIndex: [version, pages, index_chunks, filters [[name, hash]], sorts [[name, pages]], meta keys]
            filters = meta[3]
            for item in filters:
                name, old = item
                values = _read_pf(bundle[f"filter/{old}.pf_filter"])   # [filter, [[value, [pages]]]]
                values[1].sort(key=lambda v: v[0])
                data, digest = _write_pf(values)
                new = f"{language}_{digest[:7]}"
                del out[f"filter/{old}.pf_filter"]
                if f"filter/{new}.pf_filter" in out:
                    raise _Unsupported("filter hash collision")
                out[f"filter/{new}.pf_filter"] = data
                item[1] = new
            filters.sort(key=lambda f: f[0])
            if len(meta) > 4:
                meta[4].sort(key=lambda s: s[0])
            data, digest = _write_pf(meta)
            new_hash = f"{language}_{digest[:13]}"
            del out[meta_name]
            out[f"pagefind.{new_hash}.pf_meta"] = data
            entry_text = entry_text.replace(f'"{info["hash"]}"', f'"{new_hash}"')
        out["pagefind-entry.json"] = entry_text.encode("utf-8")
        return out
    except (_Unsupported, KeyError, IndexError, TypeError, ValueError, OSError):
        return bundle  # a Pagefind format this code does not know: keep its files as they are


def build_search_index(routes: Iterable[Route], files: Iterable[tuple[str, bytes]],
                       config_file: str = "site.yaml") -> SearchIndex:
    """Index the site's article pages; return the bundle under url_for('search_bundle')."""
    exe = pagefind_executable(config_file)
    clock = time.perf_counter()
    pages = pages_to_index(routes, files)
    if not pages:  # Pagefind refuses an empty site; /busca/ then says search is unavailable
        return SearchIndex((), 0, time.perf_counter() - clock)
    bundle = canonical_bundle(run_pagefind(exe, pages))
    prefix = url_for("search_bundle")
    out = tuple(sorted((prefix + rel, data) for rel, data in bundle.items() if not _UNUSED.fullmatch(rel)))
    return SearchIndex(out, len(pages), time.perf_counter() - clock)


def index_version() -> str:
    """Pagefind's version, part of the search index's fingerprint: an upgrade re-indexes."""
    try:
        from importlib.metadata import version
        return "pagefind " + version("pagefind")
    except Exception:  # noqa: BLE001 - not installed (search off): nothing to key on
        return "pagefind ?"
