"""The handbook's files for any site generator, computed once, without MkDocs.

`handbook_files(site)` is the one list of what a handbook publishes besides the team's own pages:
every published document with its header, the generated index pages, the catalogs of declared
kinds, the home page, redirect pages for renumbered documents, linked images, charts, the
calendar feed, the stylesheet and the table script. The MkDocs plugin feeds this list to MkDocs
in memory (`improve.handbook.plugin`); `improve site generate OUT` writes it, with the team's
pages and a configuration, into a folder that MkDocs, Zensical or Backstage TechDocs build
without the plugin (`write_site`).

A generator other than MkDocs-with-the-plugin does not sanitize what a body's Markdown makes, so
for a written folder every document body is rendered here, through the same allow-list
(`sanitize`), and handed over as finished HTML between Markdown headings (the generator still
builds the table of contents and the search index from them).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import os
import posixpath
import re
import shutil
import stat
import xml.etree.ElementTree as etree
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import yaml
from markdown import Markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from improve.core.errors import UsageProblem
from improve.core.fsutil import atomic_write, inside, read_bounded
from improve.core.out.report import one_line
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.core.write.renumber import redirects
from improve.core.write.scaffolding import SITE_BUILDS
from improve.handbook.pages import (
    ASSETS,
    HOME_PAGE,
    MARKERS,
    PAGES,
    GeneratedPage,
    catalog_pages,
    load_pages,
    marker,
    pages_in_nav,
)
from improve.handbook.render import footer, header, html_text, md, redirect_page, texts
from improve.handbook.site import Site, load_site, page_url, relative_url

# Files improve ships with every handbook (site path -> file in improve/handbook/assets).
STATIC_ASSETS = {
    "assets/improve/handbook.css": "handbook.css",
    "assets/improve/tables.js": "tables.js",
}
CSS_URI = "assets/improve/handbook.css"
JS_URI = "assets/improve/tables.js"
# Mermaid diagrams (pymdownx.superfences' `mermaid` fence, as Material documents it): Material
# loads mermaid from unpkg.com unless the page has it already; the handbook ships it (MIT,
# assets/vendor/mermaid.LICENSE), so a diagram makes no outside request.
MERMAID_VERSION = "11.17.2"
MERMAID_URI = "assets/improve/vendor/mermaid.min.js"
MERMAID_ASSETS = {MERMAID_URI: "vendor/mermaid.min.js",
                  "assets/improve/vendor/mermaid.LICENSE": "vendor/mermaid.LICENSE"}


def wants_mermaid(extensions: Any, configs: Any = None) -> bool:
    """Whether a Markdown configuration renders `mermaid` fences as diagrams: a superfences
    custom fence named mermaid, in mkdocs.yml's list form or in MkDocs' `mdx_configs`."""
    found: list[Any] = []
    if isinstance(configs, dict):
        found.append(configs.get("pymdownx.superfences"))
    for entry in extensions if isinstance(extensions, list) else []:
        if isinstance(entry, dict):
            found.append(entry.get("pymdownx.superfences"))
    for options in found:
        fences = options.get("custom_fences") if isinstance(options, dict) else None
        if isinstance(fences, list) and any(isinstance(f, dict) and f.get("name") == "mermaid"
                                            for f in fences):
            return True
    return False
# A written folder holds this file, so that `site generate` may replace it next time and never
# deletes a folder it did not write.
STAMP = ".improve-generated"
MAX_PAGE_BYTES = 4 << 20
_H1 = re.compile(r"^#[ \t]+\S")


@dataclass
class SiteFile:
    """One file of the handbook, at `path` in the docs folder."""

    path: str
    content: str | bytes | None = None
    source: Path | None = None  # a repository file published as it is (a linked image)
    document: Document | None = None
    page: GeneratedPage | None = None  # a generated page (its place in the navigation)


@dataclass
class HandbookFiles:
    files: list[SiteFile] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # generated pages the team's own replace
    catalogs: list[GeneratedPage] = field(default_factory=list)

    def nav_pages(self) -> list[GeneratedPage]:
        """Generated pages in the navigation, in order (the home page first)."""
        return sorted([*pages_in_nav(), *self.catalogs],
                       key=lambda p: (p.nav_order or 0, p.path))


def record_source(doc: Document, head: str = "", body: str | None = None,
                  foot: str = "") -> str:
    """A document's page: a minimal, escaped front matter, then its body with `head` (its
    header) after the body's first-line H1, or at the top, and `foot` after it."""
    front: dict[str, Any] = {"title": html_text(doc.title)}
    tags = [html_text(t) for t in texts(doc.meta.get("tags"))]
    if tags:
        front["tags"] = tags
    # libyaml's emitter: the pure-Python one took a second for a 1,000-document handbook.
    dumped = yaml.dump(front, Dumper=yaml.CSafeDumper, allow_unicode=True, sort_keys=True,
                       width=1 << 16)
    text = doc.parsed.body if body is None else body
    if head:
        text = insert_header(text, head)
    if foot:
        text = text.rstrip("\n") + "\n\n" + foot
    return f"---\n{dumped}---\n\n{text}"


