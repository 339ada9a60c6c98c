"""build(): the stages, in order. Reading this file tells the whole story."""

from __future__ import annotations

import functools
import gc
import hashlib
import os
import pickle
import posixpath
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from html import escape
from pathlib import Path
from typing import Callable

from biteye_site.cache import BuildCache, stamp
from biteye_site.config import SiteConfig
from biteye_site.discover import discover
from biteye_site.edits import EditIndex, IndexChanges, edit_build, edit_index, with_changes
from biteye_site.errors import ContentError, Problem, problem
from biteye_site.fingerprint import (Fingerprints, input_manifest, output_intact, publication_state,
                                      theme_hash, unchanged_pages)
from biteye_site.frontmatter import parse_front_matter
from biteye_site.markdown import render_markdown
from biteye_site.model import Document, Site, Source
from biteye_site.output import Staged, Staging, check_output_dir, replace_files, static_files, write_site
from biteye_site.parallel import forks, pmap
from biteye_site.progress import silent
from biteye_site.related import order_of, related_documents, related_key, update_related
from biteye_site.render import CardStore, Precompiled, Renderer
from biteye_site.routes import Route, plan_routes, url_for
from biteye_site.search import INDEXED_KINDS, SearchIndex, build_search_index, index_version
from biteye_site.sitemap import recent
from biteye_site.taxonomy import collect, load_authors, merge_warnings


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    now: datetime | None = None
    strict: bool = False
    force: bool = False
    output: Path | None = None      # overrides config.output_dir
    use_cache: bool = True          # the persistent build cache (.biteye-cache/)
    jobs: int = 0                   # worker processes; 0 = one per core
    progress: Callable[[str, int, int], None] = silent   # (stage, done, total), e.g. a progress bar


@dataclass(frozen=True)
class BuildReport:
    articles: int
    skipped_drafts: int
    skipped_future: int
    pages: int
    files: int
    tags: int
    authors: int
    written: int
    unchanged: int
    removed: int
    warnings: tuple[Problem, ...]
    timings: tuple[tuple[str, float], ...]
    output: Path = field(default=Path("public"))
    search_size: int | None = None          # bytes of the search bundle; None when search is off
    search_seconds: float | None = None
    cache_hits: int = 0                     # documents taken from the build cache
    rendered: int = 0                       # files rendered (the rest were unchanged)
    static_files: int = 0


def reference_time(now: datetime | None = None) -> datetime:
    """The build's 'now': --now, else SOURCE_DATE_EPOCH, else the clock (only for what to publish)."""
    if now is not None:
        return now
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=timezone.utc)
    return datetime.now(timezone.utc)


def parse_document(source: Source, config: SiteConfig, reference: datetime) -> tuple[Document | None, list[Problem]]:
    """One source file → one Document (or the problems that stop it). Pure."""
    shown = source.path.relative_to(config.root).as_posix() if source.path.is_relative_to(config.root) else str(source.path)
    fm, problems = parse_front_matter(source.data, shown, config.tz, reference)
    if fm is None:
        return None, problems
    body = render_markdown(fm.body, shown, fm.body_line, config.allow_raw_html)
    problems += body.problems
    if any(p.severity == "error" for p in body.problems):
        return None, problems
    summary = fm.summary or body.first_paragraph
    if not summary:
        problems.append(problem(shown, 1, 1, "o artigo não tem resumo nem primeiro parágrafo",
                                "escreva 'summary:' no cabeçalho", "warning"))
    doc = Document(shown, source.rel_path, fm.title, fm.slug, fm.date, fm.updated, fm.authors, fm.tags,
                   summary, fm.image, fm.draft, body.html, body.headings, body.word_count, fm.extra, body.links,
                   fm.positions)  # the far-future warning in select() points at the 'date' line
    return doc, problems


def select(documents: list[Document], options: BuildOptions, reference: datetime
           ) -> tuple[list[Document], int, int, list[Problem]]:
    """Leave out drafts and future articles unless asked for; warn on dates far in the future."""
    drafts = sum(1 for d in documents if d.draft)
    future = sum(1 for d in documents if d.date > reference and not d.draft)
    kept = [d for d in documents if (options.drafts or not d.draft) and (options.future or d.date <= reference)]
    problems = []
    for d in documents:
        if d.date - reference > timedelta(days=366):
            line, col = d.position("date")
            problems.append(problem(d.source_path, line, col,
                                    f"data mais de um ano no futuro ({d.date.date().isoformat()})",
                                    "confira o ano; artigos com data futura só são publicados nessa data", "warning"))
    return kept, (0 if options.drafts else drafts), (0 if options.future else future), problems


