"""Run a stage over both cores: a forked process pool, results in input order.

Fork lets the workers share the parent's site, templates and sources without
pickling them; only indices go out and results come back. Output order is the
input order, so a parallel build is byte-identical to a single-process one.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from typing import Callable, TypeVar

from biteye_site.errors import WorkerLost, problem

T = TypeVar("T")
_TASK: Callable[[int], object] | None = None
MIN_ITEMS = 48  # below this, starting processes costs more than it saves
WATCH_SECONDS = 2.0  # how often a wait for the workers checks that they are all alive
LOST = [problem("biteye-site", None, None, "um processo de trabalho do build terminou sem concluir sua parte "
                "(provavelmente por falta de memória)",
                "rode de novo com menos processos (BITEYE_JOBS=1) ou com mais memória")]


def _call(span: tuple[int, int]) -> list:
    assert _TASK is not None
    return [_TASK(i) for i in range(*span)]


def _start_worker() -> None:
    """A pool worker's set-up.

    SIGTERM as the default: the pool's terminate() sends it, and a handler inherited
    from the parent that raises instead could leave the worker dead while it holds the
    task queue's lock, and the pool waiting for it.

    The collector on even if this process paused it (gc.disable is inherited), but
    leaving what the worker inherited alone, and running rarely. What a task leaves is
    freed by reference counting (a Markdown token tree, a page); at the default
    threshold the collector ran 3,000 times in each parse worker of a 10,000-article
    build, walking the live token tree each time: 0.4 s of a worker's 10. Frozen, the
    inherited objects are not walked either, nor their pages copied by the walk."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    gc.freeze()
    gc.set_threshold(20_000, 10, 10)
    gc.enable()


def spans(n: int, jobs: int) -> list[tuple[int, int]]:
    """The items 0…n-1 as (start, end) chunks for ``jobs`` workers: up to 256 items (a
    chunk is one message each way) while much remains, then smaller and smaller, down to
    one ("guided" scheduling). With chunks of one size, the worker that took the last
    one ran on alone for up to a chunk's time (256 articles: about 0.35 s of parsing at
    10,000) while the other core waited; now they finish within an item or two of each
    other. The parse stage of a 1,000-article build: 0.975 → 0.93 s (median of 8
    alternating rounds)."""
    out, start = [], 0
    top = max(1, min(256, n // (jobs * 8)))
    while start < n:
        size = max(1, min(top, (n - start) // (jobs * 4)))
        out.append((start, min(n, start + size)))
        start += size
    return out


def default_jobs() -> int:
    env = os.environ.get("BITEYE_JOBS")
    if env and env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def forks(n: int, jobs: int = 0) -> bool:
    """Whether pmap() over ``n`` items runs in worker processes (else in this one)."""
    # Forking a process that runs threads (the dev server) is unsafe: stay serial there.
    return ((jobs or default_jobs()) > 1 and n >= MIN_ITEMS and threading.active_count() == 1
            and "fork" in multiprocessing.get_all_start_methods())


def pmap(func: Callable[[int], T], n: int, jobs: int = 0,
         tick: Callable[[int, int], None] | None = None, receive: Callable[[T], object] | None = None,
         started: Callable[[], None] | None = None) -> list:
    """[func(0), …, func(n-1)], in order, on up to ``jobs`` processes (0 = all cores).

    ``tick(done, n)`` is called in this process as results arrive (for progress bars);
    ``receive(result)``, if given, too, and its value is returned instead of the result:
    work this process does while the workers still run, instead of after them.
    ``started()`` is called once the workers exist (or before a serial run): the moment
    this process may start a thread, which a fork must never copy mid-work.
    """
    receive = receive or (lambda result: result)
    global _TASK
    jobs = jobs or default_jobs()
    tick = tick or (lambda done, total: None)
    tick(0, n)
    if not forks(n, jobs):
        if started is not None:
            started()
        out = []
        for i in range(n):
            out.append(receive(func(i)))
            tick(i + 1, n)
        return out
    _TASK = func
    try:
        before = {child.pid for child in multiprocessing.active_children()}
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_start_worker) as pool:
            workers = {child.pid for child in multiprocessing.active_children()} - before
            if started is not None:
                started()
            out = []
            # Chunks made here, not by imap(): its own chunking hides the results' next(timeout).
            results = pool.imap(_call, spans(n, jobs))
            while len(out) < n:
                try:
                    chunk = results.next(timeout=WATCH_SECONDS)
                except multiprocessing.TimeoutError:
                    # A worker killed mid-task (the out-of-memory killer) takes its part with it:
                    # the pool starts another and waits for that part forever. Fail instead.
                    if not workers <= {child.pid for child in multiprocessing.active_children()}:
                        raise WorkerLost(LOST) from None
                    continue
                for result in chunk:
                    out.append(receive(result))
                    tick(len(out), n)
            return out
    finally:
        _TASK = None