def insert_header(markdown: str, head: str) -> str:
    """Put the header after the body's first-line H1 (if any), else at the top."""
    lines = markdown.split("\n")
    for index, line in enumerate(lines):
        if not line.strip():
            continue
        if _H1.match(line):
            return "\n".join([*lines[: index + 1], "", head, *lines[index + 1 :]])
        break
    return head + "\n" + markdown


@dataclass
class RebuildMemo:
    """What a `mkdocs serve` rebuild takes from the previous build (the plugin keeps it).

    Headers, index pages, charts and the calendar are made from front matter, never from
    bodies: while no document's front matter (nor the date, the config, the page paths or the
    git history) changed, a rebuild reuses them and renders only the edited document's page.
    A document is reused only as the very object the repository's `DocumentMemo` returned,
    which it does only for a file that did not change. Their placeholders stay valid because
    the plugin keeps one `HtmlBlocks` across rebuilds."""

    world: str = ""
    records: dict[str, tuple[Document, str]] = field(default_factory=dict)
    generated: HandbookFiles | None = None


def _world(site: Site, existing: Collection[str]) -> str:
    """A digest of everything but bodies that the generated files depend on."""
    from improve.core.git.gitrev import head_commit

    hasher = hashlib.sha256()
    root = site.config.root
    parts: list[object] = [site.today.isoformat(), site.config.fingerprint(), site.directory_urls,
                           site.source_links, site.index.actions.soon_days,
                           site.index.actions.recent_days, head_commit(root),
                           sorted(existing)]
    for name in ("packed-refs", "refs/tags"):  # a new tag is a new deployment
        with contextlib.suppress(OSError):
            parts.append((root / ".git" / name).stat().st_mtime_ns)
    hasher.update(repr(parts).encode("utf-8", "surrogateescape"))
    for doc in site.documents:
        hasher.update(f"\0{doc.path}\0{site.src_uri(doc)}\0{doc.parsed.yaml_text}".encode(
            "utf-8", "surrogateescape"))
    return hasher.hexdigest()


