"""Site search in a real browser (Debian Chromium through Playwright) on a 60-article fixture site.

Expected results are worked out from the Markdown sources, not from the index.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import threading
import unicodedata
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from conftest import new_site_folder
from sitegen import populate

pytestmark = pytest.mark.browser

PROJECT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SITE_WORD = "Zumbalândia"      # site title: header and footer of every page, in no article
FOOTER_WORD = "Xilofônico"     # only in the site description (footer)
SUB = "arquivo-sub"            # a second copy of the site lives under /arquivo-sub/


def need(what: str, ok: bool) -> None:
    """A missing tool fails under CI=true and skips (with the reason) elsewhere."""
    if ok:
        return
    message = f"{what} não encontrado (scripts/test.sh instala as ferramentas)"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true: {message}", pytrace=False)
    pytest.skip(message)


def axe_path() -> Path:
    path = Path(os.environ.get("BITEYE_TOOLS") or PROJECT / ".tools") / "node_modules/axe-core/axe.min.js"
    need(f"axe-core ({path})", path.is_file())
    return path


SPECIALS = [
    dict(slug="crise-de-lideranca-na-cooperativa", title="Crise de liderança na Cooperativa Tucunaré",
         date="2026-06-10T09:00:00-03:00", authors=["Beatriz Lemos"], tags=["Mercado"],
         body="A liderança da cooperativa fictícia trocou de mãos depois de uma assembleia tensa."),
    dict(slug="nova-diretora-de-dados", title="Nova diretora assume a equipe de dados do Porto Fictício",
         date="2025-09-02T14:00:00-03:00", authors=["Caio Nunes"], tags=["Programação"],
         body="Ela promete um estilo de liderança mais aberto e reuniões curtas."),
    dict(slug="escola-de-gestores", title="Escola inventada forma gestores no interior",
         date="2024-11-20T10:00:00-03:00", authors=["Lúcia Ferraz"], tags=["Políticas públicas"],
         body="O curso trata de LIDERANÇA comunitária e de orçamento participativo."),
    dict(slug="previsao-do-tempo-ficticia", title="Previsão do tempo com um único método",
         date="2026-01-05T08:00:00-03:00", authors=["Joana Prado"], tags=["Computação em nuvem"],
         body="O instituto imaginário usa só um modelo estatístico, revisado a cada estação."),
]


def write_specials(site) -> None:
    import json
    for art in SPECIALS:
        lines = ["---"] + [f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in art.items() if k != "body"]
        site.write(f"content/extra/{art['slug']}.md", "\n".join(lines + ["---", "", art["body"], ""]))


def fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text.lower()) if not unicodedata.combining(c))


class Article:
    def __init__(self, path: Path):
        text = path.read_text(encoding="utf-8")
        _, head, body = text.split("---", 2)
        meta = yaml.safe_load(head)
        self.url = f"/artigos/{meta['slug']}/"
        self.title = meta["title"]
        self.tags = set(meta["tags"])
        self.authors = set(meta["authors"])
        self.words = fold(meta["title"] + " " + body)


def build(root: Path, **config) -> tuple[object, dict[str, Article]]:
    site = new_site_folder(root)
    site.config(search=True, title=SITE_WORD, description=f"Um arquivo {FOOTER_WORD} de testes.", **config)
    populate(site, 56)
    write_specials(site)
    assert site.build("--quiet", "--no-cache") == 0
    articles = {a.url: a for a in map(Article, sorted(site.content.rglob("*.md")))}
    assert len(articles) >= 60
    return site, articles


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    need(f"Chromium ({CHROMIUM})", Path(CHROMIUM).is_file())
    root = tmp_path_factory.mktemp("busca")
    site, articles = build(root / "site")
    sub, _ = build(root / "sub", base_url=f"https://exemplo.org/{SUB}/")
    www = root / "www"
    shutil.copytree(site.public, www)
    shutil.copytree(sub.public, www / SUB)
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(www)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", articles
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def chromium_browser(served):
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def tab(chromium_browser):
    context = chromium_browser.new_context(locale="pt-BR")
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    yield page
    context.close()
    assert not errors, errors


# -- helpers: drive the page like a reader --------------------------------------------------------------

def open_search(page, base: str, query: str = "", prefix: str = "") -> None:
    page.goto(f"{base}{prefix}/busca/" + (f"?q={query}" if query else ""))
    page.wait_for_selector("#busca[data-ready]")
    if query:
        wait_results(page)


def wait_results(page) -> None:
    page.wait_for_function("""() => document.getElementById('busca-status').textContent !== ''
        && !document.getElementById('busca-resultados').hasAttribute('aria-busy')""")


def act(page, action) -> None:
    """Clear the status line, do something, wait for the search it starts to finish."""
    page.evaluate("document.getElementById('busca-status').textContent = ''")
    action()
    wait_results(page)


def search(page, query: str) -> None:
    act(page, lambda: (page.fill("#busca-q", query), page.press("#busca-q", "Enter")))


def shown_urls(page) -> list[str]:
    return page.eval_on_selector_all("#busca-resultados li h2 a", "links => links.map(a => a.getAttribute('href'))")


def all_urls(page) -> list[str]:
    """Every result, pressing 'Mostrar mais resultados' until it goes away."""
    while page.is_visible("#busca-mais"):
        count = len(shown_urls(page))
        page.click("#busca-mais")
        page.wait_for_function(f"document.querySelectorAll('#busca-resultados li').length > {count}")
    return shown_urls(page)


def status(page) -> str:
    return page.text_content("#busca-status")


def matching(articles, stem_pattern: str) -> set[str]:
    return {url for url, a in articles.items() if re.search(stem_pattern, a.words)}


# -- the tests ---------------------------------------------------------------------------------------------

def test_accented_and_unaccented_queries_find_the_same_articles(served, tab):
    base, articles = served
    expected = matching(articles, r"\blideranc")
    assert len(expected) == 3
    found = {}
    for query in ("liderança", "lideranca", "LIDERANCA"):
        open_search(tab, base, query)
        found[query] = set(all_urls(tab))
        assert status(tab) == f"3 resultados para “{query}”."
    assert found["liderança"] == found["lideranca"] == found["LIDERANCA"] == expected
    # Each result: linked title, date, and an excerpt with the match highlighted.
    first = tab.locator("#busca-resultados li").first
    href = first.locator("h2 a").get_attribute("href")
    assert first.locator("h2 a").text_content() == articles[href].title
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", first.locator("time").get_attribute("datetime"))
    assert re.fullmatch(r"\d{1,2} de \w+ de \d{4}", first.locator("time").text_content())
    marks = tab.eval_on_selector_all("#busca-resultados .excerpt mark", "ms => ms.map(m => m.textContent)")
    assert marks and all(fold(m).startswith("lideranc") for m in marks)
    tab.click(f"#busca-resultados a[href='{href}']")
    assert tab.locator("h1").text_content() == articles[href].title


def test_a_plural_finds_its_singular(served, tab):
    base, articles = served
    singular_only = "/artigos/previsao-do-tempo-ficticia/"
    assert re.search(r"\bmodelo\b", articles[singular_only].words)
    assert not re.search(r"\bmodelos\b", articles[singular_only].words)
    open_search(tab, base, "modelos")
    found = set(all_urls(tab))
    assert singular_only in found
    assert found == matching(articles, r"\bmodelos?\b")


def test_tag_and_author_filters_narrow_the_results(served, tab):
    base, articles = served
    open_search(tab, base, "empresa")
    everything = set(all_urls(tab))
    assert len(everything) > 10            # more than one batch: 'Mostrar mais' was used
    assert everything == matching(articles, r"\bempresas?\b")
    options = tab.eval_on_selector_all("#busca-tag option", "os => os.map(o => o.value)")
    assert options[0] == "" and "Segurança" in options and "Inteligência artificial" in options
    act(tab, lambda: tab.select_option("#busca-tag", "Segurança"))
    tagged = set(all_urls(tab))
    assert tagged == {u for u in everything if "Segurança" in articles[u].tags}
    assert 0 < len(tagged) < len(everything)
    assert status(tab) == f"{len(tagged)} resultados para “empresa” na tag Segurança."
    assert "tag=Seguran%C3%A7a" in tab.url and "q=empresa" in tab.url   # the address can be shared
    act(tab, lambda: tab.select_option("#busca-autor", "Otávio Araújo"))
    both = set(all_urls(tab))
    assert both == {u for u in tagged if "Otávio Araújo" in articles[u].authors}
    act(tab, lambda: tab.select_option("#busca-tag", ""))
    assert set(all_urls(tab)) == {u for u in everything if "Otávio Araújo" in articles[u].authors}


def test_results_sort_by_date_both_ways(served, tab):
    base, _ = served
    open_search(tab, base, "empresa")
    relevance = all_urls(tab)

    def dates():
        all_urls(tab)
        return tab.eval_on_selector_all("#busca-resultados time", "ts => ts.map(t => Date.parse(t.dateTime))")

    act(tab, lambda: tab.select_option("#busca-ordem", "recentes"))
    newest_first = dates()
    assert newest_first == sorted(newest_first, reverse=True) and len(newest_first) == len(relevance)
    act(tab, lambda: tab.select_option("#busca-ordem", "antigos"))
    oldest_first = dates()
    assert oldest_first == sorted(oldest_first) and oldest_first[0] < oldest_first[-1]
    assert set(shown_urls(tab)) == set(relevance)


def test_an_unknown_word_says_nenhum_resultado(served, tab):
    base, _ = served
    open_search(tab, base)
    search(tab, "quixotescamente")
    assert status(tab) == "Nenhum resultado para “quixotescamente”."
    assert shown_urls(tab) == []
    assert tab.is_visible("#busca-vazio") and tab.is_hidden("#busca-mais")
    assert tab.get_attribute("#busca-status", "role") == "status"
    assert tab.get_attribute("#busca-status", "aria-live") == "polite"


def test_words_only_in_header_navigation_or_footer_find_nothing(served, tab):
    base, _ = served
    open_search(tab, base)
    assert SITE_WORD in tab.text_content(".site-header")
    for word in (SITE_WORD, fold(SITE_WORD), FOOTER_WORD, "Pular"):
        search(tab, word)
        assert status(tab) == f"Nenhum resultado para “{word}”.", word


def test_the_header_box_leads_to_results_with_the_keyboard_only(served, tab):
    base, articles = served
    tab.goto(base + "/")
    tab.keyboard.press("Tab")                  # skip link
    for _ in range(30):                        # Tab on until the header search field has focus
        if tab.evaluate("document.activeElement.id") == "busca-topo":
            break
        tab.keyboard.press("Tab")
    assert tab.evaluate("document.activeElement.id") == "busca-topo"
    tab.keyboard.type("lideranca")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"/busca/\?q=lideranca$"))
    tab.wait_for_selector("#busca[data-ready]")
    wait_results(tab)
    assert set(shown_urls(tab)) == matching(articles, r"\blideranc")
    assert tab.input_value("#busca-q") == "lideranca"
    # Tab order on the page: field → button → tag → author → order.
    tab.focus("#busca-q")
    order = []
    for _ in range(4):
        tab.keyboard.press("Tab")
        order.append(tab.evaluate("document.activeElement.id || document.activeElement.textContent"))
    assert order == ["Buscar", "busca-tag", "busca-autor", "busca-ordem"]


def test_more_results_move_focus_to_the_first_new_one(served, tab):
    base, _ = served
    open_search(tab, base, "empresa")
    assert len(shown_urls(tab)) == 10
    tab.focus("#busca-mais")
    tab.keyboard.press("Enter")
    tab.wait_for_function("document.querySelectorAll('#busca-resultados li').length > 10")
    assert tab.evaluate("document.activeElement === document.querySelectorAll('#busca-resultados li a')[10]")


def test_home_page_does_not_download_the_index(served, chromium_browser):
    base, _ = served
    context = chromium_browser.new_context()
    page = context.new_page()
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(base + "/", wait_until="networkidle")
    page.goto(base + "/artigos/crise-de-lideranca-na-cooperativa/", wait_until="networkidle")
    context.close()
    assert requests and not [u for u in requests if "/pagefind/" in u or "search." in u]


def test_the_search_page_fetches_pagefind_only_when_the_reader_starts(served, tab):
    base, _ = served
    requests = []
    tab.on("request", lambda r: requests.append(r.url))
    tab.goto(base + "/busca/", wait_until="networkidle")
    tab.wait_for_selector("#busca[data-ready]")
    assert tab.locator("#busca-tag option").count() > 5      # filter options come with the page
    assert not [u for u in requests if "/pagefind/" in u]
    tab.focus("#busca-q")
    tab.wait_for_load_state("networkidle")
    fetched = [u for u in requests if "/pagefind/" in u]
    assert any(u.endswith("/pagefind/pagefind.js") for u in fetched)
    assert not [u for u in fetched if "/filter/" in u or "/fragment/" in u]   # nothing beyond what a search needs yet


def test_without_javascript_the_page_explains_and_links_elsewhere(served, chromium_browser):
    base, _ = served
    context = chromium_browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base + "/busca/?q=lideranca")
    assert page.is_visible("[data-search-fallback]")
    assert page.is_hidden("[data-search-form]")
    assert "precisa de JavaScript" in page.text_content("[data-search-fallback]")
    links = page.eval_on_selector_all("[data-search-fallback] a", "as => as.map(a => a.getAttribute('href'))")
    assert {"/tags/", "/autores/", "/arquivo/"} <= set(links)
    page.goto(base + "/")                       # the header box is a plain form: it still gets there
    page.fill("#busca-topo", "liderança")
    page.press("#busca-topo", "Enter")
    page.wait_for_url(re.compile(r"/busca/\?q="))
    assert page.is_visible("[data-search-fallback]")
    context.close()


def test_search_under_a_sub_path_links_inside_it(served, tab):
    base, _ = served
    open_search(tab, base, "lideranca", prefix=f"/{SUB}")
    urls = shown_urls(tab)
    assert len(urls) == 3 and all(u.startswith(f"/{SUB}/artigos/") for u in urls)
    response = tab.goto(base + urls[0])
    assert response.status == 200


AXE_RUN = """async (include) => await axe.run(include ? {include: [include]} : document, {
  runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']},
  resultTypes: ['violations']})"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violations_on_the_search_page(served, tab, scheme):
    base, _ = served
    axe = axe_path()
    tab.emulate_media(color_scheme=scheme)
    open_search(tab, base, "liderança")
    act(tab, lambda: tab.select_option("#busca-tag", "Mercado"))
    assert shown_urls(tab)
    tab.add_script_tag(path=str(axe))
    result = tab.evaluate(AXE_RUN, None)
    assert result["violations"] == [], [(v["id"], v["help"], [n["target"] for n in v["nodes"]])
                                        for v in result["violations"]]
    search(tab, "quixotescamente")            # the empty state too
    result = tab.evaluate(AXE_RUN, None)
    assert result["violations"] == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
    tab.goto(base + "/")                        # the header search box on another page
    tab.add_script_tag(path=str(axe))
    result = tab.evaluate(AXE_RUN, ".site-search")
    assert result["violations"] == [], [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
