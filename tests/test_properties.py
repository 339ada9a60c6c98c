"""Issue 4: property-based tests (hypothesis) of the parsers that read editors' files, and of slugs.

Whatever bytes an article, site.yaml or authors.yaml holds, the parsers give back
a value or clean Problems (a position inside the file, a message, a hint) and never
raise. Whatever text a title or tag holds, its slug is one safe path segment that
stays inside the output folder. Example counts are modest so the file runs in seconds.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from biteye_site.config import load_config
from biteye_site.errors import BiteyeError, ConfigError, OutputError, Problem
from biteye_site.frontmatter import FrontMatter, parse_front_matter
from biteye_site.markdown import render_markdown
from biteye_site.output import safe_join
from biteye_site.routes import output_path, url_for
from biteye_site.slugs import MAX_SLUG, slug_problem, slugify_text
from biteye_site.taxonomy import load_authors

TZ = ZoneInfo("America/Sao_Paulo")
NOW = datetime(2026, 11, 1, 15, tzinfo=timezone.utc)
PATH = "content/x.md"
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that looks like what editors (and attackers) type: YAML and Markdown punctuation,
# quotes, tabs, line ends of every system, accents, control characters and emoji.
_PIECES = list("ab: -#&*!|>'\"[]{},%@`?\t\n\r\\/.0123456789\u00e9\u00e7\u0301\x00\x07\x85\u2028\ufeff\U0001F389") + [
    "---", "...", "!!python/object:os.system", "&a", "*a", "<<", "null", "no", "2026-02-30", "title", "date",
    "authors", "tags", "slug"]
yamlish = st.lists(st.sampled_from(_PIECES), max_size=60).map("".join)


def check_problems(problems, path: str = PATH, text_lines: int | None = None) -> None:
    for p in problems:
        assert isinstance(p, Problem) and p.path == path
        assert p.severity in ("error", "warning")
        assert p.message.strip() and p.hint.strip(), p
        assert p.line is None or p.line >= 1
        assert p.col is None or (p.line is not None and p.col >= 1)
        if text_lines is not None and p.line is not None:
            assert p.line <= text_lines + 1, p
        formatted = p.format()
        assert "\n" not in formatted.split(" — ")[0], formatted  # 'path:line:col: message' is one line
        formatted.encode("utf-8")  # printable: no lone surrogates


def check_front_matter(data: bytes) -> None:
    fm, problems = parse_front_matter(data, PATH, TZ, NOW)
    check_problems(problems, text_lines=data.count(b"\n") + data.count(b"\r") + 1)
    if fm is None:
        assert any(p.severity == "error" for p in problems), problems
    else:
        assert isinstance(fm, FrontMatter)
        assert not any(p.severity == "error" for p in problems)
        assert fm.title and fm.authors and fm.date.tzinfo is not None
        assert slug_problem(fm.slug) is None
        for text in (fm.title, *fm.authors, *fm.tags, fm.summary or ""):
            text.encode("utf-8")


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_give_a_document_or_problems(data):
    check_front_matter(data)


@FAST
@given(st.binary(max_size=200))
def test_any_bytes_inside_a_header_give_a_document_or_problems(data):
    check_front_matter(b"---\n" + data + b"\n---\nCorpo.\n")


@FAST
@given(yamlish)
def test_yaml_like_header_gives_a_document_or_problems(text):
    check_front_matter(("---\n" + text + "\n---\n\nCorpo do texto.\n").encode("utf-8", "surrogatepass"))


scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=30),
                    st.dates(), st.datetimes(timezones=st.one_of(st.none(), st.timezones())))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                      max_leaves=6)
keys = st.sampled_from(["title", "date", "authors", "tags", "summary", "slug", "updated", "draft", "image",
                        "titel", "autor", "byline", "extra"])


names = (st.from_regex(r"[A-Za-zÀ-ÿ0-9][A-Za-zÀ-ÿ0-9 .:'\"<>&-]{0,30}", fullmatch=True)
         | st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30))
# Mostly valid headers (so that documents come out too), with any value anywhere now and then.
headers = st.fixed_dictionaries(
    {"title": names | values,
     "date": st.datetimes(min_value=datetime(1895, 1, 1), max_value=datetime(3005, 1, 1),
                          timezones=st.one_of(st.none(), st.timezones())) | st.dates() | values,
     "authors": st.lists(names, min_size=1, max_size=3) | names | values},
    optional={"tags": st.lists(names, max_size=4) | names | values, "summary": names | values,
              "slug": st.from_regex(r"[a-z0-9]+(-[a-z0-9]+)*", fullmatch=True) | names,
              "draft": st.booleans() | values, "image": names, "updated": st.datetimes() | values,
              "titel": values, "byline": values})


@FAST
@given(st.dictionaries(keys, values, max_size=9) | headers)
def test_well_formed_yaml_of_any_shape_gives_a_document_or_problems(header):
    try:
        text = yaml.safe_dump(header, allow_unicode=True)
    except yaml.YAMLError:  # hypothesis found something PyYAML cannot write: nothing to read
        return
    check_front_matter(("---\n" + text + "---\n\nCorpo.\n").encode("utf-8", "surrogatepass"))


@FAST
@given(st.text(max_size=300))
def test_markdown_of_any_text_renders_or_reports(body):
    result = render_markdown(body, PATH, 5)
    check_problems(result.problems)
    assert isinstance(result.html, str)
    ids = [h.id for h in result.headings]
    assert len(ids) == len(set(ids))


@pytest.fixture(scope="module")
def config_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cfg")
    (folder / "content").mkdir()
    (folder / "templates").mkdir()
    return folder


@FAST
@given(data=st.one_of(st.binary(max_size=200), yamlish.map(lambda t: ("base_url: https://x.example/\n" + t).encode("utf-8", "surrogatepass"))))
def test_any_site_yaml_gives_a_config_or_a_config_error(config_folder, data):
    path = config_folder / "site.yaml"
    path.write_bytes(data)
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert exc.problems
        check_problems(exc.problems, path=str(path))
    else:
        assert config.base_url.startswith(("http://", "https://")) and config.base_url.endswith("/")


@FAST
@given(st.binary(max_size=200) | yamlish.map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_any_authors_yaml_gives_profiles_or_problems(config_folder, data):
    path = config_folder / "authors.yaml"
    path.write_bytes(data)
    profiles, problems = load_authors(path, "content/authors.yaml")
    check_problems(problems, path="content/authors.yaml")
    for slug, profile in profiles.items():
        assert slug_problem(slug) is None
        assert set(profile) <= {"name", "bio", "link"}


# -- slugs stay inside the output folder ----------------------------------------------------------

hostile_names = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(["..", ".", "/", "\\", "\x00", "con", "NUL", "com1", "lpt9.txt", "~", "%2e%2e", "a",
                              "ção", "🎉", " ", "-", "é", "\u0301", "\ufeff", "C:", "//"]), max_size=30).map("".join),
)


@settings(max_examples=300, deadline=None)
@given(hostile_names)
def test_any_title_slugs_to_one_safe_segment(tmp_path_factory, text):
    slug = slugify_text(text)
    if not slug:
        return  # the front matter reports it: "não gera um endereço"
    assert slug_problem(slug) is None, (text, slug)
    assert len(slug.encode()) <= MAX_SLUG
    base = tmp_path_factory.getbasetemp() / "saida"
    for kind in ("article", "tag", "author"):
        rel = output_path(url_for(kind, slug))
        target = safe_join(base, rel)
        assert target.is_relative_to(base.resolve())
        assert target.parent.parent.parent == base.resolve()  # <section>/<slug>/index.html, one level each


@settings(max_examples=300, deadline=None)
@given(hostile_names)
def test_a_slug_accepted_as_written_is_one_safe_segment(tmp_path_factory, text):
    if slug_problem(text) is not None:
        return
    base = (tmp_path_factory.getbasetemp() / "saida").resolve()
    target = (base / "artigos" / text / "index.html").resolve()
    assert target.parent.parent == base / "artigos", text
    assert "/" not in text and "\\" not in text and "\x00" not in text and text not in (".", "..")


@settings(max_examples=300, deadline=None)
@given(hostile_names)
def test_safe_join_never_leaves_the_folder(tmp_path_factory, rel):
    base = tmp_path_factory.getbasetemp() / "saida"
    try:
        target = safe_join(base, rel)
    except OutputError as exc:
        check_problems(exc.problems, path=exc.problems[0].path)
        return
    assert target.is_relative_to(base.resolve())


def test_problem_format_survives_any_path_and_message():
    @FAST
    @given(st.text(), st.text(), st.text())
    def check(path, message, hint):
        text = Problem(path, 3, 4, message, hint).format()
        text.encode("utf-8")
        assert "\n" not in text.split(" — ")[0] if hint else "\n" not in text

    check()


def test_errors_pickle_with_their_problems():
    import pickle
    error = ConfigError([Problem("site.yaml", 1, 2, "mensagem", "dica")])
    again = pickle.loads(pickle.dumps(error))
    assert isinstance(again, BiteyeError) and again.problems == error.problems


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab&<>\"'\n\r\t\x01\x0bç\ufffe")), max_size=30))
def test_feed_escaping_matches_the_standard_library(text):
    """feeds.escape/quoteattr are written out (saxutils' import is slow); they must agree with it."""
    from xml.sax.saxutils import escape, quoteattr

    from biteye_site import feeds
    clean = feeds._NOT_XML.sub("", text)
    assert feeds.escape(text) == escape(clean)
    assert feeds.quoteattr(text) == quoteattr(clean)


_BAD_OR_NEAR = st.sampled_from(["\x00", "\x08", "\x0b", "\x1f", "\x7f", "\x80", "\x85", "\x9f", "\xa0", "º", "\ufffd",
                                "\ufffe", "\uffff", "\uff01", "ç", "\t", "\r", "\n", "a", "😀", "\u2028"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_BAD_OR_NEAR, st.text(max_size=3)), max_size=30).map("".join))
