"""build(): the stages, in order. Reading this file tells the whole story."""

from __future__ import annotations

import os
import posixpath
import time
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from html import escape
from pathlib import Path

from biteye_site.config import SiteConfig
from biteye_site.discover import discover
from biteye_site.errors import ContentError, Problem, problem
from biteye_site.frontmatter import parse_front_matter
from biteye_site.markdown import render_markdown
from biteye_site.model import Document, Site, Source
from biteye_site.output import check_output_dir, write_site
from biteye_site.render import Renderer
from biteye_site.routes import Route, plan_routes, url_for
from biteye_site.search import SearchIndex, build_search_index
from biteye_site.taxonomy import collect, load_authors


@dataclass(frozen=True)
class BuildOptions:
    drafts: bool = False
    future: bool = False
    now: datetime | None = None
    strict: bool = False
    force: bool = False
    output: Path | None = None      # overrides config.output_dir
    use_cache: bool = True          # the persistent build cache (.biteye-cache/)


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
                   summary, fm.image, fm.draft, body.html, body.headings, body.word_count, fm.extra, body.links)
    return doc, problems


def select(documents: list[Document], options: BuildOptions, reference: datetime) -> tuple[list[Document], int, int]:
    """Leave out drafts and future articles unless asked for."""
    drafts = sum(1 for d in documents if d.draft)
    future = sum(1 for d in documents if d.date > reference and not d.draft)
    kept = [d for d in documents if (options.drafts or not d.draft) and (options.future or d.date <= reference)]
    return kept, (0 if options.drafts else drafts), (0 if options.future else future)


def resolve_links(documents: list[Document], all_sources: set[str], base_path: str) -> tuple[list[Document], list[Problem]]:
    """Turn Markdown links to other sources (``../2025/x.md``) into article URLs."""
    by_rel = {d.rel_path: d for d in documents}
    problems: list[Problem] = []
    out = []
    for doc in documents:
        html = doc.body_html
        for href, line in doc.links:
            path, _, frag = href.partition("#")
            target = posixpath.normpath(posixpath.join(posixpath.dirname(doc.rel_path), path))
            found = by_rel.get(target)
            if found is None:
                why = ("não é publicado (rascunho ou data futura)" if target in all_sources
                       else "não existe em content/")
                problems.append(problem(doc.source_path, line, None, f"link para '{href}': o artigo {why}",
                                        "corrija o caminho do arquivo .md ou remova o link"))
                continue
            new = base_path + url_for("article", found) + (f"#{frag}" if frag else "")
            html = html.replace(f'href="{escape(href)}"', f'href="{escape(new)}"')
        out.append(replace(doc, body_html=html) if html is not doc.body_html else doc)
    return out, problems


@dataclass(frozen=True)
class Generated:
    """A whole site in memory: what build() writes and check inspects."""

    site: Site
    routes: tuple[Route, ...]
    files: tuple[tuple[str, bytes], ...]     # (output path, bytes), in route order
    problems: tuple[Problem, ...]            # warnings only (errors raise)
    skipped_drafts: int
    skipped_future: int
    timings: tuple[tuple[str, float], ...]
    search: SearchIndex | None = None        # None when search is off


class _Laps:
    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []
        self.clock = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.timings.append((stage, now - self.clock))
        self.clock = now


def generate(config: SiteConfig, options: BuildOptions = BuildOptions()) -> Generated:
    """Read content/ and render every page in memory. Raises ContentError/TemplateError."""
    lap = _Laps()
    reference = reference_time(options.now)
    sources, problems = discover(config.content_dir, config.root, config.max_file_size)
    authors_file = config.content_dir / "authors.yaml"
    profiles, more = load_authors(authors_file, authors_file.relative_to(config.root).as_posix()
                                  if authors_file.is_relative_to(config.root) else str(authors_file))
    problems += more
    lap("ler")
    parsed = [parse_document(source, config, reference) for source in sources]
    documents = [doc for doc, _ in parsed if doc is not None]
    problems += [p for _, ps in parsed for p in ps]
    lap("analisar")
    documents, skipped_drafts, skipped_future = select(documents, options, reference)
    documents, more = resolve_links(documents, {s.rel_path for s in sources}, config.base_path)
    problems += more
    if any(p.severity == "error" or options.strict for p in problems):
        raise ContentError(problems)
    site = collect(tuple(documents), profiles, config.tz, reference)
    routes = plan_routes(site, config.per_page, search=config.search)
    lap("organizar")
    renderer = Renderer(config, site, routes)
    files = tuple((route.output_path, renderer.render(route)) for route in routes)
    lap("renderizar")
    search = None
    if config.search:  # Pagefind over the rendered articles, in a temporary folder; bundle joins files
        search = build_search_index(routes, files)
        files += search.files
        lap("indexar busca")
    warnings = tuple(sorted(problems, key=Problem.sort_key))
    return Generated(site, routes, files, warnings, skipped_drafts, skipped_future, tuple(lap.timings), search)


def build(config: SiteConfig, options: BuildOptions = BuildOptions()) -> BuildReport:
    """Read content/, render every page, and swap the new site into the output folder."""
    output = options.output or config.output_dir
    check_output_dir(output, root=config.root, content=config.content_dir,
                     protected=(config.templates_dir, config.static_dir), force=options.force)
    gen = generate(config, options)
    clock = time.perf_counter()
    written = write_site(output, gen.files, config.static_dir)
    timings = gen.timings + (("gravar", time.perf_counter() - clock),)
    site = gen.site
    pages = sum(1 for r in gen.routes if r.template is not None)
    return BuildReport(len(site.documents), gen.skipped_drafts, gen.skipped_future, pages, len(gen.files),
                       len(site.tags), len(site.authors), written.written, written.unchanged, written.removed,
                       gen.problems, timings, output,
                       gen.search.size if gen.search else None, gen.search.seconds if gen.search else None)
