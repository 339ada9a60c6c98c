import io
import signal

from biteye_site.parallel import forks, pmap, spans
from biteye_site.progress import Progress


def _square(i: int) -> int:
    return i * i


def _sigterm_is_default(i: int) -> bool:
    return signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_plain_lines_when_not_a_terminal():
    out = io.StringIO()
    progress = Progress(out, tty=False)
    for done in range(0, 101, 10):
        progress("renderizar", done, 100)
    progress("gravar", 0, 5)
    progress("indexar", 0, 1)
    assert out.getvalue() == "renderizar: 100 itens\ngravar: 5 itens\nindexar: 1 item\n"


def test_bar_on_a_terminal_ends_with_the_total():
    out = io.StringIO()
    progress = Progress(out, tty=True)
    progress("analisar", 0, 40)
    progress("analisar", 40, 40)
    text = out.getvalue()
    assert "\r" in text and "40/40" in text and text.endswith("\n") and "█" * 30 in text


def test_quiet_prints_nothing():
    out = io.StringIO()
    Progress(out, quiet=True, tty=True)("analisar", 1, 2)
    assert out.getvalue() == ""


def test_pmap_keeps_order_and_ticks_every_result():
    ticks = []
    assert pmap(_square, 100, jobs=2, tick=lambda done, total: ticks.append((done, total))) == [i * i for i in range(100)]
    assert ticks[0] == (0, 100) and ticks[-1] == (100, 100) and len(ticks) == 101


def test_chunks_cover_every_item_once_and_shrink_towards_the_end():
    for n in (1, 7, 48, 100, 1000, 2066, 10_000, 14_456):
        for jobs in (1, 2, 4):
            chunks = spans(n, jobs)
            assert [i for a, b in chunks for i in range(a, b)] == list(range(n))
            sizes = [b - a for a, b in chunks]
            assert all(1 <= s <= 256 for s in sizes)
            assert sizes == sorted(sizes, reverse=True), "a chunk larger than the one before it"
            # The last chunks are small: the other workers wait at most that long at the end.
            assert sum(sizes[-jobs:]) <= max(2 * jobs, n // 50)
    assert len(spans(10_000, 2)) < 100  # and few messages: big chunks while much remains


def test_pmap_workers_take_sigterm_as_the_default_whatever_the_parent_set():
    # The pool stops its workers with SIGTERM. A handler inherited from the parent (the
    # preview's raises KeyboardInterrupt) could leave a worker dead holding the task
    # queue's lock, and the pool waiting for it forever.
    assert forks(100, 2)  # in this process, the answer would be the parent's handler
    before = signal.signal(signal.SIGTERM, lambda signum, frame: None)
    try:
        assert pmap(_sigterm_is_default, 100, jobs=2) == [True] * 100
    finally:
        signal.signal(signal.SIGTERM, before)
