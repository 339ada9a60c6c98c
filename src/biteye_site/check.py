"""`biteye-site check`: every internal link, image and #anchor of a site resolves.

Works on a site generated in memory (``build.generate()``; problems in article
bodies are reported at their line in the Markdown source) or on a folder that
was already written (``public/``; problems are reported at their line in the
HTML file). It also reports articles whose authors or tags have no page, and
every front-matter warning, so a clean ``check`` means a publishable site.
"""

from __future__ import annotations

import bisect
import html
import posixpath
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping
from urllib.parse import unquote, urljoin, urlsplit

from biteye_site.build import Generated
from biteye_site.config import SiteConfig
from biteye_site.errors import Problem, problem
# The writer's own list of static assets, so check sees exactly what build copies.
from biteye_site.output import MARKER, static_files
from biteye_site.routes import output_path, url_for

# Our pages are generated (Jinja autoescape, markdown-it): attribute values never
# hold a raw '>', so a tag-level regex is exact here and far faster than a parser.
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_RAW_TEXT = re.compile(r"(<(script|style)\b[^>]*>)(.*?)(</\2\s*>)", re.S | re.I)
_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>")
_ATTR = re.compile(r"""([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?""")
_LOC = re.compile(r"<loc>\s*([^<\s]+)\s*</loc>")
_XML_HREF = re.compile(r"<link\b[^>]*\bhref=\"([^\"]+)\"")

# (tag, attribute) pairs that point at something the site must contain.
_URL_ATTRS = {("a", "href"), ("area", "href"), ("link", "href"), ("img", "src"), ("script", "src"),
              ("iframe", "src"), ("source", "src"), ("video", "src"), ("video", "poster"), ("audio", "src"),
              ("track", "src"), ("embed", "src"), ("object", "data"), ("form", "action")}
_SRCSET_TAGS = {"img", "source"}
_META_URLS = {"og:image", "og:url", "twitter:image", "og:image:url", "og:image:secure_url"}


@dataclass
class Page:
    """What check needs from one HTML file: its ids and the URLs it points at."""

    ids: set[str] = field(default_factory=set)
    links: list[tuple[str, int, str]] = field(default_factory=list)   # (url, line, tag)


def scan_html(text: str) -> Page:
    """Ids and outgoing URLs of one HTML page, with the line of each URL."""
    page = Page()
    newlines = [m.start() for m in re.finditer("\n", text)]

    def blank(text: str) -> str:  # keep offsets (and so line numbers) of what follows
        return re.sub(r"[^\n]", " ", text)

    cleaned = _COMMENT.sub(lambda m: blank(m.group(0)), text)
    # JSON-LD and other inline scripts are not markup; their <script> tag itself still counts.
    cleaned = _RAW_TEXT.sub(lambda m: m.group(1) + blank(m.group(3)) + m.group(4), cleaned)
    for tag_match in _TAG.finditer(cleaned):
        tag = tag_match.group(1).lower()
        attrs: dict[str, str] = {}
        for a in _ATTR.finditer(tag_match.group(2) or ""):
            name = a.group(1).lower()
            value = next((v for v in a.group(2, 3, 4) if v is not None), "")
            attrs.setdefault(name, html.unescape(value))
        if "id" in attrs:
            page.ids.add(attrs["id"])
        if tag == "a" and "name" in attrs:
            page.ids.add(attrs["name"])
        line = bisect.bisect_right(newlines, tag_match.start()) + 1
        for name, value in attrs.items():
            if (tag, name) in _URL_ATTRS:
                if tag == "link" and "preconnect" in attrs.get("rel", "").split():
                    continue
                page.links.append((value.strip(), line, tag))
            elif name == "srcset" and tag in _SRCSET_TAGS:
                for candidate in value.split(","):
                    url = candidate.strip().split(" ")[0]
                    if url:
                        page.links.append((url, line, tag))
        if tag == "meta" and (attrs.get("property") in _META_URLS or attrs.get("name") in _META_URLS):
            page.links.append((attrs.get("content", "").strip(), line, "meta"))
    return page


@dataclass(frozen=True)
class Origin:
    """Where a page came from, to point the editor at the right file and line."""

    source: str | None = None           # content/2026/x.md, shown to the editor
    source_text: str | None = None
    body_line: int = 1                  # first line of the Markdown body
    template: str | None = None


