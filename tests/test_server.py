"""`biteye-site serve` over real HTTP on 127.0.0.1: safety, live reload state, surviving bad content.

Each test starts a real Preview (real build, real ThreadingHTTPServer on a free
port, real watchfiles watcher) on a small fictional site from ``make_site``.
Requests that http.client would refuse to send (raw '..', NUL, backslashes)
go through a raw socket, so the server sees exactly the bytes an attacker
would send.
"""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import threading
import time
from datetime import datetime

import pytest

from biteye_site import server as server_mod
from biteye_site.build import BuildOptions
from biteye_site.server import SCRIPT_URL, Preview
from conftest import NOW, new_site_folder

NOW_DT = datetime.fromisoformat(NOW)
SECRET = "SEGREDO-FORA-DA-PASTA"


# -- helpers ------------------------------------------------------------------------------------

def raw_request(port: int, target: bytes | str, host: str | None = "default", *, method: bytes = b"GET",
                extra: bytes = b"", version: bytes = b"HTTP/1.1") -> tuple[int, dict[str, str], bytes]:
    """Send one request exactly as given; return (status, headers, body)."""
    if isinstance(target, str):
        target = target.encode("latin-1")
    lines = [method + b" " + target + b" " + version]
    if host == "default":
        host = f"127.0.0.1:{port}"
    if host is not None:
        lines.append(b"Host: " + host.encode("latin-1"))
    lines.append(b"Connection: close")
    data = b"\r\n".join(lines) + b"\r\n" + extra + b"\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
    response = b"".join(chunks)
    head, _, body = response.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    return int(status_line.split()[1]), headers, body


def get(port: int, path: str, host: str | None = None) -> tuple[int, str, dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers={"Host": host} if host else {})
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace"), {k.lower(): v for k, v in resp.getheaders()}
    finally:
        conn.close()


def wait_for(predicate, timeout: float = 10.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


class EventStream:
    """A real SSE client on a raw socket: collects the JSON states the server sends."""

    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock.sendall(f"GET /__biteye__/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
                          "Accept: text/event-stream\r\n\r\n".encode())
        self.states: list[dict] = []
        self._buf = b""
        self.status = None
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            while True:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return
                self._buf += chunk
                if self.status is None and b"\r\n\r\n" in self._buf:
                    head, _, self._buf = self._buf.partition(b"\r\n\r\n")
                    self.status = int(head.split()[1])
                while b"\n\n" in self._buf and self.status is not None:
                    block, _, self._buf = self._buf.partition(b"\n\n")
                    for line in block.decode().split("\n"):
                        if line.startswith("data: "):
                            self.states.append(json.loads(line[6:]))
        except OSError:
            return

    def close(self) -> None:
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


@pytest.fixture
def preview(site):
    site.add("2026/primeiro.md", title="Primeiro artigo", tags=["Testes", "Redes"],
             body="Texto original do primeiro artigo.\n\n## Uma seção\n\nMais texto.")
    site.add("2026/segundo.md", title="Segundo artigo", date="2026-04-10T10:00:00-03:00",
             body="O segundo artigo fala de outra coisa.")
    p = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT), port=0, out=io.StringIO(), err=io.StringIO())
    p.start()
    try:
        yield site, p
    finally:
        p.stop()


# -- serving --------------------------------------------------------------------------------------

def test_serves_the_site_with_the_live_script_only_on_the_wire(preview):
    site, p = preview
    status, body, headers = get(p.port, "/")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Primeiro artigo" in body and SCRIPT_URL in body
    status, body, _ = get(p.port, "/artigos/primeiro-artigo/")
    assert status == 200 and "Texto original do primeiro artigo." in body
    status, css, headers = get(p.port, "/static/css/site.css")
    assert status == 200 and headers["content-type"].startswith("text/css") and SCRIPT_URL not in css
    status, js, headers = get(p.port, SCRIPT_URL)
    assert status == 200 and "EventSource" in js and "javascript" in headers["content-type"]
    # The preview folder is private and clean: the script exists only in responses, public/ is untouched.
    assert p.folder.resolve() != site.public.resolve() and not site.public.exists()
    for path in p.folder.rglob("*"):
        if path.is_file():
            assert b"__biteye__" not in path.read_bytes(), path
    assert site.build() == 0
    for path in site.public.rglob("*"):
        if path.is_file():
            assert b"__biteye__" not in path.read_bytes(), path


