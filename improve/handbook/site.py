"""What a handbook build knows: published documents, derived indexes, lint results, link targets.

Built once per build from improve's own core, without MkDocs, so that page rendering can be
tested (and reused by another site generator) on its own.
"""

from __future__ import annotations

import datetime as dt
import itertools
import posixpath
import re
import secrets
import stat
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from urllib.parse import quote

from improve.core.check.lint import LintResult
from improve.core.numbers.index import HandbookIndex, build_index
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.core.read.publication import withheld_reason
from improve.core.read.repository import Repository
from improve.model.ids import parse_item_ref


def url_path(path: str) -> str:
    """A path (with an optional #fragment) made safe for a Markdown link or an HTML attribute."""
    base, _, fragment = path.partition("#")
    quoted = quote(base, safe="/")
    return f"{quoted}#{quote(fragment, safe='')}" if fragment else quoted


@lru_cache(maxsize=8192)
def page_url(src_uri: str, directory_urls: bool = True) -> str:
    """The address of the page made from `src_uri` (`rca/0001-x.md` -> `rca/0001-x/`), relative
    to the site's root and quoted: MkDocs' rule (`File.url`), so that finished HTML can link
    pages without MkDocs rewriting its links."""
    parent, filename = posixpath.split(src_uri)
    stem = posixpath.splitext(filename)[0]
    name = "index" if stem == "README" else stem
    if not directory_urls or name == "index":
        dest = posixpath.join(parent, name + ".html")
    else:
        dest = posixpath.join(parent, name, "index.html")
    dirname, base = posixpath.split(dest)
    if directory_urls and base == "index.html":
        dest = (dirname or ".") + "/"
    return quote(dest)


def _parts(path: str) -> list[str]:
    normal = posixpath.normpath(path if path.startswith("/") else "/" + path)[1:]
    return normal.split("/") if normal else []


def relative_url(url: str, other: str) -> str:
    """`url` as seen from the page at `other` (both site-relative): MkDocs' `get_relative_url`."""
    dirname, _, basename = other.rpartition("/")
    if "." in basename:
        other = dirname
    other_parts = _parts(other)
    dest_parts = _parts(url)
    common = 0
    for a, b in zip(other_parts, dest_parts, strict=False):
        if a != b:
            break
        common += 1
    rel = "/".join([".."] * (len(other_parts) - common) + dest_parts[common:]) or "."
    return rel + "/" if url.endswith("/") else rel


