"""Document ids (`RCA-0007`), action-item references (`RCA-0007#A2`) and file names (`0007-x.md`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

# Numbers have at most nine digits (a billion documents, a billion items): an id with thousands of
# digits is not an id, and Python cannot even turn it into a number (issue 11). The schemas say
# the same (a test checks they agree).
MAX_DIGITS = 9
DOC_ID_RE = re.compile(r"^(?P<prefix>[A-Z][A-Z0-9]*)-(?P<number>[0-9]{4,9})$")
ITEM_ID_RE = re.compile(r"^A[1-9][0-9]{0,8}$")
ITEM_REF_RE = re.compile(r"^(?P<doc>[A-Z][A-Z0-9]*-[0-9]{4,9})#(?P<item>A[1-9][0-9]{0,8})$")
FILE_NAME_RE = re.compile(r"^(?P<number>[0-9]+)-(?P<slug>[^/]+)\.md\Z")
NUMBER_WIDTH = 4


@dataclass(frozen=True, order=True)
class DocId:
    prefix: str
    number: int

    def __str__(self) -> str:
        return f"{self.prefix}-{self.number:0{NUMBER_WIDTH}d}"


def parse_doc_id(text: str) -> DocId | None:
    match = DOC_ID_RE.match(text)
    if not match:
        return None
    return DocId(match["prefix"], int(match["number"]))


def item_number(item_id: str) -> int:
    """The number of an action item id (`A12` -> 12), for ordering; 0 when it is not an item id
    (including one with more digits than any number improve reads: issue 11)."""
    digits = item_id[1:]
    return int(digits) if item_id[:1] == "A" and digits.isascii() and digits.isdigit() \
        and len(digits) <= MAX_DIGITS else 0


def format_doc_id(prefix: str, number: int) -> str:
    return str(DocId(prefix, number))


def parse_item_ref(text: str) -> tuple[str, str] | None:
    """`RCA-0007#A2` -> (`RCA-0007`, `A2`); None when it is not a reference."""
    match = ITEM_REF_RE.match(text)
    if not match:
        return None
    return match["doc"], match["item"]


def file_number(name: str) -> int | None:
    """The number a document's file name starts with, None for names that are not documents.

    What `FILE_NAME_RE` matches, in string operations: discovery asks this of every file of
    the handbook on every run, and they are several times faster than the regex.
    """
    head, dash, rest = name.partition("-")
    if (dash and head.isascii() and head.isdigit() and len(rest) > 3 and rest.endswith(".md")
            and "/" not in rest and not (len(head) in (4, 8) and dated(head, rest))):
        return int(head)
    return None


def dated(head: str, rest: str) -> bool:
    """A name that starts with a date (`2018-01-18-x.md`, `20180118-x.md`): the date is not a
    document number (issue 13: such files were read as document 2018)."""
    if len(head) == 4:
        return rest[:2].isdigit() and rest[2:3] == "-" and rest[3:5].isdigit() and rest[5:6] == "-"
    return len(head) == 8 and head[:2] in ("19", "20") and "01" <= head[4:6] <= "12" \
        and "01" <= head[6:8] <= "31"


def file_name(number: int, slug: str) -> str:
    return f"{number:0{NUMBER_WIDTH}d}-{slug}.md"
