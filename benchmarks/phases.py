#!/usr/bin/env python3
"""Where one build's time goes: each stage of build.py timed in-process.

Runs one `biteye-site build` in this process with the build's stages wrapped by
a timer, after an optional change to the corpus, and prints a table of the time
spent in each (a stage called inside another counts in both). It answers "what
would a faster X buy" for the incremental kinds of benchmarks/run.py, which
times whole processes only.

Usage (after benchmarks/run.py has made the corpus and a build of it):
  python3 benchmarks/phases.py benchmarks/work/n10000/biteye add      # then: ... delete
  python3 benchmarks/phases.py benchmarks/work/n10000/biteye none     # a no-change build
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import os
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "src"))

NOW = "2026-11-01T12:00:00-03:00"   # as benchmarks/run.py
EXTRA = "zz-artigo-de-fases.md"     # the article 'add' writes and 'delete' removes

# build.py's stages, as build.py names them (it imports them into its namespace).
STAGES = ("check_output_dir", "open_cache", "input_manifest", "unchanged_pages", "output_intact", "find_sources",
          "_edit_path", "parse_all", "select", "resolve_links", "collect", "_with_related", "plan_routes",
          "route_fingerprints", "pmap", "write_site", "static_files", "edit_index", "publication_state")
CACHE_METHODS = ("get_documents", "get_meta", "put_meta", "get_pages", "put_pages", "get_known", "put_known",
                 "get_cards", "put_cards", "close")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("site", type=Path)
    parser.add_argument("change", choices=("none", "add", "delete"))
    args = parser.parse_args()
    site = args.site.resolve()
    articles = site / "articles"
    extra = articles / EXTRA
    if args.change == "add":
        middle = sorted(p for p in articles.iterdir() if p.name != EXTRA)[len(list(articles.iterdir())) // 2]
        text = middle.read_text(encoding="utf-8")
        extra.write_text(text.replace("\ntitle:", "\ntitle: Fases —", 1).replace("\nslug:", "\nslug_original:", 1),
                         encoding="utf-8")
    elif args.change == "delete":
        if not extra.exists():
            print(f"{extra} is not there: run with 'add' first", file=sys.stderr)
            return 2
        extra.unlink()
    os.chdir(site)
    started = time.perf_counter()
    from biteye_site import build, cache
    from biteye_site.cli import main as cli_main
    imported = time.perf_counter()
    spent: dict[str, float] = {}

    def timed(owner, name: str, label: str) -> None:
        func = getattr(owner, name)

        @functools.wraps(func)
        def wrapper(*a, **k):
            clock = time.perf_counter()
            try:
                return func(*a, **k)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - clock
        setattr(owner, name, wrapper)

    for name in STAGES:
        if hasattr(build, name):
            timed(build, name, name)
    for name in CACHE_METHODS:
        timed(cache.BuildCache, name, f"cache.{name}")
    said = io.StringIO()
    clock = time.perf_counter()
    try:
        with contextlib.redirect_stdout(said), contextlib.redirect_stderr(io.StringIO()):
            code = cli_main(["build", "--now", NOW])
    except SystemExit as exc:  # (the command may end the process itself: see cli.entry)
        code = exc.code
    total = time.perf_counter() - clock
    print("\n".join(said.getvalue().strip().splitlines()[-2:]) + "\n")  # the build's summary
    print(f"| stage | seconds |\n|---|---:|\n| importing the generator | {imported - started:.3f} |")
    for label, seconds in sorted(spent.items(), key=lambda kv: -kv[1]):
        print(f"| {label} | {seconds:.3f} |")
    print(f"| **the build** (exit {code}) | {total:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
