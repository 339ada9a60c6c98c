"""The one Markdown renderer: CommonMark + tables, strikethrough, footnotes, heading ids.

Per article it returns the body HTML and what the site needs from the tokens
(headings, word count, first paragraph, links to other sources) plus Problems
for what it refused: rejected link schemes and nesting past the limit are
reported at their line instead of being dropped silently.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import validateLink as default_validate
from markdown_it.rules_core import StateCore
from mdit_py_plugins.footnote import footnote_plugin

from biteye_site.errors import Problem, problem
from biteye_site.model import Heading
from biteye_site.slugs import slugify_text

# Block containers deeper than this are an error; the parser itself stops at
# _PARSER_NESTING, so anything it would have truncated is always reported.
NEST_LIMIT = 32
_PARSER_NESTING = 48
# Ids the page layout uses; headings never take them.
RESERVED_IDS = frozenset({"conteudo", "topo", "menu", "navegacao", "busca", "rodape", "sumario",
                          "relacionados", "comentarios", "titulo", "autores", "tags", "footnotes"})
_FOOTNOTE_ID = re.compile(r"fn(ref)?\d+(-\d+)?")
_WORD = re.compile(r"\w+")
_SOURCE_LINK = re.compile(r"^(?![a-zA-Z][a-zA-Z0-9+.-]*:|//|#)([^?#]*\.md)(#.*)?$")


@dataclass(frozen=True)
class Rendered:
    html: str
    headings: tuple[Heading, ...]
    word_count: int
    first_paragraph: str
    links: tuple[tuple[str, int], ...]   # (href to a .md source, line)
    problems: tuple[Problem, ...]


class _Watch:
    """Collects, during one render, what the parser rejected and where."""

    def __init__(self) -> None:
        self.line = 0
        self.rejected: list[tuple[str, int]] = []


def _inline_with_lines(state: StateCore) -> None:
    watch: _Watch = state.env["_watch"]
    for token in state.tokens:
        if token.type == "inline":
            watch.line = token.map[0] if token.map else watch.line
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, state.env, token.children)


def _heading_ids(state: StateCore) -> None:
    used: set[str] = set(RESERVED_IDS)
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = slugify_text(_inline_text(tokens[i + 1]), max_length=60) or "secao"
        if _FOOTNOTE_ID.fullmatch(base):
            base = f"secao-{base}"
        ident, n = base, 1
        while ident in used:
            n += 1
            ident = f"{base}-{n}"
        used.add(ident)
        token.attrSet("id", ident)


def _inline_text(token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(_inline_text(child))
    return "".join(parts)


@lru_cache(maxsize=2)
def _parser(allow_raw_html: bool) -> tuple[MarkdownIt, _Watch]:
    watch = _Watch()
    md = MarkdownIt("commonmark", {"html": allow_raw_html, "xhtmlOut": False,
                                   "maxNesting": _PARSER_NESTING})
    md.enable(["table", "strikethrough"])
    md.use(footnote_plugin)

    def validate(url: str) -> bool:
        ok = default_validate(url)
        if not ok:
            watch.rejected.append((url, watch.line))
        return ok

    md.validateLink = validate  # type: ignore[method-assign]
    md.core.ruler.at("inline", _inline_with_lines)
    md.core.ruler.push("heading_ids", _heading_ids)
    return md, watch


def render_markdown(body: str, path: str, first_line: int, allow_raw_html: bool = False) -> Rendered:
    """Render ``body`` (which starts at line ``first_line`` of ``path``)."""
    md, watch = _parser(allow_raw_html)
    watch.rejected.clear()
    env = {"_watch": watch}
    tokens = md.parse(body, env)
    problems: list[Problem] = []
    lines = body.split("\n")
    for url, line in watch.rejected:
        text = lines[line] if line < len(lines) else ""
        col = _find_col(text, url)
        scheme = url.split(":", 1)[0].strip().lower()
        problems.append(problem(path, first_line + line, col,
                                f"link com esquema '{scheme}:' recusado (pode executar código no navegador)",
                                "use um link http(s):// ou um caminho do site", "warning"))
    headings: list[Heading] = []
    words = 0
    first_paragraph = ""
    links: list[tuple[str, int]] = []
    deepest = None
    for i, token in enumerate(tokens):
        if token.level >= NEST_LIMIT and deepest is None:
            deepest = token
        if token.type == "heading_open":
            headings.append(Heading(int(token.tag[1]), _inline_text(tokens[i + 1]).strip(), token.attrGet("id") or ""))
        elif token.type == "paragraph_open" and not first_paragraph and token.level == 0:
            first_paragraph = re.sub(r"\s+", " ", _inline_text(tokens[i + 1])).strip()
        elif token.type == "inline":
            line = token.map[0] if token.map else 0
            for child in token.children or ():
                if child.type == "text" or child.type == "code_inline":
                    words += len(_WORD.findall(child.content))
                elif child.type == "link_open":
                    href = str(child.attrGet("href") or "")
                    if _SOURCE_LINK.match(href):
                        links.append((href, first_line + line))
        elif token.type in ("code_block", "fence"):
            words += len(_WORD.findall(token.content))
    if deepest is not None:
        line = first_line + (deepest.map[0] if deepest.map else 0)
        problems.append(problem(path, line, 1, f"aninhamento profundo demais (mais de {NEST_LIMIT} níveis de citação ou lista)",
                                "simplifique a estrutura: o conteúdo mais interno seria perdido"))
        return Rendered("", (), 0, "", (), tuple(problems))
    html = md.renderer.render(tokens, md.options, env)
    return Rendered(html, tuple(headings), words, first_paragraph, tuple(links), tuple(problems))


def _find_col(text: str, url: str) -> int:
    lowered = text.lower()
    for probe in (url, url.split(":", 1)[0] + ":", url.split(":", 1)[0]):
        idx = lowered.find(probe.lower())
        if idx >= 0:
            return idx + 1
    return 1
