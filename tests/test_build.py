"""Targeted tests of the build pipeline (issue 2): one behaviour per test, small sites built in-process.

Every site here is fictional and made in a temporary folder by ``make_site``
(the project's real templates and static files, a generated ``site.yaml``).
Builds go through the real CLI entry point with the fixed ``--now`` of
conftest (``NOW``), so nothing depends on the clock. Assertions read the
written HTML with lxml and look at meaning (which articles a page links to,
which ``rel=prev/next`` links it has, what a ``<time>`` says) rather than at
the exact markup, which belongs to the theme.
"""

from __future__ import annotations

import math
import re
import unicodedata
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import html as lxml_html

from biteye_site.cli import main as cli_main
from biteye_site.slugs import slugify_text
from conftest import NOW, PROJECT

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
MONTHS_PT = ("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro",
             "outubro", "novembro", "dezembro")
ARTICLE_HREF = re.compile(r"/artigos/([a-z0-9-]+)/$")


# -- helpers ------------------------------------------------------------------------------------

def page(site, rel: str):
    """The parsed HTML of public/<rel> (``''`` or a folder → its index.html)."""
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return lxml_html.fromstring(site.read(rel))


def main_of(root):
    found = root.find(".//main")
    return found if found is not None else root


def listed_articles(site, rel: str) -> list[str]:
    """Slugs of the articles a list page links to inside <main>, in order, each once."""
    slugs: list[str] = []
    for a in main_of(page(site, rel)).iter("a"):
        m = ARTICLE_HREF.search(a.get("href", ""))
        if m and m.group(1) not in slugs:
            slugs.append(m.group(1))
    return slugs


def rel_links(root, rel: str) -> set[str]:
    """hrefs of every <a>/<link> whose rel contains ``rel``."""
    return {el.get("href") for el in root.iter("a", "link") if rel in (el.get("rel") or "").split()}


def text_of(root) -> str:
    return re.sub(r"\s+", " ", root.text_content()).strip()


def times(root) -> list[tuple[str, str]]:
    """(datetime attribute, visible text) of every <time> element."""
    return [(t.get("datetime"), text_of(t)) for t in root.iter("time")]


def local_links(root) -> list[str]:
    """Every href/src in the page that is not an external URL, a fragment or mailto:."""
    out = []
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        for attr in ("href", "src", "action"):
            value = el.get(attr)
            if value and not re.match(r"^([a-z][a-z0-9+.-]*:|#)", value, re.I):
                out.append(value)
    return out


def target_file(site, href: str, base_path: str = "/") -> Path:
    """The output file a link points to (``base_path``: the site's URL path, or its whole base URL)."""
    assert href.startswith(base_path), f"link {href!r} does not start with the base path {base_path!r}"
    rel = href[len(base_path):].split("#")[0].split("?")[0]
    if rel == "" or rel.endswith("/"):
        rel += "index.html"
    return site.public / rel


def build_ok(site, *args: str) -> None:
    code = site.build(*args)
    assert code == 0, f"build failed with exit code {code}"


def add_many(site, n: int, *, tags=("Paginação",), authors=("Ana Teste",), start="2026-03-01T00:00:00-03:00"):
    """n articles 'Artigo 01'..'Artigo n', one hour apart (all in March 2026), newest last."""
    base = datetime.fromisoformat(start)
    for i in range(1, n + 1):
        when = base + timedelta(hours=i - 1)
        site.add(f"{i:02d}.md", title=f"Artigo {i:02d}", date=when.isoformat(), tags=tags, authors=authors)


# -- slugs and transliteration ------------------------------------------------------------------

@pytest.mark.parametrize("text, slug", [
    ("Ação e Reação no Código Aberto", "acao-e-reacao-no-codigo-aberto"),
    ("Inteligência Artificial", "inteligencia-artificial"),
    ("  Python: o guia!  ", "python-o-guia"),
    ("São Paulo — 2026", "sao-paulo-2026"),
    ("Über die Straße", "uber-die-strasse"),
    ("Łódź e Ñandú", "lodz-e-nandu"),
])
def test_slugs_are_transliterated_ascii(text, slug):
    assert slugify_text(text) == slug
    # The decomposed spelling (letters + combining accents) gives the same slug.
    assert slugify_text(unicodedata.normalize("NFD", text)) == slug


