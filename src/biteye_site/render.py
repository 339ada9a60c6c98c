"""One Jinja environment (autoescape everywhere, StrictUndefined) and the bytes of every route."""

from __future__ import annotations

import json
import re
import sys
import threading
import traceback
import types
from dataclasses import dataclass, field
from html import unescape as html_unescape
from pathlib import Path

import jinja2
import jinja2.runtime
import jinja2.utils
from babel import Locale
from babel.dates import format_date, get_month_names
from markupsafe import Markup

from biteye_site import feeds, icons, routes as routes_module, sitemap
from biteye_site.config import SiteConfig
from biteye_site.errors import TemplateError, problem
from biteye_site.model import Document, Site
from biteye_site.routes import Route, kind_of, url_for


def json_for_script(data: object) -> Markup:
    """JSON that cannot end its <script> element: '<', '>' and '&' become \\u escapes."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    text = text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
    return Markup(text)


_FIRST_PARAGRAPH = re.compile(r"^\s*<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]*>")
_TABLE = re.compile(r"<table>.*?</table>", re.S)


def keyboard_scrollable(body_html: str) -> Markup:
    """Article HTML whose code blocks and tables, which may scroll sideways on a phone, take keyboard focus.

    WCAG 2.1.1: a region that scrolls must be reachable without a mouse. Only the page gets this;
    feeds carry the plain body.
    """
    if "<pre>" in body_html:  # (a search is a third of a replace that finds nothing)
        body_html = body_html.replace("<pre>", '<pre tabindex="0">')
    if "<table>" not in body_html:  # most articles: no need to scan the whole body with a regex
        return Markup(body_html)
    body_html = _TABLE.sub(lambda m: '<div class="table-scroll" tabindex="0" role="region" aria-label="Tabela">'
                           + m.group(0) + "</div>", body_html)
    return Markup(body_html)


_PLAIN_CALLABLES = (types.FunctionType, types.MethodType, types.BuiltinFunctionType)


class _Context(jinja2.runtime.Context):
    """Jinja's context, calling a plain function or method without the questions.

    Before each call a template makes, Jinja asks the callable three times whether it
    wants the context, the evaluation context or the environment passed in (as itself,
    and as its ``__call__``, for callable objects): about a microsecond, for each of
    the 40 calls of an article page. A function or method that has no
    ``jinja_pass_arg`` wants none of them, so it is called as Jinja would call it;
    anything else (macros, decorated functions, callable objects) takes Jinja's way.
    """

    @jinja2.utils.internalcode  # as Jinja's: left out of tracebacks, so a bad call is the template's line
    def call(__self, __obj, *args, **kwargs):  # noqa: N805 (Jinja's own signature)
        if type(__obj) not in _PLAIN_CALLABLES or hasattr(__obj, "jinja_pass_arg"):
            return super().call(__obj, *args, **kwargs)
        if kwargs:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
        try:
            return __obj(*args, **kwargs)
        except StopIteration:
            return __self.environment.undefined("value was undefined because a callable raised a"
                                                " StopIteration exception")


class _Environment(jinja2.Environment):
    """Jinja with each template's globals as one plain dict (and _Context's calls).

    Jinja layers a template's globals over the environment's with a ChainMap, and
    walks it on every render (to start the context, and again for each
    ``{% from ... import %}``): about 60 µs a render, a tenth of a site's whole
    render time. The Renderer sets every global before it loads a template, so a
    snapshot holds the same names and values.
    """

    context_class = _Context

    def make_globals(self, d):
        return {**self.globals, **(d or {})}


def _environment(config: SiteConfig, bytecode_cache: jinja2.BytecodeCache | None) -> _Environment:
    return _Environment(
        loader=jinja2.FileSystemLoader(str(config.templates_dir)),
        autoescape=True,  # every template, whatever its name (feeds and .txt included)
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
        # One environment per build: templates cannot change under it, so Jinja need not
        # stat the file on every one of the 15,000 get_template calls of a big build.
        auto_reload=False,
        bytecode_cache=bytecode_cache,
    )


# The Renderer's filters, by name: compiling a template only checks that they exist.
_FILTERS = ("date_pt", "local", "iso", "month_name", "tojson_script", "keyboard_scrollable")


class Precompiled:
    """The theme compiled ahead of the Renderer, in a thread, while the parse workers run
    (this process has little to do then): compiling it cost a first build 0.06 s on the
    way from parsing to rendering. start() only once the workers exist (no fork may copy a
    running thread); the Renderer joins it."""

    def __init__(self, config: SiteConfig):
        self.config = config
        self.codes: dict[tuple[str, str], object] = {}  # (Jinja's bucket key, source checksum) → code
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._compile, name="biteye-templates")
        self._thread.start()

    def join(self) -> dict[tuple[str, str], object]:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        return self.codes

    def _compile(self) -> None:
        env = _environment(self.config, None)  # the Renderer's options: the same code
        env.filters.update((name, _unused) for name in _FILTERS)
        keys = jinja2.BytecodeCache()
        try:
            names = env.list_templates()
        except OSError:
            return
        for name in names:
            try:
                source, filename, _ = env.loader.get_source(env, name)  # type: ignore[union-attr]
                code = env.compile(source, name, filename)
            except Exception:  # noqa: BLE001 - not UTF-8, not Jinja…: reported when a page uses it
                continue
            self.codes[(keys.get_cache_key(name, filename), keys.get_source_checksum(source))] = code


def _unused(*args, **kwargs):  # pragma: no cover - replaced before any render
    raise AssertionError("a placeholder filter was called")


class _Ahead(jinja2.BytecodeCache):
    """Templates compiled by Precompiled first, then the build cache's folder; what comes
    from Precompiled is stored in the folder too, for the next build."""

    def __init__(self, codes: dict[tuple[str, str], object], folder: jinja2.BytecodeCache | None):
        self.codes = codes
        self.folder = folder

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self.codes.get((bucket.key, bucket.checksum))
        if code is not None:
            bucket.code = code  # type: ignore[assignment]
            if self.folder is not None:
                self.folder.dump_bytecode(bucket)
        elif self.folder is not None:
            self.folder.load_bytecode(bucket)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if self.folder is not None:
            self.folder.dump_bytecode(bucket)


@dataclass
class CardStore:
    """Cards (an article's entry in a list) kept between builds.

    A card is stored under the theme and ``Fingerprints.full`` of its article (what lists
    show of it, its tags' and authors' names, and its body): the same card this build
    would render, as long as ``_card.html`` reads nothing of the site beyond its article —
    the rule page fingerprints already set for every template (fingerprint.py). An added
    article moves every later home page, and those pages are mostly cards already made.
    """

    digests: dict[int, str]  # id(document) → Fingerprints.full digest
    known: dict[str, str]    # key → HTML, from the cache
    new: dict[str, str] = field(default_factory=dict)  # rendered in this process since the last take()

    def key(self, doc: Document, heading: str, lead: bool) -> str | None:
        digest = self.digests.get(id(doc))
        return None if digest is None else f"{digest}|{heading}|{1 if lead else 0}"  # as {% if lead %} reads it

    def take(self) -> dict[str, str]:
        new, self.new = self.new, {}
        return new


class Renderer:
    """Turns routes into bytes. Holds the Jinja environment and the site; no I/O but template reads."""

    def __init__(self, config: SiteConfig, site: Site, routes: tuple[Route, ...], compiled: Path | None = None,
                 cards: CardStore | None = None, ahead: Precompiled | None = None):
        self.config = config
        self.card_store = cards
        self.site = site
        self.routes = routes
        self.tz = config.tz
        self._dates: dict[tuple[object, str], str] = {}
        self._locale = Locale.parse(config.locale)  # parsed once: Babel parses a name on every call
        self._cards: dict[tuple[int, str, bool], Markup] = {}
        self._entries: dict[int, bytes] = {}
        # Compiled templates kept in the build cache (``compiled``: a folder per generator
        # version, see BuildCache.templates_folder): a small rebuild renders a page or two,
        # and compiling the theme would cost more than rendering them. Jinja keys each by
        # the template's source, so an edited template is compiled again.
        folder = jinja2.FileSystemBytecodeCache(str(compiled)) if compiled else None
        codes = ahead.join() if ahead is not None else {}
        self.env = _environment(config, _Ahead(codes, folder) if codes else folder)
        self.env.filters.update(date_pt=self.date_pt, local=lambda dt: dt.astimezone(self.tz), iso=feeds.iso, month_name=self.month_name,
                                tojson_script=json_for_script, keyboard_scrollable=keyboard_scrollable)
        # Precompiled compiles with placeholders of the same names; Jinja also decides at compile
        # time whether a filter is passed the context, so none of these may ask for it.
        ours = {name: f for name, f in self.env.filters.items() if name not in jinja2.defaults.DEFAULT_FILTERS}
        assert set(ours) == set(_FILTERS) and not any(hasattr(f, "jinja_pass_arg") for f in ours.values()), \
            "render._FILTERS must name every filter of the Renderer, none of them pass_context"
        # The site's fixed addresses, spelt once: base.html shows a dozen on every page, and each
        # url() call from a template costs Jinja more than the lookup.
        links = {name: self.url(kind, obj) for name, kind, obj in (
            ("home", "home", None), ("tags", "tags", None), ("authors", "authors", None), ("archive", "archive", None),
            ("search", "search", None), ("feed", "feed", None), ("favicon", "favicon", None),
            ("css", "static", "css/site.css"), ("print_css", "static", "css/print.css"),
            ("favicon_svg", "static", "img/favicon.svg"))}
        self.env.globals.update(config=config, site=site, url=self.url, abs_url=self.abs_url, links=links,
                                tag_for=self.tag_for, author_for=self.author_for, jsonld=self.article_jsonld,
                                related=self.related, card=self.card, cards=self.cards, feed_links=self.feed_links, image_url=self.image_url,
                                dek=self.dek, logo_url=self.logo_url)

    # -- helpers for templates ---------------------------------------------------
    def url(self, kind: str, obj: object = None, page: int = 1) -> str:
        return self.config.base_path + url_for(kind, obj, page)

    def abs_url(self, kind: str, obj: object = None, page: int = 1) -> str:
        return self.config.base_url + url_for(kind, obj, page)

    def date_pt(self, dt, fmt: str = "long") -> str:
        # Memoised: an article's date is shown on a dozen list pages, and Babel is slow.
        key = (dt, fmt)
        found = self._dates.get(key)
        if found is None:
            local = dt.astimezone(self.tz) if hasattr(dt, "astimezone") else dt
            found = self._dates[key] = format_date(local, format=fmt, locale=self._locale)
        return found

    def card(self, doc: Document, heading: str = "h2", lead: bool = False) -> Markup:
        """An article's entry in a list, rendered once and reused on all the list pages that show it."""
        key = (id(doc), heading, lead)
        found = self._cards.get(key)
        if found is None:
            store = self.card_store
            stored_key = store.key(doc, heading, lead) if store is not None else None
            html = store.known.get(stored_key) if stored_key is not None else None  # type: ignore[union-attr]
            if html is None:
                html = self.env.get_template("_card.html").render(doc=doc, heading=heading, lead=lead).rstrip("\n")
                if stored_key is not None:
                    store.new[stored_key] = html  # type: ignore[union-attr]
            found = self._cards[key] = Markup(html)
        return found

    def cards(self, documents, heading: str = "h2", lead: bool = False) -> Markup:
        """The cards of a list, one a line (``lead``: the first as the lead), in one call from
        the template: a {% for %} calling card() cost Jinja about 4 µs a card, a third of a
        home page (250 → 170 µs) once its cards are made."""
        card = self.card
        return Markup("\n".join([card(doc, heading, lead and i == 0) for i, doc in enumerate(documents)]))

    def month_name(self, month: int, capital: bool = True) -> str:
        name = get_month_names("wide", locale=self._locale)[month]
        return name[:1].upper() + name[1:] if capital else name

    def tag_for(self, name: str):
        return self.site.tag_of[name]

    def author_for(self, name: str):
        return self.site.author_of[name]

    def related(self, doc: Document, limit: int = 3) -> list[Document]:
        """Articles sharing the most tags with ``doc`` (computed once per build: see related.py)."""
        return list(self.site.related.get(doc.slug, ())[:limit])

    def feed_links(self, obj: object = None) -> list[tuple[str, str]]:
        """(title, URL) of the feeds a page advertises: the site's and its own."""
        links = [(f"{self.config.title} — todos os artigos", self.url("feed"))]
        if obj is not None:
            links.append((f"{self.config.title} — {obj.name}", self.url("feed", obj)))  # type: ignore[attr-defined]
        return links

    def logo_url(self) -> str:
        """Absolute URL of the publisher logo (static/img/logo.png, drawn by icons.logo_png)."""
        return self.abs_url("static", "img/logo.png")

    def image_url(self, doc: Document, absolute: bool = True) -> str | None:
        """URL of the article's own image (absolute for metadata, a site path for <img>), or None."""
        if not doc.image:
            return None
        if absolute or "://" in doc.image:
            return self.absolute(doc.image)
        return self.config.base_path + doc.image.lstrip("/")

    def dek(self, doc: Document) -> str | None:
        """The summary shown under the headline, unless it only repeats the first paragraph."""
        match = _FIRST_PARAGRAPH.search(doc.body_html)
        if match:
            first = " ".join(html_unescape(_TAG.sub("", match.group(1))).split())
            if first == " ".join(doc.summary.split()):
                return None
        return doc.summary or None

    def article_jsonld(self, doc: Document) -> Markup:
        """schema.org NewsArticle, safe to put inside <script type="application/ld+json">."""
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": doc.title,
            "description": doc.summary,
            "datePublished": feeds.iso(doc.date),
            "dateModified": feeds.iso(doc.updated or doc.date),
            "author": [{"@type": "Person", "name": self.author_for(n).name, "url": self.abs_url("author", self.author_for(n))}
                       for n in doc.authors],
            "publisher": {"@type": "Organization", "name": self.config.publisher, "url": self.abs_url("home"),
                          "logo": {"@type": "ImageObject", "url": self.logo_url()}},
            # Search engines want an image for every NewsArticle: the article's, else the logo.
            "image": [self.image_url(doc) or self.logo_url()],
            "inLanguage": self.config.language,
            "mainEntityOfPage": {"@type": "WebPage", "@id": self.abs_url("article", doc)},
            "url": self.abs_url("article", doc),
            "keywords": [self.tag_for(n).name for n in doc.tags],
            "wordCount": doc.word_count,
        }
        return json_for_script(data)

    def absolute(self, link: str) -> str:
        if "://" in link:
            return link
        if link.startswith("/"):
            # A site path ('/static/x.png') is relative to where the site lives, not the host root.
            return self.config.base_url + link.lstrip("/")
        return self.config.base_url + link

    def feed_entry(self, doc: Document) -> bytes:
        """An article's Atom entry in UTF-8, made once and reused by every feed that lists it
        (the site's, each of its tags', each of its authors')."""
        found = self._entries.get(id(doc))
        if found is None:
            found = self._entries[id(doc)] = feeds.atom_entry(
                doc, article_url=lambda d: self.abs_url("article", d),
                author=lambda name: (self.author_for(name).name, self.abs_url("author", self.author_for(name))),
                tag_name=lambda name: self.tag_for(name).name)
        return found

    def warm(self) -> None:
        """Compile every template now, so forked render workers share the compiled code
        instead of each compiling the theme again."""
        for name in sorted({r.template for r in self.routes if r.template} | {"_card.html", "_macros.html"}):
            try:
                self.env.get_template(name)
            except jinja2.TemplateError:
                pass  # reported with its file and line when the page is rendered

    # -- rendering ---------------------------------------------------------------
    def render(self, route: Route) -> bytes:
        if route.template is not None:
            return self.render_template(route.template, {"route": route, **route.context}).encode("utf-8")
        return self.render_generated(route)

    def render_template(self, name: str, context: dict) -> str:
        try:
            return self.env.get_template(name).render(context)
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError([problem(self._shown(exc.filename or name), exc.lineno, None,
                                         f"erro de sintaxe no template: {exc.message}",
                                         "confira as tags {% %} e {{ }} nessa linha")]) from None
        except jinja2.TemplateNotFound as exc:
            path, line = self._template_frame(name)  # the {% include %} or {% extends %} that asked for it
            raise TemplateError([problem(path if line else self._shown(str(self.config.templates_dir)), line, None,
                                         f"template não encontrado: {exc.name}",
                                         "crie o arquivo na pasta de templates")]) from None
        except jinja2.UndefinedError as exc:
            path, line = self._template_frame(name)
            raise TemplateError([problem(path, line, None, f"variável indefinida no template: {exc.message}",
                                         "confira o nome da variável ou use o filtro default()")]) from None
        except (ArithmeticError, TypeError, ValueError, LookupError) as exc:
            frames = traceback.extract_tb(sys.exc_info()[2])
            if not frames or not self._in_templates(frames[-1].filename):
                raise  # raised by the generator's own code: a bug to report, not a template mistake
            path, line = self._template_frame(name)
            raise TemplateError([problem(path, line, None, f"erro ao executar o template: {type(exc).__name__}: {exc}",
                                         "confira a expressão nessa linha do template")]) from None

    def _shown(self, filename: str) -> str:
        try:
            return Path(filename).resolve().relative_to(self.config.root).as_posix()
        except ValueError:
            return filename

    def _template_frame(self, name: str) -> tuple[str, int | None]:
        tb = sys.exc_info()[2]
        found = (name, None)
        for frame in traceback.extract_tb(tb):
            if self._in_templates(frame.filename):
                found = (self._shown(frame.filename), frame.lineno)
        return found

    def _in_templates(self, filename: str) -> bool:
        # A path test, not a string prefix: 'templates' must not match 'templates-old/'.
        try:
            return Path(filename).resolve().is_relative_to(self.config.templates_dir)
        except (OSError, ValueError):
            return False

    def render_generated(self, route: Route) -> bytes:
        cfg = self.config
        article_url = lambda doc: self.abs_url("article", doc)  # noqa: E731
        if route.kind == "feed":
            obj = route.context["obj"]
            title = cfg.title if obj is None else f"{cfg.title} — {obj.name}"
            page_url = self.abs_url("home") if obj is None else self.abs_url(kind_of(obj), obj)
            return feeds.atom_feed(cfg, title=title, feed_url=cfg.base_url + route.url, page_url=page_url,
                                   documents=route.context["documents"], entry=self.feed_entry,
                                   icon_url=self.abs_url("favicon"), logo_url=self.logo_url())
        if route.kind in ("sitemap", "sitemap_part"):
            entries = [(cfg.base_url + r.url, r.lastmod) for r in self.routes if r.in_sitemap]
            # The same limit plan_routes used to decide how many parts there are.
            chunks = sitemap.split(entries, routes_module.MAX_SITEMAP_URLS)
            if route.kind == "sitemap_part":
                return sitemap.urlset(chunks[route.context["part"] - 1])
            if route.context.get("parts", 0):
                return sitemap.sitemap_index([(self.abs_url("sitemap", page=i + 2), sitemap.newest(chunk))
                                              for i, chunk in enumerate(chunks)])
            return sitemap.urlset(entries)
        if route.kind == "news_sitemap":
            docs = sitemap.recent(self.site.documents, self.site.reference_time)
            return sitemap.news_sitemap(docs, article_url, cfg.publisher, cfg.language)
        if route.kind == "favicon":
            return icons.favicon_ico()
        if route.kind == "robots":
            maps = [self.abs_url("sitemap")] + ([self.abs_url("news_sitemap")] if route.context["news"] else [])
            return sitemap.robots_txt(maps)
        raise KeyError(route.kind)

