"""Split the ``---`` block off an article, and validate it into typed fields with positions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

from biteye_site.errors import Problem, problem
from biteye_site.slugs import slug_problem, slugify_text
from biteye_site.yamlnodes import Field, load_mapping

KNOWN_KEYS = ("title", "date", "authors", "tags", "summary", "slug", "updated", "draft", "image")
# Common misspellings and English/Portuguese mix-ups that difflib would not guess.
_ALIASES = {"author": "authors", "autor": "authors", "autores": "authors", "tag": "tags",
            "titulo": "title", "título": "title", "data": "date", "resumo": "summary",
            "rascunho": "draft", "imagem": "image", "atualizado": "updated"}

_DATE_RE = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6})\d*)?)?"
    r"[ \t]*(Z|z|[+-]\d{1,2}(?::?\d{2})?)?)?$")


@dataclass(frozen=True)
class FrontMatter:
    """Validated metadata of one article (before Markdown)."""

    title: str
    slug: str
    date: datetime
    updated: datetime | None
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str | None
    image: str | None
    draft: bool
    extra: tuple[tuple[str, object], ...]
    body: str
    body_line: int  # 1-based line of the body's first line in the file
    positions: tuple[tuple[str, int, int], ...] = ()  # (key, line, col) of each header key


def decode(data: bytes, path: str) -> tuple[str | None, list[Problem]]:
    """UTF-8 (BOM allowed), with CRLF and lone CR turned into LF."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", "replace")) + 1
        return None, [problem(path, line, col, f"o arquivo não está em UTF-8 (byte 0x{data[exc.start]:02x})",
                              "salve-o como UTF-8 (no editor: 'Salvar com codificação' → UTF-8, "
                              "ou iconv -f latin1 -t utf-8)")]
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        return None, [problem(path, line, None, "o arquivo contém um byte NUL", "salve-o como texto UTF-8 puro")]
    return text, []


def split(text: str, path: str) -> tuple[str, str, int] | Problem:
    """Return (yaml text, body, body's first line) or a Problem."""
    if not text.strip():
        return problem(path, 1, 1, "o arquivo está vazio",
                       "escreva um cabeçalho entre linhas '---' (title, date, authors) e o texto do artigo")
    if not text.startswith("---\n") and text.rstrip("\n") != "---":
        return problem(path, 1, 1, "falta o cabeçalho (front matter) no início do arquivo",
                       "você esqueceu de pôr '---' na primeira linha? O cabeçalho vai entre duas linhas '---'")
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.M)
    if end is None:
        return problem(path, 1, 1, "o cabeçalho aberto com '---' nunca é fechado",
                       "acrescente uma linha '---' depois da última chave do cabeçalho")
    yaml_text = text[4:4 + end.start()]
    rest = text[4 + end.end():]
    body_line = 2 + yaml_text.count("\n") + 1
    if rest.startswith("\n"):
        rest = rest[1:]
    return yaml_text, rest, body_line


def _text(key: str, f: Field, path: str, problems: list[Problem], *, allow_empty: bool = False) -> str | None:
    if f.kind in ("seq", "map"):
        problems.append(problem(path, f.line, f.col, f"'{key}' deve ser um texto, não uma {f.kind_name}",
                                f"escreva {key}: \"...\" em uma linha"))
        return None
    if f.kind != "str":
        shown = str(f.value) or "(vazio)"
        problems.append(problem(path, f.line, f.col,
                                f"'{key}: {shown}' é lido pelo YAML como {f.kind_name}, não como texto",
                                f"ponha entre aspas: {key}: \"{shown}\""))
        return None
    value = unicodedata.normalize("NFC", str(f.value)).strip()
    if not value and not allow_empty:
        problems.append(problem(path, f.line, f.col, f"'{key}' está vazio", f"escreva um valor para {key}"))
        return None
    return value


