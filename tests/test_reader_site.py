"""What feed readers, crawlers and social networks read: Atom feeds, sitemaps, robots.txt, 404,
canonical/OpenGraph/Twitter tags and JSON-LD, plus the reading aids around an article.

Checked on the 60-article fixture (tests/sitegen.py) and on the project's real content.
Expected values come from the sources (their YAML front matter), not from the generator.
"""

from __future__ import annotations

import json
import math
import re
import struct
from datetime import datetime, timedelta
from pathlib import Path

import feedparser
import pytest
import yaml
from lxml import etree, html

import sitegen
from checktools import NOW, build_real_content, sitemap_xsd
from sitegen import build_fixture

ATOM = "{http://www.w3.org/2005/Atom}"
SM = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
NEWS = "{http://www.google.com/schemas/sitemap-news/0.9}"
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?([+-]\d\d:\d\d|Z)$")
MONTHS = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
          "novembro", "dezembro")


class Built:
    """A built site and what its sources say."""

    def __init__(self, root: Path, public: Path):
        self.root = root
        self.public = public
        config = yaml.safe_load((root / "site.yaml").read_text(encoding="utf-8"))
        self.base_url = config["base_url"].rstrip("/") + "/"
        self.base_path = "/" + self.base_url.split("/", 3)[3]
        self.publisher = config.get("publisher", "Biteye")
        self.language = config.get("language", "pt-BR")
        self.sources = _sources(root / "content")

    def page(self, rel: str):
        return html.fromstring((self.public / rel).read_bytes())

    def file_for(self, url: str) -> Path:
        """The output file an absolute URL of this site is served from."""
        assert url.startswith(self.base_url), f"{url} is not under {self.base_url}"
        rel = url[len(self.base_url):]
        return self.public / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)

    def html_pages(self) -> list[Path]:
        return sorted(self.public.rglob("*.html"))

    def article_pages(self) -> list[Path]:
        return sorted((self.public / "artigos").glob("*/index.html"))

    def source_for(self, page: Path) -> dict:
        return self.sources[page.parent.name]


