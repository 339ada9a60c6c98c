#!/usr/bin/env python3
"""Site search at scale: Pagefind index time and size for 1,000 and 10,000 articles.

For each size it generates a deterministic corpus with benchmarks/gen_corpus.py
(generic format: Portuguese tech news, ~9 kB of Markdown per article), renders
the site in memory with search on (biteye_site.build.generate, no cache), and
reports the search stage: time, bundle size and file count, and what a reader
downloads for a first one-word query (the estimate below). It then indexes the
same pages a second time and checks the two bundles are byte-identical.

Usage: python3 benchmarks/search_bench.py [-n 1000 10000] [--keep DIR]
Prints a Markdown table (the 'Busca' section of docs/performance.md).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
PROJECT = HERE.parent
NOW = datetime.fromisoformat("2026-11-01T12:00:00-03:00")


def make_site(root: Path, n: int) -> Path:
    """A site folder with the project's templates and static files and n generated articles."""
    root.mkdir(parents=True, exist_ok=True)
    for name in ("templates", "static"):
        shutil.copytree(PROJECT / name, root / name)
    subprocess.run([sys.executable, str(HERE / "gen_corpus.py"), "-n", str(n), "--format", "generic",
                    "--out", str(root)], check=True, stdout=subprocess.DEVNULL)
    (root / "site.yaml").write_text(
        "title: Biteye\nbase_url: https://biteye.example.org/\nlanguage: pt-BR\n"
        "timezone: America/Sao_Paulo\ncontent_dir: articles\nsearch: true\n", encoding="utf-8")
    return root / "site.yaml"


def first_query_bytes(files: dict[str, bytes]) -> int:
    """Bytes a reader fetches for a first one-word search showing 10 results (an estimate).

    pagefind.js, its worker, the Portuguese WebAssembly, the entry file and the
    language metadata always; one word-index chunk (the largest, to be safe);
    the filter files (the page lists them in its selects); ten result fragments
    (the largest ten, to be safe).
    """
    fixed = sum(len(b) for p, b in files.items()
                if p in ("pagefind/pagefind.js", "pagefind/pagefind-worker.js", "pagefind/pagefind-entry.json",
                         "pagefind/wasm.pt-br.pagefind") or p.endswith(".pf_meta"))
    chunk = max((len(b) for p, b in files.items() if p.startswith("pagefind/index/")), default=0)
    filters = sum(len(b) for p, b in files.items() if p.startswith("pagefind/filter/"))
    fragments = sorted((len(b) for p, b in files.items() if p.startswith("pagefind/fragment/")), reverse=True)
    return fixed + chunk + filters + sum(fragments[:10])


def browser_bytes(site_dir: Path, query: str, tag: str) -> tuple[int, int, int]:
    """Bytes Chromium fetches: the /busca/ page itself; then a first query; then a tag filter on it.

    Served by Python's http.server, without HTTP compression (Pagefind's index files are
    compressed already; a real server would also gzip the HTML, CSS, JS and WebAssembly).
    """
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    from playwright.sync_api import sync_playwright

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(site_dir)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
    sizes: list[int] = []
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=args)
            page = browser.new_page()
            page.on("requestfinished", lambda r: sizes.append(r.sizes()["responseBodySize"]))

            def settle() -> int:
                page.wait_for_load_state("networkidle")
                page.wait_for_function("!document.getElementById('busca-resultados').hasAttribute('aria-busy')")
                total = sum(sizes)
                sizes.clear()
                return total

            page.goto(f"http://127.0.0.1:{server.server_port}/busca/")
            page.wait_for_selector("#busca[data-ready]")
            first = settle()
            page.fill("#busca-q", query)
            page.press("#busca-q", "Enter")
            page.wait_for_function("document.getElementById('busca-status').textContent !== ''")
            second = settle()
            page.select_option("#busca-tag", tag)
            page.wait_for_timeout(300)
            third = settle()
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    return first, second, third


