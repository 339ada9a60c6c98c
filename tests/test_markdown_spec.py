"""The Markdown renderer against the CommonMark spec's own examples (npm commonmark-spec 0.31.2),
and the lean parser choice (markdown._needs) against the full parser."""

from __future__ import annotations

import functools
import re

import pytest
from hypothesis import given, settings, strategies as st

from biteye_site import markdown
from biteye_site.markdown import render_markdown
from checktools import commonmark_spec

_EXAMPLE = re.compile(r"^`{32} example\n([\s\S]*?)^\.\n([\s\S]*?)^`{32}$", re.M)
_HEADING_ID = re.compile(r'(<h[1-6]) id="[^"]*"')
_EMPTY_BLOCK = re.compile(r"<(blockquote|li)>\n</\1>")


def normalised(html: str) -> str:
    """The spec writes XHTML ('<hr />'); the site writes HTML ('<hr>'). An empty block's
    inner newline is not significant either (the spec's own runner normalises both)."""
    return _EMPTY_BLOCK.sub(r"<\1></\1>", html.replace(" />", ">"))


def spec_examples() -> list[tuple[int, str, str]]:
    text = commonmark_spec().read_text(encoding="utf-8")
    text = text.split("<!-- END TESTS -->", 1)[0]
    # The spec file shows tabs as '→'.
    return [(n, md.replace("→", "\t"), html.replace("→", "\t"))
            for n, (md, html) in enumerate(_EXAMPLE.findall(text), start=1)]


@functools.cache
def _full_parser(allow_raw_html: bool):
    """Every rule on, and the text rule stopping where markdown-it's own list says: the
    baseline the lean parsers (fewer rules, fewer stops) must match."""
    md, watch = markdown._parser.__wrapped__(allow_raw_html, markdown.ALL, lean=False)
    from markdown_it import parser_inline
    default = getattr(parser_inline, "_default_terminator_re", None)
    if default is not None:
        md.inline.terminator_re = default()
    return md, watch


def full_render(body: str, allow_raw_html: bool) -> str:
    """What the parser with every extension on makes of ``body``."""
    md, watch = _full_parser(allow_raw_html)
    watch.reset()
    env = {"_watch": watch}
    return md.renderer.render(md.parse(body, env), md.options, env)


def test_every_commonmark_spec_example():
    examples = spec_examples()
    assert len(examples) == 652, "the spec file changed: update the pinned version"
    failed = []
    for number, source, expected in examples:
        got = _HEADING_ID.sub(r"\1", render_markdown(source, "spec.md", 1, allow_raw_html=True).html)
        if normalised(got) != normalised(expected):
            failed.append(number)
    assert not failed, f"spec examples rendered differently: {failed}"


def test_lean_parser_renders_the_spec_examples_like_the_full_one():
    for allow in (True, False):
        for number, source, _ in spec_examples():
            lean = render_markdown(source, "spec.md", 1, allow_raw_html=allow).html
            assert lean == full_render(source, allow), f"example {number} (raw HTML {allow})"


_PIECES = st.sampled_from(["|", "~", "~~", "^", "[^1]", "^[nota]", "[^1]: nota\n", "| a | b |\n|---|---|\n",
                           "*", "_", "[", "]", "(", ")", "!", "`", "<", ">", "#", "-", ":", "\n", "\n\n",
                           "    ", "> ", "1. ", "texto", "ção", "&amp;", "&#42;", "&", "\\", "\\*", "http://x.example",
                           "```", "```\n", "~~~\n", "[a]: /u\n", "[a]", "]:", "![i](/x.png)", "<http://x.example>",
                           "<b>", "<div>\n", "+", "=", "$", "%", "@", "{", "}"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, max_size=40).map("".join))
def test_lean_parser_renders_any_text_like_the_full_one(body):
    assert render_markdown(body, "x.md", 1).html == full_render(body, False)


def test_lean_parser_is_used_only_where_an_extension_cannot_match():
    plain = markdown._needs("texto simples\n\n# título\n\n- item\n")
    assert not any(plain)
    for text, need in [("| a |\n|---|\n", "tables"), ("~~x~~", "strikethrough"), ("x[^1]\n\n[^1]: y", "footnotes"),
                       ("a \\* b", "escapes"), ("&copy;", "entities"), ("<https://x.example>", "angles"),
                       ("![a](b.png)", "images"), ("> citação", "quotes"), ("```\ncódigo\n```", "fences"),
                       ("~~~\ncódigo\n~~~", "fences"), ("[a]: https://x.example", "references")]:
        assert markdown._needs(text)._asdict()[need], (text, need)
    # And the extensions still work where they are written.
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |\n\n~~riscado~~ e nota[^n]\n\n[^n]: a nota\n", "x.md", 1).html
    assert "<table>" in html and "<s>riscado</s>" in html and 'class="footnote-ref"' in html


def _tokens(tokens) -> list:
    return [(t.type, t.tag, t.nesting, t.level, t.content, t.map, t.attrs, t.markup, t.info, t.block, t.hidden,
             _tokens(t.children) if t.children is not None else None) for t in tokens]


@pytest.mark.parametrize("body", [
    "# Histórico\n\nUm parágrafo sem marcação, só texto e pontuação: vírgulas, pontos.\n\n- item um\n- item dois\n",
    "#\n\n##   \n\ntexto   \n",                      # empty headings, trailing spaces
    "linha um\r\nlinha dois\rlinha três\r\n\r\n# título\r\n",  # CR and CRLF line ends
    "nul \0 no meio\n\n\0",
    "mistura: `código` e texto simples\n\nsó texto\n\n*ênfase* aqui\n",
    "| a | b |\n|---|---|\n| texto | simples |\n\n[^n]: nota simples\n\ntexto[^n]\n",
])
def test_lean_shortcuts_make_the_tokens_markdown_it_makes(body):
    """_normalize and the plain-text shortcut of _inline_with_lines build exactly the
    token tree of markdown-it's own normalize and inline rules, not just the same HTML."""
    lean, watch = markdown._parser(False, markdown._needs(body))
    full, full_watch = markdown._parser.__wrapped__(False, markdown._needs(body), lean=False)
    got = _tokens(lean.parse(body, {"_watch": watch}))
    assert got == _tokens(full.parse(body, {"_watch": full_watch}))


def test_plain_texts_skip_the_inline_parser(monkeypatch):
    md, watch = markdown._parser(False, markdown._needs("x"))
    parsed = []
    real = md.inline.parse
    monkeypatch.setattr(md.inline, "parse", lambda src, *args: parsed.append(src) or real(src, *args))
    md.parse("# Histórico\n\nsó texto, sem marcação.\n\n- item\n\ncom `código`\n", {"_watch": watch})
    assert parsed == ["com `código`"]
