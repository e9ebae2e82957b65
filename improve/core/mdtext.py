"""User strings made inert in generated Markdown (PR summaries, digests, scaffolded pages).

A title may hold `|`, `*`, backticks, `<script>` or a newline: each ASCII symbol that Markdown or
HTML could read as syntax becomes a numeric character reference, which renders as the symbol
itself, never splits a table cell and never opens a tag.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import quote

_KEEP = frozenset(",.-:;/?%'\" ()")


def one_line(value: object) -> str:
    text = "" if value is None else str(value)
    chars = [" " if ch in "\r\n\t\v\f\x85\u2028\u2029" else ch for ch in text
             if ch in "\r\n\t\v\f\x85\u2028\u2029" or unicodedata.category(ch) != "Cc"]
    return " ".join("".join(chars).split())


def text(value: object) -> str:
    """A user string as literal Markdown text on one line (safe in a table cell or a heading)."""
    return "".join(ch if ch.isalnum() or ch in _KEEP or ord(ch) > 127 else f"&#{ord(ch)};"
                   for ch in one_line(value))


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