def resolve_links(documents: list[Document], published: dict[str, str], all_sources: set[str],
                  base_path: str) -> tuple[list[Document], list[Problem]]:
    """Turn Markdown links to other sources (``../2025/x.md``) into article URLs.

    ``published``: every published article's source (relative to content/) → its slug.
    """
    problems: list[Problem] = []
    out = []
    for doc in documents:
        if not doc.links:
            out.append(doc)
            continue
        html = original = doc.body_html
        for href, line in doc.links:
            path, _, frag = href.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel_path), path))
            found = published.get(target)
            if found is None:
                why = ("não é publicado (rascunho ou data futura)" if target in all_sources
                       else "não existe em content/")
                problems.append(problem(doc.source_path, line, None, f"link para '{href}': o artigo {why}",
                                        "corrija o caminho do arquivo .md ou remova o link"))
                continue
            new = base_path + url_for("article", found) + (f"#{frag}" if frag else "")
            html = html.replace(f'href="{escape(href)}"', f'href="{escape(new)}"')
        out.append(replace(doc, body=html) if html is not original else doc)
    return out, problems


@dataclass(frozen=True)
class Generated:
    """A whole site in memory: what build() writes and check inspects."""

    site: Site
    routes: tuple[Route, ...]
    files: tuple[tuple[str, bytes | Staged | None], ...]  # (output path, bytes); None: unchanged since
    #                                                         `previous`; Staged: written to the staging folder
    problems: tuple[Problem, ...]            # warnings only (errors raise)
    skipped_drafts: int
    skipped_future: int
    timings: tuple[tuple[str, float], ...]
    search: SearchIndex | None = None        # None when search is off
    fingerprints: dict[str, str] = field(default_factory=dict, compare=False)
    cache_hits: int = 0
    rendered: int = 0
    dates: tuple[tuple[datetime, bool], ...] = ()   # every parsed article's (date, draft), for the next build
    listed: dict[str, str] = field(default_factory=dict, compare=False)  # source → Fingerprints.doc() digest
    hashes: dict[str, str] = field(default_factory=dict, compare=False)  # every source file → sha256 of its bytes


class _Laps:
    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []
        self.clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings.append((stage, now - self.clock))
        self.clock = now


def _parse_key(config: SiteConfig) -> str:
    """The config fields a parsed Document depends on."""
    return repr((config.root, config.content_dir, config.timezone, config.allow_raw_html, config.max_file_size))


def document_keys(config: SiteConfig, sources) -> list[str]:
    """The build cache's key for the Document parsed from each source."""
    salt = _parse_key(config)
    return [hashlib.sha256(f"{salt}|{s.rel_path}|{s.sha256}".encode()).hexdigest() for s in sources]


@contextmanager
def _gc_paused():
    """No cyclic garbage collection while tens of thousands of objects are loaded, and
    what was loaded then frozen: it lives as long as the build.

    Each young-generation pass would walk the growing heap (it doubled the load time);
    and once collection is on again, the first pass walked all of it anyway: over
    10,000 cached documents, 0.4 s (timed in a slow hour of the benchmark machine), and
    as long again when they reached the middle generation."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _unfreezes(func):
    """``func`` may call gc.freeze() to move everything alive (the parsed documents, the
    site) out of the collector's sight: later collections stay cheap, and forked workers
    do not touch, and so copy, the parent's memory by scanning it. On return it is all
    collectable again (the preview server builds many times in one process), and
    collection is as it was."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        collecting = gc.isenabled()
        try:
            return func(*args, **kwargs)
        finally:
            gc.unfreeze()
            if collecting:
                gc.enable()  # also after an error while it was paused
            else:
                gc.disable()
    return wrapper