def _sources(content: Path) -> dict[str, dict]:
    """slug → front matter of every published article (PyYAML, independently of the generator)."""
    reference = datetime.fromisoformat(NOW)
    out = {}
    for path in sorted(content.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        meta = yaml.safe_load(text.split("\n---\n", 1)[0].removeprefix("---\n"))
        if meta.get("draft") or meta["date"] > reference:
            continue
        meta.setdefault("tags", [])
        out[meta["slug"]] = meta
    return out


def _newest_first(sources: dict[str, dict]) -> list[dict]:
    return sorted(sources.values(), key=lambda m: (-m["date"].timestamp(), m["slug"]))


def _slug(text: str) -> str:
    from slugify import slugify
    return slugify(text)


@pytest.fixture(scope="module")
def fixture_site(tmp_path_factory) -> Built:
    site = build_fixture(tmp_path_factory.mktemp("leitor") / "site")
    return Built(site.root, site.public)


@pytest.fixture(scope="module")
def real_site(tmp_path_factory) -> Built:
    from checktools import PROJECT
    out = build_real_content(tmp_path_factory.mktemp("real") / "public")
    return Built(PROJECT, out)


@pytest.fixture(params=["fixture", "real"])
def built(request) -> Built:
    return request.getfixturevalue(f"{request.param}_site")


def _meta(page, key: str, attr: str = "property") -> list[str]:
    return [m.get("content") for m in page.xpath(f"//meta[@{attr}=$k]", k=key)]


# -- Atom feeds -------------------------------------------------------------------------------------

def _feeds(site: Built) -> list[Path]:
    return sorted(site.public.rglob("feed.xml"))


def test_a_feed_for_the_site_every_tag_and_every_author(built):
    feeds = {p.relative_to(built.public).as_posix() for p in _feeds(built)}
    tags = {p.parent.name for p in (built.public / "tags").glob("*/index.html")}
    authors = {p.parent.name for p in (built.public / "autores").glob("*/index.html")}
    expected = {"feed.xml"} | {f"tags/{t}/feed.xml" for t in tags} | {f"autores/{a}/feed.xml" for a in authors}
    assert feeds == expected
    assert tags and authors


def test_feeds_parse_cleanly_and_have_every_required_atom_element(built):
    for path in _feeds(built):
        data = path.read_bytes()
        parsed = feedparser.parse(data)
        assert not parsed.bozo, (path, parsed.get("bozo_exception"))
        assert parsed.version == "atom10", path
        feed = etree.fromstring(data)
        assert feed.tag == f"{ATOM}feed"
        for name in ("id", "title", "updated"):
            assert (feed.findtext(f"{ATOM}{name}") or "").strip(), (path, name)
        assert RFC3339.match(feed.findtext(f"{ATOM}updated")), path
        self_links = feed.findall(f"{ATOM}link[@rel='self']")
        assert [link.get("href") for link in self_links] == [built.base_url + path.relative_to(built.public).as_posix()]
        alternate = feed.find(f"{ATOM}link[@rel='alternate']")
        assert built.file_for(alternate.get("href")).is_file()
        assert feed.find(f"{ATOM}author/{ATOM}name") is not None  # entries may then omit it; ours never do
        entries = feed.findall(f"{ATOM}entry")
        assert entries, path
        ids = [e.findtext(f"{ATOM}id") for e in entries]
        assert len(set(ids)) == len(ids), path
        for entry in entries:
            where = (path, entry.findtext(f"{ATOM}title"))
            for name in ("id", "title", "updated", "published", "summary", "content"):
                assert (entry.findtext(f"{ATOM}{name}") or "").strip(), (where, name)
            for name in ("updated", "published"):
                assert RFC3339.match(entry.findtext(f"{ATOM}{name}")), where
            assert entry.find(f"{ATOM}content").get("type") == "html"
            links = entry.findall(f"{ATOM}link[@rel='alternate']")
            assert len(links) == 1 and links[0].get("type") == "text/html", where
            assert built.file_for(links[0].get("href")).is_file(), where
            assert entry.findtext(f"{ATOM}id") == links[0].get("href")  # stable: the article's permanent URL
            authors = entry.findall(f"{ATOM}author")
            assert authors, where
            for author in authors:
                assert author.findtext(f"{ATOM}name").strip()
                assert built.file_for(author.findtext(f"{ATOM}uri")).is_file(), where


def test_site_feed_holds_the_20_newest_articles_with_content_dates(built):
    feed = feedparser.parse((built.public / "feed.xml").read_bytes())
    newest = _newest_first(built.sources)[:20]
    assert [e.title for e in feed.entries] == [m["title"] for m in newest]
    for entry, meta in zip(feed.entries, newest):
        assert datetime.fromisoformat(entry.published) == meta["date"]
        assert entry.link == built.base_url + f"artigos/{meta['slug']}/"
        assert [a.href for a in entry.authors] == [built.base_url + f"autores/{_slug(n)}/" for n in meta["authors"]]
    updated = max(m.get("updated") or m["date"] for m in newest)
    assert datetime.fromisoformat(feed.feed.updated) == updated


def test_tag_and_author_feeds_hold_exactly_their_articles(fixture_site):
    site = fixture_site
    for kind, field in (("tags", "tags"), ("autores", "authors")):
        for path in sorted((site.public / kind).glob("*/feed.xml")):
            slug = path.parent.name
            expected = [m["title"] for m in _newest_first(site.sources)
                        if slug in {_slug(v) for v in m[field]}][:20]
            titles = [e.title for e in feedparser.parse(path.read_bytes()).entries]
            assert titles == expected, path
    accented = feedparser.parse((site.public / "tags/inteligencia-artificial/feed.xml").read_bytes())
    assert accented.feed.title.endswith("Inteligência artificial")


def test_feed_entries_carry_the_full_escaped_body(fixture_site):
    raw = (fixture_site.public / "feed.xml").read_text(encoding="utf-8")
    assert "&lt;h2 id=" in raw  # HTML escaped as text, not embedded markup
    feed = feedparser.parse(raw.encode())
    by_link = {e.link: e for e in feed.entries}
    sections = by_link[fixture_site.base_url + f"artigos/{sitegen.SECTIONS_SLUG}/"]
    body = sections.content[0].value
    for heading in sitegen.SECTION_HEADINGS:
        assert heading in body
    assert "<table>" in body and "<blockquote>" in body
    tricky = by_link[fixture_site.base_url + f"artigos/{sitegen.SCRIPT_SLUG}/"]
    assert tricky.title == sitegen.SCRIPT_TITLE
    assert "</script>" in tricky.summary and "<b>" in tricky.summary  # text, shown literally


def test_feed_size_is_configurable(make_site):
    site = make_site()
    site.config(feed_entries=3)
    sitegen.populate(site, 8)
    assert site.build("--quiet") == 0
    assert len(feedparser.parse((site.public / "feed.xml").read_bytes()).entries) == 3
    tag_feed = feedparser.parse((site.public / "tags/seguranca/feed.xml").read_bytes())
    assert 1 <= len(tag_feed.entries) <= 3


def test_feeds_and_sitemap_do_not_depend_on_the_build_clock(fixture_site, tmp_path):
    """Two builds a month apart: every feed and the sitemap are byte-identical (dates come from content)."""
    from conftest import SiteFolder
    site = SiteFolder(fixture_site.root)
    later = (datetime.fromisoformat(NOW) + timedelta(days=30)).isoformat()
    assert site.build("--now", later, "--output", str(tmp_path / "later"), "--quiet") == 0
    for path in _feeds(fixture_site) + [fixture_site.public / "sitemap.xml"]:
        rel = path.relative_to(fixture_site.public)
        assert (tmp_path / "later" / rel).read_bytes() == path.read_bytes(), rel


def test_every_html_page_advertises_its_feeds(built):
    for path in built.html_pages():
        page = built.page(path.relative_to(built.public).as_posix())
        hrefs = page.xpath("//head/link[@rel='alternate'][@type='application/atom+xml']/@href")
        assert built.base_path + "feed.xml" in hrefs, path
        rel = path.relative_to(built.public).as_posix()
        parts = rel.split("/")
        if parts[0] in ("tags", "autores") and len(parts) > 2:
            own = f"{parts[0]}/{parts[1]}/feed.xml"
            assert any(h.endswith(own) for h in hrefs), (path, hrefs)
        for href in hrefs:
            assert (built.public / href[len(built.base_path):]).is_file(), (path, href)


# -- Sitemaps, robots.txt, 404 ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sitemap_schema():
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(sitemap_xsd()), parser))