class HtmlBlocks:
    """Finished HTML blocks (escaped, links resolved) in the Markdown of headers and indexes.

    Python-Markdown runs its inline patterns over every table cell it makes, and parses a raw HTML
    block once more: for a 1,000-document handbook, the headers and index tables took most of the
    build. By default `add()` returns the block itself, which is valid Markdown (a raw HTML block)
    for any renderer. With `placeholders=True` (the MkDocs plugin), it returns a one-word
    paragraph instead, and `restore()` puts the block in place of that paragraph in the rendered
    HTML. The word holds a nonce drawn for each build, so a page cannot guess or forge it; it
    never reaches the site, which stays byte-identical across builds.
    """

    def __init__(self, *, placeholders: bool = False, keep: bool = False) -> None:
        self._prefix = f"improveblock{secrets.token_hex(8)}n" if placeholders else None
        # `keep`: blocks outlive `restore` (one HtmlBlocks for every `mkdocs serve` rebuild,
        # whose unchanged pages keep their placeholders); `retain` forgets the unused ones.
        self._keep = keep
        self._blocks: dict[str, str] = {}
        self._unsearchable: set[str] = set()
        self._count = 0
        self._pattern = (re.compile(rf"<p>({self._prefix}\d+)</p>|({self._prefix}\d+)")
                         if self._prefix else None)

    def add(self, html: str, *, searchable: bool = True) -> str:
        """The Markdown block that stands for `html` (separate it from others by blank lines).
        An unsearchable block (a page's fact card) is left out of the search view."""
        if self._prefix is None:
            return html
        self._count += 1
        token = f"{self._prefix}{self._count}"
        self._blocks[token] = html
        if not searchable:
            self._unsearchable.add(token)
        return token

    def expand(self, text: str) -> str:
        """`text` with every placeholder replaced by its block, the blocks kept: what a page
        holds, whatever tokens it was given (`mkdocs serve --dirty` compares pages by it)."""
        if self._pattern is None or self._prefix is None or self._prefix not in text:
            return text
        return self._pattern.sub(lambda m: self._blocks.get(m.group(1) or m.group(2), ""), text)

    def restore(self, html: str, *, as_text: bool = False) -> str:
        """Rendered HTML with every placeholder replaced by its block (and the block forgotten).

        With `as_text`, by one paragraph holding the block's text instead, the same words in the
        same order (for a search index), and the blocks are kept for `restore`."""
        if self._pattern is None or self._prefix is None or self._prefix not in html:
            return html
        if as_text:
            return self._pattern.sub(self._text_of, html)
        return self._pattern.sub(self._take, html)

    def _text_of(self, match: re.Match[str]) -> str:
        token = match.group(1) or match.group(2)
        if token in self._unsearchable:
            return ""
        return f"<p>{_TAG.sub('', self._blocks.get(token, ''))}</p>"

    def _take(self, match: re.Match[str]) -> str:
        token = match.group(1) or match.group(2)
        if self._keep:
            return self._blocks.get(token, "")
        self._unsearchable.discard(token)
        return self._blocks.pop(token, "")

    def retain(self, texts: Iterable[str]) -> None:
        """Keep only the blocks that `texts` (the pages of the current build) refer to."""
        if self._prefix is None:
            return
        pattern = re.compile(rf"{self._prefix}\d+")
        used = {token for text in texts for token in pattern.findall(text)}
        self._blocks = {t: b for t, b in self._blocks.items() if t in used}
        self._unsearchable &= used


# A tag of the HTML we build ourselves: attribute values are escaped, so never hold a `>`.
_TAG = re.compile(r"<[^>]*>")


# Files documents link to are published up to this size (a screenshot, a PDF of a vendor's report).
MAX_LINKED_FILE = 20 << 20


