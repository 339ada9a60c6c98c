"""Issue 4: hostile text through every field stays inert text everywhere it is written.

One fictional site carries markup, attribute breakers, comment and CDATA openers
and template syntax in every text field an editor or a contributor controls:
the article's title, summary, authors, tags and extra keys, the bios of
content/authors.yaml, and the strings of site.yaml. The built HTML must not
contain a single injected element or event attribute (parsed with lxml), the
Atom feeds and sitemaps must be well-formed XML whose text gives back the exact
strings, and the JSON-LD must json.loads to the exact strings too.
"""

from __future__ import annotations

import json
import re

import pytest
import yaml
from lxml import etree, html

from conftest import SiteFolder

# Everything that has broken a generator's output somewhere: closing the <title> or a
# <script>, leaving an attribute, opening a comment or ending CDATA, Jinja syntax that a
# second rendering would run, entities that a double-unescape would turn into markup.
HOSTILE = ("</title><script>alert(1)</script> \" onmouseover=\"x ' onfocus='y <!-- ]]> "
           "{{ 7*7 }} {% if true %}sim{% endif %} </script> &amp;lt;b&amp;gt; <img src=x onerror=alert(2)> \u2028fim")
FIELDS = {
    "title": "Título " + HOSTILE,
    "summary": "Resumo " + HOSTILE,
    "author": "Autora " + HOSTILE,
    "tag": "Tema " + HOSTILE,
    "byline": "Assinatura " + HOSTILE,
    "bio": "Bio " + HOSTILE,
    "site_title": "Arquivo " + HOSTILE,
    "description": "Descrição " + HOSTILE,
    "publisher": "Editora " + HOSTILE,
}
BODY = """Texto com HTML cru que deve virar texto:

<script>alert(3)</script>

<iframe src="https://evil.example/"></iframe> <a href="#" onclick="alert(4)">clique</a> <img src=y onerror=alert(5)>

<div onmouseover="alert(6)">bloco</div>
"""
# Names and titles are one line of text: the front matter folds runs of whitespace (U+2028 included).
for _key in ("title", "author", "tag"):
    FIELDS[_key + "_shown"] = re.sub(r"\s+", " ", FIELDS[_key])
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> SiteFolder:
    from conftest import new_site_folder
    site = new_site_folder(tmp_path_factory.mktemp("hostil") / "site")
    site.config(title=FIELDS["site_title"], description=FIELDS["description"], publisher=FIELDS["publisher"])
    header = {"title": FIELDS["title"], "date": "2026-11-01T09:00:00-03:00", "authors": [FIELDS["author"]],
              "tags": [FIELDS["tag"]], "summary": FIELDS["summary"], "byline": FIELDS["byline"]}
    site.write("content/2026/hostil.md", "---\n" + yaml.safe_dump(header, allow_unicode=True, sort_keys=False,
                                                                 width=10_000) + "---\n\n" + BODY)
    site.write("content/authors.yaml", yaml.safe_dump({FIELDS["author"]: {"bio": FIELDS["bio"]}},
                                                      allow_unicode=True, width=10_000))
    result = site.run("build", "--now", "2026-11-01T12:00:00-03:00")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return site


def html_files(site: SiteFolder) -> list:
    return sorted(p for p in site.public.rglob("*.html"))


def test_no_injected_element_or_attribute_in_any_page(hostile_site):
    pages = html_files(hostile_site)
    assert len(pages) > 5
    for path in pages:
        raw = path.read_text(encoding="utf-8")
        root = html.document_fromstring(raw)
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue  # comments and processing instructions written by the theme
            assert el.tag not in ("iframe", "object", "embed"), (path, el.tag)
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on"), (path, el.tag, name, value)
                if name in ("href", "src", "action"):
                    assert not value.strip().lower().startswith(("javascript:", "vbscript:", "data:text")), (path, value)
            if el.tag == "img":
                assert el.get("src") not in ("x", "y"), path
            if el.tag == "script":
                # only the theme's scripts: JSON-LD data, or a file of the site
                assert el.get("type") == "application/ld+json" or el.get("src"), (path, html.tostring(el))
                if el.get("type") == "application/ld+json":
                    json.loads(el.text)
        # The markup never reaches the page as markup: not even once, in any context. (Inside the
        # JSON-LD block quotes are JSON's business; '<' and '>' are checked there by being absent.)
        outside_json = re.sub(r'<script type="application/ld\+json">[^<]*</script>', "", raw)
        for needle in ("<script>alert", "<img src=x", "<img src=y", "<iframe", '" onmouseover="', "' onfocus='",
                       "<!-- ]]>", "onclick=\"alert"):
            assert needle not in outside_json, (path, needle)