def handbook_files(site: Site, *, existing: Collection[str] = (),
                   body: Callable[[Document], str] | None = None,
                   memo: RebuildMemo | None = None, mermaid: bool = False) -> HandbookFiles:
    """Everything the handbook adds to a site, for `site` (whose `src_uris` are final).

    `existing` holds the team's own page paths: a generated page with the same path is left
    out (theirs is kept). `body(doc)` renders a document's body for the page (default: its
    Markdown as written, for a generator that sanitizes, such as MkDocs with the plugin).
    `memo`: what the previous build made (`mkdocs serve`), to reuse what did not change."""
    load_pages()
    out = HandbookFiles()
    world = _world(site, existing) if memo is not None else ""
    same = memo is not None and memo.world == world
    records: dict[str, tuple[Document, str]] = {}
    for doc in site.documents:
        cached = memo.records.get(doc.path) if memo is not None and same else None
        if cached is not None and cached[0] is doc:
            source = cached[1]
        else:
            try:
                head, foot = header(doc, site), footer(doc, site)
            except Exception as exc:  # a strange value must not stop the build
                out.warnings.append(f"{doc.path}:1:1: the page header could not be rendered "
                                    f"({type(exc).__name__}: {exc}); the body is published "
                                    "without it")
                head = foot = ""
            source = record_source(doc, head, body(doc) if body else None, foot)
        records[doc.path] = (doc, source)
        out.files.append(SiteFile(site.src_uri(doc), source, document=doc))
    paths = {f.path for f in out.files}
    for target in site.linked_files():
        path = site.site_path(target)  # a file in the docs folder is there already
        if path == target and path not in paths and path not in existing:
            out.files.append(SiteFile(path, source=site.config.root / target))
            paths.add(path)
    if mermaid:
        for path, name in sorted(MERMAID_ASSETS.items()):
            out.files.append(SiteFile(path, _asset(name)))
    if memo is not None and same and memo.generated is not None:
        out.files += memo.generated.files
        out.kept, out.catalogs = memo.generated.kept, memo.generated.catalogs
    else:
        generated = _generated_files(site, existing, paths)
        out.files += generated.files
        out.kept, out.catalogs = generated.kept, generated.catalogs
        if memo is not None:
            memo.generated = generated
    if memo is not None:
        memo.world, memo.records = world, records
    return out


def _generated_files(site: Site, existing: Collection[str], paths: set[str]) -> HandbookFiles:
    """The generated pages, redirects and assets (see `handbook_files`)."""
    out = HandbookFiles()
    out.catalogs = catalog_pages(site)
    for page in [*PAGES.values(), *out.catalogs, HOME_PAGE]:
        if page.path in existing or page.path in paths:
            if page is not HOME_PAGE:
                out.kept.append(page.path)
            continue
        out.files.append(SiteFile(page.path, page.source(site), page=page))
        paths.add(page.path)
    for old_path, new_path in sorted(redirects(site.documents).items()):
        target = site.src_uris[new_path]
        old_src = posixpath.join(posixpath.dirname(target), posixpath.basename(old_path))
        old_url = page_url(old_src, site.directory_urls)
        dest = unquote(old_url + "index.html" if old_url.endswith("/") else old_url)
        if old_src in paths or old_src in existing or dest in paths or dest in existing:
            continue
        url = relative_url(page_url(target, site.directory_urls), old_url)
        out.files.append(SiteFile(dest, redirect_page(url, site.by_path[new_path].title)))
        paths.add(dest)
    for path, render in sorted(ASSETS.items()):
        out.files.append(SiteFile(path, render(site)))
    for path, name in sorted(STATIC_ASSETS.items()):
        out.files.append(SiteFile(path, _asset(name)))
    return out


def _asset(name: str) -> bytes:
    return (resources.files("improve.handbook") / "assets" / name).read_bytes()


def replace_markers(markdown: str, site: Site, page_path: str) -> str:
    """`<!-- improve:NAME -->` in a team's page replaced by what NAME renders."""
    for name, render in sorted(MARKERS.items()):
        token = marker(name)
        if token in markdown:
            markdown = markdown.replace(token, render(site, page_path))
    return markdown


# --- bodies for a generator that does not sanitize --------------------------------------------

BODY_EXTENSIONS = ("toc", "tables", "admonition", "attr_list", "def_list", "footnotes",
                   "md_in_html", "pymdownx.details", "pymdownx.superfences",
                   "pymdownx.highlight", "pymdownx.inlinehilite", "pymdownx.tasklist")
