"""The reader's site in a real browser: Debian Chromium driven by Playwright, axe-core inside it.

- axe-core (WCAG 2.0/2.1 A and AA, best practices): 0 violations on the home, an article, a tag,
  an author and an archive page, at 390 px and 1280 px (and in the dark theme at 390 px);
- a reader clicks home → article → tag → author → archive and each page shows what it should;
- no horizontal scrolling at 320 px; a visible focus and a working skip link; dark theme from
  prefers-color-scheme; readable without JavaScript; print stylesheet; nothing fetched from other hosts;
- screenshots of every checked page at both widths go to test-artifacts/browser/ (git-ignored).
"""

from __future__ import annotations

import functools
import re
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

import sitegen
from checktools import CHROMIUM_ARGS, PROJECT, axe_script, build_real_content, chromium, missing
from sitegen import build_fixture

pytestmark = pytest.mark.browser

ARTIFACTS = PROJECT / "test-artifacts" / "browser"
WIDTHS = (390, 1280)
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PAGES = {
    "home": "",
    "article": f"artigos/{sitegen.SECTIONS_SLUG}/",
    "tag": "tags/inteligencia-artificial/",
    "author": "autores/otavio-araujo/",
    "archive": "arquivo/",
}
NARROW_PAGES = list(PAGES.values()) + [
    f"artigos/{sitegen.IMAGE_SLUG}/", f"artigos/{sitegen.SCRIPT_SLUG}/", "tags/", "autores/", "arquivo/2026/",
    "arquivo/2026/10/", "pagina/2/", "404.html",
]


class StaticHost(SimpleHTTPRequestHandler):
    """What a static host does: files from the folder, and /404.html (status 404) for anything missing."""

    def log_message(self, *args):
        pass

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


