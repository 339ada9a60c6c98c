"""Dev server: build into a private folder, watch the sources, rebuild, reload open tabs.

The preview is written with ``build.generate()`` + ``output.write_site()`` into a
temporary folder (never ``public/``). The live-reload script is added to HTML
responses on the way out, so it exists only in what this server sends.

A build error never stops the server: the last good build stays in the folder,
the terminal prints the problems and the browser shows them in an overlay
(sent over server-sent events) until a later build succeeds.

Safety: requests are mapped to files only through clean path segments and a
resolved-path containment check; ``Host`` must name the address the server is
bound to (DNS rebinding); redirects only ever point at a local path this
server built itself.
"""

from __future__ import annotations

import ipaddress
import json
import mimetypes
import os
import shutil
import socket
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, TextIO
from urllib.parse import quote, unquote

from biteye_site.build import BuildOptions, generate, open_cache
from biteye_site.config import SiteConfig, load_config
from biteye_site.discover import is_junk
from biteye_site.errors import BiteyeError
from biteye_site.output import write_site

LIVE_PREFIX = "/__biteye__/"
EVENTS_URL = LIVE_PREFIX + "events"
SCRIPT_URL = LIVE_PREFIX + "live.js"
MAX_EVENT_CLIENTS = 64          # open tabs; more are refused with 503 so a flood cannot pin threads
HEARTBEAT_SECONDS = 15.0
WILDCARD_HOSTS = {"0.0.0.0", "::", ""}

LIVE_JS = r"""// biteye-site serve: live reload and build errors (only in the preview, never in public/)
(function () {
  "use strict";
  var me = document.currentScript;
  var token = me ? me.getAttribute("data-token") : null;
  var box = null;
  function show(text) {
    if (!box) {
      box = document.createElement("div");
      box.id = "biteye-erro";
      box.setAttribute("role", "alert");
      box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;" +
        "background:rgba(20,0,0,.93);color:#fff;font:15px/1.5 ui-monospace,monospace;";
      var h = document.createElement("h2");
      h.textContent = "Erro na construção do site";
      h.style.cssText = "margin:0 0 1rem;font:700 1.4rem system-ui,sans-serif;color:#ff8a80;";
      var pre = document.createElement("pre");
      pre.className = "biteye-erro-texto";
      pre.style.cssText = "white-space:pre-wrap;margin:0 0 1rem;";
      var p = document.createElement("p");
      p.textContent = "A prévia mostra a última versão que funcionou. Corrija o arquivo e salve: " +
        "a página se atualiza sozinha.";
      p.style.cssText = "font-family:system-ui,sans-serif;color:#ddd;";
      box.appendChild(h); box.appendChild(pre); box.appendChild(p);
      (document.body || document.documentElement).appendChild(box);
    }
    box.querySelector("pre").textContent = text;   // text, never HTML: messages quote content
  }
  function hide() { if (box) { box.remove(); box = null; } }
  if (!window.EventSource) { return; }
  var source = new EventSource("/__biteye__/events");
  source.onmessage = function (event) {
    var state;
    try { state = JSON.parse(event.data); } catch (e) { return; }
    if (state.error) { show(state.error); return; }
    hide();
    if (token !== null && state.token !== token) { location.reload(); }
  };
})();
"""


@dataclass(frozen=True)
class PreviewState:
    """What the browser needs to know: which build is served and whether the last one failed."""

    token: str                  # changes when the served files change
    error: str | None           # text of the last build's problems, if it failed
    base_path: str              # URL prefix of the site ('/' or '/arquivo/')
    ready: bool                 # a good build exists in the folder

    def event(self) -> bytes:
        data = json.dumps({"token": self.token, "error": self.error}, ensure_ascii=False)
        return f"data: {data}\n\n".encode("utf-8")


@dataclass(frozen=True)
class RebuildResult:
    ok: bool
    seconds: float
    changed: bool
    message: str


def _safe_base_path(base_path: str) -> str:
    """'/x/' from config, with no way to become a protocol-relative redirect ('//host/')."""
    parts = [p for p in base_path.split("/") if p not in ("", ".", "..")]
    return "/" + "".join(quote(unquote(p), safe="") + "/" for p in parts)