_VOID = frozenset({"area", "br", "col", "embed", "hr", "img", "input", "source", "track", "wbr"})
_TAG_TOKEN = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*?(/?)>")
_HEADING = re.compile(r'<h([1-6])(?: id="([^"]*)")?[^>]*>(.*?)</h\1>', re.DOTALL)
_PLAIN_ID = re.compile(r"^[A-Za-z0-9][\w.:-]*$")
_TAGS = re.compile(r"<[^>]*>")


class BodyRenderer:
    """Document bodies as sanitized HTML between Markdown headings, links made final."""

    def __init__(self, site: Site, *, mermaid: bool = False) -> None:
        from improve.handbook.safeids import SafeIds, safe_slugify

        self.site = site
        self._ids = SafeIds()
        self._links = _FinalLinks(site)
        configs: dict[str, dict[str, Any]] = {"toc": {"slugify": safe_slugify()},
                                              "pymdownx.highlight": {"use_pygments": False}}
        if mermaid:
            from pymdownx.superfences import fence_code_format

            configs["pymdownx.superfences"] = {"custom_fences": [
                {"name": "mermaid", "class": "mermaid", "format": fence_code_format}]}
        self._md = Markdown(extensions=[*BODY_EXTENSIONS, self._ids, self._links],
                            extension_configs=configs)

    def __call__(self, doc: Document) -> str:
        from improve.handbook.sanitize import sanitize

        self._md.reset()
        self._ids.strict = True
        self._links.page = self.site.src_uri(doc)
        rendered = self._md.convert(doc.parsed.body)
        clean = sanitize(rendered, mark=self._ids.mark, kept=self._ids.take_kept())
        return _as_markdown(clean)


def _as_markdown(fragment: str) -> str:
    """Sanitized HTML as Markdown: its top-level headings as Markdown headings (with their
    ids), everything between them as raw HTML blocks."""
    parts: list[str] = []
    depth = 0
    position = 0
    start = 0
    for token in _TAG_TOKEN.finditer(fragment):
        closing, name, self_closing = token.group(1), token.group(2).lower(), token.group(3)
        if name in _VOID or self_closing:
            continue
        if closing:
            depth = max(depth - 1, 0)
            continue
        if depth == 0 and name in ("h1", "h2", "h3", "h4", "h5", "h6") and token.start() >= position:
            heading = _HEADING.match(fragment, token.start())
            if heading is not None:
                _add_html(parts, fragment[start:token.start()])
                level, ident, inner = int(heading.group(1)), heading.group(2), heading.group(3)
                text = " ".join(html.unescape(_TAGS.sub("", inner)).split())
                attrs = f" {{ #{ident} }}" if ident and _PLAIN_ID.match(ident) else ""
                parts.append(f"{'#' * level} {md(text) or '&#8203;'}{attrs}")
                position = start = heading.end()
                continue
        if token.start() >= position:
            depth += 1
    _add_html(parts, fragment[start:])
    return "\n\n".join(parts) + "\n"


def _add_html(parts: list[str], chunk: str) -> None:
    chunk = chunk.strip()
    if chunk:
        # One raw HTML block: wrapped in a div so that a Markdown parser takes it whole.
        parts.append(f'<div class="improve-body" markdown="0">\n{chunk}\n</div>')


class _FinalLinks(Extension):  # type: ignore[misc]  # Python-Markdown has no type hints
    """Relative links made final page addresses, as MkDocs does for Markdown (a raw HTML block
    reaches no generator's link rewriting)."""

    def __init__(self, site: Site) -> None:
        super().__init__()
        self.site = site
        self.page = ""

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_Rewrite(md, self), "improve_final_links", 4)

    def final(self, url: str) -> str:
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or url.startswith(("#", "/")) or not parts.path:
            return url
        if self.site.source_links:  # the generator rewrites them itself
            return url
        target = posixpath.normpath(posixpath.join(posixpath.dirname(self.page),
                                                   unquote(parts.path)))
        if target.startswith("../") or target == "..":
            return url
        here = page_url(self.page, self.site.directory_urls)
        dest = page_url(target, self.site.directory_urls) if target.endswith(".md") \
            else quote(target)
        fragment = f"#{parts.fragment}" if parts.fragment else ""
        return relative_url(dest, here) + fragment


