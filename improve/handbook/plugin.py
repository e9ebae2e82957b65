"""The `improve` MkDocs plugin: event wiring only; the work is done by improve's core and
`improve.handbook.{site,render,pages,sanitize}`, which run without MkDocs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.exceptions import PluginError
from mkdocs.plugins import BasePlugin, CombinedEvent, event_priority, get_plugin_logger
from mkdocs.structure.files import File, Files, InclusionLevel
from mkdocs.structure.nav import Navigation, Section
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import AnchorLink

from improve.core.check.lint import LintResult, lint
from improve.core.errors import ImproveError
from improve.core.fsutil import atomic_write, read_bounded
from improve.core.out.report import one_line
from improve.core.read import clock
from improve.core.read.config import Config, load_config
from improve.core.read.document import Document
from improve.core.read.repository import DocumentMemo, Repository
from improve.handbook.config import ImproveConfig
from improve.handbook.generate import (
    CSS_URI,
    JS_URI,
    MERMAID_URI,
    HandbookFiles,
    RebuildMemo,
    SiteFile,
    handbook_files,
    replace_markers,
    wants_mermaid,
)
from improve.handbook.pages import GeneratedPage, load_pages, pages_in_nav
from improve.handbook.safeids import SafeIds, is_safe_slugify, safe_slugify
from improve.handbook.sanitize import plain_text, sanitize
from improve.handbook.site import HtmlBlocks, Site, load_site
from improve.model.finding import Severity

log = get_plugin_logger(__name__)


class _OneLine(logging.Filter):
    """Every message of this plugin on one line (`report.one_line`): a file name with a line
    break and `::error ...` cannot start a line of the build log (a GitHub workflow command)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg, record.args = one_line(record.getMessage()), None
        return True


log.logger.addFilter(_OneLine())

_NEEDED_EXTENSIONS = ("admonition", "pymdownx.details")
_WITHHELD = {
    "restricted": "{n} restricted document{s} (visibility: restricted) left out of the site, "
                  "its indexes and its search",
    "symlink-outside": "{n} document{s} that {verb} a symbolic link to a file outside the "
                       "repository not published",
    "unreadable": "{n} document{s} that cannot be read, or whose front matter or file name "
                  "cannot be published, not published (see the lint findings)",
}


