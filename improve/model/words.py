"""Words for counts, in one place: `1 document`, `3 documents`, `1 entry`, `2 entries`."""

from __future__ import annotations


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` and the noun that goes with it (`many` defaults to `one` + "s")."""
    return f"{count} {one if count == 1 else (many or one + 's')}"
