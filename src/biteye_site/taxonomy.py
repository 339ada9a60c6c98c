"""Group documents into tags, authors and year/month archives. Pure."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from biteye_site.errors import Problem, problem
from biteye_site.model import Archive, Author, Document, Site, Tag
from biteye_site.slugs import slugify_text
from biteye_site.yamlnodes import decode_text, load_mapping


def sort_newest_first(documents) -> tuple[Document, ...]:
    return tuple(sorted(documents, key=lambda d: (-d.date.timestamp(), d.slug)))


def sort_key(name: str) -> tuple[str, str]:
    """Alphabetical as a reader expects it: accents and case ignored ('Ética' between 'bits' and 'IA')."""
    folded = "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))
    return (folded.casefold(), name)


def _display_name(spellings: dict[str, tuple[int, tuple]]) -> str:
    """The most used spelling; a tie goes to the spelling used first (oldest article), whatever
    the order of the files, so adding a newer variant never renames an existing tag."""
    return min(spellings, key=lambda name: (-spellings[name][0], spellings[name][1], name))


def _group(documents: tuple[Document, ...], attr: str) -> dict[str, tuple[str, list[Document], dict]]:
    """slug → (display name, documents in the given order, spelling → (uses, first use))."""
    groups: dict[str, tuple[list[Document], dict[str, tuple[int, tuple]]]] = defaultdict(lambda: ([], {}))
    for doc in documents:
        seen: set[str] = set()
        for position, name in enumerate(getattr(doc, attr)):
            slug = slugify_text(name)
            docs, spellings = groups[slug]
            when = (doc.date.timestamp(), doc.slug, position)
            if slug in seen:
                # Two spellings in one article: it counts once, for its first; the other is
                # still recorded so templates can look the tag up by either spelling.
                spellings.setdefault(name, (0, when))
                continue
            seen.add(slug)
            docs.append(doc)
            uses, first = spellings.get(name, (0, when))
            spellings[name] = (uses + 1, min(first, when))
    return {slug: (_display_name(sp), docs, sp) for slug, (docs, sp) in groups.items()}


def collect_tags(documents: tuple[Document, ...]) -> tuple[tuple[Tag, ...], dict[str, Tag]]:
    tags = []
    by_name: dict[str, Tag] = {}
    for slug, (name, docs, spellings) in _group(documents, "tags").items():
        tag = Tag(slug, name, tuple(docs))
        tags.append(tag)
        for spelling in spellings:
            by_name[spelling] = tag
    return tuple(sorted(tags, key=lambda t: (sort_key(t.name), t.slug))), by_name


def collect_authors(documents: tuple[Document, ...], profiles: dict[str, dict[str, str]]) -> tuple[tuple[Author, ...], dict[str, Author]]:
    authors = []
    by_name: dict[str, Author] = {}
    for slug, (name, docs, spellings) in _group(documents, "authors").items():
        profile = profiles.get(slug, {})
        author = Author(slug, profile.get("name") or name, profile.get("bio", ""), profile.get("link", ""), tuple(docs))
        authors.append(author)
        for spelling in spellings:
            by_name[spelling] = author
    return tuple(sorted(authors, key=lambda a: (sort_key(a.name), a.slug))), by_name


def collect_archives(documents: tuple[Document, ...], tz: ZoneInfo) -> tuple[Archive, ...]:
    by_month: dict[tuple[int, int], list[Document]] = defaultdict(list)
    for doc in documents:  # already newest first
        local = doc.date.astimezone(tz)
        by_month[(local.year, local.month)].append(doc)
    years = []
    for year in sorted({y for y, _ in by_month}, reverse=True):
        months = tuple(Archive(year, m, tuple(by_month[(year, m)]))
                       for m in sorted((m for y, m in by_month if y == year), reverse=True))
        years.append(Archive(year, None, tuple(d for month in months for d in month.documents), months))
    return tuple(years)


def collect(documents: tuple[Document, ...], profiles: dict[str, dict[str, str]], tz: ZoneInfo,
            reference_time: datetime) -> Site:
    """The whole site model from the published documents."""
    documents = sort_newest_first(documents)
    tags, tag_of = collect_tags(documents)
    authors, author_of = collect_authors(documents, profiles)
    return Site(documents, tags, authors, collect_archives(documents, tz), reference_time, tag_of, author_of)


_PROFILE_KEYS = ("name", "bio", "link")


def load_authors(path: Path, shown: str) -> tuple[dict[str, dict[str, str]], list[Problem]]:
    """``content/authors.yaml``: author name → {name, bio, link}, keyed by the name's slug.

    ``name`` defaults to the key as written there, so the profile fixes how the author is shown
    whatever spelling the articles use."""
    if not path.exists():
        return {}, []
    try:
        data = path.read_bytes()
    except OSError as exc:
        return {}, [problem(shown, None, None, f"não foi possível ler: {exc.strerror}", "confira as permissões")]
    text, problems = decode_text(data, shown)  # line:col of a non-UTF-8 byte, like the articles
    if text is None:
        return {}, problems
    mapping, problems = load_mapping(text, shown, what="authors.yaml")
    if mapping is None:
        return {}, problems
    profiles: dict[str, dict[str, str]] = {}
    for name, f in mapping.items():
        slug = slugify_text(name)
        if not slug:
            problems.append(problem(shown, f.line, f.col, f"o nome '{name}' não gera um endereço", "use letras ou números"))
            continue
        if slug in profiles:
            problems.append(problem(shown, f.line, f.col, f"'{name}' repete um autor já descrito", "junte as duas entradas"))
            continue
        # The key as written is the author's canonical name unless 'name:' gives another.
        canonical = re.sub(r"\s+", " ", unicodedata.normalize("NFC", name)).strip()
        if f.kind == "null":
            profiles[slug] = {"name": canonical}
            continue
        if f.kind != "map":
            problems.append(problem(shown, f.line, f.col, f"a entrada de '{name}' deve ser um mapa (name, bio, link)",
                                    f"escreva, por exemplo:\n  {name}:\n    bio: \"...\""))
            continue
        profile: dict[str, str] = {"name": canonical}
        for key, v in f.value.items():  # type: ignore[union-attr]
            if key not in _PROFILE_KEYS:
                problems.append(problem(shown, v.line, v.col, f"chave desconhecida '{key}' em '{name}'",
                                        "as chaves aceitas são name, bio e link"))
            elif v.kind != "str":
                problems.append(problem(shown, v.line, v.col, f"'{key}' de '{name}' deve ser texto, não {v.kind_name}",
                                        f"ponha entre aspas: {key}: \"{v.value}\""))
            else:
                profile[key] = str(v.value).strip()
        link = profile.get("link", "")
        if link and not link.startswith(("https://", "http://", "mailto:")):
            lf = f.value["link"]  # type: ignore[index]
            problems.append(problem(shown, lf.line, lf.col, f"link de '{name}' deve começar com https://", "escreva a URL completa"))
            profile.pop("link")
        profiles[slug] = profile
    return profiles, problems


def _essence(name: str) -> str:
    """A name without case, accents, hyphens or spacing: 'Código-Aberto' → 'codigo aberto' (but 'C++' stays)."""
    return re.sub(r"[\s_-]+", " ", sort_key(name)[0]).strip()


def merge_warnings(site: Site) -> list[Problem]:
    """Warn when names that are not mere variants of each other share one page ('C', 'C++', 'C#')."""
    problems: list[Problem] = []
    for attr, label, table in (("tags", "tag", site.tag_of), ("authors", "autor", site.author_of)):
        spellings: dict[str, list[str]] = defaultdict(list)
        for name, term in table.items():
            spellings[term.slug].append(name)
        for term in (site.tags if attr == "tags" else site.authors):
            shown = _essence(term.name)
            for variant in sorted(spellings[term.slug], key=sort_key):
                if _essence(variant) == shown:
                    continue
                doc = next(d for d in reversed(term.documents) if variant in getattr(d, attr))
                line, col = doc.position(attr)
                problems.append(problem(doc.source_path, line, col,
                                        f"{label} '{variant}' vira o mesmo endereço que '{term.name}' "
                                        f"(/{'tags' if attr == 'tags' else 'autores'}/{term.slug}/) e as duas são juntadas",
                                        f"se são {label}s diferentes, escreva um nome que gere outro endereço "
                                        f"(por exemplo '{variant.replace('+', ' plus').replace('#', ' sharp')}')",
                                        "warning"))
    return problems