def test_article_shows_every_field_as_exact_text(hostile_site):
    root = html.document_fromstring(hostile_site.read(f"artigos/{_slug(hostile_site)}/index.html"))
    title = root.findtext(".//title")
    assert title.startswith(FIELDS["title_shown"]) and FIELDS["site_title"] in title
    assert _text(root.find(".//h1")) == FIELDS["title_shown"]
    metas = {m.get("name") or m.get("property"): m.get("content") for m in root.iter("meta")}
    assert metas["description"] == FIELDS["summary"]
    assert metas["og:title"] == FIELDS["title_shown"] and metas["og:description"] == FIELDS["summary"]
    assert metas["og:site_name"] == FIELDS["site_title"]
    assert metas["article:tag"] == FIELDS["tag_shown"]
    texts = [_text(el) for el in root.iter("a", "p", "li", "span")]
    assert FIELDS["author_shown"] in " ".join(texts)
    assert FIELDS["tag_shown"] in texts
    assert FIELDS["byline"] in texts
    body = _text(root.find(".//*[@class='article-body']"))
    for raw_html in ("<script>alert(3)</script>", '<iframe src="https://evil.example/"></iframe>',
                     '<a href="#" onclick="alert(4)">clique</a>', '<div onmouseover="alert(6)">bloco</div>'):
        assert raw_html in body  # shown as text: nothing lost, nothing run
    footer = _text(root.find(".//footer"))
    assert FIELDS["description"] in footer


def test_author_page_shows_bio_as_text(hostile_site):
    folder = next(p for p in (hostile_site.public / "autores").iterdir() if p.is_dir())
    root = html.document_fromstring((folder / "index.html").read_text(encoding="utf-8"))
    metas = {m.get("name"): m.get("content") for m in root.iter("meta") if m.get("name")}
    assert metas["description"] == FIELDS["bio"]
    assert FIELDS["bio"] in [_text(el) for el in root.iter("p")]
    assert FIELDS["author_shown"] in _text(root.find(".//h1"))


def test_json_ld_round_trips_exact_text(hostile_site):
    root = html.document_fromstring(hostile_site.read(f"artigos/{_slug(hostile_site)}/index.html"))
    scripts = [el for el in root.iter("script") if el.get("type") == "application/ld+json"]
    assert scripts
    data = json.loads(scripts[0].text)
    assert "</script" not in scripts[0].text.lower() and "<!--" not in scripts[0].text
    assert data["headline"] == FIELDS["title_shown"]
    assert data["description"] == FIELDS["summary"]
    assert [a["name"] for a in data["author"]] == [FIELDS["author_shown"]]
    assert data["publisher"]["name"] == FIELDS["publisher"]
    assert data["keywords"] == [FIELDS["tag_shown"]]


def test_feeds_are_xml_and_round_trip_exact_text(hostile_site):
    feeds = sorted(hostile_site.public.rglob("feed.xml"))
    assert len(feeds) == 3  # the site's, the tag's and the author's
    for path in feeds:
        feed = etree.fromstring(path.read_bytes())  # well-formed, or this raises
        assert feed.findtext(f"{ATOM}title").startswith(FIELDS["site_title"])
        assert feed.findtext(f"{ATOM}subtitle") == FIELDS["description"]
        assert feed.findtext(f"{ATOM}author/{ATOM}name") == FIELDS["publisher"]
        entry = feed.find(f"{ATOM}entry")
        assert entry.findtext(f"{ATOM}title") == FIELDS["title_shown"]
        assert entry.findtext(f"{ATOM}summary") == FIELDS["summary"]
        assert entry.findtext(f"{ATOM}author/{ATOM}name") == FIELDS["author_shown"]
        assert entry.find(f"{ATOM}category").get("term") == FIELDS["tag_shown"]
        content = entry.findtext(f"{ATOM}content")
        body = html.fragment_fromstring(content, create_parent="div")
        assert not [el for el in body.iter() if el.tag in ("script", "iframe")]
        assert not [name for el in body.iter() for name in el.attrib if name.lower().startswith("on")]
        assert "<script>alert(3)</script>" in body.text_content()


def test_sitemaps_are_xml_and_round_trip_exact_text(hostile_site):
    for path in sorted(hostile_site.public.glob("sitemap*.xml")):
        etree.fromstring(path.read_bytes())
    news = etree.fromstring((hostile_site.public / "sitemap-news.xml").read_bytes())  # the article is 3 h old
    texts = [el.text for el in news.iter() if isinstance(el.tag, str) and el.text and el.text.strip()]
    assert FIELDS["title_shown"] in texts
    assert FIELDS["publisher"] in texts


def test_template_syntax_in_content_is_not_evaluated(hostile_site):
    root = html.document_fromstring(hostile_site.read(f"artigos/{_slug(hostile_site)}/index.html"))
    h1 = _text(root.find(".//h1"))
    assert "{{ 7*7 }}" in h1 and "{% if true %}sim{% endif %}" in h1


def _slug(site: SiteFolder) -> str:
    folders = [p.name for p in (site.public / "artigos").iterdir() if p.is_dir()]
    assert len(folders) == 1
    return folders[0]


def _text(el) -> str:
    return el.text_content().strip() if el is not None else ""
