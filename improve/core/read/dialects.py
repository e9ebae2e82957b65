"""Other tools' ways of writing front matter, read as improve's (issue 13).

MADR and adr-tools write `status: Accepted`, `status: superseded by ADR-0012` and
`decision-makers: Oliver Kopp`; teams write `Approved` or `In Review`. Each document is read
through `normalize` once, right after parsing, so that the schema, the rules, the index and the
handbook all see one spelling. What a status word means is data: the kind's `status_map` and
`status_links` (improve/model/kinds.py) and the config's `[kinds.<kind>] statuses`.
"""

from __future__ import annotations

import re
from typing import Any

from improve.core.read.config import Config, status_word
from improve.model.ids import file_number, format_doc_id
from improve.model.kinds import Kind

# `superseded by ADR-0012`, `Superseded by [ADR-0012](0012-x.md)`, `superseded by [2. X](0002-x.md)`
_LINKED = re.compile(r"^(?P<word>[^\[\]()]+?)\s+by\s+(?P<target>.+?)\s*$", re.IGNORECASE)
_ID = re.compile(r"\b(?P<prefix>[A-Za-z]+)-(?P<number>[0-9]{1,9})\b")
_LINK_TARGET = re.compile(r"\]\(\s*<?(?P<href>[^)>\s]+)")


def normalize(meta: dict[str, Any], kind: Kind, config: Config) -> None:
    """Rewrite, in place, the spellings of other tools that mean something improve knows."""
    status = meta.get("status")
    if kind.statuses and isinstance(status, str) and status not in kind.statuses:
        _read_status(meta, status, kind, config)
    for name in kind.text_lists:
        value = meta.get(name)
        if isinstance(value, str):
            meta[name] = [part.strip() for part in value.split(",") if part.strip()]


def _read_status(meta: dict[str, Any], status: str, kind: Kind, config: Config) -> None:
    meant = config.status_of(kind, status)
    if meant is not None:
        meta["status"] = meant
        return
    linked = _LINKED.match(status)
    if linked is None:
        return  # an unknown word: the schema says which statuses there are
    meant = config.status_of(kind, linked["word"])
    field = dict(kind.status_links).get(status_word(linked["word"]))
    if meant is None or field is None:
        return
    target = _target_id(linked["target"], kind)
    if target is None:
        return
    meta["status"] = meant
    present = meta.get(field)
    if present is None:
        meta[field] = target
    elif isinstance(present, str) and present != target:
        meta[field] = [present, target]
    elif isinstance(present, list) and target not in present:
        meta[field] = [*present, target]


def _target_id(text: str, kind: Kind) -> str | None:
    """The id a status names: written as an id, or as a link to the document's file."""
    link = _LINK_TARGET.search(text)
    if link is not None:
        number = file_number(link["href"].rsplit("/", 1)[-1].split("#", 1)[0])
        if number is not None:
            return format_doc_id(kind.prefix, number)
    found = _ID.search(text)
    if found is not None and found["prefix"].upper() == kind.prefix:
        return format_doc_id(kind.prefix, int(found["number"]))
    return None