class _Rewrite(Treeprocessor):  # type: ignore[misc]
    def __init__(self, md: Markdown, links: _FinalLinks) -> None:
        super().__init__(md)
        self.links = links

    def run(self, root: etree.Element) -> None:
        for element in root.iter():
            for attribute in ("href", "src"):
                value = element.get(attribute)
                if value:
                    element.set(attribute, self.links.final(value))


# --- a folder any generator builds -------------------------------------------------------------



class _Tagged(str):
    """A YAML scalar with a tag safe_load does not know (`!!python/name:...`), kept as written."""

    tag = ""


class _Loader(yaml.SafeLoader):
    """The safe loader, keeping a tag it does not know (`!!python/name:...` in a mkdocs.yml) as
    a tagged string: written back as it was, never constructed."""


def _unknown_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        value = _Tagged(loader.construct_scalar(node))
        value.tag = node.tag
        return value
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_Loader.add_multi_constructor("", _unknown_tag)


def _untagged(value: Any) -> Any:
    """`value` without the mapping entries and list items that hold a Python tag."""
    def tagged(item: Any) -> bool:
        if isinstance(item, _Tagged):
            return True
        if isinstance(item, dict):
            return any(tagged(v) for v in item.values())
        if isinstance(item, list):
            return any(tagged(v) for v in item)
        return False

    if isinstance(value, dict):
        return {k: _untagged(v) for k, v in value.items() if not tagged(v)}
    if isinstance(value, list):
        return [_untagged(v) for v in value if not tagged(v)]
    return value


def _dumper() -> type[yaml.SafeDumper]:
    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(_Tagged, lambda dumper, value: dumper.represent_scalar(
        value.tag, str(value)))
    return Dumper


def site_config(mkdocs: dict[str, Any], files: HandbookFiles, *, generator: str,
                navigation: bool = True, own_pages: Iterable[str] = ()) -> dict[str, Any]:
    """The configuration a generator builds the written folder with: the team's mkdocs.yml
    (if any) without the improve plugin, reading `docs/`, with improve's stylesheet and
    script, and the handbook's navigation unless the team wrote one."""
    config = dict(mkdocs)
    config.pop("INHERIT", None)
    if generator == "techdocs":
        # techdocs-cli reads mkdocs.yml with a YAML parser of its own, which refuses Python
        # tags (`!!python/name:...`): what needs one is left to techdocs-core's own settings.
        config = _untagged(config)
    config.setdefault("site_name", "Handbook")
    config["docs_dir"] = "docs"
    config.pop("site_dir", None)
    plugins = config.get("plugins")
    kept: list[Any] = []
    for entry in plugins if isinstance(plugins, list) else []:
        name = next(iter(entry)) if isinstance(entry, dict) and entry else entry
        if name in ("improve",) or (generator == "techdocs" and name in ("search",
                                                                        "techdocs-core")):
            continue
        kept.append(entry)
    if generator == "techdocs":
        # TechDocs removes every other plugin (and the script) unless Backstage allows them.
        kept = ["techdocs-core"]
    elif not kept:
        kept = ["search"]
    config["plugins"] = kept
    extensions = config.get("markdown_extensions")
    extensions = list(extensions) if isinstance(extensions, list) else []
    names = {next(iter(e)) if isinstance(e, dict) and e else e for e in extensions}
    for needed in ("attr_list", "md_in_html", "admonition", "pymdownx.details"):
        if needed not in names:
            extensions.append(needed)
    config["markdown_extensions"] = extensions
    scripts = [] if generator == "techdocs" else [JS_URI]
    if wants_mermaid(extensions) and generator != "techdocs":
        scripts.insert(0, MERMAID_URI)
    assets = [("extra_css", CSS_URI), *(("extra_javascript", uri) for uri in scripts)]
    for key, uri in assets:
        listed = config.get(key)
        listed = list(listed) if isinstance(listed, list) else []
        if uri not in listed:
            listed.append(uri)
        config[key] = listed
    if navigation and "nav" not in config:
        nav: list[Any] = []
        titles = {f.path: (f.page.nav_title or f.page.title) for f in files.files if f.page}
        home = [f for f in files.files if f.page is HOME_PAGE]
        nav.append({"Home": "index.md"} if home or "index.md" in files.kept else "index.md")
        for page in files.nav_pages():
            if page.path in titles and page is not HOME_PAGE:
                nav.append({titles[page.path]: page.path})
        # Then the team's own pages, as MkDocs would list them (documents are reached through
        # the indexes).
        nav += sorted(p for p in own_pages if p.endswith(".md") and p != "index.md")
        config["nav"] = nav
    return config