class ImprovePlugin(BasePlugin[ImproveConfig]):  # type: ignore[no-untyped-call]
    """Publishes the repository's documents with generated indexes (see README, the handbook)."""

    supports_multiple_instances = False

    def __init__(self) -> None:
        self._improve: Config | None = None
        self._today: dt.date | None = None
        self._site: Site | None = None
        self._records: dict[str, Document] = {}
        self._catalogs: list[GeneratedPage] = []
        # Page path -> (the page as search plugins index it, the page as shown); None
        # without a search plugin.
        self._views: dict[str, tuple[str, str]] | None = None
        self._ids: SafeIds | None = None
        # `mkdocs serve --dirty`: what each generated page was last built from (a digest), so
        # that a rebuild renders only the pages whose content changed (see on_startup).
        self._dirty = False
        self._built: dict[str, str] = {}
        self._marker_pages: set[str] = set()
        self._serving = False
        self._memo: DocumentMemo | None = None
        self._rebuild: RebuildMemo | None = None
        self._blocks: HtmlBlocks | None = None
        self._rendered: set[str] = set()
        self._search_docs: list[Any] | None = None
        self._mermaid = False

    def on_startup(self, *, command: str, dirty: bool) -> None:
        """Defining this keeps the plugin across `mkdocs serve` rebuilds (MkDocs' rule); with
        `--dirty`, a rebuild after an edit then renders the edited document's page, the pages
        whose content it changed, and nothing else."""
        self._dirty = dirty
        self._built = {}
        self._serving = command == "serve"
        self._memo = DocumentMemo() if self._serving else None
        self._rebuild = RebuildMemo() if self._serving else None
        self._blocks = None
        self._search_docs = None

    # -- configuration ------------------------------------------------------------------------

    def on_config(self, config: MkDocsConfig) -> MkDocsConfig | None:
        if not self.config.enabled:
            return config
        load_pages()
        base = Path(config.config_file_path or ".").resolve().parent
        root = (base / self.config.root) if self.config.root else base
        try:
            self._improve = load_config(root=root)
            pinned = self.config.today
            self._today = clock.today(self._improve.timezone,
                                      pinned if isinstance(pinned, str | dt.date) else None)
        except ImproveError as exc:
            raise PluginError(f"improve: {exc}") from None
        for kind in self._improve.registry.values():
            folder = self._improve.root / self._improve.folder(kind)
            if folder.is_dir() and str(folder) not in config.watch:
                config.watch.append(str(folder))
        if self._improve.source is not None and str(self._improve.source) not in config.watch:
            config.watch.append(str(self._improve.source))
        # The headers use admonitions (superseded banner) and collapsible details (timelines).
        names = [e for e in config.markdown_extensions if isinstance(e, str)]
        for extension in _NEEDED_EXTENSIONS:
            short = extension.rsplit(".", 1)[-1]
            if not any(n in (extension, short) or n.endswith("." + short) for n in names):
                config.markdown_extensions.append(extension)
        # Ids in bodies: see improve.handbook.safeids (no writer's id can be one the theme uses).
        self._ids = SafeIds()
        config.markdown_extensions.append(self._ids)
        for name in ("toc", "markdown.extensions.toc"):
            if name == "toc" or name in config.mdx_configs:
                options = config.mdx_configs.setdefault(name, {})
                if not is_safe_slugify(options.get("slugify")):
                    options["slugify"] = safe_slugify(options.get("slugify"))
        if CSS_URI not in config.extra_css:
            config.extra_css.append(CSS_URI)
        scripts = [str(j) for j in config.extra_javascript]
        self._mermaid = wants_mermaid(config.markdown_extensions, config.mdx_configs)
        for uri in ([MERMAID_URI] if self._mermaid else []) + [JS_URI]:
            if uri not in scripts:
                config.extra_javascript.append(uri)
        if config.theme.name == "material":
            # Our partials (the repository link without the hosting API call) come right after
            # the user's own overrides.
            templates = str(resources.files("improve.handbook") / "templates")
            config.theme.dirs.insert(1 if config.theme.custom_dir else 0, templates)
        return config

    # -- files --------------------------------------------------------------------------------

    def on_files(self, files: Files, *, config: MkDocsConfig) -> Files | None:
        if not self.config.enabled or self._improve is None or self._today is None:
            return files
        improve = self._improve
        try:
            # Read once: lint checks these documents rather than reading them again.
            documents = Repository(improve, memo=self._memo).documents()
            result = self._lint(improve, self._today, documents) if self.config.lint else None
            site = load_site(improve, self._today, lint=result, documents=documents,
                             soon_days=self.config.due_soon_days,
                             recent_days=self.config.recent_done_days)
        except ImproveError as exc:
            raise PluginError(f"improve: {exc}") from None
        # Headers and index tables reach Python-Markdown as placeholders, their HTML is put
        # back in on_page_content (see HtmlBlocks); their links are final page addresses.
        site.directory_urls = config.use_directory_urls
        if self._memo is not None:  # `mkdocs serve`: blocks of unchanged pages stay valid
            if self._blocks is None:
                self._blocks = HtmlBlocks(placeholders=True, keep=True)
            site.blocks = self._blocks
        else:
            site.blocks = HtmlBlocks(placeholders=True)
        self._site = site
        searching = any(name.rsplit("/", 1)[-1] == "search" for name in config.plugins)
        self._views = {} if searching else None
        self._records = {}
        docs_dir = Path(config.docs_dir).resolve()
        site.place(docs_dir)
        documents_at = set(site.src_uris.values())
        # The one list of what the handbook adds (improve.handbook.generate); this adapter only
        # hands it to MkDocs.
        world = self._rebuild.world if self._rebuild is not None else None
        made = handbook_files(site, existing={f.src_uri for f in files
                                              if f.src_uri not in documents_at},
                              memo=self._rebuild, mermaid=self._mermaid)
        # Front matter, the date or the config changed: summaries on the team's pages follow.
        world_changed = self._rebuild is None or self._rebuild.world != world
        self._rendered = set()
        if self._dirty:
            self._reset_search(config)
        if self._blocks is not None:
            self._blocks.retain(f.content for f in made.files if isinstance(f.content, str))
        self._catalogs = made.catalogs
        for warning in made.warnings:
            log.warning(warning)
        for path in made.kept:
            log.info(f"docs/{path} exists: keeping it instead of the generated page")
        redirects = 0
        changed = self._changed(made, files, config) if self._dirty else None
        for item in made.files:
            existing = files.get_file_from_path(item.path)
            if existing is not None:
                files.remove(existing)
            if item.document is not None:
                self._add_record(files, config, item, docs_dir)
            elif item.source is not None:
                # An image or file a published document links to, where the link expects it
                # (at its repository path: one in docs/ is part of the build already).
                files.append(File(item.path, src_dir=str(improve.root),
                                  dest_dir=config.site_dir,
                                  use_directory_urls=config.use_directory_urls))
            else:
                page = item.page
                inclusion = (InclusionLevel.UNDEFINED if page is not None and
                             page.nav_order is not None else InclusionLevel.NOT_IN_NAV)
                files.append(File.generated(config, item.path, content=item.content or "",
                                            inclusion=inclusion))
                redirects += item.path.endswith(".html") and page is None
            if changed is not None:
                added = files.get_file_from_path(item.path)
                if added is not None:
                    # A dirty build renders a page only when its file says it was modified.
                    setattr(added, "is_modified",  # noqa: B010 - an instance's own answer
                            (lambda: True) if item.path in changed else (lambda: False))
        if changed is not None and world_changed:
            for path in self._marker_pages:  # their summaries follow the documents
                page_file = files.get_file_from_path(path)
                if page_file is not None:
                    setattr(page_file, "is_modified", lambda: True)  # noqa: B010
        if redirects:
            log.info(f"{redirects} redirect page(s) for renumbered documents")
        for reason, count in sorted(site.withheld.items()):
            log.info(_WITHHELD[reason].format(n=count, s="" if count == 1 else "s",
                                              verb="is" if count == 1 else "are"))
        log.info(f"published {len(site.documents)} documents as of {self._today.isoformat()}")
        return files

    # -- the search index of a dirty rebuild ---------------------------------------------------
    # Material's search plugin, in a dirty rebuild, merges the previous index with the entries
    # of the pages it saw, dropping old entries by the first page's address only: with the home
    # page among them (its address is empty) it dropped every other page. So each dirty rebuild
    # starts it without a previous index, and this plugin merges: the previous index without the
    # pages rendered now, plus their new entries.

    def _reset_search(self, config: MkDocsConfig) -> None:
        for name, plugin in config.plugins.items():
            if name.rsplit("/", 1)[-1] == "search" and hasattr(plugin, "search_index_prev"):
                plugin.search_index_prev = None

    @event_priority(-100)  # after the search plugin wrote its index
    def on_post_build(self, *, config: MkDocsConfig) -> None:
        if not self._dirty:
            return
        index_path = Path(config.site_dir) / "search" / "search_index.json"
        try:
            data = json.loads(read_bounded(index_path, 1 << 30))
        except (OSError, ValueError):
            return
        docs = data.get("docs") if isinstance(data, dict) else None
        if not isinstance(docs, list):
            return
        if self._search_docs is not None:
            kept = [d for d in self._search_docs
                    if str(d.get("location", "")).split("#", 1)[0] not in self._rendered]
            docs = kept + docs
            data["docs"] = docs
            atomic_write(index_path, json.dumps(data, separators=(",", ":"),
                                                default=str).encode("utf-8"))
        self._search_docs = docs

    def _changed(self, made: HandbookFiles, files: Files, config: MkDocsConfig) -> set[str]:
        """The generated files whose content differs from the previous build's (all of them
        when the set of files, the date or the configuration changed)."""
        assert self._site is not None
        assert self._today is not None
        blocks = self._site.blocks
        context = hashlib.sha256()
        for part in sorted([*(f.src_uri for f in files), *(f.path for f in made.files)]):
            context.update(part.encode("utf-8", "surrogateescape") + b"\0")
        context.update(self._today.isoformat().encode())
        if config.config_file_path:
            with contextlib.suppress(OSError):
                context.update(str(os.stat(config.config_file_path).st_mtime_ns).encode())
        fresh = self._built.get("") != context.hexdigest()
        built = {"": context.hexdigest()}
        changed: set[str] = set()
        for item in made.files:
            content = item.content if item.source is None else str(item.source)
            text = content.decode("utf-8", "replace") if isinstance(content, bytes) \
                else (content or "")
            digest = hashlib.sha256(blocks.expand(text).encode("utf-8", "surrogateescape"))
            built[item.path] = digest.hexdigest()
            if fresh or self._built.get(item.path) != built[item.path]:
                changed.add(item.path)
        self._built = built
        return changed

    def _add_record(self, files: Files, config: MkDocsConfig, item: SiteFile,
                    docs_dir: Path) -> None:
        doc = item.document
        assert doc is not None
        assert self._improve is not None
        abs_path = self._improve.root / doc.path
        file = File.generated(config, item.path, abs_src_path=str(abs_path),
                              inclusion=InclusionLevel.NOT_IN_NAV)
        # MkDocs reads the page from here, not from disk: our own parse of the front matter,
        # reduced to what the theme may show, so hostile YAML is never read twice.
        file.content_string = str(item.content)
        # "Edit this page" opens the record's own file: MkDocs' edit_uri is relative to docs/.
        file.edit_uri = quote(Path(os.path.relpath(abs_path, docs_dir)).as_posix(), safe="/")
        files.append(file)
        self._records[item.path] = doc

    def _lint(self, improve: Config, today: dt.date,
              documents: list[Document]) -> LintResult | None:
        try:
            # `mkdocs build` uses the lint cache when `improve lint` made one; `mkdocs serve`
            # makes it, so that a rebuild checks only what changed.
            result = lint(improve, today, use_cache=improve.cache and (
                self._serving or improve.cache_path.is_dir()), documents=documents)
        except ImproveError as exc:
            log.warning(f"lint could not run: {exc}")
            return None
        except Exception as exc:  # a bug in a rule must not take the whole handbook down
            log.warning(f"lint failed unexpectedly ({type(exc).__name__}: {exc}); "
                        "run `improve lint` to see why")
            return None
        for finding in result.findings:
            text = (f"{finding.path}:{finding.line}:{finding.column}: {finding.severity} "
                    f"[{finding.rule}] {finding.message}")
            if finding.severity is Severity.ERROR:
                log.warning(text)
            else:
                log.info(text)
        return result

    # -- navigation ---------------------------------------------------------------------------

    def on_nav(self, nav: Navigation, *, config: MkDocsConfig,
               files: Files) -> Navigation | None:
        if not self.config.enabled or not self.config.navigation or config.nav is not None:
            return nav
        ours = {p.path: p for p in sorted([*pages_in_nav(), *self._catalogs],
                                           key=lambda p: (p.nav_order or 0, p.path))}
        found: dict[str, Page] = {}
        home: list[Any] = []
        rest: list[Any] = []
        for item in nav.items:
            if isinstance(item, Page) and item.file.src_uri in ours:
                found[item.file.src_uri] = item
            elif isinstance(item, Page) and item.file.src_uri == "index.md":
                home.append(item)
            else:
                rest.append(item)
        for path, page in found.items():
            if ours[path].nav_title:
                page.title = ours[path].nav_title
        items = home + [found[p] for p in ours if p in found] + rest
        pages = list(_pages(items))
        for previous, current in zip([None, *pages], pages, strict=False):
            current.previous_page = previous
            if previous is not None:
                previous.next_page = current
        if pages:
            pages[-1].next_page = None
        return Navigation(items, pages)

    # -- pages --------------------------------------------------------------------------------

    def on_pre_page(self, page: Page, *, config: MkDocsConfig, files: Files) -> Page | None:
        if self.config.enabled and self._today is not None:
            # The sitemap's <lastmod> and the sitemap.xml.gz header come from this date: use
            # the handbook's pinned "today", not the wall clock, so rebuilds are byte-identical.
            page.update_date = self._today.isoformat()
        return page

    def on_page_markdown(self, markdown: str, *, page: Page, config: MkDocsConfig,
                         files: Files) -> str | None:
        if self._ids is not None:  # documents are anyone's pull request: every id is prefixed
            self._ids.strict = page.file.src_uri in self._records or not page.file.src_uri
        site = self._site
        if not self.config.enabled or site is None:
            return markdown
        replaced = replace_markers(markdown, site, page.file.src_uri)
        if replaced != markdown:
            self._marker_pages.add(page.file.src_uri)
        return replaced

    def on_page_content(self, html: str, *, page: Page, config: MkDocsConfig,
                        files: Files) -> str | None:
        if not self.config.enabled:
            return html
        self._rendered.add(page.url)
        for item in _anchors(page.toc):
            item.title = plain_text(item.title)
        # The body, as Python-Markdown rendered the writer's Markdown, goes through the
        # allow-list; the header and index blocks are built escaped (render.py) and go in after
        # it: sanitizing them again took a quarter of a second for 1,000 documents.
        ids = self._ids
        html = sanitize(html, mark=ids.mark if ids else None, kept=ids.take_kept() if ids else frozenset())
        if self._site is None:
            return html
        text = self._site.blocks.restore(html, as_text=True) if self._views is not None else html
        html = self._site.blocks.restore(html)
        if self._views is not None and text != html:
            self._views[page.file.src_uri] = (text, html)
        return html

    # The search plugins read `page.content` in on_page_context and call back for every element
    # and every text between two: the header tables made the search index cost three times
    # what the bodies do. Just before they run, they get each block as one paragraph of its
    # text (the same words, in the same order); the full page is back before anything later
    # and the template see it.

    @event_priority(50)
    def _search_view(self, /, context: Any, *, page: Page, **kwargs: Any) -> Any:
        views = self._views.get(page.file.src_uri) if self._views else None
        if views is not None and page.content == views[1]:
            page.content = views[0]
        elif views is not None and self._views:  # changed since (on_env, say): index that
            del self._views[page.file.src_uri]
        return context

    @event_priority(-50)
    def _page_view(self, /, context: Any, *, page: Page, **kwargs: Any) -> Any:
        views = self._views.pop(page.file.src_uri, None) if self._views else None
        if views is not None and page.content == views[0]:
            page.content = views[1]
        elif views is not None:  # a plugin rewrote the page meanwhile: keep its version
            log.debug(f"{page.file.src_uri}: changed during on_page_context; header left as text")
        return context

    on_page_context = CombinedEvent(_search_view, _page_view)


def _pages(items: list[Any]) -> list[Page]:
    found: list[Page] = []
    for item in items:
        if isinstance(item, Page):
            found.append(item)
        elif isinstance(item, Section):
            found.extend(_pages(item.children))
    return found


def _anchors(toc: Any) -> list[AnchorLink]:
    found: list[AnchorLink] = []
    for item in toc or []:
        found.append(item)
        found.extend(_anchors(item.children))
    return found