@dataclass
class Site:
    """The published part of a repository, as the handbook's pages see it."""

    config: Config
    today: dt.date
    documents: list[Document]
    index: HandbookIndex
    # Document path (repository-relative) -> its page's path in the site (docs-relative).
    src_uris: dict[str, str] = field(default_factory=dict)
    withheld: Counter[str] = field(default_factory=Counter)
    lint: LintResult | None = None
    # MkDocs' `use_directory_urls`: how page addresses are made (see `page_url`).
    directory_urls: bool = True
    # Zensical rewrites every relative link of a page, raw HTML included, as a path from the
    # page's source file: links in finished HTML are then source paths, not page addresses.
    source_links: bool = False
    blocks: HtmlBlocks = field(default_factory=HtmlBlocks)

    def __post_init__(self) -> None:
        self._docs_dir: Path | None = None
        self._previous: dict[str, Document] | None = None
        self._chains: dict[str, list[str]] | None = None
        self.by_id: dict[str, Document] = {}
        self.by_path: dict[str, Document] = {d.path: d for d in self.documents}
        for doc in self.documents:
            if doc.id:
                self.by_id.setdefault(doc.id, doc)
        for doc in self.documents:
            for old in doc.strings("previous_ids"):
                self.by_id.setdefault(old, doc)
        for doc in self.documents:
            self.src_uris.setdefault(doc.path, doc.path)

    def place(self, docs_dir: Path) -> None:
        """Give every document its page path (`site_path`) under the generator's docs folder."""
        self._docs_dir = docs_dir
        for doc in self.documents:
            self.src_uris[doc.path] = self.site_path(doc.path)

    def site_path(self, repo_path: str) -> str:
        """Where a repository file is in the site: its path in the generator's docs folder
        when it lives there (the generator has it already), else its repository path."""
        if self._docs_dir is not None:
            try:
                return (self.config.root / repo_path).relative_to(self._docs_dir).as_posix()
            except ValueError:
                pass
        return repo_path

    def chain_of(self, doc_id: str) -> list[str] | None:
        """The supersede chain (oldest first) that holds `doc_id`, if any."""
        if self._chains is None:
            self._chains = {ref: list(chain) for chain in self.index.chains for ref in chain}
        return self._chains.get(doc_id)

    def previous_retro(self, doc: Document) -> Document | None:
        """The published retro of the same team just before `doc` (by date, then number)."""
        if self._previous is None:
            from improve.core.numbers.carryover import team_of
            from improve.model.kinds import RETROSPECTIVE

            self._previous = {}
            teams: dict[str | None, list[Document]] = {}
            for retro in self.documents:
                if retro.kind.has(RETROSPECTIVE):
                    teams.setdefault(team_of(retro), []).append(retro)
            for retros in teams.values():
                retros.sort(key=lambda d: (d.date or dt.date.min, d.number or 0, d.path))
                for before, after in itertools.pairwise(retros):
                    self._previous[after.path] = before
        return self._previous.get(doc.path)

    def src_uri(self, doc: Document) -> str:
        return self.src_uris[doc.path]

    def linked_files(self) -> list[str]:
        """Files published documents link to (images, PDFs), to publish beside them: regular
        files inside the repository, not documents, not Markdown, not bigger than
        MAX_LINKED_FILE. A file only a withheld document links to stays unpublished."""
        from improve.core.fsutil import inside
        from improve.core.read.links import body_links

        root = self.config.root
        found: set[str] = set()
        for doc in self.documents:
            for link in body_links(doc.parsed.body, doc.parsed.body_first_line, doc.path):
                target = link.target
                if target is None or target in found or target.endswith(".md"):
                    continue
                path = root / target
                try:
                    info = path.stat()
                except (OSError, ValueError):
                    continue
                if (stat.S_ISREG(info.st_mode) and info.st_size <= MAX_LINKED_FILE
                        and inside(root, path) and not any(
                            part.startswith(".") for part in target.split("/"))):
                    found.add(target)
        return sorted(found)

    def href(self, doc_path: str, from_src: str = "") -> str:
        """The link from the page at `from_src` to a published document (MkDocs-relative, quoted)."""
        target = self.src_uris[doc_path]
        base = posixpath.dirname(from_src)
        return url_path(posixpath.relpath(target, base) if base else target)

    def url(self, doc_path: str, from_src: str = "") -> str:
        """The address of a published document's page from the page at `from_src` (by default
        a generated page, which lives at the top of the site), for HTML: final and quoted
        (`../../runbooks/0001-x/`)."""
        if self.source_links:
            return self.href(doc_path, from_src)
        return relative_url(page_url(self.src_uris[doc_path], self.directory_urls),
                            page_url(from_src or "generated.md", self.directory_urls))

    def resolve(self, ref: str) -> Document | None:
        """The published document an id (`RCA-0002`) or an item reference (`RCA-0002#A1`) names."""
        parsed = parse_item_ref(ref)
        return self.by_id.get(parsed[0] if parsed else ref)


def load_site(config: Config, today: dt.date, *, lint: LintResult | None = None,
              documents: Sequence[Document] | None = None,
              soon_days: int | None = None, recent_days: int | None = None) -> Site:
    """Read the repository (unless `documents` are given) and keep what may be published."""
    docs = list(documents) if documents is not None else Repository(config).documents()
    withheld: Counter[str] = Counter()
    public: list[Document] = []
    for doc in sorted(docs, key=lambda d: d.path):
        reason = withheld_reason(doc)
        if reason is None:
            public.append(doc)
        else:
            withheld[reason] += 1
    index = build_index(public, config, today, soon_days=soon_days, recent_days=recent_days)
    return Site(config=config, today=today, documents=public, index=index, withheld=withheld,
                lint=lint)


def source_path(config: Config, doc: Document) -> Path:
    return config.root / doc.path
