"""`biteye-site new`: a new draft article with its front matter filled in."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from biteye_site.config import SiteConfig
from biteye_site.errors import ContentError, Problem, problem
from biteye_site.slugs import slug_problem, slugify_text

PLACEHOLDER = "Escreva aqui o primeiro parágrafo: ele vira o resumo se 'summary' ficar vazio."


@dataclass(frozen=True)
class NewArticle:
    title: str
    slug: str
    date: datetime          # aware, in the site's time zone
    authors: tuple[str, ...]
    tags: tuple[str, ...]


def _quoted(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar: colons, '#', 'no' and accents stay text.
    return json.dumps(text, ensure_ascii=False)


def render_article(new: NewArticle) -> str:
    """The Markdown source of a new draft."""
    lines = [
        "---",
        f"title: {_quoted(new.title)}",
        f"slug: {new.slug}",
        f"date: {new.date.isoformat(timespec='seconds')}",
        "authors: [" + ", ".join(_quoted(a) for a in new.authors) + "]",
        "tags: [" + ", ".join(_quoted(t) for t in new.tags) + "]",
        "draft: true",
        "---",
        "",
        PLACEHOLDER,
        "",
    ]
    return "\n".join(lines)


def plan_article(config: SiteConfig, title: str, now: datetime, authors: list[str], tags: list[str],
                 slug: str | None = None) -> NewArticle:
    """Validate the command line into a NewArticle; every problem is reported at once."""
    problems: list[Problem] = []
    title = " ".join(title.split())
    if not title:
        problems.append(problem("biteye-site new", None, None, "o título está vazio",
                                'escreva o título entre aspas: biteye-site new "Título do artigo"'))
    if slug is None:
        slug = slugify_text(title)
        if title and not slug:
            problems.append(problem("biteye-site new", None, None, f"o título '{title}' não gera um endereço (slug)",
                                    "passe um com --slug meu-artigo"))
    else:
        bad = slug_problem(slug)
        if bad:
            problems.append(problem("biteye-site new", None, None, f"slug inválido '{slug}': {bad}",
                                    f"use só a-z, 0-9 e hífens, por exemplo --slug {slugify_text(slug) or 'meu-artigo'}"))
    names = [" ".join(a.split()) for a in authors] or ([config.default_author] if config.default_author else [])
    if not names:
        problems.append(problem("biteye-site new", None, None, "falta o autor",
                                'use --author "Nome Sobrenome" (pode repetir) ou defina default_author em site.yaml'))
    for label, values in (("autor", names), ("tag", tags)):
        for value in values:
            if not slugify_text(value):
                problems.append(problem("biteye-site new", None, None, f"{label} '{value}' não gera um endereço",
                                        "use pelo menos uma letra ou número"))
    if problems:
        raise ContentError(problems)
    local = now.astimezone(config.tz).replace(microsecond=0)
    return NewArticle(title, slug or "", local, tuple(dict.fromkeys(names)),
                      tuple(dict.fromkeys(" ".join(t.split()) for t in tags)))


def create_article(config: SiteConfig, new: NewArticle) -> Path:
    """Write content/<yyyy>/<slug>.md; never overwrites, and refuses a slug another file already has."""
    target = config.content_dir / f"{new.date.year:04d}" / f"{new.slug}.md"
    shown = _shown(target, config.root)
    same_name = sorted(p for p in config.content_dir.rglob(f"{new.slug}.md") if p != target)
    if not same_name:
        same_name = _explicit_slug_users(config.content_dir, new.slug)
    if target.exists() or target.is_symlink():
        raise ContentError([problem(shown, None, None, "o arquivo já existe; nada foi alterado",
                                    "abra esse arquivo, ou escolha outro título ou --slug")])
    if same_name:
        raise ContentError([problem(shown, None, None,
                                    f"já existe um artigo com o endereço '{new.slug}' em {_shown(same_name[0], config.root)}",
                                    "escolha outro título ou passe --slug outro-endereco")])
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(target, "x", encoding="utf-8", newline="\n") as handle:   # 'x': never overwrite, even in a race
            handle.write(render_article(new))
    except FileExistsError:
        raise ContentError([problem(shown, None, None, "o arquivo já existe; nada foi alterado",
                                    "escolha outro título ou --slug")]) from None
    return target


_SLUG_LINE = re.compile(r"^slug:[ \t]*[\"']?([^\"'\s#]+)", re.M)


def _explicit_slug_users(content_dir: Path, slug: str) -> list[Path]:
    """Articles whose front matter says ``slug: <slug>`` (a cheap look, no full parse)."""
    found = []
    for path in sorted(content_dir.rglob("*.md")):
        try:
            head = path.read_bytes()[:4096].decode("utf-8", "replace")
        except OSError:
            continue
        m = _SLUG_LINE.search(head)
        if m and m.group(1) == slug:
            found.append(path)
    return found


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