def read_mkdocs_yml(path: Path, *, depth: int = 0) -> dict[str, Any]:
    """A team's mkdocs.yml as data, tags such as `!!python/name:` kept as written, with the
    file it INHERITs merged under it (as MkDocs does)."""
    try:
        loaded = yaml.load(read_bounded(path, 1 << 20), Loader=_Loader)
    except (yaml.YAMLError, OSError, ValueError) as exc:
        raise UsageProblem(f"{path}: cannot be read as YAML ({one_line(str(exc))}); fix it or "
                           "name another file with --mkdocs-yml") from None
    config = loaded if isinstance(loaded, dict) else {}
    parent = config.pop("INHERIT", None)
    if isinstance(parent, str) and depth < 5:
        config = _merge(read_mkdocs_yml(path.parent / parent, depth=depth + 1), config)
    # Paths in it are relative to the file: made absolute, for a configuration written elsewhere.
    theme = config.get("theme")
    if isinstance(theme, dict) and isinstance(theme.get("custom_dir"), str):
        theme["custom_dir"] = str((path.parent / theme["custom_dir"]).resolve())
    if isinstance(config.get("hooks"), list):
        config["hooks"] = [str((path.parent / h).resolve()) if isinstance(h, str) else h
                           for h in config["hooks"]]
    return config