def parse_all(sources: tuple[Source, ...], config: SiteConfig, reference: datetime, cache: BuildCache,
              jobs: int, progress: Callable[[str, int, int], None] = silent, ahead: Precompiled | None = None
              ) -> tuple[list[tuple[Document | None, list[Problem]]], dict[int, str], list[str]]:
    """parse_document over every source: cached ones from the cache, the rest on all cores
    (while they run, this process compiles the theme, ``ahead`` of the Renderer)."""
    keys = document_keys(config, sources)
    with _gc_paused():
        found = cache.get_documents(keys)
    todo = [i for i, k in enumerate(keys) if k not in found]
    missing = {i for i in todo if sources[i].data is None}  # hashed earlier, but no cached Document
    if missing:
        sources = tuple(replace(s, data=s.path.read_bytes()) if i in missing else s for i, s in enumerate(sources))
    # Workers return the pickled result: it crosses the process boundary as bytes and is
    # stored in the cache as it is, so the parent never pickles 10,000 documents again.
    # This process unpickles each result as it arrives, while the workers go on parsing.
    try:
        with _gc_paused():
            fresh = pmap(lambda j: pickle.dumps(parse_document(sources[todo[j]], config, reference),
                                                protocol=pickle.HIGHEST_PROTOCOL),
                         len(todo), jobs, lambda done, total: progress("analisar", done, total),
                         receive=lambda data: (data, pickle.loads(data)),
                         started=ahead.start if ahead is not None and forks(len(todo), jobs) else None)
    finally:
        if ahead is not None:
            ahead.join()  # long done by now; joined here so that no thread outlives the stage
    results: list = [found.get(k) for k in keys]
    for i, (_, result) in zip(todo, fresh):
        results[i] = result
    # Stored while the render workers run (see generate), or before the cache is next used.
    cache.defer_documents({keys[i]: data for i, (data, _) in zip(todo, fresh)}, set(keys))
    doc_keys = {id(doc): keys[i] for i, (doc, _) in enumerate(results) if doc is not None}
    return results, doc_keys, keys


@dataclass(frozen=True)
class Found:
    """content/ as discover() found it, with the cache's file signatures it started from."""

    sources: tuple[Source, ...]
    problems: tuple[Problem, ...]
    known: dict
    seconds: float


def find_sources(config: SiteConfig, cache: BuildCache) -> Found:
    clock = time.perf_counter()
    known = cache.get_known()
    sources, problems = discover(config.content_dir, config.root, config.max_file_size, known)
    return Found(sources, tuple(problems), known, time.perf_counter() - clock)


def _with_related(site: Site, remembered: object) -> tuple[Site, tuple | None]:
    """The site with its related articles, and what to remember of them for the next build.

    The last build's when the lists they come from are the same (an edit that changed no
    date or tag); updated around the articles added, removed or retagged since; else
    computed."""
    order = order_of(site)
    key = related_key(order)
    by_source = {d.rel_path: d for d in site.documents}
    if isinstance(remembered, tuple) and len(remembered) == 3:
        old_key, old_related, old_order = remembered
        if old_key == key:
            return replace(site, related={by_source[rel].slug: tuple(by_source[r] for r in others)
                                          for rel, others in old_related.items()}), None
        related = update_related(site, order, old_order, old_related)
    else:
        related = None
    if related is None:
        related = related_documents(site)
    by_slug = {d.slug: d for d in site.documents}
    return replace(site, related=related), (key, {by_slug[slug].rel_path: tuple(d.rel_path for d in docs)
                                                  for slug, docs in related.items()}, order)


