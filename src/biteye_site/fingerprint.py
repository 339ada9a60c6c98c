"""What a build and each of its output files are made of, as hashes: equal hash, equal bytes.

``input_manifest`` and ``publication_state`` describe a whole build's inputs (the
no-change short path); ``Fingerprints`` describes each page.

A page's fingerprint covers the theme and config (``base``) and the data its
template reads: the documents (their list fields everywhere; their cache key,
which covers every byte of the source, on their own page and in feeds), the
display names and slugs of their tags and authors, the neighbours and related articles of an article, the counts on index pages.
A template that starts reading other site-wide data must add it here; the
incremental-build tests (edit/add/delete/rename → identical to a cold build)
guard this.
"""

from __future__ import annotations

import hashlib
import os
from datetime import datetime, timedelta
from pathlib import Path

from biteye_site.config import SiteConfig
from biteye_site.discover import is_junk
from biteye_site.model import Author, Document, Site, Tag
from biteye_site.routes import Route
from biteye_site.search import index_version


def theme_hash(config: SiteConfig, stamp: str) -> str:
    """Generator code + config + every template file."""
    h = hashlib.sha256(stamp.encode())
    h.update(repr(config).encode())
    folder = config.templates_dir
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        h.update(path.relative_to(folder).as_posix().encode())
        h.update(path.read_bytes())
    return h.hexdigest()


class Fingerprints:
    def __init__(self, base: str, site: Site, doc_keys: dict[int, str], reference: datetime,
                 news: tuple[Document, ...], feed_entries: int):
        self.base = base
        self.site = site
        self.keys = doc_keys            # id(document) → cache key
        self.reference = reference
        self.news = news               # the news sitemap's articles
        self.feed_entries = feed_entries
        self._site_digest: str | None = None
        self._docs: dict[int, str] = {}

    @property
    def site_digest(self) -> str:
        """Every document and term of the site, for pages whose data is not listed here."""
        if self._site_digest is None:
            h = hashlib.sha256()
            h.update(repr(tuple(self.doc(d) for d in self.site.documents)).encode())
            h.update(repr(tuple(self.term(t) for t in self.site.tags + self.site.authors)).encode())
            self._site_digest = h.hexdigest()
        return self._site_digest

    def doc(self, d: Document | None) -> str:
        """A short digest of one article as lists show it: everything but the body
        (memoised: each article appears on many pages). A body-only edit leaves it
        alone, so the lists, neighbours and related links that name the article are
        not rendered again; only its own page and the feeds that carry its text are."""
        if d is None:
            return ""
        found = self._docs.get(id(d))
        if found is None:
            data = (d.list_fields(), d.date > self.reference,
                    tuple((a.slug, a.name) for a in (self.site.author_of[n] for n in d.authors)),
                    tuple((t.slug, t.name) for t in (self.site.tag_of[n] for n in d.tags)))
            found = self._docs[id(d)] = hashlib.blake2b(repr(data).encode(), digest_size=12).hexdigest()
        return found

    def full(self, d: Document) -> str:
        """The article with its body: its cache key covers every byte of the source."""
        return self.doc(d) + self.keys[id(d)]

    @staticmethod
    def term(obj) -> tuple:
        if isinstance(obj, Author):
            return ("author", obj.slug, obj.name, obj.bio, obj.link, len(obj.documents))
        if isinstance(obj, Tag):
            return ("tag", obj.slug, obj.name, len(obj.documents))
        if obj is None:
            return ()
        return (type(obj).__name__, getattr(obj, "year", None), getattr(obj, "month", None),
                len(getattr(obj, "documents", ())))

    def docs(self, documents) -> tuple[str, ...]:
        """doc() of each; the memo is read directly, as list pages ask for 150,000 of them."""
        memo = self._docs
        return tuple([memo.get(id(d)) or self.doc(d) for d in documents])

    def of(self, route: Route, sitemap_entries: str) -> str:
        ctx = route.context
        kind = route.kind
        if kind == "article":
            d = ctx["doc"]
            data: tuple = (self.full(d), self.doc(ctx["newer"]), self.doc(ctx["older"]),
                           self.docs(self.site.related.get(d.slug, ())))
        elif "page" in ctx:
            page = ctx["page"]
            extra = tuple(self.term(ctx[k]) for k in ("tag", "author", "month", "year") if k in ctx)
            data = (page.number, page.total, self.term(page.obj), extra, self.docs(page.items))
        elif kind == "tags":
            data = tuple(self.term(t) for t in self.site.tags)
        elif kind == "authors":
            data = tuple(self.term(a) for a in self.site.authors)
        elif kind == "archive":
            data = tuple((y.year, tuple((m.month, len(m.documents)) for m in y.months)) for y in self.site.years)
        elif kind == "year":
            year = ctx["year"]
            data = (year.year, tuple((m.month, self.docs(m.documents)) for m in year.months))
        elif kind == "feed":
            data = (self.term(ctx["obj"]), tuple(self.full(d) for d in ctx["documents"][:self.feed_entries]))
        elif kind in ("sitemap", "sitemap_part"):
            data = (tuple(sorted(ctx.items())), sitemap_entries)  # a digest of every (URL, lastmod)
        elif kind == "news_sitemap":
            data = self.docs(self.news)
        elif kind == "robots":
            data = (route.context["news"],)
        else:  # 404, robots, favicon, search page…: few and cheap, so any change to the site renders them
            data = (self.site_digest,)
        h = hashlib.sha256(self.base.encode())
        h.update(route.output_path.encode())
        h.update(kind.encode())
        h.update(repr(data).encode())
        return h.hexdigest()