def _names(key: str, f: Field, path: str, problems: list[Problem], *, required: bool) -> tuple[str, ...]:
    items: tuple[Field, ...]
    if f.kind == "seq":
        items = f.value  # type: ignore[assignment]
    elif f.kind == "null" and not required:
        return ()
    else:
        items = (f,)
    names: list[str] = []
    for item in items:
        if item.kind == "null":
            problems.append(problem(path, item.line, item.col, f"'{key}' tem um item vazio (null)",
                                    "apague o item vazio ou escreva o nome"))
            continue
        name = _text(key, item, path, problems)
        if name is None:
            continue
        name = re.sub(r"\s+", " ", name)
        if not slugify_text(name):
            problems.append(problem(path, item.line, item.col, f"'{name}' em '{key}' não gera um endereço (slug)",
                                    "use pelo menos uma letra ou número no nome"))
            continue
        # 'IA' and 'ia' are one tag (same slug): keep the first spelling so it is listed once.
        if all(slugify_text(other) != slugify_text(name) for other in names):
            names.append(name)
    if required and not names and f.kind == "seq" and not items:
        problems.append(problem(path, f.line, f.col, f"'{key}' é uma lista vazia",
                                f"escreva pelo menos um nome: {key}: [Nome Sobrenome]"))
    return tuple(names)


def parse_datetime(key: str, f: Field, path: str, tz: ZoneInfo, problems: list[Problem]) -> tuple[datetime | None, bool]:
    """A date or datetime; a value without offset is in ``tz``. Returns (value, had offset)."""
    if f.kind not in ("str", "timestamp"):
        problems.append(problem(path, f.line, f.col, f"'{key}' deve ser uma data, não {f.kind_name}",
                                f"escreva {key}: 2026-03-05 ou {key}: 2026-03-05T14:30:00-03:00"))
        return None, False
    text = str(f.value).strip()
    m = _DATE_RE.match(text)
    if not m:
        problems.append(problem(path, f.line, f.col, f"data em formato desconhecido: '{text}'",
                                f"use AAAA-MM-DD ou AAAA-MM-DDTHH:MM:SS-03:00, por exemplo {key}: 2026-03-05"))
        return None, False
    y, mo, d, hh, mi, ss, frac, off = m.groups()
    try:
        value = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0),
                         int((frac or "0").ljust(6, "0")))
    except ValueError as exc:
        reason = "o dia não existe nesse mês" if "day" in str(exc) else str(exc)
        problems.append(problem(path, f.line, f.col, f"data impossível '{text}': {reason}",
                                "confira o dia e o mês (AAAA-MM-DD)"))
        return None, False
    if off is None:
        return value.replace(tzinfo=tz), False
    if off in ("Z", "z"):
        offset = timedelta(0)
    else:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        hours = int(digits[:-2]) if len(digits) > 2 else int(digits)
        minutes = int(digits[-2:]) if len(digits) > 2 else 0
        if hours > 23 or minutes > 59:
            problems.append(problem(path, f.line, f.col, f"fuso horário impossível '{off}'", "use, por exemplo, -03:00"))
            return None, False
        offset = sign * timedelta(hours=hours, minutes=minutes)
    return value.replace(tzinfo=timezone(offset)), True


