"""Split the ``---`` block off an article, and validate it into typed fields with positions."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from biteye_site.errors import Problem, problem
from biteye_site.slugs import slug_problem, slugify_text
from biteye_site.yamlnodes import Field, decode_text, load_mapping

_REQUIRED = ("title", "date", "authors")
KNOWN_KEYS = ("title", "date", "authors", "tags", "summary", "slug", "updated", "draft", "image")
# Common misspellings and English/Portuguese mix-ups that difflib would not guess.
_ALIASES = {"author": "authors", "autor": "authors", "autores": "authors", "tag": "tags",
            "titulo": "title", "título": "title", "data": "date", "resumo": "summary",
            "rascunho": "draft", "imagem": "image", "atualizado": "updated"}

# Far enough apart for any archive, near enough that converting between time
# zones can never leave the range Python's datetime can hold.
MIN_YEAR, MAX_YEAR = 1900, 2999
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
    """UTF-8 (BOM allowed), with CRLF and lone CR turned into LF; see yamlnodes.decode_text."""
    return decode_text(data, path)


def split(text: str, path: str) -> tuple[str, str, int] | Problem:
    """Return (yaml text, body, body's first line) or a Problem."""
    if not text.strip():
        return problem(path, 1, 1, "o arquivo está vazio",
                       "escreva um cabeçalho entre linhas '---' (title, date, authors) e o texto do artigo")
    opening = re.match(r"---[ \t]*(\n|$)", text)
    if opening is None:
        return problem(path, 1, 1, "falta o cabeçalho (front matter) no início do arquivo",
                       "você esqueceu de pôr '---' na primeira linha? O cabeçalho vai entre duas linhas '---'")
    start = opening.end()
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[start:], re.M)
    if end is None:
        return problem(path, 1, 1, "o cabeçalho aberto com '---' nunca é fechado",
                       "acrescente uma linha '---' depois da última chave do cabeçalho")
    yaml_text = text[start:start + end.start()]
    rest = text[start + end.end():]
    body_line = 2 + yaml_text.count("\n") + 1
    if rest.startswith("\n"):
        rest = rest[1:]
    return yaml_text, rest, body_line


def image_problem(link: str) -> str | None:
    """Why ``link`` cannot be an article's image (an http(s) URL or a path on the site), or None."""
    if re.search(r"[\s<>\"'`\\]", link):
        return "contém espaços, aspas, < > ou barra invertida"
    scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", link)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        return f"o esquema '{scheme.group(1)}:' não é aceito"
    if link.startswith("//"):
        return "um endereço sem esquema ('//...') é ambíguo"
    if scheme and not re.match(r"https?://[^/?#]+", link, re.I):
        return "falta o domínio depois de http(s)://"
    return None


def _text(key: str, f: Field, path: str, problems: list[Problem], *, allow_empty: bool = False,
          in_list: bool = False) -> str | None:
    if f.kind in ("seq", "map"):
        problems.append(problem(path, f.line, f.col, f"'{key}' deve ser um texto, não {f.a_kind_name}",
                                f"escreva {key}: \"...\" em uma linha"))
        return None
    if f.kind != "str":
        shown = str(f.value) or "(vazio)"
        quoted = f'"{shown}"'
        problems.append(problem(path, f.line, f.col,
                                f"'{shown}' em '{key}' é lido pelo YAML como {f.kind_name}, não como texto" if in_list else
                                f"'{key}: {shown}' é lido pelo YAML como {f.kind_name}, não como texto",
                                f"ponha entre aspas: {key}: [{quoted}]" if in_list else f"ponha entre aspas: {key}: {quoted}"))
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
        name = _text(key, item, path, problems, in_list=f.kind == "seq")
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
    reason = None
    if not MIN_YEAR <= int(y) <= MAX_YEAR:
        reason = f"o ano deve estar entre {MIN_YEAR} e {MAX_YEAR}"
    elif not 1 <= int(mo) <= 12:
        reason = "o mês deve estar entre 1 e 12"
    elif int(hh or 0) > 23 or int(mi or 0) > 59 or int(ss or 0) > 59:
        reason = "a hora deve estar entre 00:00:00 e 23:59:59"
    else:
        try:
            value = datetime(int(y), int(mo), int(d), int(hh or 0), int(mi or 0), int(ss or 0),
                             int((frac or "0").ljust(6, "0")))
        except ValueError:
            reason = "o dia não existe nesse mês"
    if reason:
        problems.append(problem(path, f.line, f.col, f"data impossível '{text}': {reason}",
                                "confira o dia, o mês e o ano (AAAA-MM-DD) e a hora (HH:MM:SS)"))
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
    typos: dict[str, tuple[str, Field]] = {}  # known key -> (misspelt key, its field)
    for key, f in mapping.items():
        if key in KNOWN_KEYS:
            continue
        extra.append((key, f.plain()))
        guess = _ALIASES.get(key.lower()) or next(iter(difflib.get_close_matches(key.lower(), KNOWN_KEYS, n=1, cutoff=0.75)), None)
        if not guess:
            continue  # a key of its own (byline, source_file...): kept in 'extra' for templates
        if guess in _REQUIRED and guess not in mapping:
            typos.setdefault(guess, (key, f))  # reported once, as the missing key, below
        elif guess in mapping:
            problems.append(problem(path, *f.key_pos, f"chave desconhecida '{key}' (parecida com '{guess}', que também está no cabeçalho)",
                                    f"apague '{key}' ou corrija o nome; chaves desconhecidas ficam em 'extra'", "warning"))
        else:
            problems.append(problem(path, *f.key_pos, f"chave desconhecida '{key}'",
                                    f"você quis dizer '{guess}'? (chaves desconhecidas ficam em 'extra')", "warning"))
    for key in _REQUIRED:
        if key not in mapping:
            example = {"title": 'title: "Título do artigo"', "date": "date: 2026-03-05T14:30:00-03:00",
                       "authors": "authors: [Nome Sobrenome]"}[key]
            if key in typos:
                typo, f = typos[key]
                problems.append(problem(path, *f.key_pos, f"falta a chave obrigatória '{key}': '{typo}' não é reconhecida",
                                        f"troque '{typo}' por '{key}'"))
            else:
                problems.append(problem(path, 1, 1, f"falta a chave obrigatória '{key}'", f"acrescente ao cabeçalho: {example}"))
    if "title" in mapping:
        title = _text("title", mapping["title"], path, problems)
        # A title written over several lines (folded YAML) is still one line of text.
        values["title"] = re.sub(r"\s+", " ", title) if title else title
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
        why = image_problem(image) if image else None
        if why:
            f = mapping["image"]
            problems.append(problem(path, f.line, f.col, f"'image' inválido: {why}",
                                    "use uma URL https://... ou um caminho do site, como /static/img/foto.jpg"))
            image = None
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
                shown = raw if len(raw) <= 60 else raw[:57] + "..."
                problems.append(problem(path, f.line, f.col, f"slug inválido '{shown}': {bad}",
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