def test_output_paths_are_ascii_and_follow_the_slugs(site):
    site.add("2026/acao.md", title="Ação e Reação no Código Aberto", authors=["João Ninguém"],
             tags=["Ciência & Tecnologia", "Łódź", "中文"])
    build_ok(site)
    tree = site.tree()
    assert all(path.isascii() for path in tree), [p for p in tree if not p.isascii()]
    for expected in ("artigos/acao-e-reacao-no-codigo-aberto/index.html", "autores/joao-ninguem/index.html",
                     "tags/ciencia-tecnologia/index.html", "tags/lodz/index.html"):
        assert expected in tree
    # The source's folder and file name play no part in the URL.
    assert not any("2026/acao" in path for path in tree)
    # Every tag got exactly one page (the Chinese one too, transliterated).
    tag_pages = sorted(p for p in tree if re.fullmatch(r"tags/[^/]+/index\.html", p))
    assert len(tag_pages) == 3, tag_pages


def test_explicit_slug_wins_over_the_title(site):
    site.add("a.md", title="Um título qualquer", slug="outro-endereco")
    build_ok(site)
    assert (site.public / "artigos/outro-endereco/index.html").is_file()
    assert not (site.public / "artigos/um-titulo-qualquer").exists()


# -- tag and author merging ---------------------------------------------------------------------

def tag_links(root) -> list[tuple[str, str]]:
    """(href, text) of every link to a tag page inside <main>."""
    return [(a.get("href"), text_of(a)) for a in main_of(root).iter("a")
            if re.search(r"/tags/[a-z0-9-]+/$", a.get("href", ""))]


def test_tag_spellings_merge_and_the_most_used_spelling_is_shown(site):
    site.add("a.md", title="Primeiro", date="2026-03-01T10:00:00-03:00", tags=["IA", "Código Aberto"])
    site.add("b.md", title="Segundo", date="2026-03-02T10:00:00-03:00", tags=["ia", "codigo aberto"])
    site.add("c.md", title="Terceiro", date="2026-03-03T10:00:00-03:00", tags=["IA", "código aberto"])
    site.add("d.md", title="Quarto", date="2026-03-04T10:00:00-03:00", tags=["Código Aberto"])
    build_ok(site)
    tags = sorted(p for p in site.tree() if p.startswith("tags/") and p.endswith("/index.html") and p != "tags/index.html")
    assert tags == ["tags/codigo-aberto/index.html", "tags/ia/index.html"]
    assert sorted(listed_articles(site, "tags/ia/")) == ["primeiro", "segundo", "terceiro"]
    assert sorted(listed_articles(site, "tags/codigo-aberto/")) == ["primeiro", "quarto", "segundo", "terceiro"]
    # The index lists each merged tag once, under its most used spelling.
    index = tag_links(page(site, "tags/"))
    assert sorted(index) == [("/tags/codigo-aberto/", "Código Aberto"), ("/tags/ia/", "IA")]
    # Every article shows the merged tag's name, whatever spelling it used.
    for slug in ("primeiro", "segundo", "terceiro"):
        shown = dict(tag_links(page(site, f"artigos/{slug}/")))
        assert shown["/tags/ia/"] == "IA"
        assert shown["/tags/codigo-aberto/"] == "Código Aberto"
    assert "Código Aberto" in text_of(page(site, "tags/codigo-aberto/").find(".//h1"))


@pytest.mark.parametrize("older, newer", [("codigo aberto", "Código Aberto"), ("Código Aberto", "codigo aberto")])
def test_tied_spellings_go_to_the_first_use_whatever_the_file_names(site, older, newer):
    # File names sort opposite to dates, so file-system order cannot decide.
    site.add("z-antigo.md", title="Antigo", date="2025-01-10T10:00:00-03:00", tags=[older])
    site.add("a-novo.md", title="Novo", date="2026-01-10T10:00:00-03:00", tags=[newer])
    build_ok(site)
    assert tag_links(page(site, "tags/")) == [("/tags/codigo-aberto/", older)]
    assert dict(tag_links(page(site, "artigos/novo/")))["/tags/codigo-aberto/"] == older


def test_composed_and_decomposed_unicode_are_one_tag_shown_composed(site):
    composed = "Ética"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    site.add("a.md", title="Um", date="2026-03-01T10:00:00-03:00", tags=[decomposed], authors=["José Dê"])
    site.add("b.md", title="Dois", date="2026-03-02T10:00:00-03:00", tags=[composed],
             authors=[unicodedata.normalize("NFD", "José Dê")])
    build_ok(site)
    assert tag_links(page(site, "tags/")) == [("/tags/etica/", composed)]
    assert sorted(listed_articles(site, "tags/etica/")) == ["dois", "um"]
    assert sorted(listed_articles(site, "autores/jose-de/")) == ["dois", "um"]
    raw = site.read("tags/index.html") + site.read("artigos/um/index.html")
    assert decomposed not in raw


def test_two_spellings_in_one_article_count_once(site):
    site.add("a.md", title="Um", tags=["IA", "ia", "Ia"])
    build_ok(site)
    links = tag_links(page(site, "artigos/um/"))
    assert links == [("/tags/ia/", "IA")], links
    assert listed_articles(site, "tags/ia/") == ["um"]


