#!/usr/bin/env python3
"""biteye-site build benchmark, side by side with Hugo and Pelican when they are installed.

For each corpus size it times, as whole processes under GNU time (wall, CPU,
peak resident memory):
  cold       no cache, no previous output
  no-change  the same build again (cache and output kept)
  one-edit   one article's body changed, then a build
  headline-edit  one article's title changed (what lists show), then a build
  tag-edit   one article given a new tag (it moves in the lists), then a build
  add/delete one article added, then removed again
and, for the peers, a cold build of the same corpus (Hugo: `hugo`, Pelican: the
`pelican` found on PATH or in benchmarks/.venv-pelican). Every cold run, ours
and the peers', starts from a flushed disk, with the last run's output moved
aside rather than just deleted (see clear_state). The cold runs
take turns (ours, then each peer's, round after round), and a peer's ratio is
the median of its rounds' ratios: a shared machine's speed drifts by more
than the differences measured, and a ratio of times taken minutes apart
would measure the drift.

Usage:
  python3 benchmarks/run.py                       # 1,000 and 10,000 articles, 3 runs each
  python3 benchmarks/run.py --sizes 1000 --runs 5
  python3 benchmarks/run.py --sizes 1000 10000 50000 --peers none
  python3 benchmarks/run.py --delete-before-cold  # as sessions 1-7 measured (see clear_state)
Writes benchmarks/work/ (git-ignored) and prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
WORK = HERE / "work"
NOW = "2026-11-01T12:00:00-03:00"   # fixed reference time: every run publishes the same articles
TIME = "/usr/bin/time"
TRASH = WORK / ".trash"
EMPTIED = WORK / ".trash-emptied"  # when the benchmark last deleted anything big (its modification time)
SETTLE = 370  # seconds: ext4 without a journal skips inodes freed in the last 60 s, 360 s if unwritten (see clear_state)
DELETE_BEFORE_COLD = False  # --delete-before-cold


def run_timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, float, float]:
    """(wall s, cpu s, peak MiB) of one whole-process run; raises if it fails."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as t:
        proc = subprocess.run([TIME, "-f", "%e %U %S %M", "-o", t.name, *cmd], cwd=cwd,
                              env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed in {cwd}:\n{proc.stderr[-2000:]}")
        wall, user, sys_, rss = t.read().split()[-4:]
    return float(wall), float(user) + float(sys_), int(rss) / 1024


def generate(n: int, fmt: str, out: Path) -> None:
    subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), "-n", str(n), "--format", fmt, "--out", str(out)],
                   check=True, stdout=subprocess.DEVNULL)


def prepare_biteye(n: int) -> Path:
    site = WORK / f"n{n}" / "biteye"
    if not (site / "articles").is_dir() or len(list((site / "articles").iterdir())) != n:
        if site.exists():
            delete(site)
        site.mkdir(parents=True)
        generate(n, "generic", site)
    for folder in ("templates", "static"):
        shutil.rmtree(site / folder, ignore_errors=True)
        shutil.copytree(PROJECT / folder, site / folder)
    # Search off: the peers build no search index (docs/performance.md measures search apart).
    (site / "site.yaml").write_text("title: Arquivo\nbase_url: https://arquivo.example/\n"
                                    "content_dir: articles\nsearch: false\n", encoding="utf-8")
    return site


def biteye_cmd() -> list[str]:
    return [sys.executable, "-m", "biteye_site", "build", "--now", NOW, "--quiet"]


def clear_state(site: Path, names: tuple[str, ...]) -> None:
    """Take away a generator's output and cache before a cold run.

    They are moved to a trash folder, emptied when the benchmark ends, not deleted: on
    an ext4 file system without a journal (this benchmark's machine) the kernel
    avoids reusing an inode freed in the last 60 seconds (360 while its inode table
    block is not yet written back), and checks the freed ones one by one, from the
    start of the group, for every file and folder it creates (``recently_deleted``).
    Right after deleting the last run's 15,000 files, that check was 11 % of a cold
    10,000-article build's CPU (perf, session 8), falling on whoever creates files:
    a state no CI runner starts from (a fresh clone; a journaled file system).
    ``--delete-before-cold`` deletes instead, as sessions 1-7 measured."""
    for name in names:
        path = site / name
        if not path.exists() and not path.is_symlink():
            continue
        if not DELETE_BEFORE_COLD:
            TRASH.mkdir(parents=True, exist_ok=True)
            try:
                path.rename(TRASH / f"{len(os.listdir(TRASH))}-{name}")
                continue
            except OSError:  # (another file system) deleted after all
                pass
        delete(path)
    # The last run's writes (or deletions, with --delete-before-cold) keep the disk busy
    # for seconds: flush them first, so a run is not timed against them.
    os.sync()
    time.sleep(1)