def input_manifest(config: SiteConfig, settings: tuple, output: Path, code_stamp: str) -> tuple[str, str]:
    """Hashes of everything a build reads, from file sizes and times (no file is read but templates):
    (all of it, all but the article sources). The second is the frame that must not change
    for the edit path (edits.py) to apply.

    ``settings``: the build options that change the output (drafts, future, strict, output folder).
    Editor litter (backups, swap files) is never read by a build, so it is left out.
    """
    frame = hashlib.sha256(code_stamp.encode())
    frame.update(repr((config, settings, str(output))).encode())
    articles = hashlib.sha256()
    for folder in (config.content_dir, config.static_dir):
        for dirpath, dirs, names in os.walk(folder):
            dirs.sort()
            for name in sorted(names):
                if is_junk(name):
                    continue
                path = os.path.join(dirpath, name)
                try:
                    st = os.stat(path)
                except OSError:
                    st = None
                line = f"{path}\0{st and (st.st_size, st.st_mtime_ns, st.st_ino)}\0".encode()
                (articles if folder == config.content_dir and name.endswith(".md") else frame).update(line)
    frame.update(theme_hash(config, code_stamp).encode())
    if config.search:
        frame.update(index_version().encode())  # a Pagefind upgrade re-indexes
    frame_hex = frame.hexdigest()
    return hashlib.sha256(f"{frame_hex}|{articles.hexdigest()}".encode()).hexdigest(), frame_hex


def publication_state(dates: tuple[tuple[datetime, bool], ...], reference: datetime) -> str:
    """What the reference time decides: which articles are out, in the news window, or far in the future."""
    window = reference - timedelta(days=2)
    bits = "".join(f"{int(d <= reference)}{int(window <= d <= reference)}{int(d - reference > timedelta(days=366))}"
                   for d, _ in dates)
    return hashlib.sha256(bits.encode()).hexdigest()


def output_intact(output: Path, unchanged: dict[str, str], recorded: int) -> bool:
    """Every file the last build recorded is still there as written, and nothing else was added."""
    if len(unchanged) != recorded:
        return False
    # A plain scandir walk: one folder per article makes os.walk's overhead count.
    count = 0
    folders = [str(output)]
    try:
        while folders:
            with os.scandir(folders.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        folders.append(entry.path)
                    else:
                        count += 1
    except OSError:
        return False  # a folder it cannot read: the full build (and its writer) deals with it
    return count == recorded + 1  # + the ownership marker


def unchanged_pages(recorded: dict[str, tuple[str, int, int, int]], output: Path) -> dict[str, str]:
    """Fingerprints of files still exactly as the last build wrote them (size, mtime, inode)."""
    found = {}
    base = str(output)
    for rel, (fp, size, mtime, ino) in recorded.items():
        try:
            st = os.stat(f"{base}/{rel}")
        except OSError:
            continue
        if st.st_size == size and st.st_mtime_ns == mtime and st.st_ino == ino:
            found[rel] = fp
    return found
