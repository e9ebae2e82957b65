"""Sanitizing rendered page bodies with nh3 (ammonia), keeping what the handbook's Markdown makes.

Python-Markdown passes raw HTML through, and `attr_list` lets a writer add any attribute: the
rendered body of every page goes through an allow-list that keeps tables, admonitions,
details, highlighted code, heading anchors and the plugin's badges, and drops scripts, event
handlers, styles and `javascript:` URLs. Ids and names are rewritten so that none can be one the
theme uses (`improve.handbook.safeids`).
"""

from __future__ import annotations

import html
import re
from functools import lru_cache
from typing import Any

import nh3

from improve.handbook.safeids import attribute_filter

EXTRA_TAGS = frozenset({"details", "summary", "figure", "figcaption", "mark", "abbr", "kbd"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
_TAG_RE = re.compile(r"<[^>]*>")


@lru_cache(maxsize=1)
def _options() -> dict[str, Any]:
    tags = set(nh3.ALLOWED_TAGS) | EXTRA_TAGS
    attributes: dict[str, set[str]] = {tag: set(attrs) for tag, attrs in
                                       nh3.ALLOWED_ATTRIBUTES.items()}
    attributes["*"] = {"class", "id", "title", "lang", "dir"}
    attributes.setdefault("a", set()).update({"href", "title"})
    attributes.setdefault("img", set()).update({"src", "alt", "title", "width", "height"})
    attributes.setdefault("details", set()).add("open")
    attributes.setdefault("ol", set()).update({"start", "type"})
    attributes.setdefault("li", set()).add("value")
    # Python-Markdown aligns table columns with `style="text-align: ..."`; only that survives.
    for cell in ("th", "td"):
        attributes.setdefault(cell, set()).add("style")
    return {
        "tags": tags,
        "attributes": attributes,
        "url_schemes": set(URL_SCHEMES),
        "link_rel": None,
        "strip_comments": True,
        "filter_style_properties": {"text-align"},
    }


def sanitize(fragment: str, *, mark: str | None = None, kept: frozenset[str] = frozenset()) -> str:
    """The HTML fragment with only allow-listed tags, attributes and URL schemes left.

    Ids and names become `user-content-...` unless the page's Markdown marked them with `mark`,
    and in-page links follow them (`improve.handbook.safeids`): nothing a writer supplies can
    take the id of an element the theme or its scripts look up.
    """
    return str(nh3.clean(fragment, **_options(), attribute_filter=attribute_filter(mark, kept)))


def plain_text(fragment: str) -> str:
    """An HTML fragment (a toc title) as escaped text: no element of it survives."""
    return html.escape(html.unescape(_TAG_RE.sub("", fragment)), quote=False)
