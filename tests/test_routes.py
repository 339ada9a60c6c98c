"""routes: the last-modified time of a list of articles (sitemap <lastmod>)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from biteye_site.model import Document
from biteye_site.routes import _lastmod, moments

AUTHORS = ("Autora Fictícia",)


def test_list_lastmod_is_the_latest_change_with_its_own_offset():
    """routes._lastmod compares instants as integers; it returns the article's own datetime
    (its offset kept for the sitemap), the first of equal instants as max() did."""
    b = Document("content/b.md", "b.md", "B", "b", datetime(2020, 1, 1, 12, tzinfo=timezone.utc), None,
                 AUTHORS, (), "Resumo.", None, False, "", (), 10)
    same_instant = Document("content/c.md", "c.md", "C", "c",
                            datetime(2020, 1, 1, 9, tzinfo=timezone(timedelta(hours=-3))), None, AUTHORS, (),
                            "Resumo.", None, False, "", (), 10)
    updated = Document("content/d.md", "d.md", "D", "d", datetime(2019, 5, 1, tzinfo=timezone.utc),
                       datetime(2020, 1, 1, 9, 0, 1, tzinfo=timezone(timedelta(hours=-3))), AUTHORS, (),
                       "Resumo.", None, False, "", (), 10)
    for docs in [(b, same_instant), (same_instant, b), (updated, b), (b, updated), ()]:
        expected = max(((d.updated or d.date) for d in docs), default=None)
        got = _lastmod(docs, moments(docs))
        assert got == expected and (got is None or got.utcoffset() == expected.utcoffset())
