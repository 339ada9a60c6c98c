"""The site's configuration: typed, validated, immutable."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from biteye_site.errors import ConfigError, Problem, problem
from biteye_site.yamlnodes import Field, decode_text, load_mapping


@dataclass(frozen=True)
class SiteConfig:
    """Everything ``site.yaml`` can set. Paths are absolute once loaded."""

    root: Path
    base_url: str
    title: str = "Biteye"
    description: str = "Arquivo de notícias de tecnologia em português."
    language: str = "pt-BR"
    timezone: str = "America/Sao_Paulo"
    per_page: int = 20
    publisher: str = "Biteye"
    feed_entries: int = 20
    allow_raw_html: bool = False
    max_file_size: int = 1_000_000
    default_author: str = ""
    content_dir: Path = Path("content")
    templates_dir: Path = Path("templates")
    static_dir: Path = Path("static")
    output_dir: Path = Path("public")
    cache_dir: Path = Path(".biteye-cache")
    search: bool = False
    extra: tuple[tuple[str, str], ...] = field(default=())

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def base_path(self) -> str:
        """URL path the site lives under, always starting and ending with '/'."""
        return urlsplit(self.base_url).path

    @property
    def locale(self) -> str:
        return self.language.replace("-", "_")


# key -> (python type, description for messages)
_TYPES: dict[str, tuple[type, str]] = {
    "base_url": (str, "texto (uma URL)"), "title": (str, "texto"), "description": (str, "texto"),
    "language": (str, "texto"), "timezone": (str, "texto"), "per_page": (int, "número inteiro"),
    "publisher": (str, "texto"), "feed_entries": (int, "número inteiro"),
    "allow_raw_html": (bool, "booleano (true/false)"), "max_file_size": (int, "número inteiro de bytes"),
    "default_author": (str, "texto"), "content_dir": (Path, "caminho"), "templates_dir": (Path, "caminho"),
    "static_dir": (Path, "caminho"), "output_dir": (Path, "caminho"), "cache_dir": (Path, "caminho"),
    "search": (bool, "booleano (true/false)"), "extra": (dict, "mapa de textos"),
}
_EXAMPLES = {"per_page": 20, "feed_entries": 20, "max_file_size": 1_000_000}
_KIND_FOR = {str: {"str"}, Path: {"str"}, int: {"int"}, bool: {"bool"}, dict: {"map"}}


def _convert(key: str, f: Field, path: Path, problems: list[Problem]) -> object:
    typ, desc = _TYPES[key]
    if f.kind not in _KIND_FOR[typ]:
        shown = f.value if f.kind not in ("seq", "map") else f.kind_name
        if typ in (str, Path) and f.kind not in ("seq", "map"):
            hint = f'ponha entre aspas: {key}: "{f.value}"'
        elif typ is bool:
            hint = f"escreva {key}: true ou {key}: false"
        elif typ is int and f.kind == "str" and str(f.value).strip().isdigit():
            hint = f"tire as aspas: {key}: {str(f.value).strip()}"
        elif typ is int:
            hint = f"escreva um número sem aspas, por exemplo {key}: {_EXAMPLES.get(key, 20)}"
        elif typ is dict:
            hint = f"escreva uma chave por linha, recuada abaixo de '{key}:'"
        else:
            hint = f"escreva {key}: <{desc}>"
        problems.append(problem(path, f.line, f.col, f"'{key}' deve ser {desc}, não {f.kind_name} ({shown!s})", hint))
        return None
    if typ is dict:
        out = []
        for k, v in f.value.items():  # type: ignore[union-attr]
            if v.kind in ("seq", "map"):
                problems.append(problem(path, v.line, v.col, f"extra.{k} deve ser um valor simples", "use texto"))
            else:
                out.append((k, str(v.plain())))
        return tuple(sorted(out))
    value = f.plain()
    if typ is Path:
        return Path(str(value))
    return value


def load_config(path: Path | str, overrides: dict[str, object] | None = None) -> SiteConfig:
    """Read ``site.yaml``; every problem is reported at once as a ConfigError."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError([problem(path, None, None, "arquivo de configuração não encontrado",
                                   "crie site.yaml na raiz do projeto ou passe --config")]) from None
    except IsADirectoryError:
        raise ConfigError([problem(path, None, None, "a configuração indicada é uma pasta",
                                   "passe o arquivo: --config pasta/site.yaml")]) from None
    except OSError as exc:
        raise ConfigError([problem(path, None, None, f"não foi possível ler a configuração: {exc.strerror}",
                                   "confira o caminho e as permissões do arquivo")]) from None
    text, problems = decode_text(data, path)
    if text is None:
        raise ConfigError(problems)
    mapping, problems = load_mapping(text, path, what="site.yaml")
    if mapping is None:
        raise ConfigError(problems)
    known = {f.name for f in fields(SiteConfig)} - {"root"}
    values: dict[str, object] = {}
    positions: dict[str, Field] = {}
    for key, f in mapping.items():
        if key not in known:
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f"você quis dizer '{close[0]}'?" if close else "remova a chave; as aceitas estão em docs/configuracao.md"
            problems.append(problem(path, *f.key_pos, f"chave desconhecida '{key}'", hint))
            continue
        value = _convert(key, f, path, problems)
        if value is not None:
            values[key] = value
            positions[key] = f
    for key, value in (overrides or {}).items():
        values[key] = value
    if "base_url" not in values:
        problems.append(problem(path, 1, 1, "falta 'base_url'", "escreva base_url: https://exemplo.org/"))
    root = path.resolve().parent

    def bad(key: str, message: str, hint: str) -> None:
        f = positions.get(key)
        problems.append(problem(path, f.line if f else None, f.col if f else None, message, hint))

    if "base_url" in values:
        url = str(values["base_url"]).strip()
        try:
            parts = urlsplit(url)
            parts.port  # noqa: B018 - raises ValueError on a port that is not a number
        except ValueError:
            parts = None
        if parts is None or re.search(r"[\s\"'<>\\`{}|^]", url):
            bad("base_url", f"base_url '{url}' não é uma URL válida",
                "escreva só esquema, domínio e caminho, sem espaços nem aspas, por exemplo https://org.gitlab.io/arquivo/")
        elif parts.scheme not in ("http", "https") or not parts.netloc:
            bad("base_url", f"base_url '{url}' não é uma URL absoluta",
                "escreva com esquema e domínio, por exemplo https://org.gitlab.io/arquivo/")
        elif parts.query or parts.fragment:
            bad("base_url", "base_url não pode ter '?' nem '#'", "use só esquema, domínio e caminho")
        else:
            values["base_url"] = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/"
    if "timezone" in values:
        try:
            ZoneInfo(str(values["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            guess = str(values["timezone"]).replace(" ", "_")
            bad("timezone", f"fuso horário desconhecido '{values['timezone']}'",
                "use um nome IANA como America/Sao_Paulo" + (f" (talvez '{guess}')" if guess != values["timezone"] else ""))
    if "language" in values and not re.fullmatch(r"[a-z]{2,3}(-[A-Z]{2})?", str(values["language"])):
        bad("language", f"idioma inválido '{values['language']}'", "use uma etiqueta BCP 47 como pt-BR")
    elif "language" in values and not _known_locale(str(values["language"]).replace("-", "_")):
        bad("language", f"idioma desconhecido '{values['language']}' (não há nomes de meses e formatos de data para ele)",
            "use uma etiqueta BCP 47 conhecida, como pt-BR ou pt-PT")
    for key in ("per_page", "feed_entries", "max_file_size"):
        if key in values and int(values[key]) < 1:  # type: ignore[arg-type]
            bad(key, f"'{key}' deve ser maior que zero", f"escreva, por exemplo, {key}: {_EXAMPLES[key]}")
    for key in ("content_dir", "templates_dir", "static_dir", "output_dir", "cache_dir"):
        p = Path(values.get(key, getattr(SiteConfig, key)))  # type: ignore[arg-type]
        values[key] = (root / p).resolve() if not p.is_absolute() else p.resolve()
    if not problems:
        if not Path(values["templates_dir"]).is_dir():  # type: ignore[arg-type]
            bad("templates_dir", f"a pasta de templates '{values['templates_dir']}' não existe",
                "crie a pasta ou corrija templates_dir")
        if not Path(values["content_dir"]).is_dir():  # type: ignore[arg-type]
            bad("content_dir", f"a pasta de conteúdo '{values['content_dir']}' não existe",
                "crie a pasta ou corrija content_dir")
    if problems:
        raise ConfigError(problems)
    return SiteConfig(root=root, **values)  # type: ignore[arg-type]


def _known_locale(name: str) -> bool:
    """Whether Babel has the dates and month names of ``name`` (e.g. 'pt_BR')."""
    from babel import Locale, UnknownLocaleError
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return False
    return True