def _merge(base: dict[str, Any], top: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def plugin_options(mkdocs: dict[str, Any]) -> dict[str, Any]:
    """The improve plugin's options in a mkdocs.yml (`plugins: - improve: {...}`)."""
    plugins = mkdocs.get("plugins")
    for entry in plugins if isinstance(plugins, list) else []:
        if isinstance(entry, dict) and isinstance(entry.get("improve"), dict):
            return dict(entry["improve"])
    return {}


def generate(config: Config, today: dt.date, out: Path, *, mkdocs_yml: Path | None,
             generator: str = "mkdocs") -> tuple[Site, HandbookFiles]:
    """`improve site generate`: read the repository and write its handbook into `out`."""
    mkdocs = read_mkdocs_yml(mkdocs_yml) if mkdocs_yml is not None and mkdocs_yml.is_file() \
        else {}
    base = mkdocs_yml.parent if mkdocs_yml is not None else config.root
    options = plugin_options(mkdocs)
    site = load_site(config, today, soon_days=_int(options.get("due_soon_days")),
                     recent_days=_int(options.get("recent_done_days")))
    site.directory_urls = mkdocs.get("use_directory_urls") is not False
    site.source_links = generator == "zensical"
    docs_dir = (base / str(mkdocs.get("docs_dir") or "docs")).resolve()
    site.place(docs_dir)
    return site, write_site(site, out, docs_dir=docs_dir, mkdocs=mkdocs, generator=generator)


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def write_site(site: Site, out: Path, *, docs_dir: Path | None, mkdocs: dict[str, Any],
               generator: str = "mkdocs") -> HandbookFiles:
    """Write the handbook into `out`: `out/docs/` (the team's pages, the documents and the
    generated pages) and `out/mkdocs.yml`. `out` must be empty, missing, or a folder this
    function wrote before (it holds STAMP); it is replaced whole."""
    if generator not in SITE_BUILDS:
        raise UsageProblem(f"unknown generator {generator!r}: use one of "
                           f"{', '.join(SITE_BUILDS)}")
    if out.exists() and (not out.is_dir() or out.is_symlink() or (
            any(out.iterdir()) and not (out / STAMP).is_file())):
        raise UsageProblem(f"{out}: exists and was not written by `improve site generate`; "
                           "name an empty or new folder")
    own = _own_pages(docs_dir, site.config.root) if docs_dir is not None else {}
    mermaid = wants_mermaid(mkdocs.get("markdown_extensions"))
    done = handbook_files(site, existing=own, body=BodyRenderer(site, mermaid=mermaid),
                          mermaid=mermaid)
    staging = out.with_name(f".{out.name}.improve-tmp")
    if staging.exists():
        shutil.rmtree(staging)
    docs = staging / "docs"
    docs.mkdir(parents=True)
    written = {f.path for f in done.files}
    for path, source in sorted(own.items()):
        if path in written:
            continue
        target = docs / path
        target.parent.mkdir(parents=True, exist_ok=True)
        if not path.endswith(".md"):  # copied as it is, whatever its size (_own_pages checked it)
            shutil.copyfile(source, target, follow_symlinks=False)
            continue
        data = read_bounded(source, MAX_PAGE_BYTES, follow_links=False)
        if len(data) > MAX_PAGE_BYTES:
            raise UsageProblem(f"{source}: a page larger than {MAX_PAGE_BYTES >> 20} MiB; "
                               "nothing was written (split it, or move what it holds out of "
                               "docs/)")
        target.write_text(replace_markers(data.decode("utf-8", "replace"), site, path),
                          encoding="utf-8")
    for item in done.files:
        target = docs / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        if item.source is not None:  # a linked file, at most MAX_LINKED_FILE (Site.linked_files)
            shutil.copyfile(item.source, target)
        else:
            content = item.content or b""
            target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    config = site_config(mkdocs, done, generator=generator,
                         navigation=plugin_options(mkdocs).get("navigation") is not False,
                         own_pages=[p for p in own if p not in written])
    config.setdefault("use_directory_urls", site.directory_urls)
    (staging / "mkdocs.yml").write_text(
        "# Written by `improve site generate`: build this folder with MkDocs, Zensical or\n"
        "# TechDocs. Edit the repository's own mkdocs.yml and run the command again.\n"
        + yaml.dump(config, Dumper=_dumper(), allow_unicode=True, sort_keys=False, width=1 << 16),
        encoding="utf-8")
    atomic_write(staging / STAMP, b"improve site generate\n")
    if out.exists():
        old = out.with_name(f".{out.name}.improve-old")
        if old.exists():
            shutil.rmtree(old)
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old)
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, out)
    return done


def _own_pages(docs_dir: Path, root: Path) -> dict[str, Path]:
    """The team's own files in docs/: regular files inside the repository, not hidden."""
    found: dict[str, Path] = {}
    if not docs_dir.is_dir():
        return found
    for folder, dirs, names in os.walk(docs_dir):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith("."):
                continue
            path = Path(folder) / name
            try:
                info = path.lstat()
            except OSError:
                continue
            if not stat.S_ISREG(info.st_mode) or not inside(root, path):
                continue
            found[path.relative_to(docs_dir).as_posix()] = path
    return found
