"""Immutable data: what the pipeline passes from stage to stage. No I/O here."""

from __future__ import annotations

from dataclasses import dataclass, field
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
    """One article, fully parsed and rendered; nothing fills it in later."""

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
    body_html: str
    headings: tuple[Heading, ...]
    word_count: int
    extra: tuple[tuple[str, object], ...] = ()
    links: tuple[tuple[str, int], ...] = ()   # (href, line) of links to other sources (*.md)
    positions: tuple[tuple[str, int, int], ...] = ()  # (key, line, col) of each front-matter key

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
