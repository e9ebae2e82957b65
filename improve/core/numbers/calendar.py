"""An iCalendar feed (RFC 5545) of open action items' due dates, written by hand.

One all-day VEVENT per open item with a due date. The feed is a pure function of the items and
today's date (DTSTAMP is today at midnight UTC), so a rebuild of the same handbook on the same
day gives the same bytes. Lines end with CRLF and are folded at 75 octets, never inside a UTF-8
character; TEXT values escape backslash, `;`, `,` and line breaks (RFC 5545, 3.3.11). Callers pass
only published items (the handbook's site holds only those).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from improve.core.read.clock import shift
from improve.model.items import ActionItem

PRODID = "-//improve-handbook//improve//EN"
_LIMIT = 75


def escape_text(value: object) -> str:
    """A TEXT property value: `\\`, `;`, `,` escaped, any line break as `\\n`, no control chars."""
    text = "" if value is None else str(value)
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")
    return "".join(ch for ch in text if ch == "\t" or (ord(ch) >= 32 and ord(ch) != 127))


def fold(line: str) -> bytes:
    """One content line as UTF-8, folded so that no physical line exceeds 75 octets."""
    out: list[bytes] = []
    current = b""
    limit = _LIMIT
    for ch in line:
        encoded = ch.encode("utf-8")
        if len(current) + len(encoded) > limit:
            out.append(current)
            current = b" "
            limit = _LIMIT  # the leading space counts towards the 75
        current += encoded
    out.append(current)
    return b"\r\n".join(out) + b"\r\n"


def _date(day: dt.date) -> str:
    return f"{day.year:04d}{day.month:02d}{day.day:02d}"


def _uid(item: ActionItem) -> str:
    return escape_text(f"{item.doc_id}-{item.item_id}@improve-handbook")


def actions_calendar(items: Iterable[ActionItem], today: dt.date, *,
                     name: str = "Action items") -> bytes:
    """The feed of the open items among `items` that have a due date, ordered by due date."""
    stamp = f"{_date(today)}T000000Z"
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    due = sorted((i for i in items if i.is_open and i.due is not None),
                 key=lambda i: (i.due, i.doc_id, len(i.item_id), i.item_id))
    for item in due:
        assert item.due is not None
        details = [f"Owner: {item.owner or 'no owner'}", f"Status: {item.status}",
                   f"From: {item.doc_id} {item.doc_title}".rstrip(), f"Source: {item.path}"]
        end = shift(item.due, 1)  # held at 9999-12-31: then no DTEND (one day by default)
        lines += [
            "BEGIN:VEVENT",
            f"UID:{_uid(item)}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{_date(item.due)}",
            *([f"DTEND;VALUE=DATE:{_date(end)}"] if end > item.due else []),
            f"SUMMARY:{escape_text(f'{item.ref}: {item.title}')}",
            f"DESCRIPTION:{escape_text(chr(10).join(details))}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return b"".join(fold(line) for line in lines)
