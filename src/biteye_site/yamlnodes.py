"""Strict YAML: compose with the safe (C when available) parser, convert nodes ourselves.

PyYAML's constructors lose positions, keep the last of two equal keys, follow
aliases, and raise on ``2026-02-30`` without a line. We only let it build the
node tree (which has marks) and turn nodes into ``Field`` values here, so every
value keeps its line and column and every trap becomes a ``Problem``.

Text files are decoded here too (``decode_text``), for articles, site.yaml and
authors.yaml alike: UTF-8 only, and no invisible control characters, which
would make the Atom feeds invalid XML and the HTML non-conforming.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from biteye_site.errors import Problem, problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PREFIX = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "bool", "int", "float", "null", "timestamp"}
_NAMES = {"str": "texto", "bool": "booleano", "int": "número inteiro", "float": "número",
          "null": "vazio", "timestamp": "data", "seq": "lista", "map": "mapa"}
_ARTICLES = {"seq": "uma", "timestamp": "uma"}

# Not allowed anywhere in a text file (tab, LF and CR are fine): C0 and C1 control
# characters, DEL, and the noncharacters U+FFFE/U+FFFF. XML 1.0 refuses most of
# them outright and HTML treats them all as parse errors; in a text they are
# invisible, so they are almost always debris from copying and pasting.
BAD_CHAR = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\ud800-\udfff]")
# Their UTF-8 bytes: C0 and DEL are single bytes; C1 start with 0xC2, U+FFFE/U+FFFF
# with 0xEF 0xBF; a strict UTF-8 decoder refuses surrogates. Deleting the single bytes
# and two substring searches rule them out in nearly every file, in about 10 µs for a
# 9 kB article; the regex takes 30-40.
_C0_BYTES = bytes(range(0x00, 0x09)) + b"\x0b\x0c" + bytes(range(0x0e, 0x20)) + b"\x7f"


def _may_hold_bad_char(data: bytes) -> bool:
    return len(data.translate(None, _C0_BYTES)) != len(data) or b"\xc2" in data or b"\xef\xbf" in data


def char_name(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def decode_text(data: bytes, path: Path | str) -> tuple[str | None, list[Problem]]:
    """UTF-8 (BOM allowed) → text with LF line ends; otherwise the first bad byte's line and column."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, [problem(path, 1, 1, "o arquivo está em UTF-16, não em UTF-8",
                              "salve-o como UTF-8 (no editor: 'Salvar com codificação' → UTF-8)")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        line_start = max(before.rfind(b"\n"), before.rfind(b"\r")) + 1
        col = len(before[line_start:].decode("utf-8", "replace")) + 1
        return None, [problem(path, line, col, f"o arquivo não está em UTF-8 (byte 0x{data[exc.start]:02x})",
                              "salve-o como UTF-8 (no editor: 'Salvar com codificação' → UTF-8; "
                              "no terminal: iconv -f latin1 -t utf-8 arquivo > novo)")]
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    bad = BAD_CHAR.search(text) if _may_hold_bad_char(data) else None
    if bad:
        line, col = _line_col(text, bad.start())
        what = "um byte NUL" if bad.group() == "\x00" else f"um caractere de controle invisível ({char_name(bad.group())})"
        return None, [problem(path, line, col, f"o arquivo contém {what}",
                              "apague-o (costuma vir de copiar e colar); salve o arquivo como texto UTF-8 puro")]
    return text, []


def _line_col(text: str, index: int) -> tuple[int, int]:
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def show_tag(tag: str) -> str:
    """'tag:yaml.org,2002:python/object' → '!!python/object' (as the editor typed it)."""
    return "!!" + tag[len(_PREFIX):] if tag.startswith(_PREFIX) else tag