def _serve(folder: Path):
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(StaticHost, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


@pytest.fixture(scope="module")
def sites(tmp_path_factory):
    """Base URLs of the 60-article fixture and of the real content, each on its own local server."""
    chromium()
    root = tmp_path_factory.mktemp("navegador")
    fixture = build_fixture(root / "fixture").public
    real = build_real_content(root / "real")
    servers = {"fixture": _serve(fixture), "real": _serve(real)}
    yield {name: f"http://127.0.0.1:{s.server_port}/" for name, s in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def chromium_browser(sites):
    """Our own Playwright instance (not pytest-playwright's fixtures): Debian's Chromium and its flags."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright para Python (pip install -e '.[test]')")
    with sync_playwright() as p:
        instance = p.chromium.launch(executable_path=chromium(), args=CHROMIUM_ARGS)
        yield instance
        instance.close()


class Tab:
    """A page in a fresh context that records what would betray a broken or leaky site."""

    def __init__(self, browser, width: int, scheme: str = "light", javascript: bool = True):
        self.context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme,
                                           locale="pt-BR", java_script_enabled=javascript)
        self.page = self.context.new_page()
        self.foreign: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []
        self.page.on("request", self._request)
        self.page.on("response", self._response)
        self.page.on("requestfailed", self._request_failed)
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))

    def _request(self, request):
        if urlsplit(request.url).hostname != "127.0.0.1":
            self.foreign.append(request.url)

    def _request_failed(self, request):
        # ERR_ABORTED: the next navigation cancelled a load still in flight (an icon), not a broken link.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"{request.url} ({request.failure})")

    def _response(self, response):
        # A missing page is served the 404 page on purpose; a missing CSS, image or icon is a bug.
        if response.status >= 400 and response.request.resource_type != "document":
            self.failed.append(f"{response.url} ({response.status})")

    def goto(self, url: str, status: int = 200):
        response = self.page.goto(url)
        assert response is not None and response.status == status, url
        return self.page

    def close(self):
        self.context.close()
        assert not self.foreign, f"requests to other hosts: {self.foreign}"
        assert not self.failed, f"failed loads: {self.failed}"
        assert not self.errors, f"JavaScript errors: {self.errors}"


@pytest.fixture
def tab_factory(chromium_browser):
    tabs: list[Tab] = []

    def make(width: int, scheme: str = "light", javascript: bool = True) -> Tab:
        tab = Tab(chromium_browser, width, scheme, javascript)
        tabs.append(tab)
        return tab

    yield make
    for tab in tabs:
        tab.close()


def run_axe(page) -> list[dict]:
    page.add_script_tag(path=str(axe_script()))
    result = page.evaluate("""async (tags) => await axe.run(document, {
        runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})""", AXE_TAGS)
    return result["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(n["target"]) if isinstance(n["target"], list) else str(n["target"])
                            for n in v["nodes"][:5])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return "\n".join(lines)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def no_horizontal_scroll(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, document.documentElement.clientWidth]")


# -- axe-core ------------------------------------------------------------------------------------------

CASES = ([("fixture", name, width, "light") for name in PAGES for width in WIDTHS]
         + [("fixture", name, 390, "dark") for name in PAGES]
         + [("real", name, width, "light") for name in ("home", "article") for width in WIDTHS])


def _real_path(name: str) -> str:
    return {"home": "", "article": "artigos/crise-de-lideranca-na-equipe-qwen/"}[name]


@pytest.mark.parametrize("site,name,width,scheme", CASES, ids=["-".join(map(str, c)) for c in CASES])
def test_axe_finds_no_violations(sites, tab_factory, site, name, width, scheme):
    tab = tab_factory(width, scheme)
    path = PAGES[name] if site == "fixture" else _real_path(name)
    page = tab.goto(sites[site] + path)
    shot = screenshot(page, f"{site}-{name}-{width}-{scheme}")
    assert shot.stat().st_size > 1000
    violations = run_axe(page)
    assert not violations, describe(violations)
    width_now, client = no_horizontal_scroll(page)
    assert width_now <= client, f"{path}: {width_now}px wide in a {client}px window"


# -- A reader's path -----------------------------------------------------------------------------------

def _h1(page) -> str:
    return page.locator("h1").first.inner_text().strip()


@pytest.mark.parametrize("width", WIDTHS)
def test_reader_clicks_home_article_tag_author_archive(sites, tab_factory, width):
    tab = tab_factory(width)
    base = sites["fixture"]
    page = tab.goto(base)
    assert page.title().startswith("Arquivo de Teste")
    cards = page.locator("ol.article-list .card-title a")
    assert cards.count() == 20
    title = cards.nth(0).inner_text().strip()
    assert title == sitegen.SECTIONS_TITLE  # the newest article leads the front page

    # Home → article
    cards.nth(0).click()
    page.wait_for_url(base + f"artigos/{sitegen.SECTIONS_SLUG}/")
    assert _h1(page) == title
    assert page.locator(".byline").inner_text().startswith("Por Beatriz Lemos e Otávio Araújo")
    assert re.search(r"\d+ min de leitura", page.locator(".byline").inner_text())
    assert page.locator("nav.toc a").all_inner_texts() == list(sitegen.SECTION_HEADINGS)
    assert page.locator(".article-body h2").count() == 4
    page.locator("nav.toc a").nth(2).click()
    assert page.evaluate("location.hash") == "#quem-e-afetado"
    assert page.locator("#quem-e-afetado").is_visible()

    # Article → tag
    page.locator("ul.tags a", has_text="Segurança").click()
    page.wait_for_url(base + "tags/seguranca/")
    assert _h1(page) == "Tag: Segurança"
    assert re.match(r"\d+ artigos", page.locator("p.lead").inner_text())
    assert title in page.locator("ol.article-list").inner_text()

    # Tag → author (the byline of the article we came from)
    card = page.locator("article.card", has=page.locator(f"a:text-is('{title}')"))
    card.locator("a[rel=author]", has_text="Otávio Araújo").click()
    page.wait_for_url(base + "autores/otavio-araujo/")
    assert _h1(page) == "Otávio Araújo"
    assert page.locator("p.bio").inner_text() == sitegen.PROFILES["Otávio Araújo"]
    assert title in page.locator("ol.article-list").inner_text()

    # Author → archive, through the main navigation
    page.locator("header nav a", has_text="Arquivo").click()
    page.wait_for_url(base + "arquivo/")
    assert _h1(page) == "Arquivo"
    archive = page.locator("main").inner_text()
    assert "Novembro de 2026" in archive and "Outubro de 2026" in archive and "2024" in archive
    page.locator("main a", has_text="Outubro de 2026").click()
    page.wait_for_url(base + "arquivo/2026/10/")
    assert _h1(page) == "Outubro de 2026"
    assert page.locator("header nav a[aria-current=page]").inner_text().strip().lower() == "arquivo"


def test_missing_page_gets_the_portuguese_404_with_its_styles(sites, tab_factory):
    tab = tab_factory(390)
    page = tab.goto(sites["fixture"] + "nao/existe/de/jeito/nenhum/", status=404)
    assert _h1(page) == "Página não encontrada"
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).borderTopStyle") == "solid"
    page.locator("main a", has_text="Voltar à página inicial").click()
    page.wait_for_url(sites["fixture"])
    assert _h1(page).lower() == "últimos artigos"


# -- Layout, focus, themes, print, JavaScript off -----------------------------------------------------------

def test_no_horizontal_scrolling_at_320_px(sites, tab_factory):
    tab = tab_factory(320)
    wide = []
    for path in NARROW_PAGES:
        page = tab.goto(sites["fixture"] + path)
        scroll, client = no_horizontal_scroll(page)
        if scroll > client:
            wide.append(f"{path or '/'}: {scroll}px")
    screenshot(tab.goto(sites["fixture"] + PAGES["article"]), "fixture-article-320-light")
    assert not wide, wide


def test_skip_link_and_visible_focus(sites, tab_factory):
    tab = tab_factory(390)
    page = tab.goto(sites["fixture"] + PAGES["article"])
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement, box = el.getBoundingClientRect(), style = getComputedStyle(el);
        return {text: el.textContent, top: box.top, bottom: box.bottom, outline: style.outlineStyle,
                width: parseFloat(style.outlineWidth)};
    }""")
    assert focused["text"] == "Pular para o conteúdo"
    assert 0 <= focused["top"] < focused["bottom"] <= 900, "the skip link must come into view when focused"
    assert focused["outline"] != "none" and focused["width"] >= 2
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "conteudo"
    page.keyboard.press("Tab")
    nxt = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [document.activeElement.tagName, s.outlineStyle, parseFloat(s.outlineWidth),
                !!document.activeElement.closest('main')]; }""")
    assert nxt[0] == "A" and nxt[1] != "none" and nxt[2] >= 2 and nxt[3], nxt


def _luminance(css_color: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_color)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_themes_follow_prefers_color_scheme(sites, tab_factory):
    colors = {}
    for scheme in ("light", "dark"):
        tab = tab_factory(390, scheme)
        page = tab.goto(sites["fixture"] + PAGES["article"])
        colors[scheme] = page.evaluate("""() => [getComputedStyle(document.body).backgroundColor,
                                                 getComputedStyle(document.body).color]""")
    assert _luminance(colors["light"][0]) > 0.9 and _luminance(colors["light"][1]) < 0.2
    assert _luminance(colors["dark"][0]) < 0.15 and _luminance(colors["dark"][1]) > 0.85


def test_reads_without_javascript(sites, tab_factory):
    tab = tab_factory(390, javascript=False)
    page = tab.goto(sites["fixture"] + f"artigos/{sitegen.SCRIPT_SLUG}/")
    assert _h1(page) == sitegen.SCRIPT_TITLE
    assert page.locator(".article-body p").first.is_visible()
    assert page.locator("header nav a").count() == 4


def test_print_stylesheet_keeps_only_the_article(sites, tab_factory):
    tab = tab_factory(1280)
    page = tab.goto(sites["fixture"] + PAGES["article"])
    page.emulate_media(media="print")
    hidden = page.evaluate("""() => ['.site-header nav', '.breadcrumbs', '.toc', '.related', '.prev-next', '.footer-links']
        .map(s => document.querySelector(s)).filter(Boolean).map(e => getComputedStyle(e).display)""")
    assert hidden and set(hidden) == {"none"}
    assert page.locator(".article-body").is_visible()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    pdf = page.pdf(format="A4")
    assert pdf.startswith(b"%PDF")
