"""The edit path: a build after only the text of a few published articles changed.

The most common rebuild of a news archive is a correction to an article. When
nothing changed since the last build but the bodies of a few published
articles — the same files, the same list fields (title, dates, tags, summary,
reading time…), templates, config, static files, authors and publication
state, and no warnings either time — the only pages that can differ are those
articles' own pages and the feeds that carry their text (fingerprint.py hashes
a body nowhere else). This path renders just those, from a small index the
last full build left in the cache (``EditIndex``), without loading or
organising the rest of the archive, and replaces them in place.

Every check below that fails sends the build down the full path, which makes
the same bytes (tests/test_edit_path.py compares both with a cold build). The
site the pages are rendered with holds only what they show; a template that
asks it for more (a tag's articles, the site's lists) raises Unavailable, and
the full build renders instead.
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
from biteye_site.model import Author, Document, Site, Source, Tag
from biteye_site.render import Renderer
from biteye_site.routes import Route, article_route, feed_route

MAX_EDITS = 20   # beyond this many changed articles, the full build is as quick


class Unavailable(Exception):
    """A template asked the edit path's partial site for something it does not hold."""


class _Absent(tuple):
    """Stands for a list the partial site does not hold (a tag's articles, the site's
    tags…): empty, but any attempt to read it raises Unavailable, and the build takes
    the full path instead of rendering a page without it."""

    def _refuse(self, *args, **kwargs):
        raise Unavailable()

    __len__ = __iter__ = __getitem__ = __bool__ = __contains__ = __reversed__ = _refuse

    def __reduce__(self):  # pickled with the index: no items to read
        return (_Absent, ())


ABSENT = _Absent()


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
    templates_fit: bool                         # see templates_fit(); the frame covers the templates
    sources: dict[str, tuple[str, str]]         # every source file → (sha256, cache key)
    order: tuple[str, ...]                      # published articles' sources, newest first
    slugs: tuple[str, ...]                      # their slugs, in the same order
    fields: dict[str, str]                      # published source → Fingerprints.doc(): the article as lists show it
    related: dict[str, tuple[str, ...]]         # published source → its related articles' sources
    feeds: dict[str, tuple[Tag | Author | None, tuple[str, ...]]]  # feed path → (whose, sources of its entries)
    tag_of: dict[str, Tag]                      # as in Site, their documents ABSENT
    author_of: dict[str, Author]


def edit_index(frame: str, config: SiteConfig, site: Site, routes: tuple[Route, ...], sources: tuple[Source, ...],
               keys: dict[str, str], listed: dict[str, str]) -> EditIndex:
    """The index of a finished full build (``keys``: source → cache key of its parsed Document;
    ``listed``: published source → the digest lists are fingerprinted with, Fingerprints.doc())."""
    light: dict[int, Tag | Author] = {}

    def lighten(obj):
        if obj is None:
            return None
        if id(obj) not in light:
            light[id(obj)] = replace(obj, documents=ABSENT)
        return light[id(obj)]

    feeds = {}
    for route in routes:
        if route.kind == "feed":
            entries = route.context["documents"][:config.feed_entries]
            feeds[route.output_path] = (lighten(route.context["obj"]), tuple(d.rel_path for d in entries))
    return EditIndex(
        frame=frame,
        templates_fit=templates_fit(config),
        sources={s.rel_path: (s.sha256, keys[s.rel_path]) for s in sources if s.rel_path in keys},
        order=tuple(d.rel_path for d in site.documents),
        slugs=tuple(d.slug for d in site.documents),
        fields=listed,
        related={d.rel_path: tuple(r.rel_path for r in site.related.get(d.slug, ())) for d in site.documents},
        feeds=feeds,
        tag_of={name: lighten(tag) for name, tag in site.tag_of.items()},
        author_of={name: lighten(author) for name, author in site.author_of.items()},
    )


@dataclass(frozen=True)
class Edit:
    """What the edit path made: the files to replace and the state to remember."""

    files: tuple[tuple[str, bytes], ...]
    index: EditIndex
    new_documents: dict[str, bytes]             # cache key → pickled (Document, problems)


