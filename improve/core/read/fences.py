"""Fenced code in a Markdown body, read as CommonMark reads it: one reader for every scan of a
body (its headings, its links, the blame words of an incident review), so that they agree on
what is code. A fence is three or more backticks or tildes indented by at most three spaces; it
is closed by a fence of the same character, at least as long, with nothing after it."""

from __future__ import annotations

import re

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")


class Fences:
    """Fed a body's lines in order (or only those that can open, close or matter: a line that is
    not a fence never changes the state), says which are text outside fenced code."""

    __slots__ = ("_open",)

    def __init__(self) -> None:
        self._open: str | None = None

    def is_text(self, line: str) -> bool:
        """Whether `line` is outside fenced code; a fence line itself is not text."""
        fence = _FENCE.match(line)
        if fence is None:
            return self._open is None
        marker = fence.group(1)
        if self._open is None:
            self._open = marker
        elif (marker[0] == self._open[0] and len(marker) >= len(self._open)
              and not line[fence.end():].strip()):
            self._open = None
        return False