@dataclass(frozen=True)
class Field:
    """A YAML value with its kind and 1-based position in the file."""

    value: object  # str for scalars (the source text), tuple[Field] for seq, dict for map
    kind: str      # str, bool, int, float, null, timestamp, seq, map
    line: int
    col: int
    key_line: int | None = None  # where its key is written, for a value inside a mapping
    key_col: int | None = None

    @property
    def key_pos(self) -> tuple[int, int]:
        """Position of the key (of the value itself when it has no key)."""
        return (self.key_line, self.key_col) if self.key_line is not None else (self.line, self.col)  # type: ignore[return-value]

    @property
    def kind_name(self) -> str:
        return _NAMES.get(self.kind, self.kind)

    @property
    def a_kind_name(self) -> str:
        """With its article: 'uma lista', 'um mapa'."""
        return f"{_ARTICLES.get(self.kind, 'um')} {self.kind_name}"

    def plain(self) -> object:
        """Python value with YAML 1.1 scalars resolved (for `extra` keys)."""
        if self.kind == "seq":
            return [f.plain() for f in self.value]  # type: ignore[union-attr]
        if self.kind == "map":
            return {k: f.plain() for k, f in self.value.items()}  # type: ignore[union-attr]
        text = str(self.value)
        if self.kind == "null":
            return None
        if self.kind == "bool":
            return text.lower() in {"yes", "true", "on", "y"}
        if self.kind == "int":
            try:
                return int(text.replace("_", ""), 0)
            except ValueError:
                return text
        if self.kind == "float":
            try:
                return float(text.replace("_", ""))
            except ValueError:
                return text
        return text


class _Convert:
    def __init__(self, path: Path | str, line_offset: int):
        self.path = path
        self.offset = line_offset
        self.seen: set[int] = set()
        self.problems: list[Problem] = []

    def pos(self, node: yaml.Node) -> tuple[int, int]:
        return node.start_mark.line + 1 + self.offset, node.start_mark.column + 1

    def fail(self, node: yaml.Node, message: str, hint: str) -> None:
        line, col = self.pos(node)
        self.problems.append(problem(self.path, line, col, message, hint))

    def bad_text(self, node: yaml.ScalarNode) -> bool:
        """Control characters that a quoted escape (\\x07, \\0, \\e...) put into a value."""
        bad = BAD_CHAR.search(node.value)
        if bad:
            self.fail(node, f"o valor contém um caractere de controle invisível ({char_name(bad.group())})",
                      "apague-o; entre aspas duplas, não use escapes como \\0, \\a ou \\x07")
        return bad is not None

    def node(self, node: yaml.Node, key: tuple[int, int] | tuple[None, None] = (None, None)) -> Field | None:
        """``node`` as a Field; ``key``: where its key is written, for a value in a mapping."""
        if id(node) in self.seen:  # aliases are refused before composing; this is a safety net
            self.fail(node, "âncoras e aliases YAML (&nome / *nome) não são aceitos",
                      "escreva o valor por extenso em cada lugar")
            return None
        self.seen.add(id(node))
        line, col = self.pos(node)
        tag = node.tag
        kind = tag[len(_PREFIX):] if tag.startswith(_PREFIX) else tag
        if isinstance(node, yaml.ScalarNode):
            if kind not in _SCALAR_TAGS:
                self.fail(node, f"a tag YAML '{show_tag(tag)}' não é aceita",
                          "remova a tag (!!...) e escreva um valor simples entre aspas")
                return None
            if self.bad_text(node):
                return None
            return Field(node.value, kind, line, col, *key)
        if isinstance(node, yaml.SequenceNode):
            if kind != "seq":
                self.fail(node, f"a tag YAML '{show_tag(tag)}' não é aceita", "remova a tag (!!...)")
                return None
            items = tuple(f for f in (self.node(n) for n in node.value) if f is not None)
            return Field(items, "seq", line, col, *key)
        if kind != "map":
            self.fail(node, f"a tag YAML '{show_tag(tag)}' não é aceita", "remova a tag (!!...)")
            return None
        result: dict[str, Field] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                self.fail(key_node, "chave inválida (use um nome simples, sem <<, listas ou mapas)",
                          "escreva 'nome: valor'")
                continue
            if self.bad_text(key_node):
                continue
            name = key_node.value
            if name in result:
                first = result[name]
                self.fail(key_node, f"a chave '{name}' aparece duas vezes (a primeira na linha {first.key_pos[0]})",
                          "apague uma das duas")
                continue
            value = self.node(value_node, self.pos(key_node))
            if value is not None:
                result[name] = value
        return Field(result, "map", line, col, *key)