@_unfreezes
def generate(config: SiteConfig, options: BuildOptions = BuildOptions(), cache: BuildCache | None = None,
             previous: dict[str, str] | None = None, found: Found | None = None,
             staging: Staging | None = None) -> Generated:
    """Read content/ and render every page in memory. Raises ContentError/TemplateError.

    With ``previous`` (output path → fingerprint of the file already written),
    pages whose fingerprint is unchanged are not rendered: their bytes are None.
    ``found``: content/ already discovered by build(). ``staging``: the pages are written
    there as they are rendered (a first build), and their bytes are ``Staged`` markers.
    """
    lap = _Laps()
    cache = cache or BuildCache.disabled()
    reference = reference_time(options.now)
    if found is None:
        found = find_sources(config, cache)
    lap.clock -= found.seconds  # reading content/ counts as the first stage
    sources, problems = found.sources, list(found.problems)
    cache.put_known(sources, found.known)
    authors_file = config.content_dir / "authors.yaml"
    profiles, more = load_authors(authors_file, authors_file.relative_to(config.root).as_posix()
                                  if authors_file.is_relative_to(config.root) else str(authors_file))
    problems += more
    remembered = cache.get_meta("related")  # read now: once the cache writes in the background, it waits
    lap("ler")
    ahead = Precompiled(config)
    parsed, doc_keys, keys = parse_all(sources, config, reference, cache, options.jobs, options.progress, ahead)
    sources = tuple(s if s.data is None else replace(s, data=None) for s in sources)  # the bytes are parsed: let them go
    documents = [doc for doc, _ in parsed if doc is not None]
    problems += [p for _, ps in parsed for p in ps]
    dates = tuple((d.date, d.draft) for d in documents)
    gc.freeze()
    # Organising allocates a long-lived object or more per page (70,000 routes at 50,000
    # articles) and almost no garbage: without the collector walking them again and again,
    # the routes are planned in half the time. On again before the templates (see below).
    gc.disable()
    lap("analisar")
    documents, skipped_drafts, skipped_future, more = select(documents, options, reference)
    problems += more
    linked, more = resolve_links(documents, {d.rel_path: d.slug for d in documents}, {s.rel_path for s in sources},
                                 config.base_path)
    problems += more
    for before, after in zip(documents, linked):
        if after is not before:  # its body now holds other articles' URLs
            doc_keys[id(after)] = doc_keys[id(before)] + hashlib.sha256(after.body_html.encode()).hexdigest()
    if any(p.severity == "error" or options.strict for p in problems):
        raise ContentError(problems)
    site = collect(tuple(linked), profiles, config.tz, reference)
    site, related_memo = _with_related(site, remembered)
    problems += merge_warnings(site)
    if options.strict and problems:
        raise ContentError(problems)
    routes = plan_routes(site, config.per_page, search=config.search)
    lap("organizar")
    theme = theme_hash(config, cache.stamp or stamp())
    fingerprints, listed = route_fingerprints(config, site, routes, doc_keys, theme, reference)
    # A card is kept under the whole article (list fields and body: a theme's card may show
    # more than lists do) and reused only into an output folder that already has pages: a
    # first build, or one into an empty folder, renders everything from the sources.
    cards = CardStore({id(d): listed[d.rel_path] + doc_keys[id(d)] for d in site.documents},
                      cache.get_cards(theme) if previous else {})
    # Compiling templates, and rendering here (one job, the preview), make cyclic garbage:
    # collected, but among the young objects only (the site is frozen).
    gc.freeze()
    gc.enable()
    renderer = Renderer(config, site, routes, cache.templates_folder(), cards, ahead)
    previous = previous or {}
    todo = [i for i, r in enumerate(routes) if previous.get(r.output_path) != fingerprints[r.output_path]]
    if len(todo) > 1:
        renderer.warm()
    gc.freeze()
    # With a staging folder, this process writes each page as it arrives (in order), while the
    # workers render the next ones: one writer, as two processes creating files at once
    # only contend for the file system.
    # Each worker also hands back the cards it had to render, to be kept for the next build.
    order = iter(todo)
    new_cards: dict[str, str] = {}
    # Pages of a first build come back from the workers through files (output.Spool).
    spool = staging.spool() if staging is not None and forks(len(todo), options.jobs) else None

    def render(j: int) -> tuple[bytes | tuple, dict[str, str]]:
        data: bytes | tuple = renderer.render(routes[todo[j]])
        if spool is not None:
            try:
                data = spool.write(data)  # type: ignore[arg-type]
            except OSError:
                pass  # (a full disk) the page comes through the pipe; writing it here will say what is wrong
        return data, cards.take()

    def receive(result: tuple[bytes | tuple, dict[str, str]]) -> bytes | Staged:
        data, made = result
        new_cards.update(made)
        if staging is None:
            return data  # type: ignore[return-value]
        path = routes[next(order)].output_path
        if isinstance(data, tuple):
            return staging.put_spooled(path, spool, data)  # type: ignore[arg-type]
        return staging.put(path, data)
    try:
        # The new documents are stored while the workers render, by a thread (sqlite3 lets go
        # of the GIL) started once they exist: this process has little else to do by then.
        rendered = pmap(render, len(todo), options.jobs, lambda done, total: options.progress("renderizar", done, total),
                        receive=receive, started=cache.store_deferred)
    finally:
        if spool is not None:
            spool.close()
    cache.wait()  # (a failure of that thread other than SQLite's is raised here)
    if related_memo is not None:
        cache.put_meta("related", related_memo)
    cache.put_cards(theme, new_cards, set(cards.digests.values()))
    files: list[tuple[str, bytes | None]] = [(r.output_path, None) for r in routes]
    for i, data in zip(todo, rendered):
        files[i] = (routes[i].output_path, data)
    lap("renderizar")
    search = None
    if config.search:  # Pagefind over the rendered articles, in a temporary folder; bundle joins files
        search_fp = hashlib.sha256((index_version() + "".join(
            fingerprints[r.output_path] for r in routes if r.kind in INDEXED_KINDS)).encode()).hexdigest()
        bundle = [path for path, fp in previous.items() if fp == "search:" + search_fp]
        if bundle:  # no article page changed: the previous index still fits
            files += [(path, None) for path in sorted(bundle)]
            fingerprints.update({path: "search:" + search_fp for path in bundle})
        else:
            wanted = {r.output_path for r in routes if r.kind in INDEXED_KINDS}
            pages = [(path, data) for path, data in files if path in wanted]
            search = build_search_index(routes, _with_previous_bytes(pages, options.output or config.output_dir,
                                                                     staging))
            files += search.files
            fingerprints.update({path: "search:" + search_fp for path, _ in search.files})
            lap("indexar busca")
    warnings = tuple(sorted(problems, key=Problem.sort_key))
    return Generated(site, routes, tuple(files), warnings, skipped_drafts, skipped_future, tuple(lap.timings),
                     search, fingerprints, cache.hits, len(todo), dates, listed,
                     {s.rel_path: s.sha256 for s in sources})


