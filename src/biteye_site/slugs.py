"""Slugs: ASCII, lowercase, hyphenated, and safe as a single path segment."""

from __future__ import annotations

import inspect
import re
import unicodedata
from functools import lru_cache

from slugify import slugify

MAX_SLUG = 120
_SLUG_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
# Names Windows refuses as file or folder names, whatever the extension.
_DEVICE = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


# With backend 'auto', python-slugify tries to import the optional 'unidecode' package on
# every non-ASCII call; naming its own text-unidecode backend avoids that failed import
# (a tenth of a cold build's time). Older releases have no 'backend' argument.
_BACKEND = ({"backend": "text-unidecode"} if "backend" in inspect.signature(slugify).parameters else {})


@lru_cache(maxsize=65536)
def slugify_text(text: str, max_length: int = MAX_SLUG) -> str:
    """'Ação e Reação no Código Aberto' → 'acao-e-reacao-no-codigo-aberto'."""
    text = unicodedata.normalize("NFC", text)
    slug = slugify(text, max_length=max_length, word_boundary=True, save_order=True, **_BACKEND)
    if slug in _DEVICE:
        slug += "-1"
    return slug


def slug_problem(slug: str) -> str | None:
    """Why ``slug`` cannot be used as one path segment, or None when it can."""
    if "\x00" in slug:
        return "contém um byte NUL"
    if "/" in slug or "\\" in slug:
        return "contém uma barra (o slug é um só nome, não um caminho)"
    if slug in (".", "..") or slug.startswith("."):
        return "começa com ponto"
    if len(slug.encode()) > MAX_SLUG:
        return f"tem mais de {MAX_SLUG} bytes"
    if not _SLUG_RE.fullmatch(slug):
        return "tem caracteres fora de a-z, 0-9 e '-'"
    if slug in _DEVICE:
        return "é um nome reservado do Windows"
    return None
