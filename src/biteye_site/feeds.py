"""Atom 1.0 feeds: pure functions from documents to bytes."""

from __future__ import annotations

from datetime import datetime
from xml.sax.saxutils import escape, quoteattr

from biteye_site.config import SiteConfig
from biteye_site.model import Document


def iso(dt: datetime) -> str:
    """RFC 3339 with offset, seconds precision (what Atom and sitemaps want)."""
    return dt.replace(microsecond=0).isoformat()


def atom_feed(config: SiteConfig, *, title: str, feed_url: str, page_url: str,
              documents: tuple[Document, ...], article_url, author_url) -> bytes:
    """``article_url(doc)``/``author_url(name)`` return absolute URLs."""
    entries = documents[:config.feed_entries]
    updated = max(((d.updated or d.date) for d in entries), default=None)
    out = ['<?xml version="1.0" encoding="utf-8"?>\n',
           f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={quoteattr(config.language)}>\n',
           f"  <id>{escape(feed_url)}</id>\n",
           f"  <title>{escape(title)}</title>\n",
           f"  <subtitle>{escape(config.description)}</subtitle>\n",
           f'  <link rel="self" type="application/atom+xml" href={quoteattr(feed_url)}/>\n',
           f'  <link rel="alternate" type="text/html" href={quoteattr(page_url)}/>\n',
           f"  <updated>{iso(updated) if updated else '1970-01-01T00:00:00+00:00'}</updated>\n",
           f"  <author><name>{escape(config.publisher)}</name></author>\n",
           f"  <generator>biteye-site</generator>\n"]
    for doc in entries:
        url = article_url(doc)
        out.append("  <entry>\n")
        out.append(f"    <id>{escape(url)}</id>\n")
        out.append(f"    <title>{escape(doc.title)}</title>\n")
        out.append(f'    <link rel="alternate" type="text/html" href={quoteattr(url)}/>\n')
        out.append(f"    <published>{iso(doc.date)}</published>\n")
        out.append(f"    <updated>{iso(doc.updated or doc.date)}</updated>\n")
        for name in doc.authors:
            out.append(f"    <author><name>{escape(name)}</name><uri>{escape(author_url(name))}</uri></author>\n")
        for tag in doc.tags:
            out.append(f"    <category term={quoteattr(tag)}/>\n")
        out.append(f"    <summary>{escape(doc.summary)}</summary>\n")
        out.append(f'    <content type="html" xml:base={quoteattr(url)}>{escape(doc.body_html)}</content>\n')
        out.append("  </entry>\n")
    out.append("</feed>\n")
    return "".join(out).encode("utf-8")