def delete(path: Path) -> None:
    """Delete a file or folder, and note when (see empty_trash)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()
    EMPTIED.parent.mkdir(parents=True, exist_ok=True)
    EMPTIED.touch()


def empty_trash(settle: bool) -> None:
    """Delete what clear_state moved aside, and note when. ``settle`` (before timed runs):
    wait until SETTLE seconds have passed since the benchmark last deleted something big
    (this run's trash, an interrupted run's, the end of a run just before this one, a
    corpus made again), so that the kernel reuses the freed inodes without checking each."""
    if TRASH.exists():
        delete(TRASH)
        os.sync()
    if settle and EMPTIED.exists():
        # (never more than SETTLE: a stamp from the future, after the clock was set back)
        wait = min(SETTLE, SETTLE - (time.time() - EMPTIED.stat().st_mtime))
        if wait > 0:
            print(f"(waiting {wait:.0f} s: the benchmark deleted a folder less than {SETTLE} s ago)",
                  file=sys.stderr, flush=True)
            time.sleep(wait)


def median_of(runs: list[tuple[float, float, float]]) -> tuple[float, float, float, float, float]:
    walls = [r[0] for r in runs]
    return (statistics.median(walls), min(walls), max(walls),
            statistics.median(r[1] for r in runs), max(r[2] for r in runs))


def biteye_cold(site: Path) -> tuple[float, float, float]:
    clear_state(site, ("public", ".biteye-cache"))
    return run_timed(biteye_cmd(), site, {"PYTHONPATH": str(PROJECT / "src")})


def bench_incremental(site: Path, n: int, runs: int) -> dict[str, tuple]:
    """Every kind but cold, from the state the last cold build left."""
    env = {"PYTHONPATH": str(PROJECT / "src")}
    results: dict[str, tuple] = {}
    results["no-change"] = median_of([run_timed(biteye_cmd(), site, env) for _ in range(runs)])
    article = sorted((site / "articles").iterdir())[n // 2]
    original = article.read_text(encoding="utf-8")
    extra = site / "articles" / "zz-artigo-novo-do-benchmark.md"

    def timed_after(change: str) -> tuple[float, float, float]:
        article.write_text(change, encoding="utf-8")
        return run_timed(biteye_cmd(), site, env)

    try:
        results["one-edit"] = median_of([timed_after(original + f"\nParágrafo acrescentado na edição {i}.\n")
                                         for i in range(runs)])
        timed_after(original)
        # An edit to what lists show that leaves the article where it is (the edit path).
        results["headline-edit"] = median_of([timed_after(original.replace('\ntitle: "', f'\ntitle: "Corrigido {i} — ', 1))
                                              for i in range(runs)])
        timed_after(original)
        # An edit that moves the article in the lists: the full incremental build.
        results["tag-edit"] = median_of([timed_after(original.replace('\ntags:\n', f'\ntags:\n  - "Tag nova {i}"\n', 1))
                                         for i in range(runs)])
        timed_after(original)
        adds = []
        for i in range(runs):
            extra.write_text(original.replace("\ntitle:", f"\ntitle: Novo {i} —", 1)
                             .replace("\nslug:", "\nslug_original:", 1), encoding="utf-8")
            adds.append(run_timed(biteye_cmd(), site, env))
            extra.unlink()
            adds.append(run_timed(biteye_cmd(), site, env))
    finally:  # the corpus stays as generated, whatever happened
        article.write_text(original, encoding="utf-8")
        extra.unlink(missing_ok=True)
    results["add/delete"] = median_of(adds)
    return results


def find_pelican() -> str | None:
    local = HERE / ".venv-pelican" / "bin" / "pelican"
    return str(local) if local.exists() else shutil.which("pelican")


def prepare_peer(peer: str, n: int) -> tuple[Path, list[str], tuple[str, ...]] | None:
    """(site, command, state to clear before a cold run), or None when the peer is not installed."""
    if peer == "hugo":
        exe = shutil.which("hugo")
        if not exe:
            return None
        site, fmt, cmd, state = WORK / f"n{n}" / "hugo", "hugo", [exe, "-d", "out", "--quiet"], ("out", "resources")
    elif peer == "pelican":
        exe = find_pelican()
        if not exe:
            return None
        site, fmt = WORK / f"n{n}" / "pelican", "pelican"
        cmd, state = [exe, "content", "-s", "pelicanconf.py", "-o", "out", "-q"], ("out", "cache")
    else:
        raise ValueError(peer)
    if not site.is_dir():
        shutil.copytree(HERE / "peers" / peer, site)
        generate(n, fmt, site)
    return site, cmd, state


def peer_cold(site: Path, cmd: list[str], state: tuple[str, ...]) -> tuple[float, float, float]:
    clear_state(site, state)
    return run_timed(cmd, site)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--peers", nargs="+", default=["hugo", "pelican"], help="hugo, pelican, or none")
    parser.add_argument("--peer-runs", type=int, default=None, help="runs for peers (default: --runs)")
    parser.add_argument("--delete-before-cold", action="store_true",
                        help="delete the last output right before each cold run (see clear_state)")
    args = parser.parse_args()
    global DELETE_BEFORE_COLD
    DELETE_BEFORE_COLD = args.delete_before_cold
    if not Path(TIME).exists():
        print("GNU time (/usr/bin/time) is needed: apt-get install time", file=sys.stderr)
        return 2
    peers = [p for p in args.peers if p != "none"]
    empty_trash(settle=True)  # an interrupted run's trash, or a run that just ended
    print(f"Machine: {platform.node()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load before: {os.getloadavg()[0]:.2f}\n")
    try:
        return _run(args, peers)
    finally:
        empty_trash(settle=False)


def _run(args: argparse.Namespace, peers: list[str]) -> int:
    print("| generator | articles | kind | wall s median (min–max) | cpu s | peak MiB | ratio to biteye cold, per round: median (min–max) |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for n in args.sizes:
        site = prepare_biteye(n)
        prepared = {peer: prepare_peer(peer, n) for peer in peers}
        cold: list[tuple[float, float, float]] = []
        peer_runs: dict[str, list[tuple[float, float, float]]] = {p: [] for p, got in prepared.items() if got}
        ratios: dict[str, list[float]] = {p: [] for p in peer_runs}
        for round_ in range(max(args.runs, args.peer_runs or 0)):
            if round_ < args.runs:
                cold.append(biteye_cold(site))
            for peer in peer_runs:
                if round_ < (args.peer_runs or args.runs):
                    peer_runs[peer].append(peer_cold(*prepared[peer]))  # type: ignore[misc]
                    if round_ < args.runs:
                        ratios[peer].append(peer_runs[peer][-1][0] / cold[-1][0])
        # The peers leave our site alone: the incremental kinds start from our last cold build.
        ours = {"cold": median_of(cold), **bench_incremental(site, n, args.runs)}
        for kind, (med, lo, hi, cpu, peak) in ours.items():
            print(f"| biteye-site | {n} | {kind} | {med:.2f} ({lo:.2f}–{hi:.2f}) | {cpu:.2f} | {peak:.0f} | |", flush=True)
        for peer in peers:
            if peer not in peer_runs:
                print(f"| {peer} | {n} | cold | not installed | | | |", flush=True)
                continue
            med, lo, hi, cpu, peak = median_of(peer_runs[peer])
            rs = ratios[peer]
            shown = (f"{statistics.median(rs):.2f}× ({min(rs):.2f}–{max(rs):.2f})" if rs
                     else f"{med / ours['cold'][0]:.2f}×")
            print(f"| {peer} | {n} | cold | {med:.2f} ({lo:.2f}–{hi:.2f}) | {cpu:.2f} | {peak:.0f} | {shown} |", flush=True)
    print(f"\nLoad after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