class SiteChecker:
    """Resolves every URL of every page against the files of one site."""

    def __init__(self, files: Mapping[str, Callable[[], bytes]], config: SiteConfig, shown_root: str,
                 origins: Mapping[str, Origin] | None = None):
        self.files = files                  # output path → loader of its bytes
        self.config = config
        self.shown_root = shown_root.rstrip("/") + "/"
        self.origins = origins or {}
        self.base_path = config.base_path
        base = urlsplit(config.base_url)
        self.base_netloc = base.netloc.lower()
        self.base_scheme = base.scheme.lower()
        self._pages: dict[str, Page] = {}

    def page(self, path: str) -> Page:
        found = self._pages.get(path)
        if found is None:
            found = scan_html(self.files[path]().decode("utf-8", "replace"))
            self._pages[path] = found
        return found

    def target(self, url: str, page_path: str) -> tuple[str, str | None, str] | None:
        """URL on ``page_path`` → ('ok'|'missing'|'outside', output path or None, fragment); None if external."""
        parts = urlsplit(url)
        if parts.scheme or parts.netloc:
            if parts.scheme and parts.scheme.lower() not in ("http", "https"):
                return None                           # mailto:, tel:, data: ...
            if parts.netloc.lower() != self.base_netloc:
                return None                           # another site: not checked offline
            absolute = parts.path or "/"
        else:
            page_url = self.base_path + (page_path[:-len("index.html")] if page_path.endswith("index.html") else page_path)
            absolute = urlsplit(urljoin(page_url, url)).path
        fragment = unquote(parts.fragment)
        absolute = unquote(absolute)
        normal = "/" + posixpath.normpath(absolute).lstrip("/")
        if absolute.endswith("/") and normal != "/":
            normal += "/"
        if not normal.startswith(self.base_path):
            return ("outside", None, fragment)
        rel = normal[len(self.base_path):]
        for candidate in (output_path(rel), rel.rstrip("/") + "/index.html"):
            if candidate in self.files:
                return ("ok", candidate, fragment)
        return ("missing", None, fragment)

    def check(self) -> list[Problem]:
        problems: list[Problem] = []
        for path in sorted(self.files):
            if path.endswith(".html"):
                problems += self._check_page(path)
            elif path.endswith(".xml"):
                problems += self._check_xml(path)
        return problems

    def _check_page(self, path: str) -> list[Problem]:
        problems = []
        page = self.page(path)
        seen: set[tuple[str, int]] = set()
        for url, line, tag in page.links:
            if not url or (url, line) in seen:
                continue
            seen.add((url, line))
            if url.startswith("#"):
                frag = unquote(url[1:])
                if frag and frag != "top" and frag not in page.ids:
                    problems.append(self._problem(path, line, url, f"âncora '#{frag}' não existe nesta página",
                                                  "confira o id do título (veja o sumário da página) ou corrija o link"))
                continue
            found = self.target(url, path)
            if found is None:
                continue
            status, target, frag = found
            what = "imagem" if tag in ("img", "source", "video", "audio") or (tag == "meta" and "image" in url) else "link"
            if status == "outside":
                problems.append(self._problem(path, line, url, f"{what} '{url}' aponta para fora do site (base_url {self.config.base_url})",
                                              "use um caminho dentro do site, como /artigos/slug/ ou /static/img/x.png"))
            elif status == "missing":
                hint = ("confira o nome do arquivo em static/" if what == "imagem"
                        else "confira o endereço; para outro artigo, use o caminho do arquivo .md")
                broken = "imagem quebrada" if what == "imagem" else "link quebrado"
                problems.append(self._problem(path, line, url, f"{broken}: '{url}' não existe no site", hint))
            elif frag and frag != "top" and target.endswith(".html") and frag not in self.page(target).ids:
                problems.append(self._problem(path, line, url, f"âncora '#{frag}' não existe em /{target[:-len('index.html')] if target.endswith('index.html') else target}",
                                              "confira o id do título na página de destino ou tire o '#...' do link"))
        return problems

    def _check_xml(self, path: str) -> list[Problem]:
        text = self.files[path]().decode("utf-8", "replace")
        problems = []
        newlines = [m.start() for m in re.finditer("\n", text)]
        for regex in (_LOC, _XML_HREF):
            for m in regex.finditer(text):
                url = html.unescape(m.group(1))
                found = self.target(url, path)
                if found is not None and found[0] != "ok":
                    line = bisect.bisect_right(newlines, m.start()) + 1
                    problems.append(problem(self.shown_root + path, line, None, f"endereço '{url}' não existe no site",
                                            "isso é um erro do gerador ou do template; relate-o"))
        return problems

    def _problem(self, path: str, html_line: int, url: str, message: str, hint: str) -> Problem:
        origin = self.origins.get(path)
        if origin and origin.source and origin.source_text is not None:
            line = find_line(origin.source_text, url, origin.body_line, self.base_path)
            if line is not None:
                return problem(origin.source, line, None, message, hint)
        where = f" (vem do template templates/{origin.template})" if origin and origin.template else ""
        return problem(self.shown_root + path, html_line, None, message + where, hint)


