"""Relative links and images in a document's body, and where they lead in the repository.

One home for reading them (issue 13): lint reports a link that leads nowhere (`broken-link`),
the handbook publishes the files documents link to (images, PDFs) and rewrites links to other
documents' files into links to their pages. Links inside fenced code and code spans are text,
not links.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from urllib.parse import unquote

from improve.core.read.fences import Fences

# `[text](target)`, `![alt](target "title")`, `[text](<target with spaces>)`
_INLINE = re.compile(r"!?\[(?:[^\[\]\n]|\[[^\[\]\n]*\])*\]\(\s*(?:<([^<>\n]+)>|([^()\s]+))")
# `[label]: target` reference definitions
_DEFINITION = re.compile(r"^ {0,3}\[[^\]\n]+\]:\s*(?:<([^<>\n]+)>|(\S+))")
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Link:
    line: int
    column: int
    href: str  # as written
    target: str | None  # the repository path it leads to; None when it leaves the repository


def local_target(doc_path: str, href: str) -> str | bool | None:
    """The repository path a relative link leads to; False when it is not a relative link
    (a URL, `mailto:`, an anchor on the same page, an absolute path); None when it climbs out
    of the repository."""
    if not href or href.startswith(("#", "/", "\\")) or _SCHEME.match(href):
        return False
    path = unquote(href.split("#", 1)[0].split("?", 1)[0])
    if not path:
        return False
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(doc_path), path))
    if joined == ".." or joined.startswith(("../", "/")):
        return None
    return joined


def body_links(body: str, first_line: int, doc_path: str) -> list[Link]:
    """Every relative link and image of a body, with its line and column in the file."""
    if "](" not in body and "]:" not in body:
        return []
    found: list[Link] = []
    fences = Fences()
    for offset, line in enumerate(body.split("\n")):
        if not fences.is_text(line) or ("](" not in line and "]:" not in line):
            continue
        text = _CODE_SPAN.sub(lambda m: " " * len(m.group(0)), line)
        matches = [*_INLINE.finditer(text), *_DEFINITION.finditer(text)]
        for match in matches:
            group = 1 if match.group(1) is not None else 2
            href = match.group(group)
            target = local_target(doc_path, href)
            if target is False:
                continue
            found.append(Link(first_line + offset, match.start(group) + 1, href,
                              target if isinstance(target, str) else None))
    found.sort(key=lambda link: (link.line, link.column))
    return found
