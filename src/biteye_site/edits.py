"""The edit path: a build after only a few published articles were edited in place.

The most common rebuild of a news archive is a correction to an article: its
text, its headline, its summary. When nothing changed since the last build but
a few published articles — the same files, templates, config, static files,
authors and publication state, no warnings either time, and each edited
article still where it was in every list (the same slug, date, update date,
tags and authors) — the pages that can differ are known from the last full
build's index (``EditIndex``) without loading or organising the rest of the
archive:

- an edit to the text only (what lists show is the same): the article's page
  and the feeds that carry its text (fingerprint.py hashes a body nowhere else);
- an edit to what lists show (headline, summary, image, reading time, other
  front-matter keys), unless the article is in the news sitemap (published in
  the last two days), which only the full build makes: also its neighbours'
  and the related articles' pages that name it, the page of each list it is
  on (home, its tags, its authors, its month), its year's page and the 404
  page (which shows the newest articles) — every page whose fingerprint holds
  the article's list digest.

These pages are rendered and replaced in place. Every check below that fails
sends the build down the full path, which makes the same bytes
(tests/test_edit_path.py compares both with a cold build). The site the pages
are rendered with holds only what they show; a template that asks it for more
(a tag's articles, the site's lists) raises Unavailable, and the full build
renders instead.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, replace
from datetime import datetime

import jinja2
from jinja2 import nodes

from biteye_site.cache import BuildCache
from biteye_site.config import SiteConfig
from biteye_site.fingerprint import Fingerprints
from biteye_site.model import Archive, Author, Document, Site, Source, Tag
from biteye_site.render import Renderer
from biteye_site.routes import (LIST_TEMPLATES, Route, article_route, feed_route, list_context, list_page_route,
                                moments, notfound_route, year_route)
from biteye_site.sitemap import recent

MAX_EDITS = 20   # beyond this many changed articles, the full build is as quick
NEWEST_HELD = 20  # the newest articles the partial site holds for the 404 page's list


class Unavailable(Exception):
    """A template asked the edit path's partial site for something it does not hold."""


class _Absent(tuple):
    """Stands for a list the partial site does not hold (a tag's articles, the site's
    tags…): empty, but any attempt to read it raises Unavailable, and the build takes
    the full path instead of rendering a page without it."""

    def _refuse(self, *args, **kwargs):
        raise Unavailable()

    # Everything a tuple answers from its items (none here), shown or compared or joined.
    __len__ = __iter__ = __getitem__ = __bool__ = __contains__ = __reversed__ = _refuse
    count = index = __add__ = __radd__ = __mul__ = __rmul__ = __str__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = _refuse
    __hash__ = tuple.__hash__  # (light tags and authors are hashed as dataclasses)

    def __reduce__(self):  # pickled with the index: no items to read
        return (_Absent, ())


ABSENT = _Absent()


class _Counted(_Absent):
    """A list the partial site does not hold but knows the length of: a tag's or an
    author's articles, counted on their pages. len() and truth work; items raise."""

    def __new__(cls, n: int):
        self = super().__new__(cls)
        self.n = n
        return self

    def __len__(self) -> int:
        return self.n

    def __bool__(self) -> bool:
        return self.n > 0

    def __reduce__(self):
        return (_Counted, (self.n,))


class _Newest(_Absent):
    """The site's articles, newest first, of which only the first few are held (the 404
    page lists the newest): their count, and items and slices within those few."""

    def __new__(cls, held: tuple, total: int):
        self = super().__new__(cls)
        self.held, self.total = held, total
        return self

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    def __getitem__(self, key):
        if isinstance(key, slice):
            start, stop, step = key.indices(self.total)
            if step == 1 and (stop <= len(self.held) or start >= stop):
                return self.held[start:stop]
        elif isinstance(key, int):
            i = key + self.total if key < 0 else key
            if 0 <= i < len(self.held):
                return self.held[i]
        raise Unavailable()

    def __iter__(self):
        if len(self.held) == self.total:
            return iter(self.held)
        raise Unavailable()


class _Held(dict):
    """A mapping that holds only some keys of the site's, and refuses the others."""

    def get(self, key, default=None):
        if key not in self:
            raise Unavailable()
        return self[key]

    def __missing__(self, key):
        raise Unavailable()