def run(n: int, workdir: Path, browser: bool) -> dict[str, object]:
    from biteye_site.build import BuildOptions, generate
    from biteye_site.config import load_config
    from biteye_site.search import build_search_index

    config = load_config(make_site(workdir / f"site-{n}", n))
    clock = time.perf_counter()
    gen = generate(config, BuildOptions(now=NOW, use_cache=False))
    total = time.perf_counter() - clock
    timings = dict(gen.timings)
    assert gen.search is not None
    bundle = dict(gen.search.files)
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    again = build_search_index(gen.routes, gen.files)       # same pages, a second Pagefind run
    after = resource.getrusage(resource.RUSAGE_CHILDREN)    # the Pagefind process of that run
    pagefind_cpu = (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)
    html = sum(len(b) for p, b in gen.files if p.startswith("artigos/"))
    page = first = filtered = None
    if browser:
        from biteye_site.output import write_site
        write_site(workdir / f"public-{n}", gen.files, config.static_dir)
        busiest = max(gen.site.tags, key=lambda tag: len(tag.documents)).name
        page, first, filtered = browser_bytes(workdir / f"public-{n}", "empresa", busiest)
    return {
        "n": len(gen.site.documents),
        "html": html,
        "render": timings.get("renderizar", 0.0),
        "index": timings.get("indexar busca", 0.0),
        "index_again": again.seconds,
        "pagefind_cpu": pagefind_cpu,
        "total": total,
        "size": gen.search.size,
        "files": len(bundle),
        "chunks": sum(1 for p in bundle if p.startswith("pagefind/index/")),
        "first": first_query_bytes(bundle),
        "same": dict(again.files) == bundle,
        "page": page, "first_real": first, "filtered": filtered,
    }


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def kb(n: int) -> str:
    return f"{n / 1e3:.0f} kB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", type=int, nargs="+", default=[1000, 10000], help="numbers of articles")
    parser.add_argument("--keep", help="keep the generated sites in this folder (default: a temporary one)")
    parser.add_argument("--no-browser", action="store_true",
                        help="skip the Chromium measurement of bytes fetched (/usr/bin/chromium, Playwright)")
    args = parser.parse_args(argv)
    try:
        from pagefind.service import get_executable
        version = subprocess.run([str(get_executable()), "--version"], capture_output=True, text=True).stdout.strip()
    except ImportError:
        print("Pagefind não está instalado: pip install 'biteye-site[search]'", file=sys.stderr)
        return 2
    workdir = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="biteye-search-bench-"))
    rows = []
    try:
        for n in args.n:
            rows.append(run(n, workdir, browser=not args.no_browser and Path("/usr/bin/chromium").is_file()))
            print(f"… {n} artigos: indexação {rows[-1]['index']:.1f} s", file=sys.stderr)
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{version}; Python {platform.python_version()}; {os.cpu_count()} núcleos (carga ao fim: {load}); "
          f"corpus: benchmarks/gen_corpus.py --format generic (semente padrão)\n")
    print("| artigos | HTML dos artigos | renderizar | indexar busca | de novo (CPU do Pagefind) | índice (total) "
          "| arquivos | blocos de palavras | 1ª busca (teto estimado) | idêntico |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|:---:|")
    for r in rows:
        print(f"| {r['n']} | {mb(r['html'])} | {r['render']:.1f} s | {r['index']:.1f} s | {r['index_again']:.1f} s ({r['pagefind_cpu']:.1f} s) "
              f"| {mb(r['size'])} | {r['files']} | {r['chunks']} | {kb(r['first'])} | {'sim' if r['same'] else 'NÃO'} |")
    if any(r["page"] is not None for r in rows):
        print("\nMedido no Chromium (busca por “empresa”, depois filtro pela tag com mais artigos; sem compressão HTTP):\n")
        print("| artigos | página /busca/ | 1ª busca | + filtro por tag |")
        print("|---:|---:|---:|---:|")
        for r in rows:
            if r["page"] is not None:
                print(f"| {r['n']} | {kb(r['page'])} | {kb(r['first_real'])} | {kb(r['filtered'])} |")
    return 0 if all(r["same"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
