"""Every URL and output path of the site, in one place; collisions are found here."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

from biteye_site.errors import RouteConflict, problem
from biteye_site.model import Archive, Author, Document, Site, Tag
from biteye_site.sitemap import recent

PAGE_SEGMENT = "pagina"
MAX_SITEMAP_URLS = 50_000


def url_for(kind: str, obj: object = None, page: int = 1) -> str:
    """Site-relative URL ('' is the home page). The only place URLs are spelt."""
    if kind == "home":
        base = ""
    elif kind == "article":
        base = f"artigos/{_slug(obj)}/"
    elif kind == "tags":
        base = "tags/"
    elif kind == "tag":
        base = f"tags/{_slug(obj)}/"
    elif kind == "authors":
        base = "autores/"
    elif kind == "author":
        base = f"autores/{_slug(obj)}/"
    elif kind == "archive":
        base = "arquivo/"
    elif kind == "search":
        base = "busca/"
    elif kind == "year":
        base = f"arquivo/{obj.year:04d}/"  # type: ignore[union-attr]
    elif kind == "month":
        base = f"arquivo/{obj.year:04d}/{obj.month:02d}/"  # type: ignore[union-attr]
    elif kind == "feed":
        return "feed.xml" if obj is None else f"{url_for(kind_of(obj), obj)}feed.xml"
    elif kind == "static":
        return f"static/{obj}"
    elif kind == "sitemap" and page > 1:
        return f"sitemap-{page - 1}.xml"  # the parts of a split sitemap; page 1 is the index
    elif kind in _FILES:
        return _FILES[kind]
    else:
        raise KeyError(f"unknown URL kind {kind!r}")
    return base if page == 1 else f"{base}{PAGE_SEGMENT}/{page}/"


_FILES = {"sitemap": "sitemap.xml", "news_sitemap": "sitemap-news.xml", "robots": "robots.txt",
          "notfound": "404.html", "favicon": "favicon.ico", "search_bundle": "pagefind/"}


def _slug(obj: object) -> str:
    return obj if isinstance(obj, str) else obj.slug  # type: ignore[attr-defined]


def kind_of(obj: object) -> str:
    return {Tag: "tag", Author: "author", Document: "article"}[type(obj)]


def output_path(url: str) -> str:
    """'artigos/x/' → 'artigos/x/index.html'; files keep their name."""
    return url + "index.html" if url == "" or url.endswith("/") else url


@dataclass(frozen=True)
class Page:
    """One page of a paginated list."""

    number: int
    total: int
    items: tuple
    kind: str
    obj: object = None

    @property
    def prev_url(self) -> str | None:
        return url_for(self.kind, self.obj, self.number - 1) if self.number > 1 else None

    @property
    def next_url(self) -> str | None:
        return url_for(self.kind, self.obj, self.number + 1) if self.number < self.total else None

    def url_of(self, number: int) -> str:
        return url_for(self.kind, self.obj, number)

    def window(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and ``around`` either side of this one;
        None where numbers are left out. Linking all 500 pages of a big archive from each
        of them would be 250,000 links, and a wall of numbers on a phone."""
        keep = {1, self.total, *range(self.number - around, self.number + around + 1)}
        shown: list[int | None] = []
        for n in sorted(k for k in keep if 1 <= k <= self.total):
            if shown and n - shown[-1] == 2:  # a gap of one page: show the number, not '…'
                shown.append(n - 1)
            elif shown and n - shown[-1] > 2:
                shown.append(None)
            shown.append(n)
        return shown


@dataclass(frozen=True)
class Route:
    url: str
    output_path: str
    kind: str
    template: str | None            # None: bytes made by feeds/sitemap
    context: dict = field(default_factory=dict, compare=False, hash=False)
    source: str = ""                # file that asked for this route (for collision messages)
    lastmod: datetime | None = None
    in_sitemap: bool = True


def paginate(items: tuple, per_page: int) -> list[tuple]:
    """Always at least one page, so an empty list still has its page."""
    if not items:
        return [()]
    return [items[i:i + per_page] for i in range(0, len(items), per_page)]


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_MICROSECOND = timedelta(microseconds=1)


