#!/usr/bin/env python3
"""How long `biteye-site serve` takes to show an edit: one article changed, timed to the new preview.

For the real content and for a generated corpus of N articles (benchmarks/gen_corpus.py,
generic format), start a Preview (real watcher, real server), append a paragraph to one
article RUNS times and report, as medians:

- build: the rebuild itself (config, generate with the parse cache, write of the changed files);
- save-to-reload: from the file write to the new state the browser's event stream receives
  (adds the file watcher's latency).

Usage: python3 benchmarks/serve_rebuild.py [-n 1000] [--runs 7] [--keep DIR]
The sites are built in a temporary folder (or DIR); nothing in the project is touched.
"""

from __future__ import annotations

import argparse
import io
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from biteye_site.build import BuildOptions
from biteye_site.server import Preview

PROJECT = Path(__file__).resolve().parent.parent


def make_site(root: Path, n: int | None) -> Path:
    """A site folder with the project's theme; returns the article to edit."""
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    shutil.copytree(PROJECT / "templates", root / "templates")
    shutil.copytree(PROJECT / "static", root / "static")
    if n is None:
        shutil.copytree(PROJECT / "content", root / "content")
        shutil.copy(PROJECT / "site.yaml", root / "site.yaml")
        return sorted((root / "content").rglob("*.md"))[0]
    subprocess.run([sys.executable, str(PROJECT / "benchmarks" / "gen_corpus.py"), "-n", str(n),
                    "--format", "generic", "--out", str(root)], check=True, capture_output=True)
    (root / "site.yaml").write_text("title: Bench\nbase_url: https://bench.example.org/\ncontent_dir: articles\n",
                                    encoding="utf-8")
    return sorted((root / "articles").rglob("*.md"))[n // 2]


def measure(label: str, root: Path, n: int | None, runs: int) -> None:
    article = make_site(root, n)
    out = io.StringIO()
    preview = Preview(root / "site.yaml", BuildOptions(), port=0, out=out, err=io.StringIO())
    clock = time.perf_counter()
    preview.start()
    first = time.perf_counter() - clock
    original = article.read_text(encoding="utf-8")
    reload_times = []
    try:
        for i in range(runs):
            token = preview.state.token
            article.write_text(original + f"\n\nParágrafo acrescentado na edição {i}.\n", encoding="utf-8")
            clock = time.perf_counter()
            while preview.state.token == token:
                if time.perf_counter() - clock > 60:
                    raise SystemExit(f"{label}: no new preview within 60 s")
                time.sleep(0.005)
            reload_times.append(time.perf_counter() - clock)
            time.sleep(0.5)   # let the watcher settle so each edit is one rebuild
    finally:
        preview.stop()
    lines = [line for line in out.getvalue().splitlines() if line.startswith("Prévia atualizada em ")]
    builds = [float(line.split(" em ", 1)[1].split(" s", 1)[0]) for line in lines[1:]]
    print(f"{label}: first build {first:.2f} s; after editing one article ({runs} runs): "
          f"build median {statistics.median(builds):.3f} s (min {min(builds):.3f}, max {max(builds):.3f}); "
          f"save-to-reload median {statistics.median(reload_times):.3f} s "
          f"(min {min(reload_times):.3f}, max {max(reload_times):.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, nargs="*", default=[1000], help="sizes of the generated corpus")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", help="build the sites in this folder (default: a temporary one)")
    args = parser.parse_args()
    base = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="serve-bench-"))
    try:
        measure("real content", base / "real", None, args.runs)
        for n in args.n:
            measure(f"N={n}", base / f"n{n}", n, args.runs)
    finally:
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