def _locs(data: bytes, tag: str = "url") -> list[tuple[str, str | None]]:
    root = etree.fromstring(data)
    return [(u.findtext(f"{SM}loc"), u.findtext(f"{SM}lastmod")) for u in root.findall(f"{SM}{tag}")]


def _indexable(site: Built) -> set[str]:
    """Every HTML page a crawler should see: all but those marked noindex (the 404 page) and the search page."""
    out = set()
    for path in site.html_pages():
        if path.relative_to(site.public).parts[0] == "busca":  # results exist only in the browser
            continue
        page = html.fromstring(path.read_bytes())
        if "noindex" in " ".join(page.xpath("//meta[@name='robots']/@content")):
            continue
        rel = path.relative_to(site.public).as_posix()
        out.add(site.base_url + (rel[:-len("index.html")] if rel.endswith("index.html") else rel))
    return out


def test_sitemap_is_valid_against_the_sitemaps_org_schema(built, sitemap_schema):
    doc = etree.parse(str(built.public / "sitemap.xml"))
    assert sitemap_schema.validate(doc), sitemap_schema.error_log


def test_sitemap_lists_every_public_page_once_with_absolute_urls(built):
    entries = _locs((built.public / "sitemap.xml").read_bytes())
    locs = [loc for loc, _ in entries]
    assert len(locs) == len(set(locs))
    assert all(loc.startswith(built.base_url) for loc in locs)
    missing = [loc for loc in locs if not built.file_for(loc).is_file()]
    assert not missing
    assert set(locs) == _indexable(built)
    assert built.base_url + "404.html" not in locs