def test_tags_are_listed_in_alphabetical_order_ignoring_accents_and_case(site):
    site.add("a.md", title="Um", tags=["zebra", "Ética", "Área", "bits", "Código"])
    build_ok(site)
    names = [name for _, name in tag_links(page(site, "tags/"))]
    assert names == ["Área", "bits", "Código", "Ética", "zebra"]


def test_author_spellings_merge_and_authors_yaml_gives_name_and_bio(site):
    site.write("content/authors.yaml", "caio nunes:\n  name: Caio Nunes\n  bio: Repórter fictício de testes.\n"
                                       "  link: https://example.org/caio\nBia Lima:\n  bio: Editora inventada.\n")
    site.add("a.md", title="Um", date="2026-03-01T10:00:00-03:00", authors=["CAIO NUNES"])
    site.add("b.md", title="Dois", date="2026-03-02T10:00:00-03:00", authors=["Caio Nunes", "bia lima"])
    site.add("c.md", title="Tres", date="2026-03-03T10:00:00-03:00", authors=["Bia Lima"])
    build_ok(site)
    authors = sorted(p for p in site.tree() if re.fullmatch(r"autores/[^/]+/index\.html", p))
    assert authors == ["autores/bia-lima/index.html", "autores/caio-nunes/index.html"]
    caio = page(site, "autores/caio-nunes/")
    assert "Caio Nunes" in text_of(caio.find(".//h1"))
    assert "Repórter fictício de testes." in text_of(main_of(caio))
    assert "https://example.org/caio" in {a.get("href") for a in main_of(caio).iter("a")}
    assert sorted(listed_articles(site, "autores/caio-nunes/")) == ["dois", "um"]
    bia = page(site, "autores/bia-lima/")
    assert "Editora inventada." in text_of(main_of(bia))
    assert "Bia Lima" in text_of(bia.find(".//h1"))
    # The article's byline uses the profile name, not the spelling in the front matter.
    byline = [text_of(a) for a in main_of(page(site, "artigos/um/")).iter("a")
              if a.get("href") == "/autores/caio-nunes/"]
    assert byline and set(byline) == {"Caio Nunes"}


def test_a_tag_page_lists_exactly_its_articles_newest_first(site):
    spec = {"um": ("2025-01-05T10:00:00-03:00", ["Redes", "Segurança"]),
            "dois": ("2025-06-05T10:00:00-03:00", ["Segurança"]),
            "tres": ("2026-02-05T10:00:00-03:00", ["Redes"]),
            "quatro": ("2026-03-05T10:00:00-03:00", ["Hardware", "segurança"]),
            "cinco": ("2026-04-05T10:00:00-03:00", [])}
    for slug, (date, tags) in spec.items():
        site.add(f"{slug}.md", title=slug.capitalize(), date=date, tags=tags)
    build_ok(site)
    expected = {"redes": ["tres", "um"], "seguranca": ["quatro", "dois", "um"], "hardware": ["quatro"]}
    for tag, slugs in expected.items():
        assert listed_articles(site, f"tags/{tag}/") == slugs, tag
    assert {href for href, _ in tag_links(page(site, "tags/"))} == {f"/tags/{t}/" for t in expected}
    # An article without tags is on the home page but on no tag page.
    assert "cinco" in listed_articles(site, "")


# -- pagination ---------------------------------------------------------------------------------

def check_pagination(site, base: str, expected_slugs: list[str], per_page: int = 20) -> None:
    """``base`` ('' for home, 'tags/x/' …) is paginated into pages of ``per_page``, links right."""
    pages = max(1, math.ceil(len(expected_slugs) / per_page))
    seen: list[str] = []
    for number in range(1, pages + 1):
        rel = base if number == 1 else f"{base}pagina/{number}/"
        assert (site.public / rel / "index.html").is_file(), f"missing page {number} of /{base}"
        root = page(site, rel)
        listed = listed_articles(site, rel)
        if expected_slugs:
            assert listed, f"/{rel} is an empty page"
        assert listed == expected_slugs[(number - 1) * per_page: number * per_page], f"/{rel}"
        seen += listed
        prev = set() if number == 1 else {"/" + (base if number == 2 else f"{base}pagina/{number - 1}/")}
        nxt = set() if number == pages else {f"/{base}pagina/{number + 1}/"}
        assert rel_links(root, "prev") == prev, f"rel=prev on /{rel}"
        assert rel_links(root, "next") == nxt, f"rel=next on /{rel}"
        for href in local_links(main_of(root)):
            assert target_file(site, href).is_file(), f"/{rel} links to {href}, which was not built"
    assert seen == expected_slugs
    assert not (site.public / base / "pagina" / str(pages + 1)).exists(), "an empty extra page was built"
    assert not (site.public / base / "pagina" / "1").exists(), "page 1 must only exist at the list's own URL"