@dataclass(frozen=True)
class EditIndex:
    """What the edit path needs to know of the last full build's site."""

    frame: str                                  # fingerprint.input_manifest(...)[1]
    hashes: dict[str, str]                      # every source file → sha256 of the bytes the build read
    templates_fit: bool                         # see templates_fit(); the frame covers the templates
    order: tuple[str, ...]                      # published articles' sources, newest first
    slugs: tuple[str, ...]                      # their slugs, in the same order
    fields: dict[str, str]                      # published source → Fingerprints.doc(): the article as lists show it
    related: dict[str, tuple[str, ...]]         # published source → its related articles' sources
    feeds: dict[str, tuple[Tag | Author | None, tuple[str, ...]]]  # feed path → (whose, sources of its entries)
    tag_of: dict[str, Tag]                      # as in Site, their documents only counted
    author_of: dict[str, Author]
    tag_lists: dict[str, tuple[str, ...]]       # tag slug → its articles' sources, newest first
    author_lists: dict[str, tuple[str, ...]]    # author slug → the same
    archives: tuple[tuple[int, tuple[tuple[int, tuple[str, ...]], ...]], ...]  # (year, ((month, sources), …)), newest first
    lists_fit: bool                             # see lists_fit(); the frame covers the templates


def edit_index(frame: str, config: SiteConfig, site: Site, routes: tuple[Route, ...], hashes: dict[str, str],
               listed: dict[str, str]) -> EditIndex:
    """The index of a finished full build (``hashes``: every source file → sha256 of its
    bytes; ``listed``: published source → the digest lists are fingerprinted with,
    Fingerprints.doc()). The documents' cache keys follow from the hashes.

    (The cache's table of sources is no substitute for ``hashes``: every build writes it
    as it starts, `biteye-site check`, the preview and builds that fail included.)"""
    same = {d.rel_path: d.rel_path for d in site.documents}  # one string per source in the pickle
    light: dict[int, Tag | Author] = {}

    def lighten(obj):
        if obj is None:
            return None
        if id(obj) not in light:
            light[id(obj)] = replace(obj, documents=_Counted(len(obj.documents)))
        return light[id(obj)]

    feeds = {}
    for route in routes:
        if route.kind == "feed":
            entries = route.context["documents"][:config.feed_entries]
            feeds[route.output_path] = (lighten(route.context["obj"]), tuple(d.rel_path for d in entries))
    return EditIndex(
        frame=frame,
        hashes={same.get(rel, rel): sha for rel, sha in hashes.items()},
        templates_fit=templates_fit(config),
        order=tuple(d.rel_path for d in site.documents),
        slugs=tuple(d.slug for d in site.documents),
        fields=listed,
        related={d.rel_path: tuple(r.rel_path for r in site.related.get(d.slug, ())) for d in site.documents},
        feeds=feeds,
        tag_of={name: lighten(tag) for name, tag in site.tag_of.items()},
        author_of={name: lighten(author) for name, author in site.author_of.items()},
        tag_lists={tag.slug: tuple(d.rel_path for d in tag.documents) for tag in site.tags},
        author_lists={author.slug: tuple(d.rel_path for d in author.documents) for author in site.authors},
        archives=tuple((year.year, tuple((month.month, tuple(d.rel_path for d in month.documents))
                                         for month in year.months)) for year in site.years),
        lists_fit=lists_fit(config),
    )


def _place(doc: Document) -> tuple:
    """What decides where an article is listed and linked: equal, and it sits in the same
    lists, at the same places, with the same addresses and sitemap dates. (Dates as written:
    the same instant with another offset is shown otherwise.)"""
    return (doc.slug, doc.date.isoformat(), doc.updated and doc.updated.isoformat(), doc.authors, doc.tags, doc.draft)


@dataclass(frozen=True)
class Edit:
    """What the edit path made: the files to replace and the state to remember."""

    files: tuple[tuple[str, bytes], ...]
    changes: "IndexChanges"                     # the edited sources' hashes and list digests, for the index
    new_documents: dict[str, bytes]             # cache key → pickled (Document, problems)


@dataclass(frozen=True)
class IndexChanges:
    """What edit builds changed in the last full build's index (the edited sources' hashes
    and list digests). Kept apart from the index, so an edit build stores a few entries,
    not the 3 MB index of a 10,000-article archive."""

    hashes: dict[str, str]
    fields: dict[str, str]

    def after(self, later: "IndexChanges") -> "IndexChanges":
        return IndexChanges({**self.hashes, **later.hashes}, {**self.fields, **later.fields})


def with_changes(index: EditIndex, changes: object) -> EditIndex:
    """The index as the last full build left it, with the edit builds since applied."""
    if not isinstance(changes, IndexChanges) or not (changes.hashes or changes.fields):
        return index
    return replace(index, hashes={**index.hashes, **changes.hashes}, fields={**index.fields, **changes.fields})