def _with_previous_bytes(files: list[tuple[str, bytes | Staged | None]], output: Path,
                         staging: Staging | None) -> list[tuple[str, bytes]]:
    """Unchanged or staged article pages are still needed whole by the search indexer: read them back."""
    def whole(path: str, data: bytes | Staged | None) -> bytes:
        if isinstance(data, Staged):
            return staging.read(path)  # type: ignore[union-attr]
        return data if data is not None else (output / path).read_bytes()
    return [(path, whole(path, data)) for path, data in files]


def route_fingerprints(config: SiteConfig, site: Site, routes: tuple[Route, ...], doc_keys: dict[int, str],
                       theme: str, reference: datetime) -> tuple[dict[str, str], dict[str, str]]:
    """(output path → fingerprint, published source → digest of the article as lists show it)"""
    fp = Fingerprints(theme, site, doc_keys, reference, tuple(recent(site.documents, reference)), config.feed_entries)
    entries = hashlib.sha256(repr([(r.url, r.lastmod and r.lastmod.isoformat()) for r in routes if r.in_sitemap])
                             .encode()).hexdigest()
    return {r.output_path: fp.of(r, entries) for r in routes}, {d.rel_path: fp.doc(d) for d in site.documents}


def open_cache(config: SiteConfig, options: BuildOptions) -> BuildCache:
    if not options.use_cache:
        return BuildCache.disabled()
    try:
        return BuildCache.open(config.cache_dir)
    except (OSError, sqlite3.Error):
        return BuildCache.disabled()  # an unusable cache only costs time