@pytest.mark.parametrize("count", [0, 1, 20, 21, 41])
def test_pagination_of_home_tag_author_and_month(site, count):
    add_many(site, count)
    build_ok(site)
    newest_first = [f"artigo-{i:02d}" for i in range(count, 0, -1)]
    check_pagination(site, "", newest_first)
    if count == 0:
        assert not (site.public / "tags/paginacao").exists()
        assert not (site.public / "autores/ana-teste").exists()
        assert not (site.public / "arquivo/2026").exists()
        assert (site.public / "tags/index.html").is_file() and (site.public / "arquivo/index.html").is_file()
        return
    check_pagination(site, "tags/paginacao/", newest_first)
    check_pagination(site, "autores/ana-teste/", newest_first)
    check_pagination(site, "arquivo/2026/03/", newest_first)


def test_per_page_from_site_yaml(site):
    site.config(per_page=2)
    add_many(site, 5)
    build_ok(site)
    check_pagination(site, "", [f"artigo-{i:02d}" for i in range(5, 0, -1)], per_page=2)


def test_long_pagination_links_a_window_not_every_page(site):
    """21 pages: each links the first, the last and two either side; '…' marks what is left out."""
    site.config(per_page=2)
    add_many(site, 41)
    build_ok(site)
    expected = {1: [1, 2, 3, None, 21], 2: [1, 2, 3, 4, None, 21], 5: [1, 2, 3, 4, 5, 6, 7, None, 21],
                11: [1, None, 9, 10, 11, 12, 13, None, 21], 20: [1, None, 18, 19, 20, 21], 21: [1, None, 19, 20, 21]}
    for number, shown in expected.items():
        rel = "" if number == 1 else f"pagina/{number}/"
        nav = page(site, rel).find(".//nav[@class='pagination']")
        items = []
        for li in nav.find("ul").findall("li"):
            if li.get("class") == "gap":
                assert li.get("aria-hidden") == "true" and text_of(li) == "…"
                items.append(None)
            elif li.find("a") is not None and li.find("a").get("rel") is None:
                items.append(int(text_of(li.find("a"))))
                want = "/" if int(text_of(li)) == 1 else f"/pagina/{int(text_of(li))}/"
                assert li.find("a").get("href") == want
            elif li.find("span") is not None:
                assert li.find("span").get("aria-current") == "page"
                items.append(int(text_of(li)))
        assert items == shown, f"page {number}"
    check_pagination(site, "", [f"artigo-{i:02d}" for i in range(41, 0, -1)], per_page=2)


# -- dates --------------------------------------------------------------------------------------

def article_time(site, slug: str) -> tuple[datetime, str]:
    """(instant in the datetime attribute, visible text) of the article's publication <time>."""
    root = page(site, f"artigos/{slug}/")
    header = root.find(".//article") if root.find(".//article") is not None else main_of(root)
    found = [(attr, text) for attr, text in times(header) if attr]
    assert found, f"no <time datetime> on /artigos/{slug}/"
    attr, text = found[0]
    value = datetime.fromisoformat(attr)
    assert value.tzinfo is not None, f"<time datetime={attr!r}> has no offset"
    return value, text


def test_portuguese_dates_for_all_twelve_months(site):
    for month in range(1, 13):
        site.add(f"{month:02d}.md", title=f"Mes {month:02d}", date=f"2025-{month:02d}-05T12:00:00-03:00")
    build_ok(site)
    for month, name in enumerate(MONTHS_PT, start=1):
        instant, text = article_time(site, f"mes-{month:02d}")
        assert text == f"5 de {name} de 2025"
        assert instant == datetime(2025, month, 5, 12, tzinfo=SAO_PAULO)
        month_page = page(site, f"arquivo/2025/{month:02d}/")
        assert name in text_of(month_page.find(".//h1")).lower()
        assert listed_articles(site, f"arquivo/2025/{month:02d}/") == [f"mes-{month:02d}"]
    # The archive index names every month in Portuguese.
    archive = text_of(main_of(page(site, "arquivo/"))).lower()
    assert all(name in archive for name in MONTHS_PT)


NEAR_MIDNIGHT = [
    # (front-matter date, date shown in São Paulo, archive month)
    ("2026-03-01T01:30:00Z", "28 de fevereiro de 2026", "2026/02"),
    ("2026-01-01T02:59:59+00:00", "31 de dezembro de 2025", "2025/12"),
    ("2026-01-01T03:00:00+00:00", "1 de janeiro de 2026", "2026/01"),
    ("2026-03-05T23:30:00-03:00", "5 de março de 2026", "2026/03"),
    ("2026-03-05T23:30:00-04:00", "6 de março de 2026", "2026/03"),
    ("2026-03-06T00:30:00+09:00", "5 de março de 2026", "2026/03"),
    ("2026-04-30T23:59:59-03:00", "30 de abril de 2026", "2026/04"),
]


