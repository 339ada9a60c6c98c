"""Immutable data: what the pipeline passes from stage to stage. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Source:
    """One content file as read from disk."""

    path: Path          # absolute
    rel_path: str       # relative to content/, '/'-separated
    sha256: str
    data: bytes | None                    # None: not read (its hash came from the build cache)
    signature: tuple[int, int, int] = ()  # (size, mtime_ns, inode) when it was hashed


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class Document:
    """One article, fully parsed and rendered; nothing fills it in later.

    Its HTML is ``body_html``. A document that was pickled (the parse workers' results,
    the build cache) holds it as UTF-8 bytes, decoded when first read and then kept beside
    them: a build that loads 10,000 cached articles to re-render a few hundred pages never
    decodes the other bodies (that was two thirds of unpickling them), and a feed takes
    the bytes as they are (feeds.escape_utf8). Waiting, they also take less memory: a
    str with one '—' in it takes two bytes for every character."""

    source_path: str                  # as shown to editors (relative to project root)
    rel_path: str                     # relative to content/
    title: str
    slug: str
    date: datetime                    # aware
    updated: datetime | None
    authors: tuple[str, ...]          # names as written (NFC)
    tags: tuple[str, ...]
    summary: str                      # plain text
    image: str | None
    draft: bool
    # Read it as body_html. == compares that; hash() and repr() leave it out (repr would
    # otherwise show bytes or text depending on whether it was read).
    body: str | bytes = field(compare=False, repr=False)
    headings: tuple[Heading, ...]
    word_count: int
    extra: tuple[tuple[str, object], ...] = ()
    links: tuple[tuple[str, int], ...] = ()   # (href, line) of links to other sources (*.md)
    positions: tuple[tuple[str, int, int], ...] = ()  # (key, line, col) of each front-matter key

    @property
    def body_html(self) -> str:
        body = self.body
        if body.__class__ is str:
            return body  # type: ignore[return-value]
        text = self.__dict__.get("_text")
        if text is None:  # decoded once; the bytes stay, for what wants UTF-8 (feeds.escape_utf8)
            text = body.decode("utf-8", "surrogatepass")  # type: ignore[union-attr]
            object.__setattr__(self, "_text", text)
        return text

    def __getstate__(self) -> dict:
        # Pickling a str writes its UTF-8 anyway: as bytes, unpickling does not decode it.
        state = self.__dict__
        if state["body"].__class__ is str or "_text" in state:
            state = {key: value for key, value in state.items() if key != "_text"}
            if state["body"].__class__ is str:
                state["body"] = state["body"].encode("utf-8", "surrogatepass")
        return state

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not Document:
            return NotImplemented
        return (all(getattr(self, f.name) == getattr(other, f.name) for f in fields(Document) if f.compare)
                and self.body_html == other.body_html)  # type: ignore[attr-defined]

    def position(self, key: str) -> tuple[int | None, int | None]:
        for name, line, col in self.positions:
            if name == key:
                return line, col
        return None, None

    def list_fields(self) -> tuple:
        """All that lists, neighbours and related links can show of the article: everything
        but the body and what is derived from it alone (headings, links, exact word count)."""
        return (self.source_path, self.rel_path, self.title, self.slug, self.date, self.updated, self.authors,
                self.tags, self.summary, self.image, self.draft, self.extra, self.reading_minutes)

    @property
    def reading_minutes(self) -> int:
        return max(1, round(self.word_count / 200))

    @property
    def extra_dict(self) -> dict[str, object]:
        return dict(self.extra)


@dataclass(frozen=True)
class Author:
    slug: str
    name: str
    bio: str = ""
    link: str = ""
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Tag:
    slug: str
    name: str
    documents: tuple[Document, ...] = ()


@dataclass(frozen=True)
class Archive:
    """A year (month=None) or a month of articles."""

    year: int
    month: int | None
    documents: tuple[Document, ...] = ()
    months: tuple["Archive", ...] = ()


@dataclass(frozen=True)
class Site:
    documents: tuple[Document, ...]         # newest first
    tags: tuple[Tag, ...]                   # by name
    authors: tuple[Author, ...]             # by name
    years: tuple[Archive, ...]              # newest first
    reference_time: datetime
    tag_of: dict[str, Tag] = field(default_factory=dict, compare=False)      # name as written -> Tag
    author_of: dict[str, Author] = field(default_factory=dict, compare=False)
    related: dict[str, tuple[Document, ...]] = field(default_factory=dict, compare=False)  # slug -> articles