def test_sitemap_lastmod_comes_from_the_articles(built):
    lastmod = dict(_locs((built.public / "sitemap.xml").read_bytes()))
    for slug, meta in built.sources.items():
        value = lastmod[built.base_url + f"artigos/{slug}/"]
        assert RFC3339.match(value)
        assert datetime.fromisoformat(value) == (meta.get("updated") or meta["date"])
    assert datetime.fromisoformat(lastmod[built.base_url]) == max(m.get("updated") or m["date"]
                                                                  for m in built.sources.values())


def test_split_cuts_at_50000_urls():
    from biteye_site import sitemap
    entries = [(f"https://x.example/p{i}/", None) for i in range(100_001)]
    parts = sitemap.split(entries)
    assert [len(p) for p in parts] == [50_000, 50_000, 1]
    assert [e for p in parts for e in p] == entries
    assert sitemap.split([]) == [[]]
    assert [len(p) for p in sitemap.split(entries[:50_000])] == [50_000]


def test_a_site_past_the_limit_gets_a_sitemap_index(fixture_site, sitemap_schema, monkeypatch):
    """The 50,000 limit lowered to 40 URLs: same code path as a huge archive, without building one."""
    from biteye_site import routes
    from biteye_site.build import BuildOptions, generate
    from biteye_site.config import load_config
    config = load_config(fixture_site.root / "site.yaml")
    options = BuildOptions(now=datetime.fromisoformat(NOW), use_cache=False, jobs=1)
    whole = _locs(dict(generate(config, options).files)["sitemap.xml"])
    monkeypatch.setattr(routes, "MAX_SITEMAP_URLS", 40)
    files = dict(generate(config, options).files)
    index = etree.fromstring(files["sitemap.xml"])
    assert index.tag == f"{SM}sitemapindex"
    listed = _locs(files["sitemap.xml"], tag="sitemap")
    expected_parts = math.ceil(len(whole) / 40)
    assert len(whole) > 80 and len(listed) == expected_parts
    joined = []
    for n, (loc, lastmod) in enumerate(listed, start=1):
        assert loc == fixture_site.base_url + f"sitemap-{n}.xml"
        part = files[f"sitemap-{n}.xml"]
        assert sitemap_schema.validate(etree.fromstring(part)), sitemap_schema.error_log
        urls = _locs(part)
        assert 1 <= len(urls) <= 40
        assert lastmod is not None and RFC3339.match(lastmod)
        assert datetime.fromisoformat(lastmod) == max(datetime.fromisoformat(m) for _, m in urls if m)
        joined += urls
    assert joined == whole
    robots = files["robots.txt"].decode()
    assert f"Sitemap: {fixture_site.base_url}sitemap.xml" in robots


def test_news_sitemap_has_the_last_two_days(fixture_site, sitemap_schema):
    root = etree.fromstring((fixture_site.public / "sitemap-news.xml").read_bytes())
    bare = etree.fromstring((fixture_site.public / "sitemap-news.xml").read_bytes())
    for news in bare.iter(f"{NEWS}news"):  # no offline news XSD: check the sitemaps.org part of it
        news.getparent().remove(news)
    assert sitemap_schema.validate(bare), sitemap_schema.error_log
    urls = root.findall(f"{SM}url")
    locs = [u.findtext(f"{SM}loc") for u in urls]
    reference = datetime.fromisoformat(NOW)
    expected = [m for m in _newest_first(fixture_site.sources) if reference - timedelta(days=2) <= m["date"] <= reference]
    assert len(expected) == len(sitegen.NEWS_DATES)
    assert locs == [fixture_site.base_url + f"artigos/{m['slug']}/" for m in expected]
    for url, meta in zip(urls, expected):
        news = url.find(f"{NEWS}news")
        assert news.findtext(f"{NEWS}publication/{NEWS}name") == fixture_site.publisher
        assert news.findtext(f"{NEWS}publication/{NEWS}language") == "pt"
        assert datetime.fromisoformat(news.findtext(f"{NEWS}publication_date")) == meta["date"]
        assert news.findtext(f"{NEWS}title") == meta["title"]