def test_missing_page_is_404_with_the_site_404_page(preview):
    _, p = preview
    status, body, _ = get(p.port, "/artigos/nao-existe/")
    assert status == 404 and SCRIPT_URL in body   # the site's 404 page, still live-reloading


def test_folder_without_slash_redirects_to_a_local_path(preview):
    _, p = preview
    status, headers, _ = raw_request(p.port, "/tags")
    assert status == 301 and headers["location"] == "/tags/"
    status, headers, _ = raw_request(p.port, "/artigos/primeiro-artigo")
    assert status == 301 and headers["location"] == "/artigos/primeiro-artigo/"


def test_head_request(preview):
    _, p = preview
    status, headers, body = raw_request(p.port, "/", method=b"HEAD")
    assert status == 200 and int(headers["content-length"]) > 0 and body == b""


# -- traversal ----------------------------------------------------------------------------------

TRAVERSALS = [
    "/../../../../etc/passwd",
    "/../public-x/segredo.txt",
    "/static/../../public-x/segredo.txt",
    "/static/../../segredo.txt",
    "/%2e%2e/public-x/segredo.txt",
    "/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
    "/.%2e/public-x/segredo.txt",
    "/..%2fpublic-x/segredo.txt",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static%2f..%2f..%2fpublic-x%2fsegredo.txt",
    "/%252e%252e/public-x/segredo.txt",
    "/%252e%252e%252fpublic-x%252fsegredo.txt",
    "/%25252e%25252e/public-x/segredo.txt",
    "/..\\public-x\\segredo.txt",
    "/static\\..\\..\\public-x\\segredo.txt",
    "/%5c..%5cpublic-x%5csegredo.txt",
    "/..%5c..%5csegredo.txt",
    "/index.html%00.txt",
    "/%00../public-x/segredo.txt",
    "/%c0%ae%c0%ae/public-x/segredo.txt",      # overlong UTF-8 for '.'
    "/%e0%80%ae%e0%80%ae/segredo.txt",
    "/public-x/segredo.txt",                   # the sibling's name as if it were inside
    "/../public-x/",
    "//etc/passwd",
    "/./../segredo.txt",
    "/.biteye-site",                           # the build marker is not part of the site
    "/fuga/segredo.txt",                       # a symlink planted in the served folder
    "/fuga-arquivo",
    "http://127.0.0.1/../segredo.txt",
    "*",
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """A preview shared by the read-only request tests, with secrets beside its folder:
    a sibling 'public-x/', a file in the parent, and symlinks planted inside pointing out."""
    site = new_site_folder(tmp_path_factory.mktemp("servidor") / "site")
    site.add("2026/primeiro.md", title="Primeiro artigo", body="Texto original do primeiro artigo.")
    p = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT), port=0, out=io.StringIO(), err=io.StringIO(),
                watch=False)
    p.start()
    parent = p.folder.parent
    (parent / "public-x").mkdir()
    (parent / "public-x" / "segredo.txt").write_text(SECRET)
    (parent / "segredo.txt").write_text(SECRET)
    (p.folder / "fuga").symlink_to(parent / "public-x")
    (p.folder / "fuga-arquivo").symlink_to(parent / "segredo.txt")
    try:
        yield site, p
    finally:
        p.stop()


@pytest.mark.parametrize("target", TRAVERSALS)
def test_traversal_is_refused(planted, target):
    _, p = planted
    status, headers, body = raw_request(p.port, target)
    assert status in (400, 404), (target, status, headers)
    assert SECRET.encode() not in body and b"root:" not in body
    assert "location" not in headers


def test_raw_nul_byte_in_request_line(planted):
    _, p = planted
    status, _, body = raw_request(p.port, b"/index.html\x00/../../segredo.txt")
    assert status == 400 and SECRET.encode() not in body


def test_sibling_folder_with_same_prefix_not_reachable_even_via_symlink_names(planted):
    _, p = planted
    # Control: the symlinks exist and point out; the server still refuses them.
    assert (p.folder / "fuga" / "segredo.txt").read_text() == SECRET
    status, _, _ = raw_request(p.port, "/fuga/")
    assert status == 404


@pytest.mark.parametrize("target", [
    "//evil.example/..%2f",
    "//evil.example/%2e%2e",
    "//evil.example/",
    "//evil.example",
    "///evil.example/tags",
    "/%2f%2fevil.example/",
    "/%2fevil.example/..%2f",
    "/\\evil.example/",
    "/%5cevil.example",
    "/tags/%2f%2fevil.example",
    "/tags//evil.example",
    "/https:%2f%2fevil.example",
])
def test_no_open_redirect(planted, target):
    _, p = planted
    status, headers, _ = raw_request(p.port, target)
    location = headers.get("location", "")
    assert status in (400, 404) or (300 <= status < 400 and location.startswith("/")
                                     and not location.startswith("//") and "evil" not in location), \
        (target, status, headers)


