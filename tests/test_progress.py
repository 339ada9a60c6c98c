import io

from biteye_site.parallel import pmap
from biteye_site.progress import Progress


def _square(i: int) -> int:
    return i * i


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
