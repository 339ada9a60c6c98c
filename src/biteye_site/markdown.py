"""The one Markdown renderer: CommonMark + tables, strikethrough, footnotes, heading ids.

Per article it returns the body HTML and what the site needs from the tokens
(headings, word count, first paragraph, links to other sources) plus Problems
for what it refused: rejected link schemes and nesting past the limit are
reported at their line instead of being dropped silently.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.common.normalize_url import validateLink as default_validate
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote import footnote_plugin

from biteye_site.errors import Problem, problem
from biteye_site.model import Heading
from biteye_site.slugs import slugify_text

# Block containers deeper than this are an error; the parser itself stops at
# _PARSER_NESTING, so anything it would have truncated is always reported.
NEST_LIMIT = 32
_PARSER_NESTING = 48
# Ids the page layout uses; headings never take them.
RESERVED_IDS = frozenset({"conteudo", "topo", "menu", "navegacao", "busca", "busca-topo", "rodape", "sumario",
                          "relacionados", "recentes", "comentarios", "titulo", "autores", "tags", "footnotes"})
_FOOTNOTE_ID = re.compile(r"fn(ref)?\d+(-\d+)?")
_SPACES = re.compile(r"\s+")
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
        self.lines = (0, 1)  # source lines (0-based, end excluded) of the text being parsed
        self.silent = False  # the parser is only looking ahead; it will parse the same text again
        self.rule = ""      # the inline rule running, and where it started in the inline text
        self.pos = 0
        self.rejected: list[tuple[str, tuple[int, int]]] = []
        self._last: tuple[str, tuple[int, int], int] | None = None

    def reject(self, url: str) -> None:
        # One link can be read twice for real: '![x](url)' by the image rule and then,
        # from its '[', by the link rule; '[x](<url>)' by the link rule and then, from
        # its '<', by the autolink rule. Those second readings are not new links.
        last = self._last
        self._last = (url, self.lines, self.pos)
        if last and last[0] == url and last[1] == self.lines and (self.rule == "autolink" or self.pos == last[2] + 1):
            return
        self.rejected.append((url, self.lines))

    def reset(self) -> None:
        self.rejected.clear()
        self._last = None


def _inline_with_lines(state: StateCore, plain: re.Pattern[str] | None = None) -> None:
    """markdown-it's inline core rule, telling the watch which lines each inline text
    comes from. ``plain``: the text rule's stops; a text without any of them is a single
    text token (the text rule takes it in one step and nothing else can start in it),
    made here without an inline state and its post-processing (headings, list items and
    many paragraphs are such texts)."""
    watch: _Watch = state.env["_watch"]
    md = state.md
    for token in state.tokens:
        if token.type == "inline":
            watch.lines = (token.map[0], token.map[1]) if token.map else watch.lines
            if token.children is None:
                token.children = []
            content = token.content
            if plain is not None and plain.search(content) is None:
                if content:
                    text = Token("text", "", 0)
                    text.content = content
                    token.children.append(text)
                continue
            md.inline.parse(content, md, state.env, token.children)


def _normalize(state: StateCore) -> None:
    """markdown-it's first core rule, the same text without its two regex passes over the
    whole body (about 5 % of an article's parse) to find a carriage return or a NUL that
    a one-character search rules out."""
    src = state.src
    if "\r" in src:
        src = src.replace("\r\n", "\n").replace("\r", "\n")
    if "\0" in src:
        src = src.replace("\0", "\ufffd")
    state.src = src


def _heading_ids(state: StateCore) -> None:
    used: set[str] = set(RESERVED_IDS)
    next_n: dict[str, int] = {}  # base -> next suffix to try, so 5,000 equal headings stay linear
    tokens = state.tokens
    for i, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = slugify_text(_inline_text(tokens[i + 1]), max_length=60) or "secao"
        if _FOOTNOTE_ID.fullmatch(base):
            base = f"secao-{base}"
        ident, n = base, next_n.get(base, 1)
        if n > 1:
            ident = f"{base}-{n}"
        while ident in used:
            n += 1
            ident = f"{base}-{n}"
        next_n[base] = n + 1
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


class Needs(NamedTuple):
    """Which optional rules could match in a text: each needs a character (or pair) that
    nothing else reacts to, so without it the text renders the same without the rule,
    and is spared trying it at every line and every bracket. See _needs."""

    tables: bool = True         # a header row has a '|'
    strikethrough: bool = True  # '~~'
    footnotes: bool = True      # every footnote form has a '^'
    escapes: bool = True        # '\\'
    entities: bool = True       # '&'
    angles: bool = True         # autolinks and raw HTML start with '<'
    images: bool = True         # '!['
    quotes: bool = True         # '>'
    fences: bool = True         # '```' or '~~~'
    references: bool = True     # a definition's label ends in ']:'


ALL = Needs()


def _needs(body: str) -> Needs:
    # A one-character search is a memchr; a longer one, ten times slower, runs only when
    # its first character is there.
    tilde = "~" in body
    return Needs("|" in body, tilde, "^" in body, "\\" in body, "&" in body, "<" in body, "!" in body,
                 ">" in body, ("`" in body and "```" in body) or (tilde and "~~~" in body), "]:" in body)


# Characters where an inline rule may start, and ']' (a link label ends there: the
# label parser skips tokens until it sees one). The text rule runs on to the next of
# them in one step; markdown-it's own list also holds '-', ':', '#', '+'… for plugins.
_TERMINATORS = "\n`*_[]"


class _Renderer(RendererHTML):
    """markdown-it's HTML renderer, the same HTML written with fewer steps: plain text
    escaped in place, and each tag written from its token without the general case's
    string building (xhtmlOut, which the site never sets, still takes markdown-it's way)."""

    def renderInline(self, tokens, options, env) -> str:  # type: ignore[override]
        rules, out = self.rules, []
        plain = getattr(rules.get("text"), "__func__", None) is RendererHTML.text
        for i, token in enumerate(tokens):
            kind = token.type
            if kind == "text" and plain:
                out.append(escapeHtml(token.content))
            elif kind in rules:
                out.append(rules[kind](tokens, i, options, env))
            else:
                out.append(self.renderToken(tokens, i, options, env))
        return "".join(out)

    def renderToken(self, tokens, idx, options, env) -> str:  # type: ignore[override]
        token = tokens[idx]
        if token.hidden:
            return ""  # a paragraph of a tight list
        if options["xhtmlOut"]:
            return super().renderToken(tokens, idx, options, env)
        nesting = token.nesting
        tag = token.tag + self.renderAttrs(token) if token.attrs else token.tag
        if not token.block:
            return ("</" if nesting == -1 else "<") + tag + ">"
        if nesting == -1:
            return "</" + tag + ">\n"
        # A newline before a block opened just after a hidden paragraph; none after a
        # tag whose content, or closing tag, comes next.
        start = "\n<" if idx and tokens[idx - 1].hidden else "<"
        if nesting == 1 and idx + 1 < len(tokens):
            after = tokens[idx + 1]
            if after.type == "inline" or after.hidden or (after.nesting == -1 and after.tag == token.tag):
                return start + tag + ">"
        return start + tag + ">\n"


@lru_cache(maxsize=None)
def _parser(allow_raw_html: bool, needs: Needs = ALL, lean: bool = True) -> tuple[MarkdownIt, _Watch]:
    """A parser with only the rules ``needs`` asks for; ``lean`` takes the shortcuts
    (_normalize, plain texts in _inline_with_lines) and renders with _Renderer (off:
    markdown-it's own steps and renderer, which the tests compare with)."""
    watch = _Watch()
    md = MarkdownIt("commonmark", {"html": allow_raw_html, "xhtmlOut": False,
                                   "maxNesting": _PARSER_NESTING},
                    renderer_cls=_Renderer if lean else RendererHTML)
    md.enable([name for name, on in (("table", needs.tables), ("strikethrough", needs.strikethrough)) if on])
    if needs.footnotes:
        md.use(footnote_plugin)
    md.disable([name for name, on in (("escape", needs.escapes), ("entity", needs.entities),
                                      ("autolink", needs.angles), ("html_inline", needs.angles),
                                      ("html_block", needs.angles), ("image", needs.images),
                                      ("blockquote", needs.quotes), ("fence", needs.fences),
                                      ("reference", needs.references)) if not on])
    if hasattr(md.inline, "terminator_re"):  # markdown-it-py 4.3+
        extra = "".join(ch for ch, on in (("\\", needs.escapes), ("&", needs.entities), ("<", needs.angles),
                                          ("!", needs.images), ("~", needs.strikethrough),
                                          ("^", needs.footnotes)) if on)
        md.inline.terminator_re = re.compile("[" + re.escape(_TERMINATORS + extra) + "]")

    def validate(url: str) -> bool:
        ok = default_validate(url)
        if not ok and not watch.silent:
            watch.reject(url)
        return ok

    md.validateLink = validate  # type: ignore[method-assign]
    # Link reference definitions ('[x]: url') are validated by a block rule, before
    # any inline token exists: tell the watch which line it is reading.
    reference = next(rule.fn for rule in md.block.ruler.__rules__ if rule.name == "reference")

    def reference_with_line(state, start_line: int, end_line: int, silent: bool) -> bool:
        watch.lines = (start_line, min(start_line + 3, end_line))  # the URL may be on the next lines
        return reference(state, start_line, end_line, silent)

    md.block.ruler.at("reference", reference_with_line)
    # Inline rules run twice over nested brackets, once "silent" (looking ahead);
    # only the real pass reports, so each rejected link gets exactly one warning.
    for name in ("link", "image", "autolink"):
        rule = next(r for r in md.inline.ruler.__rules__ if r.name == name)
        rule_fn = rule.fn

        def with_silent(state, silent: bool, _fn=rule_fn, _name=name) -> bool:
            before = (watch.silent, watch.rule, watch.pos)
            watch.silent, watch.rule, watch.pos = silent or watch.silent, _name, state.pos
            try:
                return _fn(state, silent)
            finally:
                watch.silent, watch.rule, watch.pos = before

        md.inline.ruler.at(name, with_silent, {"alt": list(rule.alt)})
    if lean:  # markdown-it's own, as the tests' baseline, without the shortcuts
        md.core.ruler.at("normalize", _normalize)
    stops = getattr(md.inline, "terminator_re", None) if lean else None
    md.core.ruler.at("inline", lambda state: _inline_with_lines(state, stops))
    md.core.ruler.push("heading_ids", _heading_ids)
    return md, watch


def render_markdown(body: str, path: str, first_line: int, allow_raw_html: bool = False) -> Rendered:
    """Render ``body`` (which starts at line ``first_line`` of ``path``)."""
    md, watch = _parser(allow_raw_html, _needs(body))
    watch.reset()
    env = {"_watch": watch}
    tokens = md.parse(body, env)
    problems: list[Problem] = []
    if watch.rejected:
        lines = body.split("\n")
        cursors: dict[int, tuple[int, int]] = {}  # block's first line -> where its last link was found
        for url, span in watch.rejected:
            line, col = _find_link(lines, span, url, cursors.get(span[0], (span[0], 0)))
            cursors[span[0]] = (line, col)
            problems.append(_rejected_link(path, first_line + line, col + 1, url))
    headings: list[Heading] = []
    texts: list[str] = []  # the words are counted once, at the end
    first_paragraph = ""
    links: list[tuple[str, int]] = []
    deepest = None
    for i, token in enumerate(tokens):
        kind = token.type
        if kind == "inline":
            for child in token.children or ():
                inner = child.type
                if inner == "text" or inner == "code_inline":
                    texts.append(child.content)
                elif inner == "link_open":
                    href = str(child.attrGet("href") or "")
                    if _SOURCE_LINK.match(href):
                        links.append((href, first_line + (token.map[0] if token.map else 0)))
        elif kind == "heading_open":
            headings.append(Heading(int(token.tag[1]), _inline_text(tokens[i + 1]).strip(), token.attrGet("id") or ""))
        elif kind == "paragraph_open" and not first_paragraph and token.level == 0:
            first_paragraph = _SPACES.sub(" ", _inline_text(tokens[i + 1])).strip()
        elif kind == "code_block" or kind == "fence":
            texts.append(token.content)
        if token.level >= NEST_LIMIT and deepest is None:
            deepest = token
    if deepest is not None:
        line = first_line + (deepest.map[0] if deepest.map else 0)
        problems.append(problem(path, line, 1, f"aninhamento profundo demais (mais de {NEST_LIMIT} níveis de citação ou lista)",
                                "simplifique a estrutura: o conteúdo mais interno seria perdido"))
        return Rendered("", (), 0, "", (), tuple(problems))
    html = md.renderer.render(tokens, md.options, env)
    # Words as `wc -w` counts them (runs of non-space): a regex over every word cost
    # a tenth of the whole render.
    words = len(" ".join(texts).split())
    return Rendered(html, tuple(headings), words, first_paragraph, tuple(links), tuple(problems))


def _rejected_link(path: str, line: int, col: int, url: str) -> Problem:
    scheme = url.split(":", 1)[0].strip().lower()
    shown = url if len(url) <= 60 else url[:57] + "..."
    if scheme == "data":
        why = "um link data: só é aceito para imagens PNG, JPEG, GIF ou WebP"
        hint = "publique o arquivo no site e use o caminho dele, ou um link https://"
    elif scheme == "file":
        why = "um link file: aponta para o computador de quem lê, não para o site"
        hint = "publique o arquivo no site e use o caminho dele, ou um link https://"
    else:
        why = f"o esquema '{scheme}:' pode executar código no navegador de quem lê"
        hint = "use um link https:// ou um caminho do site"
    return problem(path, line, col, f"link '{shown}' recusado: {why}; o texto fica sem link", hint, "warning")


# Where a link destination starts: '](' , ']:' (a reference definition) or '<' (an autolink).
_DESTINATION = re.compile(r"\]\(\s*<?|\]:[ \t]*<?|<")


def _find_link(lines: list[str], span: tuple[int, int], url: str, cursor: tuple[int, int]) -> tuple[int, int]:
    """(0-based line, 0-based column) of the rejected ``url`` inside the block ``span``.

    Rejected links are reported in source order, so the search starts after the
    previous one of the same block. The scheme is compared after decoding
    entities, so '&#106;avascript:' is found where it is written.
    """
    scheme = url.split(":", 1)[0].strip().lower()
    start_line, start_col = cursor
    for number in range(start_line, min(span[1], len(lines))):
        text = lines[number]
        for m in _DESTINATION.finditer(text, start_col if number == start_line else 0):
            rest = html.unescape(text[m.end():m.end() + 120]).lstrip().lower()
            if rest.startswith(scheme):
                return number, m.end() + (len(text[m.end():]) - len(text[m.end():].lstrip()))
        if number == start_line:
            start_col = 0
    for number in range(span[0], min(span[1], len(lines))):  # e.g. a destination on its own line
        idx = lines[number].lower().find(scheme + ":")
        if idx >= 0:
            return number, idx
    return span[0], 0