# -- Host header (DNS rebinding) ------------------------------------------------------------------

@pytest.mark.parametrize("host", [
    "evil.example",
    "evil.example:{port}",
    "127.0.0.1.evil.example:{port}",
    "localhost.evil.example:{port}",
    "evil.example:{port}@127.0.0.1",
    "127.0.0.1:{other}",
    "localhost:{other}",
    "[::1]x:{port}",
    "",
    "10.0.0.5:{port}",
])
def test_foreign_host_header_is_refused(planted, host):
    _, p = planted
    header = host.format(port=p.port, other=p.port + 1)
    for target in ("/", "/artigos/primeiro-artigo/", SCRIPT_URL, "/__biteye__/events"):
        status, _, body = raw_request(p.port, target, host=header)
        assert status in (400, 403), (header, target, status)
        assert b"Primeiro artigo" not in body


def test_missing_or_double_host_header_is_refused(planted):
    _, p = planted
    status, _, _ = raw_request(p.port, "/", host=None, version=b"HTTP/1.0")
    assert status in (400, 403)
    status, _, _ = raw_request(p.port, "/", extra=b"Host: evil.example\r\n")
    assert status in (400, 403)


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "localhost:{port}", "LOCALHOST:{port}", "localhost",
                                  "127.0.0.1", "localhost.:{port}"])
def test_local_host_headers_are_served(planted, host):
    _, p = planted
    status, _, body = raw_request(p.port, "/", host=host.format(port=p.port))
    assert status == 200 and b"Primeiro artigo" in body


# -- flood --------------------------------------------------------------------------------------

def test_survives_a_bounded_flood(preview):
    """Hundreds of requests from many threads, idle and garbage connections: it keeps answering."""
    _, p = preview
    idle = [socket.create_connection(("127.0.0.1", p.port), timeout=5) for _ in range(40)]
    garbage = []
    for i in range(20):
        s = socket.create_connection(("127.0.0.1", p.port), timeout=5)
        s.sendall(os.urandom(64) + b"\r\n\r\n" if i % 2 else b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n")
        garbage.append(s)
    results: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", p.port, timeout=20)
        try:
            for i in range(25):
                conn.request("GET", "/" if i % 3 else "/artigos/primeiro-artigo/")
                resp = conn.getresponse()
                resp.read()
                with lock:
                    results.append(resp.status)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker) for _ in range(16)]
    start = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 16 * 25 and set(results) == {200}
    clock = time.monotonic()
    status, body, _ = get(p.port, "/")
    assert status == 200 and "Primeiro artigo" in body and time.monotonic() - clock < 2
    for s in idle + garbage:
        s.close()
    assert time.monotonic() - start < 60


def test_event_streams_are_capped(preview, monkeypatch):
    _, p = preview
    monkeypatch.setattr(server_mod, "MAX_EVENT_CLIENTS", 2)
    streams = [EventStream(p.port) for _ in range(2)]
    try:
        wait_for(lambda: all(s.states for s in streams), what="two event streams")
        status, _, _ = raw_request(p.port, "/__biteye__/events")
        assert status == 503
        status, _, _ = raw_request(p.port, "/")
        assert status == 200
    finally:
        for s in streams:
            s.close()


# -- rebuilds -------------------------------------------------------------------------------------

def test_edit_rebuilds_every_page_that_shows_the_article(preview):
    site, p = preview
    stream = EventStream(p.port)
    try:
        wait_for(lambda: stream.states, what="first state")
        first = stream.states[0]
        assert first["error"] is None
        site.add("2026/primeiro.md", title="Primeiro artigo revisto", tags=["Testes", "Redes"],
                 body="Texto novo depois da edição.")
        wait_for(lambda: any(s["token"] != first["token"] for s in stream.states), what="reload event")
    finally:
        stream.close()
    for url in ("/", "/artigos/primeiro-artigo-revisto/", "/tags/testes/", "/tags/redes/", "/autores/ana-teste/",
                "/arquivo/2026/", "/arquivo/2026/03/", "/feed.xml", "/tags/redes/feed.xml"):
        status, body, _ = get(p.port, url)
        assert status == 200 and "Primeiro artigo revisto" in body, url
    status, body, _ = get(p.port, "/artigos/primeiro-artigo-revisto/")
    assert "Texto novo depois da edição." in body
    assert get(p.port, "/artigos/primeiro-artigo/")[0] == 404


