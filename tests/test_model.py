"""model.Document: a pickled document keeps its body as UTF-8 until the body is read."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import datetime, timezone

from biteye_site.model import Document

# Accents, a character outside the BMP, a lone surrogate (markdown-it never makes one,
# but the body must survive it), and a table, as bodies hold.
BODY = "<p>Ação — olá \U0001F4F0 \ud800</p>\n<table><tr><td>x</td></tr></table>\n"


def _doc(body: str = BODY) -> Document:
    return Document("content/a.md", "a.md", "Artigo fictício", "artigo-ficticio",
                    datetime(2026, 1, 2, 3, 4, tzinfo=timezone.utc), None, ("Autora Fictícia",), ("tag",),
                    "Resumo.", None, False, body, (), 3)


def test_a_pickled_document_decodes_its_body_only_when_read():
    doc = _doc()
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        back = pickle.loads(pickle.dumps(doc, protocol=protocol))
        assert isinstance(back.body, bytes)          # not decoded by unpickling
        assert back == doc and hash(back) == hash(doc) and repr(back) == repr(doc)
        text = back.body_html
        assert text == BODY and back.body_html is text  # decoded once, kept
        assert back.body == BODY.encode("utf-8", "surrogatepass")  # and the bytes too (feeds use them)
        assert hash(back) == hash(doc) and repr(back) == repr(doc)
    # Pickling does not depend on whether the body was read.
    read = pickle.loads(pickle.dumps(doc))
    assert read.body_html == BODY
    assert pickle.dumps(read) == pickle.dumps(doc)


def test_equality_compares_the_body_as_text():
    doc = _doc()
    unread = pickle.loads(pickle.dumps(doc))
    assert unread == doc and doc == unread
    assert unread != _doc("<p>Outro texto.</p>\n")
    assert replace(unread, title="Outro título") != doc
    # A copy made before the body was read carries the bytes along, and reads the same text.
    copy = replace(pickle.loads(pickle.dumps(doc)), summary="Outro resumo.")
    assert copy.body_html == BODY
