"""Strict YAML: compose with the safe (C when available) parser, convert nodes ourselves.

PyYAML's constructors lose positions, keep the last of two equal keys, follow
aliases, and raise on ``2026-02-30`` without a line. We only let it build the
node tree (which has marks) and turn nodes into ``Field`` values here, so every
value keeps its line and column and every trap becomes a ``Problem``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from biteye_site.errors import Problem, problem

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_PREFIX = "tag:yaml.org,2002:"
_SCALAR_TAGS = {"str", "bool", "int", "float", "null", "timestamp"}
_NAMES = {"str": "texto", "bool": "booleano", "int": "número inteiro", "float": "número",
          "null": "vazio", "timestamp": "data", "seq": "lista", "map": "mapa"}


@dataclass(frozen=True)
class Field:
    """A YAML value with its kind and 1-based position in the file."""

    value: object  # str for scalars (the source text), tuple[Field] for seq, dict for map
    kind: str      # str, bool, int, float, null, timestamp, seq, map
    line: int
    col: int

    @property
    def kind_name(self) -> str:
        return _NAMES.get(self.kind, self.kind)

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

    def node(self, node: yaml.Node) -> Field | None:
        if id(node) in self.seen:
            self.fail(node, "âncoras e aliases YAML (&nome / *nome) não são aceitos",
                      "escreva o valor por extenso em cada lugar")
            return None
        self.seen.add(id(node))
        line, col = self.pos(node)
        tag = node.tag
        kind = tag[len(_PREFIX):] if tag.startswith(_PREFIX) else tag
        if isinstance(node, yaml.ScalarNode):
            if kind not in _SCALAR_TAGS:
                self.fail(node, f"a tag YAML {tag!r} não é aceita",
                          "remova a tag (!!...) e escreva um valor simples entre aspas")
                return None
            return Field(node.value, kind, line, col)
        if isinstance(node, yaml.SequenceNode):
            if kind != "seq":
                self.fail(node, f"a tag YAML {tag!r} não é aceita", "remova a tag (!!...)")
                return None
            items = tuple(f for f in (self.node(n) for n in node.value) if f is not None)
            return Field(items, "seq", line, col)
        if kind != "map":
            self.fail(node, f"a tag YAML {tag!r} não é aceita", "remova a tag (!!...)")
            return None
        result: dict[str, Field] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                self.fail(key_node, "chave inválida (use um nome simples, sem <<, listas ou mapas)",
                          "escreva 'nome: valor'")
                continue
            key = key_node.value
            if key in result:
                first = result[key]
                self.fail(key_node, f"a chave '{key}' aparece duas vezes (a primeira na linha {first.line})",
                          "apague uma das duas")
                continue
            value = self.node(value_node)
            if value is not None:
                result[key] = value
        return Field(result, "map", line, col)


def load_mapping(text: str, path: Path | str, line_offset: int = 0,
                 what: str = "o cabeçalho") -> tuple[dict[str, Field] | None, list[Problem]]:
    """Parse ``text`` as one YAML mapping; returns (fields or None, problems)."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 + line_offset if mark else None
        col = mark.column + 1 if mark else None
        return None, [problem(path, line, col, f"YAML inválido: {exc.problem or exc}", _yaml_hint(exc, text, mark))]
    except yaml.YAMLError as exc:  # pragma: no cover - unmarked errors are rare
        return None, [problem(path, None, None, f"YAML inválido: {exc}", "confira a sintaxe")]
    if root is None:
        return {}, []
    conv = _Convert(path, line_offset)
    field = conv.node(root)
    if conv.problems:
        return None, conv.problems
    if field is None or field.kind != "map":
        kind = field.kind_name if field else "?"
        return None, [problem(path, conv.pos(root)[0], conv.pos(root)[1],
                              f"{what} deve ser um mapa de chaves ('chave: valor'), não {kind}",
                              "escreva uma chave por linha, como 'title: Meu título'")]
    return field.value, []  # type: ignore[return-value]


def _yaml_hint(exc: yaml.MarkedYAMLError, text: str, mark) -> str:
    msg = str(exc.problem or "")
    line_text = ""
    if mark is not None:
        lines = text.splitlines()
        if 0 <= mark.line < len(lines):
            line_text = lines[mark.line]
    if "\t" in line_text or "tab" in msg:
        return "YAML não aceita tabulação: use espaços para recuar"
    if "mapping values are not allowed" in msg:
        return "um valor com ':' precisa de aspas, por exemplo: title: \"Python: o guia\""
    if "found character" in msg:
        return "ponha o valor entre aspas"
    if "could not find expected ':'" in msg:
        return "cada linha deve ser 'chave: valor'; um texto longo vai entre aspas"
    return "confira a sintaxe YAML; na dúvida, ponha o valor entre aspas"