def test_news_window_follows_source_date_epoch(make_site):
    """No --now: the reference time is SOURCE_DATE_EPOCH (here 2026-10-31 16:00 in São Paulo)."""
    site = make_site()
    sitegen.populate(site, 8)
    epoch = int(datetime.fromisoformat("2026-10-31T16:00:00-03:00").timestamp())
    result = site.run("build", "--quiet", env={"SOURCE_DATE_EPOCH": str(epoch)})
    assert result.returncode == 0, result.stderr
    root = etree.fromstring((site.public / "sitemap-news.xml").read_bytes())
    titles = [u.findtext(f"{SM}url/{NEWS}news/{NEWS}title") or u.findtext(f"{NEWS}news/{NEWS}title")
              for u in root.findall(f"{SM}url")]
    # 2026-10-31 15:30, 2026-10-30 13:00 and 11:00 (inside 29 16:00 … 31 16:00); the 1 Nov one is not yet out.
    assert titles == ["Satélite fictício fotografa a serra em alta resolução", sitegen.SCRIPT_TITLE,
                      "Artigo publicado pouco antes da janela de notícias"]


def test_robots_txt_points_at_both_sitemaps(built):
    text = (built.public / "robots.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert "User-agent: *" in lines
    assert f"Sitemap: {built.base_url}sitemap.xml" in lines
    # The news sitemap exists (and is advertised) only when articles of the last two days exist:
    # an empty <urlset> is invalid. The real content's only article is months old.
    news = (built.public / "sitemap-news.xml").is_file()
    assert (f"Sitemap: {built.base_url}sitemap-news.xml" in lines) == news
    if news:
        assert etree.fromstring((built.public / "sitemap-news.xml").read_bytes()).findall(f"{SM}url")
    assert not any(line.startswith("Disallow: /") and line.strip() != "Disallow:" for line in lines)


def test_404_page_is_portuguese_and_works_at_any_depth(built):
    page = built.page("404.html")
    assert page.get("lang") == "pt-BR"
    assert "Página não encontrada" in page.findtext(".//title")
    assert page.xpath("//h1")[0].text_content().strip() == "Página não encontrada"
    assert page.xpath("//meta[@name='robots']/@content") == ["noindex"]
    assert not page.xpath("//link[@rel='canonical']")
    base_path = built.base_path
    for attr in page.xpath("//@href | //@src"):
        # Served for /any/missing/path: only root-relative or absolute links still work there.
        assert attr.startswith((base_path, "https://", "http://", "#")), attr
        if attr.startswith(base_path):
            assert (built.public / attr[len(base_path):].split("#")[0]).exists() or attr.endswith("/"), attr


# -- Article metadata ---------------------------------------------------------------------------------

def test_article_pages_have_canonical_opengraph_and_twitter_tags(built):
    for path in built.article_pages():
        meta = built.source_for(path)
        page = html.fromstring(path.read_bytes())
        url = built.base_url + f"artigos/{meta['slug']}/"
        assert page.xpath("//link[@rel='canonical']/@href") == [url]
        description = page.xpath("//meta[@name='description']/@content")
        assert len(description) == 1 and description[0].strip()
        if meta.get("summary"):
            assert description == [meta["summary"]]
        assert _meta(page, "og:type") == ["article"]
        assert _meta(page, "og:title") == [meta["title"]]
        assert _meta(page, "og:description") == description
        assert _meta(page, "og:url") == [url]
        assert _meta(page, "og:locale") == ["pt_BR"]
        assert _meta(page, "og:site_name")[0]
        assert [datetime.fromisoformat(v) for v in _meta(page, "article:published_time")] == [meta["date"]]
        authors = _meta(page, "article:author")
        assert len(authors) == len(meta["authors"]) and all(built.file_for(a).is_file() for a in authors)
        assert len(_meta(page, "article:tag")) == len({_slug(t) for t in meta["tags"]})
        assert _meta(page, "twitter:title", "name") == [meta["title"]]
        assert _meta(page, "twitter:description", "name") == description
        if meta.get("image"):
            image = built.base_url + meta["image"].lstrip("/")
            assert _meta(page, "og:image") == [image] and built.file_for(image).is_file()
            assert _meta(page, "twitter:card", "name") == ["summary_large_image"]
            assert _meta(page, "twitter:image", "name") == [image]
        else:
            assert _meta(page, "og:image") == []
            assert _meta(page, "twitter:card", "name") == ["summary"]


def test_other_pages_have_canonical_and_opengraph_tags(built):
    for path in built.html_pages():
        rel = path.relative_to(built.public).as_posix()
        page = html.fromstring(path.read_bytes())
        assert _meta(page, "og:locale") == ["pt_BR"], rel
        assert page.xpath("//meta[@name='description']/@content")[0].strip(), rel
        if rel != "404.html":
            url = built.base_url + (rel[:-len("index.html")] if rel.endswith("index.html") else rel)
            assert page.xpath("//link[@rel='canonical']/@href") == [url], rel
            assert _meta(page, "og:url") == [url], rel


def _jsonld(page_bytes: bytes) -> list[dict]:
    text = page_bytes.decode("utf-8")
    blocks = re.findall(r'<script type="application/ld\+json">(.*?)</script>', text, re.S)
    return [json.loads(b) for b in blocks]


def test_article_jsonld_is_a_complete_news_article(built):
    for path in built.article_pages():
        meta = built.source_for(path)
        blocks = _jsonld(path.read_bytes())
        assert len(blocks) == 1, path
        data = blocks[0]
        url = built.base_url + f"artigos/{meta['slug']}/"
        assert data["@context"] == "https://schema.org" and data["@type"] == "NewsArticle"
        assert data["headline"] == meta["title"]
        assert data["description"].strip()
        for key in ("datePublished", "dateModified"):
            assert RFC3339.match(data[key]) and not data[key].endswith("Z"), (path, key)  # ISO 8601 with offset
        assert datetime.fromisoformat(data["datePublished"]) == meta["date"]
        assert datetime.fromisoformat(data["dateModified"]) == (meta.get("updated") or meta["date"])
        assert len(data["author"]) == len(meta["authors"])
        for person in data["author"]:
            assert person["@type"] == "Person" and person["name"].strip()
            author_page = built.file_for(person["url"])
            assert author_page.is_file()
            assert html.fromstring(author_page.read_bytes()).xpath("//h1")[0].text_content().startswith(person["name"])
        publisher = data["publisher"]
        assert publisher["@type"] == "Organization" and publisher["name"] == built.publisher
        logo = built.file_for(publisher["logo"]["url"])
        assert logo.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
        assert data["image"] and all(built.file_for(u).is_file() for u in data["image"])
        if meta.get("image"):
            assert data["image"] == [built.base_url + meta["image"].lstrip("/")]
        assert data["inLanguage"] == built.language
        assert data["mainEntityOfPage"]["@id"] == url


def test_a_title_with_script_and_quotes_stays_data(fixture_site):
    raw = (fixture_site.public / f"artigos/{sitegen.SCRIPT_SLUG}/index.html").read_text(encoding="utf-8")
    start = raw.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    end = raw.index("</script>", start)
    block = raw[start:end]
    assert "<" not in block and "</script" not in block.lower() and "<!--" not in block
    assert json.loads(block)["headline"] == sitegen.SCRIPT_TITLE
    page = html.fromstring(raw)
    assert page.xpath("//h1")[0].text_content() == sitegen.SCRIPT_TITLE
    assert page.findtext(".//title").startswith(sitegen.SCRIPT_TITLE)
    assert _meta(page, "og:title") == [sitegen.SCRIPT_TITLE]
    assert not page.xpath("//main//b")  # the summary's <b> is text, not markup
    assert len(page.xpath("//script")) == 1


def test_publisher_logo_is_the_drawn_png():
    from biteye_site import icons
    from checktools import PROJECT
    logo = (PROJECT / "static/img/logo.png").read_bytes()
    assert logo == icons.logo_png()
    width, height = struct.unpack(">II", logo[16:24])
    assert width >= 112 and height >= 112  # the smallest logo search engines accept


def test_favicon_ico_holds_a_png():
    from checktools import PROJECT
    from biteye_site import icons
    ico = icons.favicon_ico()
    reserved, kind, count = struct.unpack("<HHH", ico[:6])
    assert (reserved, kind, count) == (0, 1, 1)
    size, offset = struct.unpack("<II", ico[14:22])
    assert ico[offset:offset + 8] == b"\x89PNG\r\n\x1a\n" and offset + size == len(ico)
    assert (PROJECT / "static/img/favicon.svg").read_text().startswith("<svg")


# -- Reading aids ---------------------------------------------------------------------------------------

def test_articles_show_reading_time_in_portuguese(built):
    for path in built.article_pages():
        page = html.fromstring(path.read_bytes())
        text = page.xpath("//*[@class='reading-time']")[0].text_content()
        assert re.fullmatch(r"\d+ min de leitura", text), text


def test_table_of_contents_for_three_or_more_sections(fixture_site):
    page = fixture_site.page(f"artigos/{sitegen.SECTIONS_SLUG}/index.html")
    links = page.xpath("//nav[contains(@class,'toc')]//a")
    assert [a.text_content() for a in links] == list(sitegen.SECTION_HEADINGS)
    body_ids = page.xpath("//div[@class='article-body']//h2/@id")
    assert [a.get("href") for a in links] == [f"#{i}" for i in body_ids]
    short = fixture_site.page(f"artigos/{sitegen.IMAGE_SLUG}/index.html")
    assert not short.xpath("//nav[contains(@class,'toc')]")


def _tag_slugs(meta: dict) -> set[str]:
    return {_slug(t) for t in meta["tags"]}


def test_related_articles_share_tags_best_first(fixture_site):
    site = fixture_site
    for path in site.article_pages():
        meta = site.source_for(path)
        related = [a.get("href").rstrip("/").rsplit("/", 1)[-1] for a in
                   html.fromstring(path.read_bytes()).xpath("//section[@class='related']//a")]
        assert len(related) <= 3 and meta["slug"] not in related
        shared = [len(_tag_slugs(meta) & _tag_slugs(site.sources[s])) for s in related]
        assert all(n >= 1 for n in shared) and shared == sorted(shared, reverse=True), path
        candidates = [len(_tag_slugs(meta) & _tag_slugs(m)) for s, m in site.sources.items()
                      if s != meta["slug"] and s not in related]
        if len(related) < 3:
            assert max(candidates, default=0) == 0, path
        elif related:
            assert max(candidates, default=0) <= shared[-1], path


def test_previous_and_next_follow_publication_order(built):
    order = [m["slug"] for m in _newest_first(built.sources)]
    for i, slug in enumerate(order):
        page = built.page(f"artigos/{slug}/index.html")
        older = page.xpath("//nav[@class='prev-next']//a[@rel='prev']/@href")
        newer = page.xpath("//nav[@class='prev-next']//a[@rel='next']/@href")
        assert [h.rstrip("/").rsplit("/", 1)[-1] for h in older] == order[i + 1:i + 2]
        assert [h.rstrip("/").rsplit("/", 1)[-1] for h in newer] == order[max(0, i - 1):i]


def test_breadcrumbs_lead_home_through_the_archive(built):
    for path in built.article_pages():
        meta = built.source_for(path)
        page = html.fromstring(path.read_bytes())
        crumbs = page.xpath("//nav[@class='breadcrumbs']//li")
        labels = [c.text_content().strip() for c in crumbs]
        local = meta["date"].astimezone(__import__("zoneinfo").ZoneInfo("America/Sao_Paulo"))
        assert labels == ["Início", "Arquivo", str(local.year), MONTHS[local.month - 1].capitalize(), meta["title"]]
        assert crumbs[-1].xpath(".//*[@aria-current='page']")


def test_archive_pages_use_portuguese_month_names_and_counts(built):
    months: dict[tuple[int, int], int] = {}
    from zoneinfo import ZoneInfo
    for meta in built.sources.values():
        local = meta["date"].astimezone(ZoneInfo("America/Sao_Paulo"))
        months[(local.year, local.month)] = months.get((local.year, local.month), 0) + 1
    archive = built.page("arquivo/index.html").text_content()
    for (year, month), count in months.items():
        name = MONTHS[month - 1].capitalize()
        assert f"{name} de {year}" in archive
        page = built.page(f"arquivo/{year:04d}/{month:02d}/index.html")
        assert page.xpath("//h1")[0].text_content().strip() == f"{name} de {year}"
        assert f"{count} {'artigo' if count == 1 else 'artigos'}" in page.xpath("//p[@class='lead']")[0].text_content()


def test_tag_and_author_pages_show_counts(built):
    for kind, field in (("tags", "tags"), ("autores", "authors")):
        index = built.page(f"{kind}/index.html")
        for path in sorted((built.public / kind).glob("*/index.html")):
            slug = path.parent.name
            count = sum(1 for m in built.sources.values() if slug in {_slug(v) for v in m[field]})
            words = f"{count} {'artigo' if count == 1 else 'artigos'}"
            lead = html.fromstring(path.read_bytes()).xpath("//p[@class='lead']")[0].text_content()
            assert lead.startswith(words), (path, lead)
            items = [a.getparent() for a in index.xpath("//main//li/a") if a.get("href") == built.base_path + f"{kind}/{slug}/"]
            assert len(items) == 1 and f"({words})" in items[0].text_content(), (kind, slug)


# -- No external resources, no JavaScript needed ----------------------------------------------------------

def test_pages_load_nothing_from_other_hosts_and_need_no_javascript(built):
    for path in built.html_pages():
        rel = path.relative_to(built.public).as_posix()
        page = html.fromstring(path.read_bytes())
        fetched = (page.xpath("//script/@src | //img/@src | //img/@srcset | //iframe/@src | //source/@src"
                              " | //video/@src | //audio/@src | //embed/@src | //object/@data")
                   + page.xpath("//link[@rel='stylesheet' or @rel='icon' or @rel='preload' or @rel='modulepreload'"
                                " or @rel='manifest']/@href"))
        for url in fetched:
            assert not re.match(r"^(https?:)?//", url), (rel, url)
        assert not page.xpath("//@style[contains(., 'url(')]"), rel
        if not rel.startswith("busca/"):  # the search page is the one place that runs code, on purpose
            scripts = page.xpath("//script[not(@type='application/ld+json')]")
            assert not scripts, rel
    for css in (built.public / "static").rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text and "@font-face" not in text, css
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css


def test_every_page_has_skip_link_favicon_and_print_stylesheet(built):
    for path in built.html_pages():
        page = html.fromstring(path.read_bytes())
        first_link = page.xpath("//body//a")[0]
        assert first_link.get("href") == "#conteudo" and first_link.text_content() == "Pular para o conteúdo"
        assert page.xpath("//*[@id='conteudo']")
        icons = page.xpath("//link[@rel='icon']/@href")
        assert icons and all((built.public / i[len(built.base_path):]).is_file() for i in icons)
        prints = page.xpath("//link[@rel='stylesheet'][@media='print']/@href")
        assert prints and all((built.public / p[len(built.base_path):]).is_file() for p in prints)
    assert (built.public / "favicon.ico").is_file()
