"""Related articles: most shared tags among each tag's articles nearest in time.

Counting shared tags against every article of a big tag is quadratic (one tag
is on 40 % of a typical archive), so candidates come from a window of each
tag's articles around the article's own place in time. Deterministic: ties go
to the newer article, then to the slug order of the site's list.
"""

from __future__ import annotations

import hashlib
import heapq
from bisect import bisect_left

from biteye_site.model import Document, Site

WINDOW = 12


def related_documents(site: Site, limit: int = 3, window: int = WINDOW) -> dict[str, tuple[Document, ...]]:
    docs = site.documents  # newest first; the index is the tie-break
    position = {id(d): i for i, d in enumerate(docs)}
    members = {tag.slug: [position[id(d)] for d in tag.documents] for tag in site.tags}
    for lst in members.values():
        lst.sort()
    bit = {tag.slug: 1 << k for k, tag in enumerate(site.tags)}
    slugs_of = [{site.tag_of[n].slug for n in d.tags} for d in docs]
    # Each article's tags as the bits of one integer: shared tags = popcount of an AND.
    mask_of = [sum(bit[slug] for slug in slugs) for slugs in slugs_of]
    result: dict[str, tuple[Document, ...]] = {}
    for i, doc in enumerate(docs):
        mine = mask_of[i]
        if not mine:
            continue
        candidates: set[int] = set()
        for slug in slugs_of[i]:
            lst = members[slug]
            p = bisect_left(lst, i)
            candidates.update(lst[max(0, p - window):p + window + 1])
        candidates.discard(i)
        best = heapq.nsmallest(limit, [(-(mine & mask_of[j]).bit_count(), j) for j in candidates])
        result[doc.slug] = tuple(docs[j] for _, j in best)
    return result


def related_key(site: Site, limit: int = 3, window: int = WINDOW) -> str:
    """A digest of everything related_documents() reads: the articles in order (by source
    file) and their tags' slugs. Equal keys, equal results (so a build whose lists did not
    move can reuse them)."""
    data = [(d.rel_path, sorted({site.tag_of[n].slug for n in d.tags})) for d in site.documents]
    return hashlib.sha256(repr((limit, window, data)).encode()).hexdigest()