def test_dates_near_midnight_are_shown_and_archived_in_the_site_time_zone(site):
    for i, (date, _, _) in enumerate(NEAR_MIDNIGHT):
        site.add(f"{i}.md", title=f"Meia noite {i}", date=date)
    build_ok(site)
    for i, (date, shown, month) in enumerate(NEAR_MIDNIGHT):
        slug = f"meia-noite-{i}"
        instant, text = article_time(site, slug)
        assert text == shown, date
        assert instant == datetime.fromisoformat(date.replace("Z", "+00:00")), date
        assert slug in listed_articles(site, f"arquivo/{month}/"), (date, month)
        # ... and on no other month page.
        for other in {m for _, _, m in NEAR_MIDNIGHT} - {month}:
            assert slug not in listed_articles(site, f"arquivo/{other}/")


@pytest.mark.parametrize("written, expected, shown", [
    ("2026-03-05", datetime(2026, 3, 5, tzinfo=SAO_PAULO), "5 de março de 2026"),
    ("2026-03-05 23:30", datetime(2026, 3, 5, 23, 30, tzinfo=SAO_PAULO), "5 de março de 2026"),
    ("2026-03-05T00:15:00", datetime(2026, 3, 5, 0, 15, tzinfo=SAO_PAULO), "5 de março de 2026"),
    # January 2018 was summer time in São Paulo (UTC-2): the zone's rules apply, not a fixed -03:00.
    ("2018-01-15T10:00:00", datetime(2018, 1, 15, 12, tzinfo=ZoneInfo("UTC")), "15 de janeiro de 2018"),
])
def test_dates_without_offset_are_in_the_site_time_zone(site, written, expected, shown):
    site.add("a.md", title="Sem fuso", date=written)
    build_ok(site)
    instant, text = article_time(site, "sem-fuso")
    assert instant == expected
    assert text == shown


def test_site_time_zone_comes_from_site_yaml(site):
    site.config(timezone="Asia/Tokyo")
    site.add("a.md", title="Tokyo", date="2026-03-05T20:00:00-03:00")   # 08:00 on the 6th in Tokyo
    site.add("b.md", title="Naive", date="2026-03-05T20:00:00")         # 20:00 in Tokyo
    build_ok(site)
    assert article_time(site, "tokyo")[1] == "6 de março de 2026"
    assert article_time(site, "naive")[0] == datetime(2026, 3, 5, 11, tzinfo=ZoneInfo("UTC"))


# -- archives -----------------------------------------------------------------------------------

def test_archives_by_year_and_month(site):
    spec = {"a": "2025-03-10T10:00:00-03:00", "b": "2025-11-02T10:00:00-03:00",
            "c": "2026-03-01T10:00:00-03:00", "d": "2026-03-20T10:00:00-03:00"}
    for slug, date in spec.items():
        site.add(f"{slug}.md", title=slug.upper(), date=date)
    build_ok(site)
    tree = site.tree()
    archive_pages = sorted(p for p in tree if p.startswith("arquivo/"))
    assert archive_pages == ["arquivo/2025/03/index.html", "arquivo/2025/11/index.html", "arquivo/2025/index.html",
                             "arquivo/2026/03/index.html", "arquivo/2026/index.html", "arquivo/index.html"]
    index = page(site, "arquivo/")
    hrefs = set(local_links(main_of(index)))
    assert {"/arquivo/2025/", "/arquivo/2026/", "/arquivo/2025/03/", "/arquivo/2025/11/", "/arquivo/2026/03/"} <= hrefs
    words = text_of(main_of(index)).lower()
    assert "março" in words and "novembro" in words
    assert listed_articles(site, "arquivo/2025/") == ["b", "a"]
    assert listed_articles(site, "arquivo/2026/") == ["d", "c"]
    assert listed_articles(site, "arquivo/2025/03/") == ["a"]
    assert listed_articles(site, "arquivo/2026/03/") == ["d", "c"]
    assert "novembro de 2025" in text_of(page(site, "arquivo/2025/11/").find(".//h1")).lower()
    for rel in archive_pages:
        for href in local_links(page(site, rel)):
            assert target_file(site, href).is_file(), f"/{rel} links to {href}, which was not built"


# -- drafts and future articles -----------------------------------------------------------------

