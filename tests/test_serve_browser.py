"""The live preview in a real browser (Playwright on Debian Chromium).

Open a served article, edit its Markdown file, and the tab reloads with the
new text; break the file and the error overlay appears over the last good
page; fix it and the page recovers by itself. Under CI=true a missing
Chromium or Playwright is a failure, elsewhere a skip with the reason.
"""

from __future__ import annotations

import io
import os
import shutil
import time
from datetime import datetime

import pytest

from biteye_site.build import BuildOptions
from biteye_site.server import Preview
from conftest import NOW

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("BITEYE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


def _need_browser():
    why = None
    try:
        from playwright.sync_api import sync_playwright  # noqa: F401
    except ImportError:
        why = "Playwright is not installed (pip install playwright; never 'playwright install')"
    if why is None and not (os.path.isfile(CHROMIUM) or shutil.which(CHROMIUM)):
        why = f"Chromium not found at {CHROMIUM} (apt-get install chromium)"
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail(f"required browser tool missing under CI: {why}")
        pytest.skip(why)


@pytest.fixture
def browser_page():
    _need_browser()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            yield page
        finally:
            browser.close()


def test_edit_reload_error_overlay_and_recovery(site, browser_page):
    page = browser_page
    path = site.add("2026/primeiro.md", title="Primeiro artigo", body="Texto original do artigo.")
    good_head = path.read_text(encoding="utf-8").split("\n\n", 1)[0]
    p = Preview(site.root / "site.yaml", BuildOptions(now=datetime.fromisoformat(NOW)), port=0,
                out=io.StringIO(), err=io.StringIO())
    with p:
        page.goto(f"{p.url}artigos/primeiro-artigo/")
        assert "Texto original do artigo." in page.inner_text("main")
        # The live channel is open before we edit (otherwise we would test a page load, not a reload).
        deadline = time.monotonic() + 10
        while p.event_clients < 1:
            assert time.monotonic() < deadline, "the page never opened its live-reload stream"
            time.sleep(0.05)
        page.evaluate("window.__sameDocument = true")

        # 1. Edit: the tab reloads by itself with the new text.
        path.write_text(f"{good_head}\n\nTexto novo, salvo no editor.\n", encoding="utf-8")
        page.wait_for_function("() => document.body && document.body.innerText.includes('Texto novo, salvo no editor.')",
                               timeout=10_000)
        assert page.evaluate("window.__sameDocument === undefined"), "the page should have reloaded"

        # 2. Break it (with markup in the bad value): the overlay shows the message as text, over the last good page.
        page.evaluate("window.__sameDocument = true")
        path.write_text("---\ntitle: Primeiro artigo\ndate: '<img src=x onerror=\"window.__xss=1\">'\n"
                        "authors: [Ana Teste]\n---\n\nQuebrado.\n", encoding="utf-8")
        overlay = page.locator("#biteye-erro")
        overlay.wait_for(state="visible", timeout=10_000)
        text = overlay.inner_text()
        assert "Erro na construção do site" in text
        assert "content/2026/primeiro.md:3" in text and "<img src=x" in text
        assert page.evaluate("window.__xss === undefined"), "error text must never be parsed as HTML"
        assert page.evaluate("window.__sameDocument === true"), "an error must not reload the page"
        assert "Texto novo, salvo no editor." in page.inner_text("main")    # the last good page underneath

        # 3. Fix it: the overlay goes and the page shows the fixed text.
        path.write_text(f"{good_head}\n\nRecuperado depois do erro.\n", encoding="utf-8")
        page.wait_for_function("() => document.body && document.body.innerText.includes('Recuperado depois do erro.')",
                               timeout=10_000)
        overlay.wait_for(state="detached", timeout=10_000)

        # Reopening the page while the build is broken shows the overlay again (state sent on connect).
        path.write_text("---\ntitle: [\n---\n", encoding="utf-8")
        overlay.wait_for(state="visible", timeout=10_000)
        page.reload()
        page.locator("#biteye-erro").wait_for(state="visible", timeout=10_000)
        assert "Recuperado depois do erro." in page.inner_text("main")
