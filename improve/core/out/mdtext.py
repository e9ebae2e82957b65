"""User strings made inert in Markdown: the one home of that policy (issue 12).

A title may hold `|`, `*`, backticks, `<script>` or a newline. In generated Markdown (the
handbook's pages, PR summaries, digests) each ASCII symbol that Markdown or HTML could read as
syntax becomes a numeric character reference (`text`), which renders as the symbol itself, never
splits a table cell and never opens a tag. In files people edit (`source_text`), backslash
escapes do the same and stay readable.
"""

from __future__ import annotations

import re
import string
from urllib.parse import quote

# Line breaks become spaces; every other control character (Unicode category Cc) disappears.
_LINE_BREAKS = "\r\n\t\v\f\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_TABLE: dict[int, str | None] = dict.fromkeys((*range(32), *range(127, 160)))
_LINE_TABLE.update({ord(ch): " " for ch in _LINE_BREAKS})
# ASCII punctuation that means nothing to Markdown or HTML in running text; every other ASCII
# symbol (`@` too: a mention on GitHub) becomes a numeric character reference.
_KEEP = frozenset(",.-:;/?%'\" ()")
_TEXT_TABLE = {ord(ch): f"&#{ord(ch)};" for ch in string.punctuation if ch not in _KEEP}
_SOURCE_SYNTAX = re.compile(r"([\\`*_\[\]#|~!])")


def one_line(value: object) -> str:
    """A user string on one line: line breaks as spaces, control characters gone, runs of
    white space as one space."""
    text = "" if value is None else str(value)
    return " ".join(text.translate(_LINE_TABLE).split())


def text(value: object) -> str:
    """A user string as literal Markdown text on one line (safe in a table cell or a heading,
    and as HTML text): for generated pages, summaries and digests."""
    return one_line(value).translate(_TEXT_TABLE)


def source_text(value: object) -> str:
    """A user string as literal Markdown in a file people edit (a new document's title, a
    scaffolded page): backslash escapes, which read as the text itself, rather than character
    references; `&`, `<` and `>` as entities, so no tag opens."""
    plain = one_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _SOURCE_SYNTAX.sub(r"\\\1", plain)


def code(value: object) -> str:
    """A path or id in code style; backticks inside cannot end the span early."""
    body = one_line(value).replace("|", "\\|")
    fence = "``" if "`" in body else "`"
    pad = " " if body.startswith("`") or body.endswith("`") else ""
    return f"{fence}{pad}{body}{pad}{fence}"


def link(label: str, href: str) -> str:
    """`[label](href)`: `label` already escaped; the href is percent-encoded where needed."""
    return f"[{label}]({quote(href, safe='/:#?&=%~+@!$,;')})"


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A Markdown table from cells that are already escaped."""
    lines = ["| " + " | ".join(headers) + " |", "|" + " --- |" * len(headers)]
    lines.extend("| " + " | ".join(row) + " |" for row in rows)
    return "\n".join(lines) + "\n"
