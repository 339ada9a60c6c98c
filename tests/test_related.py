"""Related articles updated around what changed (related.update_related) are exactly those
computed from scratch (related_documents), whatever articles were added, removed or retagged."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings, strategies as st

from biteye_site.model import Document
from biteye_site.related import WINDOW, order_of, related_documents, update_related
from biteye_site.taxonomy import collect

TZ = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 1, tzinfo=timezone.utc)
TAGS = [f"Tema {k}" for k in range(8)]


def doc(n: int, tags: tuple[str, ...], day: int | None = None) -> Document:
    date = datetime(2020, 1, 1, tzinfo=timezone.utc) + timedelta(hours=day if day is not None else n)
    return Document(f"content/a{n:04d}.md", f"a{n:04d}.md", f"Artigo fictício {n}", f"artigo-{n}", date, None,
                    ("Autora Fictícia",), tags, "Resumo.", None, False, "<p>x</p>", (), 10)


def site_of(docs):
    return collect(tuple(docs), {}, TZ, NOW)


def as_sources(related) -> dict[str, tuple[str, ...]]:
    return {slug: tuple(d.rel_path for d in docs) for slug, docs in related.items()}


tag_sets = st.lists(st.sampled_from(TAGS), min_size=0, max_size=3, unique=True).map(tuple)
changes = st.lists(st.tuples(st.sampled_from(["add", "remove", "retag", "redate"]), st.integers(0, 10_000), tag_sets),
                   max_size=6)


@settings(max_examples=120, deadline=None)
@given(st.lists(tag_sets, min_size=1, max_size=120), changes)
def test_updated_related_equal_computed_from_scratch(tags, edits):
    window = 2  # small sites, small windows: most of the site is outside any one of them
    docs = [doc(n, t) for n, t in enumerate(tags)]
    before = site_of(docs)
    old = related_documents(before, window=window)
    old_related = {d.rel_path: tuple(o.rel_path for o in old[d.slug]) for d in before.documents if d.slug in old}
    next_n = len(docs)
    for kind, pick, new_tags in edits:
        if kind == "add" or not docs:
            docs.append(doc(next_n, new_tags, day=pick % (next_n + 5)))
            next_n += 1
            continue
        i = pick % len(docs)
        if kind == "remove":
            docs.pop(i)
        elif kind == "retag":
            d = docs[i]
            docs[i] = Document(d.source_path, d.rel_path, d.title, d.slug, d.date, None, d.authors, new_tags,
                               d.summary, None, False, d.body_html, (), 10)
        else:  # a new date moves the article: the update must give up, or still be right
            d = docs[i]
            docs[i] = Document(d.source_path, d.rel_path, d.title, d.slug, d.date + timedelta(hours=pick % 50 - 25),
                               None, d.authors, d.tags, d.summary, None, False, d.body_html, (), 10)
    after = site_of(docs)
    updated = update_related(after, order_of(after), order_of(before), old_related, window=window, most=1.0)
    expected = as_sources(related_documents(after, window=window))
    if not any(kind == "redate" for kind, _, _ in edits):
        assert updated is not None  # nothing changed places: the update always applies
    if updated is not None:
        assert as_sources(updated) == expected


def test_one_article_added_recomputes_only_its_neighbourhood(monkeypatch):
    """At archive scale an added article recomputes a few windows, not the archive."""
    docs = [doc(n, (TAGS[n % 8], TAGS[(n * 3 + 1) % 8])) for n in range(2000)]
    before = site_of(docs)
    old = related_documents(before)
    old_related = {d.rel_path: tuple(o.rel_path for o in old[d.slug]) for d in before.documents}
    after = site_of(docs + [doc(5000, (TAGS[1], TAGS[2]), day=1000)])
    import biteye_site.related as related
    computed = []
    real = related.related_documents
    monkeypatch.setattr(related, "related_documents",
                        lambda site, limit=3, window=WINDOW, only=None: computed.append(only) or real(site, limit, window, only))
    updated = update_related(after, order_of(after), order_of(before), old_related)
    assert updated is not None and len(computed[0]) <= 2 * 2 * (2 * WINDOW + 3) + 1
    assert as_sources(updated) == as_sources(real(after))


def _related_by_definition(site, limit: int, window: int) -> dict[str, tuple[str, ...]]:
    """The rule of related.py spelled out, slowly: for each article, the articles within
    ``window`` places of it in the list of any tag it has (newest first), ranked by tags
    shared, then by place in the site's list (the newer first); the first ``limit``."""
    docs = list(site.documents)
    place = {d.rel_path: i for i, d in enumerate(docs)}
    tags = {d.rel_path: {site.tag_of[name].slug for name in d.tags} for d in docs}
    out = {}
    for i, d in enumerate(docs):
        if not tags[d.rel_path]:
            continue
        near = set()
        for tag in site.tags:
            if tag.slug in tags[d.rel_path]:
                ordered = sorted(tag.documents, key=lambda o: place[o.rel_path])
                k = [o.rel_path for o in ordered].index(d.rel_path)
                near.update(o.rel_path for o in ordered[max(0, k - window):k + window + 1])
        near.discard(d.rel_path)
        ranked = sorted(near, key=lambda rel: (-len(tags[rel] & tags[d.rel_path]), place[rel]))
        out[d.slug] = tuple(ranked[:limit])
    return out


@settings(max_examples=150, deadline=None)
@given(st.lists(tag_sets, min_size=1, max_size=80), st.integers(1, 4), st.integers(1, 5),
       st.lists(st.integers(0, 200), max_size=80))
def test_related_documents_follow_their_definition(tags, limit, window, days):
    """Ties, equal dates, articles without tags, windows past either end of a list."""
    docs = [doc(n, t, day=days[n] if n < len(days) else None) for n, t in enumerate(tags)]
    site = site_of(docs)
    assert as_sources(related_documents(site, limit=limit, window=window)) == _related_by_definition(site, limit, window)