def test_bad_content_keeps_last_good_build_then_recovers(preview):
    site, p = preview
    stream = EventStream(p.port)
    try:
        wait_for(lambda: stream.states, what="first state")
        token = stream.states[0]["token"]
        path = site.content / "2026" / "primeiro.md"
        path.write_text("---\ntitle: Primeiro artigo\ndate: 2026-02-30\nauthors: [Ana Teste]\n---\n\nQuebrado.\n",
                        encoding="utf-8")
        error = wait_for(lambda: next((s["error"] for s in stream.states if s["error"]), None), what="error event")
        assert "content/2026/primeiro.md:3" in error and "2026-02-30" in error
        assert "content/2026/primeiro.md:3" in p.err.getvalue()          # the terminal says it too
        # The last good build is still served, unchanged.
        status, body, _ = get(p.port, "/artigos/primeiro-artigo/")
        assert status == 200 and "Texto original do primeiro artigo." in body
        assert p.state.error and p.state.token == token
        # Fixed: the error clears and the pages carry the new text.
        site.add("2026/primeiro.md", title="Primeiro artigo", body="Corrigido e publicado.")
        wait_for(lambda: stream.states[-1]["error"] is None and stream.states[-1]["token"] != token,
                 what="recovery event")
    finally:
        stream.close()
    status, body, _ = get(p.port, "/artigos/primeiro-artigo/")
    assert status == 200 and "Corrigido e publicado." in body


@pytest.mark.parametrize("breakage", ["template", "config", "authors", "binary"])
def test_server_outlives_every_kind_of_broken_input(preview, breakage):
    site, p = preview
    files = {"template": site.root / "templates" / "article.html", "config": site.root / "site.yaml",
             "authors": site.content / "authors.yaml", "binary": site.content / "2026" / "primeiro.md"}
    target = files[breakage]
    before = target.read_bytes() if target.exists() else None
    broken = {"template": b"{% if %}\n", "config": b"title: [unclosed\n", "authors": b"Ana Teste: [1, 2\n",
              "binary": b"---\ntitle: \xe9t\xe9\n---\n"}[breakage]
    target.write_bytes(broken)
    wait_for(lambda: p.state.error, what="error state")
    assert get(p.port, "/artigos/primeiro-artigo/")[0] == 200
    if before is None:
        target.unlink()
    else:
        target.write_bytes(before)
    wait_for(lambda: p.state.error is None, what="recovery")
    status, body, _ = get(p.port, "/artigos/primeiro-artigo/")
    assert status == 200 and "Texto original do primeiro artigo." in body


def test_saving_an_unchanged_file_does_not_reload(preview):
    site, p = preview
    token = p.state.token
    builds = p.builds
    path = site.content / "2026" / "segundo.md"
    path.write_bytes(path.read_bytes())
    wait_for(lambda: p.builds > builds, what="a rebuild")
    time.sleep(0.3)
    assert p.state.token == token and p.state.error is None


def test_editor_junk_files_do_not_trigger_rebuilds(preview):
    site, p = preview
    builds = p.builds
    (site.content / "2026" / ".primeiro.md.swp").write_bytes(b"junk")
    (site.content / "2026" / "primeiro.md~").write_bytes(b"junk")
    time.sleep(1.0)
    assert p.builds == builds


def test_first_build_failing_still_serves_and_recovers(site):
    site.add("2026/unico.md", title="Único")
    path = site.content / "2026" / "unico.md"
    good = path.read_text(encoding="utf-8")
    path.write_text("sem cabeçalho\n", encoding="utf-8")
    p = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT), port=0, out=io.StringIO(), err=io.StringIO())
    p.start()
    try:
        assert p.state.error and "content/2026/unico.md:1" in p.state.error
        status, body, _ = get(p.port, "/")
        assert status == 503 and SCRIPT_URL in body
        path.write_text(good, encoding="utf-8")
        wait_for(lambda: p.state.ready and p.state.error is None, what="recovery")
        status, body, _ = get(p.port, "/artigos/unico/")
        assert status == 200 and "Único" in body
    finally:
        p.stop()
    assert not p.folder.exists()   # the temporary preview folder is removed on stop


