"""LinkChecker (a third-party crawler) finds no broken link or #anchor on the built sites.

The sites are served over HTTP on 127.0.0.1 and crawled from the home page,
so every page reachable by a reader is checked: internal links, images,
stylesheets, feeds and heading anchors. External links are not followed (no
network here). Under CI=true a missing linkchecker is a failure.
"""

from __future__ import annotations

import csv
import functools
import io
import subprocess
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

import checktools
import sitegen

LC_CONFIG = """[checking]
threads=10
timeout=20
# The default (10 requests a second per host) is for the public web; this is our own loopback server.
maxrequestspersecond=1000
[filtering]
checkextern=0
[AnchorCheck]
"""


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def end_headers(self) -> None:
        # LinkChecker only goes above 10 requests a second (about 3 in practice) for a
        # server that answers with this header.
        self.send_header("LinkChecker", "biteye-site test server")
        super().end_headers()


def crawl(folder: Path, tmp_path: Path) -> tuple[int, list[dict]]:
    """Serve ``folder`` and run linkchecker from its home page; (exit code, broken-link rows)."""
    exe = checktools.program("linkchecker", "LinkChecker")
    handler = functools.partial(_Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    config = tmp_path / "lc.ini"
    config.write_text(LC_CONFIG, encoding="utf-8")
    config.chmod(0o644)  # linkchecker drops to 'nobody' when run as root
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        result = subprocess.run([exe, "-f", str(config), "--no-status", "-o", "csv", url],
                                capture_output=True, text=True, timeout=600)
    finally:
        server.shutdown()
        server.server_close()
    lines = [line for line in result.stdout.splitlines() if line and not line.startswith("#")]
    rows = list(csv.DictReader(io.StringIO("\n".join(lines)), delimiter=";"))
    # A missing #anchor is a warning for LinkChecker, not an error: count warnings too.
    broken = [row for row in rows if row.get("valid", "True") not in ("True", "true", "1") or row.get("warningstring")]
    return result.returncode, broken or ([{"stderr": result.stderr[-2000:]}] if result.returncode not in (0, 1) else [])


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory):
    return sitegen.build_fixture(tmp_path_factory.mktemp("links") / "site", 60)


def test_fixture_site_has_no_broken_links(fixture_site, tmp_path):
    code, broken = crawl(fixture_site.public, tmp_path)
    assert code == 0 and not broken, broken[:10]


def test_real_content_has_no_broken_links(tmp_path):
    out = checktools.build_real_content(tmp_path / "public")
    code, broken = crawl(out, tmp_path)
    assert code == 0 and not broken, broken[:10]


def test_a_broken_link_is_caught(fixture_site, tmp_path):
    # The checker must be able to fail: a copy of the site with one page pointing nowhere.
    import shutil
    copy = tmp_path / "copy"
    shutil.copytree(fixture_site.public, copy)
    index = copy / "index.html"
    index.write_text(index.read_text(encoding="utf-8").replace(
        "</main>", '<a href="/nao-existe/">x</a> <a href="/tags/#ancora-inexistente">y</a></main>', 1), encoding="utf-8")
    code, broken = crawl(copy, tmp_path)
    assert code == 1 and any("nao-existe" in (row.get("url") or "") for row in broken), broken[:5]
    assert any("ancora-inexistente" in (row.get("url") or "") for row in broken), \
        "the anchor check must catch a link to a missing #anchor"