@_unfreezes
def build(config: SiteConfig, options: BuildOptions = BuildOptions()) -> BuildReport:
    """Read content/, render what changed, and swap the new site into the output folder."""
    # What a build loads (the cache's records, the sources, the site) lives until it ends,
    # and it makes cyclic garbage only in templates: the collector is off but while
    # generate renders pages (it turns it on, among the young objects only; the edit path
    # renders its few pages with it off). With it on, an article added to 10,000 spent
    # 1.2 of 9 s (a slow hour) in passes that found nothing.
    gc.disable()
    output = (options.output or config.output_dir).resolve()
    check_output_dir(output, root=config.root, content=config.content_dir,
                     protected=(config.templates_dir, config.static_dir), force=options.force)
    cache = open_cache(config, options)
    clock = time.perf_counter()
    staging = None
    try:
        settings = (options.drafts, options.future, options.strict, str(output))
        manifest, frame = input_manifest(config, settings, output, cache.stamp) if cache.db is not None else (None, None)
        reference = reference_time(options.now)
        previous = unchanged_pages(cache.get_pages(output), output)
        last = cache.get_meta("last_build")
        # The last build's output is all there as written, and the clock published nothing new.
        intact = (manifest is not None and last is not None
                  and last["state"] == publication_state(last["dates"], reference)
                  and output_intact(output, previous, last["fingerprints"]))
        if intact and last["manifest"] == manifest:
            # Nothing that the site is made from has changed since the last build.
            report = last["report"]
            cache.close()
            return replace(report, written=0, unchanged=report.files + report.static_files, removed=0,
                           rendered=0, cache_hits=len(last["dates"]), search_seconds=None,
                           timings=(("verificar", time.perf_counter() - clock),))
        found = find_sources(config, cache)
        if intact and not last["report"].warnings:
            report = _edit_path(config, cache, output, manifest, frame, reference, last, previous, found, clock)
            if report is not None:
                cache.close()
                return report
        # A first build: pages are written into the new folder as soon as they are rendered.
        staging = Staging(output) if not output.exists() else None
        gen = generate(config, options, cache, previous, found, staging)
        clock = time.perf_counter()
        # Until this build's record is complete, no build may trust the last one's.
        cache.put_meta("last_build", None)
        written = write_site(output, gen.files, config.static_dir, staging)
        # Static files are recorded too, so a hand-edited copy in the output is noticed.
        statics = {rel: "static:" + hashlib.sha256(path.read_bytes()).hexdigest()
                   for rel, path in static_files(config.static_dir)}
        cache.put_pages(output, {**gen.fingerprints, **statics}, previous)
        timings = gen.timings + (("gravar", time.perf_counter() - clock),)
    except BaseException:
        if staging is not None:
            staging.discard()
        if cache.db is not None:
            cache.put_meta("last_build", None)
        cache.close()
        raise
    site = gen.site
    pages = sum(1 for r in gen.routes if r.template is not None)
    report = BuildReport(len(site.documents), gen.skipped_drafts, gen.skipped_future, pages, len(gen.files),
                         len(site.tags), len(site.authors), written.written, written.unchanged, written.removed,
                         gen.problems, timings, output,
                         gen.search.size if gen.search else None, gen.search.seconds if gen.search else None,
                         gen.cache_hits, gen.rendered, len(statics))
    try:
        if manifest is not None:
            cache.put_meta("edits", edit_index(frame, config, site, gen.routes, gen.hashes, gen.listed))
            cache.put_meta("edits_since", None)
            cache.put_meta("last_build", {"manifest": manifest, "dates": gen.dates, "report": report,
                                          "state": publication_state(gen.dates, reference),
                                          "fingerprints": len(gen.fingerprints) + len(statics)})
    finally:
        cache.close()
    return report


def _edit_path(config: SiteConfig, cache: BuildCache, output: Path, manifest: str, frame: str, reference: datetime,
               last: dict, previous: dict[str, str], found: Found, clock: float) -> BuildReport | None:
    """Only a few articles were edited in place: replace the pages that show them (see edits.py).
    None when the full build is needed."""
    index = cache.get_meta("edits")
    if not isinstance(index, EditIndex):
        return None
    since = cache.get_meta("edits_since")
    since = since if isinstance(since, IndexChanges) else IndexChanges({}, {})
    index = with_changes(index, since)
    edit = edit_build(config, cache, index, frame, reference, found.sources, found.problems,
                      parse_document, resolve_links, document_keys)
    if edit is None:
        return None
    made = time.perf_counter()
    cache.put_meta("last_build", None)  # until this build's record is complete
    written = replace_files(output, list(edit.files))
    pages = {**previous, **{path: "edit:" + hashlib.sha256(data).hexdigest() for path, data in edit.files}}
    cache.put_documents(edit.new_documents, set(document_keys(config, found.sources)))
    cache.put_known(found.sources, found.known)
    cache.put_pages(output, pages, previous)
    cache.put_meta("edits_since", since.after(edit.changes))
    report = replace(last["report"], written=written.written, removed=0, rendered=len(edit.files),
                     unchanged=last["report"].files + last["report"].static_files - written.written,
                     cache_hits=len(last["dates"]) - len(edit.new_documents), search_seconds=None,
                     timings=(("editar", made - clock), ("gravar", time.perf_counter() - made)))
    cache.put_meta("last_build", {**last, "manifest": manifest, "report": report})
    return report