def find_line(source: str, url: str, body_line: int = 1, base_path: str = "/") -> int | None:
    """The line of ``source`` where ``url`` (or its unencoded or site-relative form) is written, if any."""
    lines = source.split("\n")
    probes = [url, unquote(url)]
    if "#" in url:
        probes.append("#" + url.split("#", 1)[1])
    for p in list(probes):   # the front matter 'image:' is written relative to the site ('static/x.png')
        if p.startswith(base_path) and len(p) > len(base_path):
            probes += ["/" + p[len(base_path):], p[len(base_path):]]
    for probe in dict.fromkeys(p for p in probes if p):
        for number, text in enumerate(lines, start=1):
            if probe in text and (number >= body_line or text.lstrip().startswith(("image:", "imagem:"))):
                return number
    return None


def _key_line(source: str, key: str) -> int:
    for number, text in enumerate(source.split("\n"), start=1):
        if text.startswith(f"{key}:"):
            return number
    return 1


def check_generated(gen: Generated, config: SiteConfig) -> list[Problem]:
    """Check a site generated in memory: links, images, anchors, taxonomy pages, warnings."""
    files: dict[str, Callable[[], bytes]] = {}
    for path, data in gen.files:
        # None: unchanged since a previous write (only when generate() was given one).
        files[path] = (lambda data=data: data) if data is not None else (
            lambda path=path: (config.output_dir / path).read_bytes())
    for rel, path in static_files(config.static_dir):
        files.setdefault(rel, lambda path=path: path.read_bytes())
    origins: dict[str, Origin] = {}
    texts: dict[str, str] = {}
    for route in gen.routes:
        doc = route.context.get("doc") if route.kind == "article" else None
        if doc is not None:
            text = _source_text(config, doc.rel_path)
            texts[doc.source_path] = text
            origins[route.output_path] = Origin(doc.source_path, text, _body_line(text), route.template)
        elif route.template:
            origins[route.output_path] = Origin(template=route.template)
    shown = _shown(config.output_dir, config.root)
    problems = list(gen.problems)
    problems += SiteChecker(files, config, shown, origins).check()
    site = gen.site
    for doc in site.documents:
        text = texts.get(doc.source_path) or ""
        for key, names, lookup, kind in (("tags", doc.tags, site.tag_of, "tag"),
                                         ("authors", doc.authors, site.author_of, "author")):
            for name in names:
                obj = lookup.get(name)
                if obj is None or output_path(url_for(kind, obj)) not in files:
                    label = "a tag" if kind == "tag" else "o autor"
                    problems.append(problem(doc.source_path, _key_line(text, key), None,
                                            f"{label} '{name}' não tem página no site",
                                            "isso é um erro do gerador; relate-o com este artigo"))
    return sorted(set(problems), key=Problem.sort_key)


def check_folder(folder: Path, config: SiteConfig) -> list[Problem]:
    """Check a site already written to ``folder`` (for example public/ after build)."""
    folder = folder.resolve()
    if not folder.is_dir():
        return [problem(str(folder), None, None, "a pasta do site não existe", "rode biteye-site build antes")]
    files: dict[str, Callable[[], bytes]] = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.name != MARKER:
            files[path.relative_to(folder).as_posix()] = (lambda path=path: path.read_bytes())
    return sorted(SiteChecker(files, config, _shown(folder, Path.cwd())).check(), key=Problem.sort_key)


def _source_text(config: SiteConfig, rel_path: str) -> str:
    try:
        return (config.content_dir / rel_path).read_bytes().decode("utf-8-sig", "replace").replace("\r\n", "\n")
    except OSError:
        return ""


def _body_line(text: str) -> int:
    if not text.startswith("---\n"):
        return 1
    m = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], re.M)
    return text[:4 + m.end()].count("\n") + 2 if m else 1


def _shown(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix() or "."
    except ValueError:
        return str(path)


def summarize(problems: Iterable[Problem]) -> tuple[int, int]:
    errors = warnings = 0
    for p in problems:
        if p.severity == "warning":
            warnings += 1
        else:
            errors += 1
    return errors, warnings