def moments(docs: tuple[Document, ...]) -> dict[int, int]:
    """id(document) → when it last changed, in microseconds since 1970: compared as integers,
    as each article's date has its own offset and the site's lists compare 600,000 of them
    at 50,000 articles (a datetime comparison converts both sides to UTC every time)."""
    return {id(d): ((d.updated or d.date) - _EPOCH) // _MICROSECOND for d in docs}


def _lastmod(docs, when: dict[int, int]) -> datetime | None:
    """The latest 'updated or date' of ``docs`` (the first such article on a tie, as max() gives)."""
    newest = max(docs, key=lambda d: when[id(d)], default=None)
    return None if newest is None else (newest.updated or newest.date)


# The template of each kind of paginated list, and what else its pages are given.
LIST_TEMPLATES = {"home": "index.html", "tag": "tag.html", "author": "author.html", "month": "archive_month.html"}


def list_context(kind: str, obj: object, year: Archive | None = None) -> dict:
    return {"tag": {"tag": obj}, "author": {"author": obj}, "month": {"month": obj, "year": year}}.get(kind, {})


def list_page_route(kind: str, obj: object, chunk: tuple[Document, ...], number: int, total: int,
                    when: dict[int, int], extra: dict) -> Route:
    """Page ``number`` of ``total`` of a list (``chunk``: its articles)."""
    url = url_for(kind, obj, number)
    ctx = {"page": Page(number, total, chunk, kind, obj), "documents": chunk, **extra}
    return Route(url, output_path(url), kind, LIST_TEMPLATES[kind], ctx, lastmod=_lastmod(chunk, when))


def _list_routes(kind: str, obj: object, docs: tuple[Document, ...], per_page: int, when: dict[int, int],
                 extra: dict) -> list[Route]:
    chunks = paginate(docs, per_page)
    return [list_page_route(kind, obj, chunk, number, len(chunks), when, extra)
            for number, chunk in enumerate(chunks, start=1)]


def year_route(year: Archive, when: dict[int, int]) -> Route:
    url = url_for("year", year)
    return Route(url, output_path(url), "year", "archive_year.html", {"year": year},
                 lastmod=_lastmod(year.documents, when))


def notfound_route() -> Route:
    return Route("404.html", "404.html", "notfound", "404.html", {}, in_sitemap=False)


def plan_routes(site: Site, per_page: int, search: bool = False) -> tuple[Route, ...]:
    """Every page and file of the site; raises RouteConflict if two claim one path."""
    routes: list[Route] = []
    docs = site.documents
    when = moments(docs)
    routes += _list_routes("home", None, docs, per_page, when, {})
    for i, doc in enumerate(docs):
        routes.append(article_route(doc, docs[i - 1] if i > 0 else None, docs[i + 1] if i + 1 < len(docs) else None))
    routes.append(Route("tags/", "tags/index.html", "tags", "tags.html", {"tags": site.tags},
                        lastmod=_lastmod(docs, when)))
    for tag in site.tags:
        routes += _list_routes("tag", tag, tag.documents, per_page, when, list_context("tag", tag))
    routes.append(Route("autores/", "autores/index.html", "authors", "authors.html", {"authors": site.authors},
                        lastmod=_lastmod(docs, when)))
    for author in site.authors:
        routes += _list_routes("author", author, author.documents, per_page, when, list_context("author", author))
    routes.append(Route("arquivo/", "arquivo/index.html", "archive", "archive.html", {"years": site.years},
                        lastmod=_lastmod(docs, when)))
    for year in site.years:
        routes.append(year_route(year, when))
        for month in year.months:
            routes += _list_routes("month", month, month.documents, per_page, when, list_context("month", month, year))
    if search:  # the page only; its index files come from search.py after rendering
        routes.append(Route(url_for("search"), output_path(url_for("search")), "search", "search.html", {},
                            in_sitemap=False))
    routes.append(notfound_route())
    # Generated files (not templates): feeds, sitemaps, robots.txt.
    routes.append(feed_route(None, docs))
    routes += [feed_route(tag, tag.documents) for tag in site.tags]
    routes += [feed_route(author, author.documents) for author in site.authors]
    in_map = sum(1 for r in routes if r.in_sitemap)
    parts = math.ceil(in_map / MAX_SITEMAP_URLS) if in_map > MAX_SITEMAP_URLS else 0
    routes.append(Route("sitemap.xml", "sitemap.xml", "sitemap", None, {"parts": parts}, in_sitemap=False))
    for part in range(1, parts + 1):
        url = url_for("sitemap", page=part + 1)
        routes.append(Route(url, url, "sitemap_part", None, {"part": part}, in_sitemap=False))
    # Google News wants articles of the last two days only; with none, an empty
    # <urlset> would not validate, so the file is left out (and robots.txt skips it).
    news = recent(site.documents, site.reference_time)
    kinds = ("news_sitemap", "robots", "favicon") if news else ("robots", "favicon")
    for kind in kinds:
        url = url_for(kind)
        routes.append(Route(url, url, kind, None, {"news": bool(news)}, in_sitemap=False))
    check_collisions(routes)
    return tuple(routes)


def article_route(doc: Document, newer: Document | None, older: Document | None) -> Route:
    url = url_for("article", doc)
    # 'extra': the article's unknown front-matter keys, as a mapping for templates.
    return Route(url, output_path(url), "article", "article.html",
                 {"doc": doc, "newer": newer, "older": older, "extra": doc.extra_dict},
                 doc.source_path, doc.updated or doc.date)


def feed_route(obj: Tag | Author | None, documents: tuple[Document, ...]) -> Route:
    """The site's feed (``obj`` None) or a tag's or author's; ``documents`` newest first."""
    url = url_for("feed", obj)
    return Route(url, url, "feed", None, {"documents": documents, "obj": obj}, in_sitemap=False)


def _slug_position(route: Route) -> tuple[int | None, int | None]:
    """Where the article's address comes from: its 'slug:' line, else its 'title:' line."""
    doc = route.context.get("doc") if route.kind == "article" else None
    if doc is None:
        return None, None
    line, col = doc.position("slug")
    return (line, col) if line else doc.position("title")


def check_collisions(routes: list[Route]) -> None:
    claimed: dict[str, Route] = {}
    problems = []
    for route in routes:
        key = route.output_path.lower()  # case-insensitive file systems would merge these
        first = claimed.get(key)
        if first is None:
            claimed[key] = route
            continue
        where = route.source or route.kind
        other = first.source or first.kind
        line, col = _slug_position(route)
        first_line, _ = _slug_position(first)
        if first.source and first_line:
            other += f":{first_line}"
        problems.append(problem(where, line, col, f"o endereço /{route.url} já é usado por {other}",
                                "dê a um dos dois artigos outro título ou um 'slug:' diferente"))
    if problems:
        raise RouteConflict(problems)