def edit_build(config: SiteConfig, cache: BuildCache, index: EditIndex, frame: str, reference: datetime,
               sources: tuple[Source, ...], problems: tuple, parse, resolve_links, document_keys) -> Edit | None:
    """The pages that differ after a few articles were edited in place (the module's
    docstring says which), or None when the full build is needed.

    ``parse``, ``resolve_links`` and ``document_keys`` are build.py's own stages, so both
    paths make documents the same way.
    """
    if config.search or frame != index.frame or not index.templates_fit:
        return None  # (Pagefind has no incremental mode: any article change re-indexes the whole site)
    last = index.hashes
    if problems or {s.rel_path for s in sources} != last.keys():
        return None
    changed = [s for s in sources if s.sha256 != last[s.rel_path]]
    if not changed or len(changed) > MAX_EDITS or any(s.rel_path not in index.fields for s in changed):
        return None
    published = dict(zip(index.order, index.slugs))   # source → slug
    # The same digest the full build fingerprints lists with: equal, and no list changes.
    lists = Fingerprints("", Site((), (), (), (), reference, index.tag_of, index.author_of), {}, reference, (),
                         config.feed_entries)
    all_sources = set(last)
    source_of = {s.rel_path: s for s in sources}

    def documents(rels: list[str], then: bool = False) -> dict[str, Document] | None:
        """The cached documents of these sources (``then``: as the last build parsed them)."""
        wanted = [replace(source_of[rel], sha256=last[rel]) if then else source_of[rel] for rel in rels]
        return _documents(cache, rels, document_keys(config, wanted))
    keys = dict(zip((s.rel_path for s in changed), document_keys(config, changed)))
    fresh: dict[str, Document] = {}
    new_documents: dict[str, bytes] = {}
    fields: dict[str, str] = {}
    for source in changed:
        if source.data is None:
            source = replace(source, data=source.path.read_bytes())
        result = parse(source, config, reference)
        doc, problems = result
        if doc is None or problems:
            return None
        try:
            fields[source.rel_path] = lists.doc(doc)
        except KeyError:  # a tag or author the site did not have
            return None
        linked, problems = resolve_links([doc], published, all_sources, config.base_path)
        if problems:
            return None
        fresh[source.rel_path] = linked[0]
        new_documents[keys[source.rel_path]] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    # Articles whose list digest changed: what lists show of them, not where they are.
    relisted = [rel for rel in fresh if fields[rel] != index.fields[rel]]
    if relisted:
        if not index.lists_fit:
            return None
        before = documents(relisted, then=True)
        if before is None or any(_place(before[rel]) != _place(fresh[rel]) for rel in relisted):
            return None
        if recent(tuple(fresh[rel] for rel in relisted), reference):
            return None  # in the news sitemap, which the full build makes
    # The pages to make again, and every article they show.
    per_page = config.per_page
    position = {rel: i for i, rel in enumerate(index.order)}
    feeds = {path: (obj, rels) for path, (obj, rels) in index.feeds.items() if any(r in fresh for r in rels)}
    articles = set(fresh)
    members: dict[tuple[str, object], tuple[str, ...]] = {}  # (kind, key) → a list's sources
    pages: set[tuple[str, object, int]] = set()                # (kind, key, 0-based page) of the lists
    years: set[int] = set()
    if relisted:
        month_lists = {(year, month): rels for year, months in index.archives for month, rels in months}
        month_of = {rel: key for key, rels in month_lists.items() for rel in rels}
        for rel in relisted:
            i = position[rel]
            articles.update(index.order[max(0, i - 1):i + 2])
            articles.update(other for other, shown in index.related.items() if rel in shown)
            doc = fresh[rel]
            year, month = month_of[rel]
            years.add(year)
            spans = [("home", None, index.order), ("month", (year, month), month_lists[(year, month)])]
            spans += [("tag", slug, index.tag_lists[slug]) for slug in dict.fromkeys(index.tag_of[n].slug for n in doc.tags)]
            spans += [("author", slug, index.author_lists[slug])
                      for slug in dict.fromkeys(index.author_of[n].slug for n in doc.authors)]
            for kind, key, rels in spans:
                members[(kind, key)] = rels
                pages.add((kind, key, rels.index(rel) // per_page))
    wanted = set(articles)
    for rel in articles:
        i = position[rel]
        wanted.update(index.order[max(0, i - 1):i + 2])
        wanted.update(index.related[rel])
    for _, rels in feeds.values():
        wanted.update(rels)
    for kind, key, number in pages:
        wanted.update(members[(kind, key)][number * per_page:(number + 1) * per_page])
    for year, months in index.archives:
        if year in years:
            wanted.update(rel for _, rels in months for rel in rels)
    newest = index.order[:NEWEST_HELD] if relisted else ()
    wanted.update(newest)
    cached = documents(sorted(wanted - fresh.keys()))
    if cached is None:
        return None
    docs = dict(fresh)
    for rel, doc in cached.items():
        linked, problems = resolve_links([doc], published, all_sources, config.base_path)
        if problems:
            return None
        docs[rel] = linked[0]
    # The site as far as these pages show it: anything else a template asks for raises.
    site = Site(_Newest(tuple(docs[rel] for rel in newest), len(index.order)) if relisted else ABSENT,
                ABSENT, ABSENT, ABSENT, reference, _Held(index.tag_of), _Held(index.author_of),
                _Held({docs[rel].slug: tuple(docs[r] for r in index.related[rel]) for rel in articles}))

    def neighbour(i: int) -> Document | None:
        return docs[index.order[i]] if 0 <= i < len(index.order) else None

    routes = [article_route(docs[rel], neighbour(position[rel] - 1), neighbour(position[rel] + 1))
              for rel in sorted(articles, key=position.__getitem__)]
    archives: dict[int, Archive] = {}
    for year, months in index.archives:
        if year in years:
            held = tuple(Archive(year, month, tuple(docs[rel] for rel in rels)) for month, rels in months)
            archives[year] = Archive(year, None, tuple(d for month in held for d in month.documents), held)
    light = {(kind, term.slug): term for kind, terms in (("tag", index.tag_of), ("author", index.author_of))
             for term in terms.values()}
    for kind, key, number in sorted(pages, key=repr):
        rels = members[(kind, key)]
        chunk = tuple(docs[rel] for rel in rels[number * per_page:(number + 1) * per_page])
        total = max(1, -(-len(rels) // per_page))  # as paginate(): an empty list still has its page
        if kind == "month":
            year = archives[key[0]]  # type: ignore[index]
            obj: object = next(month for month in year.months if month.month == key[1])  # type: ignore[index]
            extra = list_context(kind, obj, year)
        else:
            obj = light[(kind, key)] if kind != "home" else None
            extra = list_context(kind, obj)
        routes.append(list_page_route(kind, obj, chunk, number + 1, total, moments(chunk), extra))
    routes += [year_route(year, moments(year.documents)) for _, year in sorted(archives.items())]
    if relisted:
        routes.append(notfound_route())
    routes += [feed_route(obj, tuple(docs[r] for r in rels)) for _, (obj, rels) in sorted(feeds.items())]
    renderer = Renderer(config, site, tuple(routes), cache.templates_folder())
    try:
        files = tuple((r.output_path, renderer.render(r)) for r in routes)
    except Unavailable:
        return None
    return Edit(files, IndexChanges({s.rel_path: s.sha256 for s in changed}, fields), new_documents)


def _documents(cache: BuildCache, rels: list[str], keys: list[str]) -> dict[str, Document] | None:
    """The documents of these sources under these cache keys; None if one is missing."""
    found = cache.get_documents(keys)
    out = {}
    for rel, key in zip(rels, keys):
        entry = found.get(key)
        if entry is None or entry[0] is None:
            return None  # not in the cache any more
        out[rel] = entry[0]
    return out


# What templates may read of ``site`` on an article page for the edit path to apply: it
# gives them a site holding only the articles the page shows.
_SITE_FIELDS = frozenset({"reference_time"})


def lists_fit(config: SiteConfig) -> bool:
    """Whether the list pages' templates (and the card, which they render through card(),
    not an include) read of ``site`` only its reference time, and the 404 page's also its
    newest articles (see _Newest)."""
    return (templates_fit(config, (*LIST_TEMPLATES.values(), "archive_year.html", "_card.html"))
            and templates_fit(config, ("404.html",), _SITE_FIELDS | {"documents"}))


def templates_fit(config: SiteConfig, names: tuple[str, ...] = ("article.html",),
                  fields: frozenset[str] = _SITE_FIELDS) -> bool:
    """Whether the templates ``names``, and every template they extend, import or include,
    read nothing of ``site`` but ``fields`` (and name every template literally)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(config.templates_dir)))
    todo, seen = list(names), set()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            source, _, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
            tree = env.parse(source)
        except Exception:  # noqa: BLE001 - missing, unreadable, not UTF-8, not Jinja: the full build reports it
            return False
        for node in tree.find_all((nodes.Extends, nodes.Include, nodes.Import, nodes.FromImport)):
            if not isinstance(node.template, nodes.Const) or not isinstance(node.template.value, str):
                return False
            todo.append(node.template.value)
        # (by identity: Jinja nodes compare equal field by field)
        used = {id(node) for node in tree.find_all(nodes.Name) if node.name == "site"}
        read = {id(node.node) for node in tree.find_all(nodes.Getattr)
                if isinstance(node.node, nodes.Name) and node.node.name == "site" and node.attr in fields}
        if used - read:  # 'site' used otherwise: another field, an index, passed along whole
            return False
    return True