def test_drafts_and_future_articles_get_badges(site):
    site.add("2026/rascunho.md", title="Um rascunho", draft=True)
    site.add("2026/agendado.md", title="Um agendado", date="2026-12-20T09:00:00-03:00")
    site.add("2026/publicado.md", title="Um publicado")
    p = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT, drafts=True, future=True), port=0,
                out=io.StringIO(), err=io.StringIO(), watch=False)
    with p:
        status, body, _ = get(p.port, "/artigos/um-rascunho/")
        assert status == 200 and ">Rascunho<" in body and ">Agendado<" not in body
        status, body, _ = get(p.port, "/artigos/um-agendado/")
        assert status == 200 and ">Agendado<" in body and ">Rascunho<" not in body
        status, body, _ = get(p.port, "/artigos/um-publicado/")
        assert status == 200 and ">Agendado<" not in body and ">Rascunho<" not in body
    plain = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT), port=0, out=io.StringIO(),
                    err=io.StringIO(), watch=False)
    with plain:
        assert get(plain.port, "/artigos/um-rascunho/")[0] == 404
        assert get(plain.port, "/artigos/um-agendado/")[0] == 404


def test_base_path_from_base_url(site):
    site.config(base_url="https://teste.example.org/arquivo/")
    site.add("2026/a.md", title="Artigo A")
    p = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT), port=0, out=io.StringIO(), err=io.StringIO(),
                watch=False)
    with p:
        assert p.url.endswith("/arquivo/")
        status, headers, _ = raw_request(p.port, "/arquivo")
        assert status == 301 and headers["location"] == "/arquivo/"
        status, body, _ = get(p.port, "/arquivo/artigos/artigo-a/")
        assert status == 200 and "Artigo A" in body
        assert get(p.port, "/artigos/artigo-a/")[0] == 404


def test_serve_cli_reports_a_busy_port(site, capsys, monkeypatch):
    from biteye_site.cli import main as cli_main
    site.add("2026/a.md", title="Artigo A")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        monkeypatch.chdir(site.root)
        before = signal.getsignal(signal.SIGTERM)
        assert cli_main(["serve", "--port", str(port), "--now", NOW]) == 2
    assert "--port" in capsys.readouterr().err
    # serve's SIGTERM handler is gone with it: this process, and the workers it forks, go on.
    assert signal.getsignal(signal.SIGTERM) is before


def test_bound_to_localhost_accepts_loopback_addresses(site):
    site.add("2026/a.md", title="Artigo A")
    p = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT), host="localhost", port=0, out=io.StringIO(),
                err=io.StringIO(), watch=False)
    with p:
        for host in (f"localhost:{p.port}", f"127.0.0.1:{p.port}"):
            assert raw_request(p.port, "/", host=host)[0] == 200
        assert raw_request(p.port, "/", host=f"evil.example:{p.port}")[0] == 400


def test_host_rules_when_listening_on_every_interface(site):
    # Not started: only the Host rule is exercised, no socket is opened on the network.
    p = Preview(site.root / "site.yaml", host="0.0.0.0", port=8123, out=io.StringIO(), err=io.StringIO())
    try:
        assert p.host_allowed("192.168.0.10:8123") and p.host_allowed("localhost:8123")
        assert p.host_allowed(f"{socket.gethostname()}:8123")
        assert not p.host_allowed("evil.example:8123")       # a DNS name pointing here: rebinding
        assert not p.host_allowed("192.168.0.10:9999")
    finally:
        p.stop()


def test_config_changing_watched_folders_is_reported(preview):
    site, p = preview
    (site.root / "artigos").mkdir()
    site.config(content_dir="artigos")
    wait_for(lambda: "reinicie" in p.err.getvalue(), what="restart notice")


def test_edit_during_the_first_build_is_not_lost(site, monkeypatch):
    site.add("2026/a.md", title="Artigo A", body="Versão um.")
    p = Preview(site.root / "site.yaml", BuildOptions(now=NOW_DT), port=0, out=io.StringIO(), err=io.StringIO())
    real_rebuild = Preview.rebuild

    def slow_first_build(self):
        result = real_rebuild(self)
        if self.builds == 1:   # saved after the first build read the files, before anyone watched
            site.add("2026/a.md", title="Artigo A", body="Versão dois.")
        return result

    monkeypatch.setattr(Preview, "rebuild", slow_first_build)
    with p:
        wait_for(lambda: "Versão dois." in get(p.port, "/artigos/artigo-a/")[1], what="the late edit")
