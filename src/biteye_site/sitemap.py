"""sitemap.xml (split past 50,000 URLs), a Google News sitemap, robots.txt."""

from __future__ import annotations

from datetime import datetime, timedelta

from biteye_site.feeds import escape, iso
from biteye_site.model import Document

MAX_URLS = 50_000          # sitemaps.org: at most 50,000 URLs per sitemap file
MAX_NEWS_URLS = 1_000      # Google News: at most 1,000 URLs per news sitemap
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

Entry = tuple[str, datetime | None]   # (absolute URL, lastmod)


def split(entries: list[Entry], limit: int = MAX_URLS) -> list[list[Entry]]:
    """The entries in order, cut into files of at most ``limit`` URLs (always at least one file)."""
    if limit < 1:
        raise ValueError("limit must be positive")
    return [entries[i:i + limit] for i in range(0, len(entries), limit)] or [[]]


def newest(entries: list[Entry]) -> datetime | None:
    """The latest lastmod of a part, for its line in the sitemap index."""
    return max((m for _, m in entries if m is not None), default=None)


def urlset(entries: list[Entry]) -> bytes:
    """A <urlset> of (absolute URL, lastmod) entries."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<urlset xmlns="{_NS}">\n']
    for loc, lastmod in entries:
        out.append(f"  <url><loc>{escape(loc)}</loc>")
        if lastmod is not None:
            out.append(f"<lastmod>{iso(lastmod)}</lastmod>")
        out.append("</url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode("utf-8")


def sitemap_index(entries: list[Entry]) -> bytes:
    """A <sitemapindex> of (absolute URL of a part, newest lastmod in it)."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sitemapindex xmlns="{_NS}">\n']
    for loc, lastmod in entries:
        out.append(f"  <sitemap><loc>{escape(loc)}</loc>")
        if lastmod is not None:
            out.append(f"<lastmod>{iso(lastmod)}</lastmod>")
        out.append("</sitemap>\n")
    out.append("</sitemapindex>\n")
    return "".join(out).encode("utf-8")


def recent(documents: tuple[Document, ...], reference_time: datetime, days: int = 2) -> tuple[Document, ...]:
    """Articles published in the ``days`` before the reference time (Google News' window)."""
    start = reference_time - timedelta(days=days)
    return tuple(d for d in documents if start <= d.date <= reference_time)[:MAX_NEWS_URLS]


def news_sitemap(documents: tuple[Document, ...], article_url, publication: str, language: str) -> bytes:
    """Google News sitemap: one <news:news> per article, with publication name and language."""
    lang = language.split("-")[0].lower()  # Google News wants ISO 639 ('pt'), not 'pt-BR'
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n',
           f'<urlset xmlns="{_NS}" xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n']
    for doc in documents:
        out.append(f"  <url><loc>{escape(article_url(doc))}</loc><news:news>"
                   f"<news:publication><news:name>{escape(publication)}</news:name>"
                   f"<news:language>{lang}</news:language></news:publication>"
                   f"<news:publication_date>{iso(doc.date)}</news:publication_date>"
                   f"<news:title>{escape(doc.title)}</news:title></news:news></url>\n")
    out.append("</urlset>\n")
    return "".join(out).encode("utf-8")


def robots_txt(sitemap_urls: list[str]) -> bytes:
    lines = ["User-agent: *", "Allow: /", ""] + [f"Sitemap: {u}" for u in sitemap_urls]
    return ("\n".join(lines) + "\n").encode("utf-8")