def parse_front_matter(data: bytes, path: str, tz: ZoneInfo,
                       reference_time: datetime) -> tuple[FrontMatter | None, list[Problem]]:
    """Validate one article's header. Errors and warnings come back as Problems."""
    text, problems = decode(data, path)
    if text is None:
        return None, problems
    parts = split(text, path)
    if isinstance(parts, Problem):
        return None, [parts]
    yaml_text, body, body_line = parts
    mapping, problems = load_mapping(yaml_text, path, line_offset=1)
    if mapping is None:
        return None, problems
    if not mapping:
        return None, [problem(path, 1, 1, "o cabeçalho está vazio",
                              "escreva pelo menos title, date e authors entre as linhas '---'")]
    values: dict[str, object] = {}
    extra: list[tuple[str, object]] = []
    for key, f in mapping.items():
        if key in KNOWN_KEYS:
            continue
        guess = _ALIASES.get(key.lower()) or next(iter(difflib.get_close_matches(key.lower(), KNOWN_KEYS, n=1, cutoff=0.75)), None)
        if guess and guess not in mapping:
            problems.append(problem(path, f.line, f.col, f"chave desconhecida '{key}'",
                                    f"você quis dizer '{guess}'? (chaves desconhecidas ficam em 'extra')", "warning"))
        extra.append((key, f.plain()))
    for key in ("title", "date", "authors"):
        if key not in mapping:
            example = {"title": 'title: "Título do artigo"', "date": "date: 2026-03-05T14:30:00-03:00",
                       "authors": "authors: [Nome Sobrenome]"}[key]
            problems.append(problem(path, 1, 1, f"falta a chave obrigatória '{key}'", f"acrescente ao cabeçalho: {example}"))
    if "title" in mapping:
        values["title"] = _text("title", mapping["title"], path, problems)
    date_value = updated_value = None
    date_aware = updated_aware = None
    if "date" in mapping:
        date_value, date_aware = parse_datetime("date", mapping["date"], path, tz, problems)
    if "updated" in mapping and mapping["updated"].kind != "null":
        updated_value, updated_aware = parse_datetime("updated", mapping["updated"], path, tz, problems)
    if date_value and updated_value:
        f = mapping["updated"]
        if date_aware != updated_aware:
            problems.append(problem(path, f.line, f.col,
                                    "'date' e 'updated' misturam data com e sem fuso horário",
                                    "escreva as duas com fuso (por exemplo -03:00) ou as duas sem"))
        elif updated_value < date_value:
            problems.append(problem(path, f.line, f.col, "'updated' é anterior a 'date'",
                                    "a data de atualização deve ser igual ou posterior à de publicação"))
    authors = _names("authors", mapping["authors"], path, problems, required=True) if "authors" in mapping else ()
    tags = _names("tags", mapping["tags"], path, problems, required=False) if "tags" in mapping else ()
    summary = None
    if "summary" in mapping and mapping["summary"].kind != "null":
        summary = _text("summary", mapping["summary"], path, problems, allow_empty=True)
        if summary == "":
            f = mapping["summary"]
            problems.append(problem(path, f.line, f.col, "'summary' está vazio; será usado o primeiro parágrafo",
                                    "escreva um resumo ou apague a chave", "warning"))
            summary = None
    image = None
    if "image" in mapping and mapping["image"].kind != "null":
        image = _text("image", mapping["image"], path, problems)
    draft = False
    if "draft" in mapping:
        f = mapping["draft"]
        if f.kind != "bool":
            problems.append(problem(path, f.line, f.col, f"'draft' deve ser true ou false, não '{f.value}'",
                                    "escreva draft: true (rascunho) ou draft: false"))
        else:
            draft = bool(f.plain())
    slug = None
    if "slug" in mapping:
        f = mapping["slug"]
        raw = _text("slug", f, path, problems)
        if raw is not None:
            bad = slug_problem(raw)
            if bad:
                problems.append(problem(path, f.line, f.col, f"slug inválido '{raw}': {bad}",
                                        f"use só letras minúsculas sem acento, números e hífens, por exemplo slug: {slugify_text(raw) or 'meu-artigo'}"))
            else:
                slug = raw
    elif isinstance(values.get("title"), str):
        slug = slugify_text(values["title"])  # type: ignore[arg-type]
        if not slug:
            f = mapping["title"]
            problems.append(problem(path, f.line, f.col, "o título não gera um endereço (slug) válido",
                                    "acrescente ao cabeçalho um slug com letras e números, por exemplo slug: meu-artigo"))
    if any(p.severity == "error" for p in problems):
        return None, problems
    assert isinstance(values["title"], str) and date_value is not None and slug
    if not authors:
        f = mapping["authors"]
        problems.append(problem(path, f.line, f.col, "'authors' não tem nenhum nome", "escreva authors: [Nome Sobrenome]"))
        return None, problems
    return FrontMatter(values["title"], slug, date_value, updated_value, authors, tags, summary, image, draft,
                       tuple(extra), body, body_line,
                       tuple((k, f.line, f.col) for k, f in mapping.items())), problems
