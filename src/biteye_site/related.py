"""Related articles: most shared tags among each tag's articles nearest in time.

Counting shared tags against every article of a big tag is quadratic (one tag
is on 40 % of a typical archive), so candidates come from a window of each
tag's articles around the article's own place in time. Deterministic: ties go
to the newer article, then to the slug order of the site's list.

Because only a window counts, an article added, removed or retagged changes
the related lists of its neighbours in its tags' lists and of nobody else:
``update_related`` recomputes those and keeps the rest from the last build.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left

from biteye_site.model import Document, Site

WINDOW = 12
# Beyond this many articles to recompute, recomputing all of them is as quick.
_MOST_TO_UPDATE = 0.5

Order = tuple[tuple[str, tuple[str, ...]], ...]   # (source, its tags' slugs) of each article, newest first


def order_of(site: Site) -> Order:
    """What related_documents() reads: the articles in order (by source file) and their tags' slugs."""
    return tuple((d.rel_path, tuple(sorted({site.tag_of[n].slug for n in d.tags}))) for d in site.documents)


def related_key(order: Order, limit: int = 3, window: int = WINDOW) -> str:
    """A digest of everything related_documents() reads (``order``: order_of(site)). Equal
    keys, equal results (so a build whose lists did not move can reuse them)."""
    return hashlib.sha256(repr((limit, window, order)).encode()).hexdigest()


def related_documents(site: Site, limit: int = 3, window: int = WINDOW,
                      only: set[int] | None = None) -> dict[str, tuple[Document, ...]]:
    """slug → related articles, for every article (or those at the positions ``only``)."""
    docs = site.documents  # newest first; the index is the tie-break
    n = len(docs)
    position = {id(d): i for i, d in enumerate(docs)}
    members = {tag.slug: [position[id(d)] for d in tag.documents] for tag in site.tags}
    for lst in members.values():
        lst.sort()
    bit = {tag.slug: 1 << k for k, tag in enumerate(site.tags)}
    slugs_of = [{site.tag_of[n].slug for n in d.tags} for d in docs]
    # Each article's tags as the bits of one integer: shared tags = popcount of an AND.
    mask_of = [sum(bit[slug] for slug in slugs) for slugs in slugs_of]
    result: dict[str, tuple[Document, ...]] = {}
    for i in (range(len(docs)) if only is None else sorted(only)):
        mine = mask_of[i]
        if not mine:
            continue
        candidates: set[int] = set()
        for slug in slugs_of[i]:
            lst = members[slug]
            p = bisect_left(lst, i)
            candidates.update(lst[max(0, p - window):p + window + 1])
        candidates.discard(i)
        # Each candidate as one int, j - n × shared tags: sorted, more shared tags first, then
        # the earlier position, as (-shared, j) pairs would be (a quarter less time than pairs).
        best = sorted([j - n * (mine & mask_of[j]).bit_count() for j in candidates])[:limit]
        result[docs[i].slug] = tuple(docs[key % n] for key in best)
    return result


def update_related(site: Site, new_order: Order, old_order: Order, old_related: dict[str, tuple[str, ...]],
                   limit: int = 3, window: int = WINDOW, most: float = _MOST_TO_UPDATE
                   ) -> dict[str, tuple[Document, ...]] | None:
    """related_documents(site), from the last build's ``old_order`` and its results
    (source → related sources): only the articles whose windows can have changed are
    computed again. None when that is most of them, or when articles changed places
    (a new date), which moves every window between the two places."""
    old_tags, new_tags = dict(old_order), dict(new_order)
    if [rel for rel, _ in old_order if rel in new_tags] != [rel for rel, _ in new_order if rel in old_tags]:
        return None
    changed = {rel for rel in old_tags.keys() | new_tags.keys() if old_tags.get(rel) != new_tags.get(rel)}
    index = {rel: i for i, (rel, _) in enumerate(new_order)}
    dirty = {index[rel] for rel in changed if rel in index}
    # Around each changed article, in each of its tags' lists (before and after), every
    # article within the window (and one more, for the one that slides in) is recomputed.
    for order, tags_of in ((old_order, old_tags), (new_order, new_tags)):
        touched = {slug for rel in changed for slug in tags_of.get(rel, ())}
        lists: dict[str, list[str]] = {slug: [] for slug in touched}
        for rel, slugs in order:
            for slug in slugs:
                if slug in touched:
                    lists[slug].append(rel)
        for rel in changed:
            for slug in tags_of.get(rel, ()):
                lst = lists[slug]
                k = lst.index(rel)
                dirty.update(index[r] for r in lst[max(0, k - window - 1):k + window + 2] if r in index)
    if len(dirty) > most * len(new_order):
        return None
    docs = site.documents
    by_source = {d.rel_path: d for d in docs}
    fresh = related_documents(site, limit, window, only=dirty)
    result: dict[str, tuple[Document, ...]] = {}
    for i, (rel, slugs) in enumerate(new_order):
        if i in dirty:
            if docs[i].slug in fresh:
                result[docs[i].slug] = fresh[docs[i].slug]
        elif slugs:
            others = old_related.get(rel)
            if others is None or any(r not in by_source for r in others):
                return None  # not what the last build computed: start again
            result[docs[i].slug] = tuple(by_source[r] for r in others)
    return result