class Preview:
    """The preview of one project: its folder, its builds, its HTTP server and its watchers."""

    def __init__(self, config_path: Path | str, options: BuildOptions = BuildOptions(), *,
                 host: str = "127.0.0.1", port: int = 8000, out: TextIO | None = None,
                 err: TextIO | None = None, watch: bool = True):
        self.config_path = Path(config_path).resolve()
        self.options = replace(options, output=None)
        self.host = host
        self.requested_port = port
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.watch_enabled = watch
        self.config: SiteConfig | None = None
        self._tmp = Path(tempfile.mkdtemp(prefix="biteye-preview-"))
        self.folder = self._tmp / "public"
        self._instance = os.urandom(4).hex()
        self._generation = 0
        self._state = PreviewState(f"{self._instance}-0", None, "/", False)
        self._swap = threading.Lock()          # held while the folder is swapped; readers open files under it
        self._changed = threading.Condition()  # notified on every state change (SSE clients wait on it)
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._event_clients = 0
        self._clients_lock = threading.Lock()
        self.httpd: ThreadingHTTPServer | None = None
        self.builds = 0
        self._fingerprints: dict[str, str] = {}
        self._watched: list[Path] | None = None

    # -- state -------------------------------------------------------------------
    @property
    def state(self) -> PreviewState:
        return self._state

    def _set_state(self, state: PreviewState) -> None:
        with self._changed:
            self._state = state
            self._changed.notify_all()

    def wait_change(self, seen: PreviewState, timeout: float) -> PreviewState:
        """Block until the state differs from ``seen`` (or timeout / stop)."""
        with self._changed:
            self._changed.wait_for(lambda: self._state is not seen or self._stop.is_set(), timeout)
            return self._state

    @property
    def port(self) -> int:
        return self.httpd.server_address[1] if self.httpd else self.requested_port

    @property
    def url(self) -> str:
        host = self.host if self.host not in WILDCARD_HOSTS else "127.0.0.1"
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}{self._state.base_path}"

    # -- building ----------------------------------------------------------------
    def rebuild(self) -> RebuildResult:
        """Build once into the preview folder. Never raises for bad content or templates."""
        clock = time.perf_counter()
        self.builds += 1
        try:
            config = load_config(self.config_path)
            options = replace(self.options, output=self.folder)
            cache = open_cache(config, options)   # parsed articles only: the page records stay public/'s
            try:
                # Only this server writes the folder, so the fingerprints of its last write are exact:
                # generate() renders just the pages whose inputs changed, the rest are linked as they are.
                previous = self._fingerprints if self.folder.is_dir() else {}
                generated = generate(config, options, cache, previous)
                with self._swap:
                    report = write_site(self.folder, generated.files, config.static_dir)
            finally:
                cache.close()
            self._fingerprints = dict(generated.fingerprints)
        except BiteyeError as exc:
            text = "\n".join(p.format() for p in exc.problems)
            return self._failed(text, time.perf_counter() - clock)
        except Exception as exc:  # noqa: BLE001 - the preview must outlive any bug in a build
            if os.environ.get("BITEYE_DEBUG"):
                traceback.print_exc(file=self.err)
            text = (f"erro interno do biteye-site: {type(exc).__name__}: {exc} — rode de novo com "
                    "BITEYE_DEBUG=1 e relate o problema com a mensagem completa")
            return self._failed(text, time.perf_counter() - clock)
        seconds = time.perf_counter() - clock
        if self._watched is not None and self.config is not None and self.watched_paths_for(config) != self._watched:
            print("aviso: site.yaml mudou as pastas de conteúdo, templates ou static; reinicie o "
                  "biteye-site serve para observar as novas pastas", file=self.err, flush=True)
        self.config = config
        changed = report.written > 0 or report.removed > 0 or not self._state.ready
        if changed:
            self._generation += 1
        token = f"{self._instance}-{self._generation}"
        for p in generated.problems:
            print(p.format(), file=self.err)
        self._set_state(PreviewState(token, None, _safe_base_path(config.base_path), True))
        n = len(generated.site.documents)
        message = (f"Prévia atualizada em {seconds:.2f} s: {n} {'artigo' if n == 1 else 'artigos'}, "
                   f"{report.written} {'arquivo novo ou alterado' if report.written == 1 else 'arquivos novos ou alterados'}"
                   + (f", {report.removed} removidos" if report.removed else "") + ".")
        print(message, file=self.out, flush=True)
        return RebuildResult(True, seconds, changed, message)

    def _failed(self, text: str, seconds: float) -> RebuildResult:
        print(text, file=self.err)
        kept = ("a prévia continua mostrando a última versão que funcionou" if self._state.ready
                else "ainda não há versão boa para mostrar")
        print(f"A construção falhou ({kept}); corrija e salve o arquivo.", file=self.err, flush=True)
        self._set_state(replace(self._state, error=text))
        return RebuildResult(False, seconds, False, text)

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> None:
        """Check the config, bind the socket, build once, then serve and watch in background threads.

        A broken ``site.yaml`` at start raises ConfigError (nothing to watch yet);
        a port in use raises OSError. Later failures only show in the preview.
        """
        self.config = load_config(self.config_path)
        self._set_state(replace(self._state, base_path=_safe_base_path(self.config.base_path)))
        self.httpd = _make_server(self)
        before = self._snapshot()
        self.rebuild()
        self._spawn(self._serve, "biteye-http")
        self._spawn(self._rebuilder, "biteye-rebuild")
        if self.watch_enabled:
            self._start_watchers()
            self._spawn(lambda: self._catch_up(before), "biteye-catch-up")

    def _snapshot(self) -> tuple[int, int]:
        """(newest modification time, file count) of everything watched: cheap, only stat()."""
        newest = count = 0
        paths = self.watched_paths_for(self.config) if self.config else []
        for folder in paths:
            for dirpath, dirs, names in os.walk(folder):
                dirs[:] = [d for d in dirs if not is_junk(d)]
                for name in names:
                    if is_junk(name):
                        continue
                    try:
                        newest = max(newest, os.stat(os.path.join(dirpath, name)).st_mtime_ns)
                    except OSError:
                        continue
                    count += 1
        try:
            newest = max(newest, self.config_path.stat().st_mtime_ns)
        except OSError:
            pass
        return newest, count

    def _catch_up(self, before: tuple[int, int]) -> None:
        """A file saved during the first build, before the watchers were listening, still counts."""
        if not self._stop.wait(1.0) and self._snapshot() != before:
            self.request_rebuild()

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _serve(self) -> None:
        assert self.httpd is not None
        self.httpd.serve_forever(poll_interval=0.2)

    def wait(self) -> None:
        """Block the calling thread until stop() (Ctrl+C raises KeyboardInterrupt here)."""
        while not self._stop.wait(0.5):
            pass

    def stop(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._dirty.set()
        with self._changed:
            self._changed.notify_all()
        if self.httpd is not None:
            if any(t.name == "biteye-http" for t in self._threads):
                self.httpd.shutdown()
            self.httpd.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> "Preview":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- watching ----------------------------------------------------------------
    def request_rebuild(self) -> None:
        self._dirty.set()

    def _rebuilder(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait()
            if self._stop.is_set():
                return
            self._dirty.clear()
            self.rebuild()

    @staticmethod
    def watched_paths_for(cfg: SiteConfig) -> list[Path]:
        """The folders watched recursively (the config file is watched by name in its folder)."""
        return [p for p in (cfg.content_dir, cfg.templates_dir, cfg.static_dir) if p.is_dir()]

    def _start_watchers(self) -> None:
        import watchfiles

        assert self.config is not None
        folders, config_file = self.watched_paths_for(self.config), self.config_path

        def relevant(change, path: str) -> bool:
            return not is_junk(Path(path).name)

        def config_only(change, path: str) -> bool:
            return Path(path).name == config_file.name

        def watcher(paths: list[Path], recursive: bool, keep: Callable) -> Callable[[], None]:
            def run() -> None:
                try:
                    for _ in watchfiles.watch(*paths, watch_filter=keep, stop_event=self._stop, recursive=recursive,
                                              debounce=400, step=40, raise_interrupt=False,
                                              rust_timeout=1000, yield_on_timeout=False):
                        self._dirty.set()
                except Exception as exc:  # noqa: BLE001 - the server keeps serving without a watcher
                    print(f"aviso: a observação de arquivos parou ({type(exc).__name__}: {exc}); "
                          "reinicie o serve para voltar a atualizar a prévia", file=self.err, flush=True)
            return run

        self._watched = folders
        if folders:
            self._spawn(watcher(folders, True, relevant), "biteye-watch")
        self._spawn(watcher([config_file.parent], False, config_only), "biteye-watch-config")

    # -- requests ----------------------------------------------------------------
    def host_allowed(self, header: str | None) -> bool:
        """The Host header names this server: the bound address or localhost (no DNS rebinding)."""
        if not header:
            return False
        header = header.strip().lower()
        if header.startswith("["):
            host, sep, rest = header[1:].partition("]")
            if not sep or (rest and not rest.startswith(":")):
                return False
            port = rest[1:] if rest else ""
        else:
            host, _, port = header.partition(":")
        if port and port != str(self.port):
            return False
        host = host.rstrip(".")
        bound = self.host.lower().strip("[]")
        if host in ("localhost", bound):
            return True
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            if bound in WILDCARD_HOSTS:   # reachable from the network: the machine's own names only
                return host in {socket.gethostname().lower(), socket.getfqdn().lower()}
            return False
        if bound in WILDCARD_HOSTS:
            return True
        if bound == "localhost":
            return ip.is_loopback
        try:
            return ip.is_loopback and ipaddress.ip_address(bound).is_loopback
        except ValueError:
            return False

    def locate(self, target: str) -> tuple[int, Path | str | None]:
        """Request target → (200, file) | (301, local location) | (400|404, None)."""
        if not target.startswith("/"):
            return 400, None
        path = target.split("?", 1)[0].split("#", 1)[0]
        if "\\" in path or "\x00" in path:
            return 400, None
        try:
            decoded = unquote(path, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            return 400, None
        # '%' left after one decoding is double encoding ('%252e'): never a name this generator writes.
        if any(c in decoded for c in "\\\x00%") or any(ord(c) < 32 or ord(c) == 127 for c in decoded):
            return 400, None
        base = self._state.base_path
        if base != "/" and decoded == base.rstrip("/"):
            return 301, base
        if not decoded.startswith(base):
            return 404, None
        rel = decoded[len(base):]
        wants_dir = rel == "" or rel.endswith("/")
        segments = rel.split("/")[:-1] if wants_dir else rel.split("/")
        for segment in segments:
            if segment in ("", ".", ".."):
                return 400, None
            if segment.startswith("."):   # the build marker, temp folders: not part of the site
                return 404, None
        root = self.folder.resolve()
        candidate = root.joinpath(*segments)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return 404, None
        if resolved != root and not resolved.is_relative_to(root):
            return 404, None
        if resolved.is_dir():
            if not wants_dir:
                return 301, base + "".join(quote(s) + "/" for s in segments)
            resolved = resolved / "index.html"
            if not resolved.is_file():
                return 404, None
        elif wants_dir or not resolved.is_file():
            return 404, None
        return 200, resolved

    def open_file(self, target: str):
        """locate() + open under the swap lock, so a rebuild never yanks a file mid-lookup."""
        with self._swap:
            status, found = self.locate(target)
            if status == 200:
                try:
                    return status, found, open(found, "rb")  # type: ignore[arg-type]
                except OSError:
                    return 404, None, None
            if status == 404:
                page = self.folder / "404.html"
                try:
                    return 404, page, open(page, "rb")
                except OSError:
                    return 404, None, None
            return status, found, None

    def enter_events(self) -> bool:
        with self._clients_lock:
            if self._event_clients >= MAX_EVENT_CLIENTS:
                return False
            self._event_clients += 1
            return True

    def leave_events(self) -> None:
        with self._clients_lock:
            self._event_clients -= 1

    @property
    def event_clients(self) -> int:
        """Open live-reload streams (one per open tab)."""
        return self._event_clients

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()


def inject_live_script(html: bytes, token: str) -> bytes:
    """Add the live-reload script before </body> (or at the end)."""
    tag = f'<script src="{SCRIPT_URL}" data-token="{token}"></script>\n'.encode()
    at = html.lower().rfind(b"</body>")
    return html[:at] + tag + html[at:] if at >= 0 else html + tag


def _content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    known = {".html": "text/html; charset=utf-8", ".xml": "application/xml; charset=utf-8",
             ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
             ".txt": "text/plain; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
             ".ico": "image/x-icon", ".webp": "image/webp"}
    return known.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


_NO_PAGE = ("<!doctype html><html lang=\"pt-BR\"><head><meta charset=\"utf-8\"><title>Prévia indisponível</title>"
            "</head><body><h1>A prévia ainda não foi gerada</h1><p>A primeira construção falhou; veja o erro "
            "no terminal. Esta página se atualiza quando o arquivo for corrigido.</p></body></html>\n").encode()


class PreviewHandler(BaseHTTPRequestHandler):
    """GET/HEAD for the preview folder and the live-reload endpoints; nothing else."""

    server_version = "biteye-site-serve"
    sys_version = ""
    protocol_version = "HTTP/1.1"
    timeout = 20            # idle keep-alive or half-sent requests do not hold a thread for long
    preview: Preview        # set on the subclass made by _make_server

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - stdlib signature
        if os.environ.get("BITEYE_DEBUG"):
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self._respond(head=False)

    def do_HEAD(self) -> None:
        self._respond(head=True)

    def _raw_target(self) -> str:
        # self.path has '//' collapsed by the stdlib; judge what the client really sent.
        words = self.requestline.split()
        return words[1] if len(words) >= 2 else self.path

    def _plain(self, status: int, text: str, head: bool = False, extra: dict[str, str] | None = None) -> None:
        body = (text + "\n").encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _respond(self, head: bool) -> None:
        preview = self.preview
        hosts = self.headers.get_all("Host") or []
        if len(hosts) != 1 or not preview.host_allowed(hosts[0]):
            self.close_connection = True
            self._plain(400, "Host não permitido: a prévia só responde a localhost ou ao endereço em que escuta.", head)
            return
        target = self._raw_target()
        route = target.split("?", 1)[0]
        if route == EVENTS_URL:
            self._events(head)
            return
        if route == SCRIPT_URL:
            self._bytes(200, LIVE_JS.encode("utf-8"), "text/javascript; charset=utf-8", head)
            return
        state = preview.state
        if not state.ready:
            self._bytes(503, inject_live_script(_NO_PAGE, state.token), "text/html; charset=utf-8", head)
            return
        status, found, handle = preview.open_file(target)
        if status == 400:
            self.close_connection = True
            self._plain(400, "Pedido inválido.", head)
            return
        if status == 301:
            self._plain(301, "Movido.", head, {"Location": str(found)})
            return
        if handle is None:
            self._plain(404, "Não encontrado.", head)
            return
        with handle:
            ctype = _content_type(found)  # type: ignore[arg-type]
            if ctype.startswith("text/html"):
                self._bytes(status, inject_live_script(handle.read(), state.token), ctype, head)
                return
            size = os.fstat(handle.fileno()).st_size
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(size))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.end_headers()
            if not head:
                shutil.copyfileobj(handle, self.wfile)

    def _bytes(self, status: int, body: bytes, ctype: str, head: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _events(self, head: bool) -> None:
        preview = self.preview
        if head:
            self._bytes(200, b"", "text/event-stream", head)
            return
        if not preview.enter_events():
            self._plain(503, "Abas demais abertas na prévia.", head, {"Retry-After": "5"})
            return
        self.close_connection = True
        try:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream; charset=utf-8")
            self.send_header("Cache-Control", "no-store")
            self.send_header("Connection", "close")
            self.end_headers()
            state = preview.state
            self.wfile.write(b"retry: 500\n" + state.event())
            self.wfile.flush()
            while not preview.stopping:
                new = preview.wait_change(state, HEARTBEAT_SECONDS)
                if preview.stopping:
                    return
                if new is state:
                    self.wfile.write(b": ping\n\n")
                else:
                    state = new
                    self.wfile.write(state.event())
                self.wfile.flush()
        except (OSError, ValueError):
            return   # the tab went away
        finally:
            preview.leave_events()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def handle_error(self, request, client_address) -> None:
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError, socket.timeout)):
            return   # a client that hung up or stalled is not the server's problem
        super().handle_error(request, client_address)


def _make_server(preview: Preview) -> ThreadingHTTPServer:
    handler = type("BoundPreviewHandler", (PreviewHandler,), {"preview": preview})
    family = socket.AF_INET6 if ":" in preview.host else socket.AF_INET
    server_class = type("PreviewServer", (_Server,), {"address_family": family})
    return server_class((preview.host, preview.requested_port), handler)