def load_mapping(text: str, path: Path | str, line_offset: int = 0,
                 what: str = "o cabeçalho") -> tuple[dict[str, Field] | None, list[Problem]]:
    """Parse ``text`` as one YAML mapping; returns (fields or None, problems)."""
    try:
        # Anchors and aliases are refused from the event stream, before any node
        # graph exists: a "billion laughs" chain then costs one pass over the text.
        # Without a '&' or a '*' there is neither (a third of the front matter's time).
        for event in yaml.parse(text, Loader=_Loader) if "&" in text or "*" in text else ():
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
                mark = event.start_mark
                return None, [problem(path, mark.line + 1 + line_offset, mark.column + 1,
                                      f"âncoras e aliases YAML ({sign}{event.anchor}) não são aceitos",
                                      "escreva o valor por extenso em cada lugar onde ele é usado")]
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        col = mark.column + 1 if mark else None
        return None, [problem(path, line, col, f"YAML inválido: {_yaml_message(exc, text, mark)}", _yaml_hint(exc, text, mark))]
    except yaml.reader.ReaderError as exc:
        line, col = _line_col(text, exc.position)
        return None, [problem(path, line + line_offset, col,
                              f"caractere não aceito pelo YAML ({char_name(chr(exc.character)) if isinstance(exc.character, int) else exc.character})",
                              "apague-o ou ponha o texto entre aspas")]
    except yaml.YAMLError as exc:  # pragma: no cover - every other YAML error carries a mark
        return None, [problem(path, None, None, f"YAML inválido: {exc}", "confira a sintaxe")]
    if root is None:
        return {}, []
    conv = _Convert(path, line_offset)
    field = conv.node(root)
    if conv.problems:
        return None, conv.problems
    if field is None or field.kind != "map":
        kind = field.a_kind_name if field else "?"
        return None, [problem(path, conv.pos(root)[0], conv.pos(root)[1],
                              f"{what} deve ser um mapa de chaves ('chave: valor'), não {kind}",
                              "escreva uma chave por linha, como 'title: Meu título'")]
    return field.value, []  # type: ignore[return-value]


# The parser's messages, in the editor's language (the original stays in parentheses).
_MESSAGES = (
    ("mapping values are not allowed", "um ':' no meio de um valor sem aspas"),
    ("tab character", "tabulação no recuo"),
    ("found character '\\t'", "tabulação no recuo"),
    ("could not find expected ':'", "falta ':' depois de uma chave"),
    ("did not find expected key", "recuo inconsistente ou chave faltando"),
    ("did not find expected ',' or ']'", "lista entre [ ] mal fechada"),
    ("did not find expected ',' or '}'", "mapa entre { } mal fechado"),
    ("found unexpected end of stream", "aspas, [ ou { abertos e nunca fechados"),
    ("expected a single document", "mais de um documento YAML (uma linha '---' a mais?)"),
    ("found unknown escape character", "escape desconhecido entre aspas duplas"),
    ("found undefined tag handle", "tag YAML desconhecida (!...)"),
    ("did not find expected alphabetic or numeric character", "âncora, alias ou tag YAML malformado"),
    ("did not find expected <document start>", "conteúdo depois do fim do documento"),
    ("found character that cannot start any token", "um caractere especial (como @ ou `) no início de um valor"),
    ("did not find expected node content", "falta um valor"),
    ("did not find expected '-' indicator", "recuo inconsistente numa lista"),
)


def _yaml_message(exc: yaml.MarkedYAMLError, text: str, mark) -> str:
    original = str(exc.problem or exc.context or "erro de sintaxe")
    if mark is not None and "\t" in _line_at(text, mark.line)[:mark.column + 1]:
        return f"tabulação no recuo ({original})"  # the C parser does not always name the tab
    for needle, text in _MESSAGES:
        if needle in original:
            return f"{text} ({original})"
    return original


def _line_at(text: str, number: int) -> str:
    lines = text.split("\n")  # YAML lines: not splitlines(), which also breaks at U+2028
    return lines[number] if 0 <= number < len(lines) else ""


def _yaml_hint(exc: yaml.MarkedYAMLError, text: str, mark) -> str:
    msg = str(exc.problem or "")
    line_text = _line_at(text, mark.line) if mark is not None else ""
    if "\t" in line_text or "tab" in msg:
        return "YAML não aceita tabulação: use espaços para recuar"
    if "mapping values are not allowed" in msg:
        m = re.match(r"\s*([\w-]+):[ \t]+(.+?)\s*$", line_text)
        if m and not m.group(2).startswith(("'", '"')):
            value = m.group(2).replace("\\", "\\\\").replace('"', '\\"')
            return f'um valor com \':\' precisa de aspas: {m.group(1)}: "{value}"'
        return "um valor com ':' precisa de aspas, por exemplo: title: \"Python: o guia\""
    if "found character" in msg:
        return "ponha o valor entre aspas"
    if "could not find expected ':'" in msg:
        return "cada linha deve ser 'chave: valor'; um texto longo vai entre aspas"
    return "confira a sintaxe YAML; na dúvida, ponha o valor entre aspas"