@pytest.fixture
def mixed_site(site):
    site.add("publicado.md", title="Publicado", date="2026-10-01T10:00:00-03:00", tags=["Comum"])
    site.add("agora.md", title="Agora", date=NOW, tags=["Comum"])   # exactly the reference time: published
    site.add("rascunho.md", title="Rascunho", date="2026-10-02T10:00:00-03:00", tags=["Só Rascunho"], draft=True)
    site.add("futuro.md", title="Futuro", date="2026-11-01T12:00:01-03:00", tags=["Só Futuro"])
    return site


@pytest.mark.parametrize("flags, expected", [
    ((), {"publicado", "agora"}),
    (("--drafts",), {"publicado", "agora", "rascunho"}),
    (("--future",), {"publicado", "agora", "futuro"}),
    (("--drafts", "--future"), {"publicado", "agora", "rascunho", "futuro"}),
])
def test_drafts_and_future_articles(mixed_site, capsys, flags, expected):
    site = mixed_site
    build_ok(site, *flags)
    out = capsys.readouterr().out
    built = {p.split("/")[1] for p in site.tree() if re.fullmatch(r"artigos/[^/]+/index\.html", p)}
    assert built == expected
    assert set(listed_articles(site, "")) == expected
    assert (site.public / "tags/so-rascunho").exists() == ("rascunho" in expected)
    assert (site.public / "tags/so-futuro").exists() == ("futuro" in expected)
    feed_and_maps = site.read("feed.xml") + site.read("sitemap.xml")
    for slug in {"rascunho", "futuro"} - expected:
        assert f"/artigos/{slug}/" not in feed_and_maps
    assert ("rascunho omitido" in out) == ("rascunho" not in expected)
    assert ("agendado omitido" in out) == ("futuro" not in expected)


# -- URL collisions -----------------------------------------------------------------------------

def test_url_collision_names_both_files_and_writes_nothing(site, capsys):
    site.add("2025/a.md", title="Mesmo Título")
    site.add("2026/b.md", title="Outro título", slug="mesmo-titulo")
    assert site.build() == 1
    err = capsys.readouterr().err
    assert "content/2025/a.md" in err and "content/2026/b.md" in err
    assert "/artigos/mesmo-titulo/" in err
    assert not site.public.exists()
    # The later file is reported at its slug value (line 6, column 7); the first one at its title line.
    # (article() writes title on line 2, date 3, authors 4, tags 5, then extra keys: slug on 6.)
    assert "content/2026/b.md:6:7: o endereço /artigos/mesmo-titulo/ já é usado por content/2025/a.md:2" in err


def test_url_collision_leaves_the_previous_output_untouched(site, capsys):
    site.add("2025/a.md", title="Mesmo Título")
    build_ok(site)
    before = site.tree()
    site.add("2026/b.md", title="Mesmo título!")
    assert site.build() == 1
    assert "content/2026/b.md" in capsys.readouterr().err
    assert site.tree() == before
    assert sorted(p.name for p in site.root.iterdir() if p.name.startswith(".public")) == []


# -- base_url with a sub-path -------------------------------------------------------------------

def test_base_url_with_a_sub_path_prefixes_every_link(site):
    base_url = "https://org.gitlab.io/arquivo/"
    site.config(base_url=base_url, per_page=1)
    site.write("content/authors.yaml", "Ana Teste:\n  bio: Perfil fictício.\n")
    site.add("a.md", title="Primeiro", date="2026-03-01T10:00:00-03:00", body="Veja [o segundo](b.md#fim).")
    # One day before NOW, so the news sitemap (last two days) has an entry too.
    site.add("b.md", title="Segundo", date="2026-10-31T10:00:00-03:00", body="Texto.\n\n## Fim\n\nAcabou.")
    build_ok(site)
    tree = site.tree()
    pages = [p for p in tree if p.endswith(".html")]
    assert "404.html" in pages and "pagina/2/index.html" in pages
    for rel in pages:
        root = lxml_html.fromstring(tree[rel].decode())
        for href in local_links(root):
            assert target_file(site, href, "/arquivo/").is_file(), f"{rel}: {href} was not built"
        for el in root.iter("a", "link", "meta"):
            for value in (el.get("href"), el.get("content")):
                if value and "org.gitlab.io" in value:
                    assert value.startswith(base_url), f"{rel}: {value}"
    body_link = [a.get("href") for a in page(site, "artigos/primeiro/").iter("a") if "segundo" in (a.get("href") or "")]
    assert "/arquivo/artigos/segundo/#fim" in body_link
    # Feeds, sitemaps and robots.txt use absolute URLs under the base URL, each pointing at a built file.
    for rel in [p for p in tree if p.endswith((".xml", ".txt"))]:
        urls = re.findall(r"https?://[^\s<>\"']+", tree[rel].decode())
        ours = [u for u in urls if "org.gitlab.io" in u]
        assert ours, rel
        for url in ours:
            assert url.startswith(base_url), f"{rel}: {url}"
            assert target_file(site, url, base_url).is_file(), f"{rel}: {url}"
    locs = re.findall(r"<loc>([^<]+)</loc>", site.read("sitemap.xml"))
    assert f"{base_url}artigos/primeiro/" in locs and base_url in locs