def test_bad_character_precheck_never_misses_one(text):
    """decode_text runs its regex only when the bytes may hold a forbidden character."""
    from biteye_site.yamlnodes import BAD_CHAR, _may_hold_bad_char, decode_text
    data = text.encode("utf-8")
    if BAD_CHAR.search(text):
        assert _may_hold_bad_char(data)
    decoded, problems = decode_text(data, "x.md")
    assert (decoded is None) == bool(BAD_CHAR.search(text.replace("\r\n", "\n").replace("\r", "\n")))


_XML_PIECES = st.sampled_from(["&", "<", ">", "\"", "'", "&amp;", "<p>", "\x00", "\x01", "\x08", "\t", "\n", "\r",
                               "\x0b", "\x1f", "\x7f", "\x85", "\ud800", "\udfff", "\ufffe", "\uffff", "\ufffd",
                               "\ud55c", "\ud7a3", "ç", "“", "😀", "texto"])


@settings(max_examples=500, deadline=None)
@given(st.lists(st.one_of(_XML_PIECES, st.text(max_size=4)), max_size=30).map("".join))
def test_feed_content_escaped_from_bytes_is_escaped_from_text(text):
    """feeds.escape_utf8 on a body's UTF-8 (as Document pickles it) gives what escape() gives on
    its text: the bytes shortcut never keeps a character XML refuses."""
    from biteye_site.feeds import escape, escape_utf8
    expected = escape(text).encode("utf-8")
    assert escape_utf8(text.encode("utf-8", "surrogatepass")) == expected
    assert escape_utf8(text) == expected
