"""Element ids and names in published bodies that can never be the theme's own.

Material finds its parts by id (`#__config` holds its configuration as JSON, `#__search`,
`#__drawer`, `__palette_N`, `__nav_N`...) and a browser exposes named elements as properties of
`document` and `window` (DOM clobbering). A body that could set `id="__config"` replaced the
theme's configuration and made it load and insert HTML from another origin (issue 11).

The rule, in one place:
- Every id and name in raw HTML (and anything an extension stashes as raw HTML) is published as
  `user-content-<value>`, as GitHub does.
- In the documents improve publishes (retros, RCAs, runbooks, decisions: anyone's pull request),
  ids from Markdown itself (`{#id}` from attr_list) are prefixed the same way. On the site's
  own pages (`docs/`), other plugins write Markdown with ids they look up again later (Material's
  tags listing), so there an id from Markdown is kept when it cannot be a theme id: it does not
  start with `_` and holds only letters, digits and `-.:/`.
- Heading ids that the `toc` extension makes from heading text are kept, so links to sections
  keep working across pages; the slug can never start with `_` (all of the theme's ids do).
- In-page links (`href="#x"`) follow: a link to a heading id stays, any other becomes
  `#user-content-x`, the id its target now has.

Raw HTML reaches the page as text stashed by Python-Markdown, so the ids to keep cannot be told
apart from a writer's by their value. The extension marks them instead: after `toc`, every id and
name in the element tree gets a secret suffix (random per build, never published); the
sanitizer keeps a marked value without its suffix and prefixes everything else.
"""

from __future__ import annotations

import re
import secrets
import xml.etree.ElementTree as etree
from collections.abc import Callable

from markdown import Markdown
from markdown.extensions import Extension
from markdown.extensions.toc import slugify as default_slugify
from markdown.treeprocessors import Treeprocessor

PREFIX = "user-content-"
Slugify = Callable[[str, str], str]

# Python-Markdown's `attr_list` runs at priority 8 and `toc` at 5: ids present between the two
# came from the writer; ids present after `toc` are the ones the tree made.
_WRITER_IDS_PRIORITY = 6
_MARK_PRIORITY = 1
_LEADING = re.compile(r"^[_\W]+")
_PLAIN = re.compile(r"[^\W_][\w.:/-]*")


def safe_slugify(slugify: Slugify | None = None) -> Slugify:
    """`slugify` (toc's default when None) whose result never starts with `_` or punctuation."""
    inner = slugify or default_slugify

    def slug(value: str, separator: str) -> str:
        return _LEADING.sub("", inner(value, separator)) or "section"

    slug.improve_safe = True  # type: ignore[attr-defined]  # wrapping twice changes nothing
    return slug


def is_safe_slugify(slugify: object) -> bool:
    return bool(getattr(slugify, "improve_safe", False))


class SafeIds(Extension):  # type: ignore[misc]  # Python-Markdown has no type hints
    """The Markdown half: prefix writer ids in the tree, then mark every id the tree holds."""

    def __init__(self) -> None:
        super().__init__()
        self.mark = "\u2063" + secrets.token_hex(8)  # invisible separator + 16 hex digits
        self._kept: set[str] | None = None
        self.strict = True  # the plugin sets it per page: False on the site's own pages

    def extendMarkdown(self, md: Markdown) -> None:
        md.treeprocessors.register(_WriterIds(md, self), "improve_writer_ids",
                                   _WRITER_IDS_PRIORITY)
        md.treeprocessors.register(_Mark(md, self), "improve_mark_ids", _MARK_PRIORITY)

    def take_kept(self) -> frozenset[str]:
        """The ids the page just rendered may keep (its heading ids); forgotten once taken."""
        kept, self._kept = self._kept, None
        return frozenset(kept or ())

    def _remember(self, kept: set[str]) -> None:
        self._kept = kept


class _WriterIds(Treeprocessor):  # type: ignore[misc]
    def __init__(self, md: Markdown, extension: SafeIds) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        strict = self.extension.strict
        for element in root.iter():
            for attribute in ("id", "name"):
                value = element.get(attribute)
                if value is not None and (strict or not _PLAIN.fullmatch(value)):
                    element.set(attribute, PREFIX + value)


class _Mark(Treeprocessor):  # type: ignore[misc]
    def __init__(self, md: Markdown, extension: SafeIds) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        kept: set[str] = set()
        mark = self.extension.mark
        links: list[etree.Element] = []
        for element in root.iter():
            for attribute in ("id", "name"):
                value = element.get(attribute)
                if value is not None:
                    if attribute == "id" and not value.startswith(PREFIX):
                        kept.add(value)
                    element.set(attribute, value + mark)
            if element.get("href", "").startswith("#"):
                links.append(element)
        # In-page links follow here already, so that MkDocs' anchor check (it reads the links
        # after this) sees the ids the page will have; the sanitizer does the same for raw HTML.
        follow = attribute_filter(None, frozenset(kept))
        for element in links:
            element.set("href", follow(element.tag, "href", element.get("href", "")))
        self.extension._remember(kept)


def attribute_filter(mark: str | None, kept: frozenset[str]) -> Callable[[str, str, str], str]:
    """The sanitizer's per-attribute rewrite for one page (see the module docstring)."""

    def rewrite(tag: str, attribute: str, value: str) -> str:
        if attribute in ("id", "name"):
            if mark and value.endswith(mark):
                return value[: -len(mark)]
            return PREFIX + value
        if attribute == "href" and value.startswith("#") and len(value) > 1:
            target = value[1:]
            if target in kept or target.startswith(PREFIX):
                return value
            return "#" + PREFIX + target
        return value

    return rewrite