# -- the real content ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_site(tmp_path_factory):
    """The project's own content/, built in-process into a temporary folder."""
    from conftest import SiteFolder
    out = tmp_path_factory.mktemp("real") / "public"
    code = cli_main(["build", "--config", str(PROJECT / "site.yaml"), "--output", str(out), "--now", NOW, "--quiet"])
    assert code == 0
    return SiteFolder(out.parent)


def _seed_article() -> tuple[Path, str, list[str]]:
    """The seed article's file, slug and body paragraphs (as plain text)."""
    import yaml
    path = PROJECT / "content/2026/crise-de-lideranca-na-equipe-qwen.md"
    text = path.read_text(encoding="utf-8")
    _, header, body = text.split("---\n", 2)
    meta = yaml.safe_load(header)
    paragraphs = [re.sub(r"\s+", " ", re.sub(r"^>\s?", "", block, flags=re.M)).strip()
                  for block in body.split("\n\n") if block.strip()]
    return path, meta, paragraphs


def test_real_content_article_has_every_paragraph_of_the_seed(real_site):
    _, meta, paragraphs = _seed_article()
    root = page(real_site, f"artigos/{meta['slug']}/")
    body = text_of(root.find(".//article"))
    assert len(paragraphs) > 10
    missing = [p for p in paragraphs if p not in body]
    assert not missing, f"paragraphs of the seed not on the page: {missing[:3]}"
    assert meta["title"] in text_of(root.find(".//h1"))


def test_real_content_author_and_tag_pages(real_site):
    import yaml
    _, meta, _ = _seed_article()
    profiles = yaml.safe_load((PROJECT / "content/authors.yaml").read_text(encoding="utf-8"))
    for name in meta["authors"]:
        root = page(real_site, f"autores/{slugify_text(name)}/")
        assert meta["slug"] in listed_articles(real_site, f"autores/{slugify_text(name)}/")
        bio = (profiles.get(name) or {}).get("bio")
        assert bio, f"content/authors.yaml has no bio for {name}"
        assert bio in text_of(main_of(root))
    for tag in meta["tags"]:
        assert meta["slug"] in listed_articles(real_site, f"tags/{slugify_text(tag)}/"), tag
    local = meta["date"].astimezone(SAO_PAULO)
    assert meta["slug"] in listed_articles(real_site, f"arquivo/{local:%Y}/{local:%m}/")
    assert meta["slug"] in listed_articles(real_site, "")
    instant, text = article_time(real_site, meta["slug"])
    assert instant == meta["date"]
    assert text == f"{local.day} de {MONTHS_PT[local.month - 1]} de {local.year}"


# -- front matter: extra keys and misspellings --------------------------------------------------

def test_unknown_front_matter_keys_are_kept_as_extra_for_templates(site, capsys):
    # A minimal theme of our own: the article template shows two extra keys.
    site.write("templates/article.html", "<p id=\"extra\">{{ extra.fonte }}|{{ extra.numero + 1 }}</p>\n")
    site.add("a.md", title="Com extras", fonte="Entrevista fictícia", numero=41)
    build_ok(site)
    root = page(site, "artigos/com-extras/")
    assert text_of(root.get_element_by_id("extra")) == "Entrevista fictícia|42"
    # Unrelated keys do not warn.
    assert "fonte" not in capsys.readouterr().err


def test_misspelt_key_warns_with_the_likely_key(site, capsys):
    site.add("a.md", title="Resumo errado", sumary="Um resumo com a chave errada.")
    build_ok(site)
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "sumary" in line)
    assert line.startswith("content/a.md:") and "aviso" in line and "'summary'" in line
    assert site.build("--strict") == 1


def test_titel_instead_of_title_is_pointed_at_and_fails(site, capsys):
    site.write("content/a.md", "---\ntitel: Meu artigo\ndate: 2026-03-05\nauthors: [Ana]\n---\n\nTexto.\n")
    assert site.build() == 1
    err = capsys.readouterr().err
    # The message points at the misspelt key's line and names the key it should be.
    assert re.search(r"^content/a\.md:2:\d+: .*'titel'.*'title'", err, re.M), err
    assert not site.public.exists()


def test_titel_beside_title_is_kept_as_extra_with_a_warning(site, capsys):
    site.write("content/a.md", "---\ntitle: Meu artigo\ntitel: Rascunho do título\ndate: 2026-03-05\n"
                               "authors: [Ana]\n---\n\nTexto.\n")
    code = site.build()
    err = capsys.readouterr().err
    assert re.search(r"^content/a\.md:3:\d+: aviso: .*'titel'", err, re.M), err
    assert code == 0