def edit_build(config: SiteConfig, cache: BuildCache, index: EditIndex, frame: str, reference: datetime,
               sources: tuple[Source, ...], problems: tuple, parse, resolve_links, document_keys) -> Edit | None:
    """The pages that differ after a body-only edit, or None when the full build is needed.

    ``parse``, ``resolve_links`` and ``document_keys`` are build.py's own stages, so both
    paths make documents the same way.
    """
    if config.search or frame != index.frame or not index.templates_fit:
        return None  # (Pagefind has no incremental mode: any article change re-indexes the whole site)
    if problems or {s.rel_path for s in sources} != index.sources.keys():
        return None
    changed = [s for s in sources if s.sha256 != index.sources[s.rel_path][0]]
    if not changed or len(changed) > MAX_EDITS or any(s.rel_path not in index.fields for s in changed):
        return None
    published = dict(zip(index.order, index.slugs))   # source → slug
    # The same digest the full build fingerprints lists with: equal, and no list changes.
    lists = Fingerprints("", Site((), (), (), (), reference, index.tag_of, index.author_of), {}, reference, (),
                         config.feed_entries)
    all_sources = set(index.sources)
    keys = dict(zip((s.rel_path for s in changed), document_keys(config, changed)))
    fresh: dict[str, Document] = {}
    new_documents: dict[str, bytes] = {}
    for source in changed:
        if source.data is None:
            source = replace(source, data=source.path.read_bytes())
        result = parse(source, config, reference)
        doc, problems = result
        if doc is None or problems:
            return None
        try:
            if lists.doc(doc) != index.fields[source.rel_path]:
                return None
        except KeyError:  # a tag or author the site did not have
            return None
        linked, problems = resolve_links([doc], published, all_sources, config.base_path)
        if problems:
            return None
        fresh[source.rel_path] = linked[0]
        new_documents[keys[source.rel_path]] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    # The pages to make again, and every article they show.
    position = {rel: i for i, rel in enumerate(index.order)}
    feeds = {path: (obj, rels) for path, (obj, rels) in index.feeds.items() if any(r in fresh for r in rels)}
    wanted = set(fresh)
    for rel in fresh:
        i = position[rel]
        wanted.update(index.order[max(0, i - 1):i + 2])
        wanted.update(index.related[rel])
    for _, rels in feeds.values():
        wanted.update(rels)
    cached = [rel for rel in sorted(wanted) if rel not in fresh]
    found = cache.get_documents([index.sources[rel][1] for rel in cached])
    docs = dict(fresh)
    for rel in cached:
        entry = found.get(index.sources[rel][1])
        if entry is None or entry[0] is None:
            return None  # not in the cache any more
        linked, problems = resolve_links([entry[0]], published, all_sources, config.base_path)
        if problems:
            return None
        docs[rel] = linked[0]
    # The site as far as these pages show it: anything else a template asks for raises.
    site = Site(ABSENT, ABSENT, ABSENT, ABSENT, reference, _Held(index.tag_of), _Held(index.author_of),
                _Held({docs[rel].slug: tuple(docs[r] for r in index.related[rel]) for rel in fresh}))

    def neighbour(i: int) -> Document | None:
        return docs[index.order[i]] if 0 <= i < len(index.order) else None

    routes = [article_route(doc, neighbour(position[rel] - 1), neighbour(position[rel] + 1))
              for rel, doc in sorted(fresh.items(), key=lambda item: position[item[0]])]
    routes += [feed_route(obj, tuple(docs[r] for r in rels)) for _, (obj, rels) in sorted(feeds.items())]
    renderer = Renderer(config, site, tuple(routes), cache.templates_folder())
    try:
        files = tuple((r.output_path, renderer.render(r)) for r in routes)
    except Unavailable:
        return None
    sources_now = {**index.sources, **{s.rel_path: (s.sha256, keys[s.rel_path]) for s in changed}}
    return Edit(files, replace(index, sources=sources_now), new_documents)


# What templates may read of ``site`` on an article page for the edit path to apply: it
# gives them a site holding only the articles the page shows.
_SITE_FIELDS = frozenset({"reference_time"})


def templates_fit(config: SiteConfig) -> bool:
    """Whether article.html, and every template it extends, imports or includes, reads
    nothing of ``site`` but its reference time (and names every template literally)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(config.templates_dir)))
    todo, seen = ["article.html"], set()
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
                if isinstance(node.node, nodes.Name) and node.node.name == "site" and node.attr in _SITE_FIELDS}
        if used - read:  # 'site' used otherwise: another field, an index, passed along whole
            return False
    return True