# -- configuration ------------------------------------------------------------------------------

@pytest.mark.parametrize("yaml_text, key, line", [
    ("per_pagina: 10\n", "per_pagina", 2),
    ("per_page: vinte\n", "per_page", 2),
    ("per_page: \"20\"\n", "per_page", 2),
    ("allow_raw_html: talvez\n", "allow_raw_html", 2),
    ("title: [a, b]\n", "title", 2),
])
def test_config_errors_name_the_key_and_exit_2(site, capsys, yaml_text, key, line):
    site.write("site.yaml", "base_url: https://example.org/\n" + yaml_text)
    site.add("a.md")
    assert site.build() == 2
    err = capsys.readouterr().err
    assert re.search(rf"^site\.yaml:{line}:\d+: .*'{key}'", err, re.M), err
    assert not site.public.exists()


def test_config_reports_every_error_at_once(site, capsys):
    site.write("site.yaml", "base_url: https://example.org/\ntitel: X\nper_page: 0\ntimezone: Lua/Base\n")
    assert site.build() == 2
    err = capsys.readouterr().err
    for key in ("titel", "per_page", "Lua/Base"):
        assert key in err
    assert "'title'" in err   # the suggestion for the misspelt key


# -- CLI: exit codes and the closing summary ----------------------------------------------------

def test_summary_line_counts_articles_pages_tags_authors_and_time(site, capsys):
    site.add("a.md", title="Um", tags=["X", "Y"], authors=["Ana", "Bia"])
    site.add("b.md", title="Dois", tags=["x"], authors=["Ana"], date="2026-03-06T10:00:00-03:00")
    build_ok(site)
    out = capsys.readouterr().out
    m = re.search(r"(\d+) artigos?, (\d+) páginas?, (\d+) tags?, (\d+) autor(?:es)?\b.* (\d+[.,]\d+) ?s\b", out)
    assert m, out
    articles, pages, tags, authors = (int(g) for g in m.groups()[:4])
    html_files = [p for p in site.tree() if p.endswith(".html")]
    assert (articles, tags, authors) == (2, 2, 2)
    assert pages == len(html_files)


def test_exit_codes_in_a_real_process(site):
    site.add("a.md", title="Bom")
    ok = site.run("build", "--now", NOW)
    assert ok.returncode == 0, ok.stderr
    assert re.search(r"1 artigo\b", ok.stdout)
    assert (site.public / "artigos/bom/index.html").is_file()

    usage = site.run("build", "--no-such-option")
    assert usage.returncode == 2
    assert "--no-such-option" in usage.stderr

    bad_now = site.run("build", "--now", "ontem")
    assert bad_now.returncode == 2

    site.write("content/b.md", "---\ntitle: Sem data\nauthors: [Ana]\n---\n\nTexto.\n")
    before = site.tree()
    content = site.run("build", "--now", NOW)
    assert content.returncode == 1
    # Each error is 'path:line[:col]: what — how to fix'; no traceback.
    assert re.search(r"^content/b\.md:\d+(:\d+)?: .*'date'.* — \S", content.stderr, re.M), content.stderr
    assert "Traceback" not in content.stderr
    assert site.tree() == before

    missing = site.run("build", "--config", "nao-existe.yaml")
    assert missing.returncode == 2
    assert "nao-existe.yaml" in missing.stderr


def test_well_known_folder_in_static_is_published(site):
    site.write("static/.well-known/security.txt", "Contact: mailto:seguranca@example.org\n")
    site.write("static/.DS_Store", "lixo")
    site.add("a.md", title="Um")
    build_ok(site)
    assert (site.public / "static/.well-known/security.txt").is_file()
    assert not (site.public / "static/.DS_Store").exists()


def test_distinct_tags_sharing_a_slug_get_a_warning(site, capsys):
    site.add("a.md", title="Um", tags=["C"], date="2026-01-01T10:00:00-03:00")
    site.add("b.md", title="Dois", tags=["C++"], date="2026-02-01T10:00:00-03:00")
    site.add("c.md", title="Três", tags=["c"], date="2026-03-01T10:00:00-03:00")
    site.add("d.md", title="Quatro", tags=["Código Aberto"], date="2026-03-02T10:00:00-03:00")
    site.add("e.md", title="Cinco", tags=["codigo-aberto"], date="2026-03-03T10:00:00-03:00")
    build_ok(site)
    err = capsys.readouterr().err
    assert "content/b.md:5:7: aviso: tag 'C++' vira o mesmo endereço que 'C' (/tags/c/)" in err
    assert "'c' vira" not in err and "codigo-aberto" not in err  # case, accents, hyphens: mere variants
    assert site.build("--strict") == 1
