"""The iCalendar feed of open action items (`actions.ics`): RFC 5545 by hand, read back by icalendar."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest

from improve.core.numbers.calendar import actions_calendar, escape_text, fold
from improve.model.items import ActionItem

TODAY = dt.date(2026, 3, 1)
AWKWARD = "Fix a, b; and c\\d\nthen ship — 漢字 " + "long " * 30


def _item(item_id: str, title: str, status: str = "open", due: dt.date | None = dt.date(2026, 3, 9),
          owner: str | None = "alice") -> ActionItem:
    return ActionItem(doc_id="RCA-0007", item_id=item_id, title=title, status=status, owner=owner,
                      due=due, opened_on=None, done_on=None, link=None, type=None,
                      path="rca/0007-outage.md", kind="rca", index=0, doc_title="Outage")


def test_the_feed_reads_back_with_every_open_due_item() -> None:
    feed = actions_calendar([
        _item("A2", AWKWARD), _item("A1", "First", due=dt.date(2026, 2, 1), owner=None),
        _item("A3", "Done", status="done"), _item("A4", "No date", due=None),
        _item("A5", "Last day", due=dt.date(9999, 12, 31)),
    ], TODAY)
    calendar = icalendar.Calendar.from_ical(feed)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == "-//improve-handbook//improve//EN"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["RCA-0007-A1@improve-handbook",
                                               "RCA-0007-A2@improve-handbook",
                                               "RCA-0007-A5@improve-handbook"]
    first, awkward, last = events
    assert first.decoded("DTSTART") == dt.date(2026, 2, 1)
    assert first.decoded("DTEND") == dt.date(2026, 2, 2)
    assert first.decoded("DTSTAMP") == dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
    assert "Owner: no owner" in str(first["DESCRIPTION"])
    assert str(awkward["SUMMARY"]) == f"RCA-0007#A2: {AWKWARD}"
    assert "DTEND" not in last  # 9999-12-31 has no next day: one day by default


def test_lines_are_crlf_folded_at_75_octets_and_never_inside_a_character() -> None:
    feed = actions_calendar([_item("A1", "漢" * 100 + AWKWARD)], TODAY)
    assert feed.endswith(b"END:VCALENDAR\r\n")
    lines = feed.split(b"\r\n")[:-1]
    assert b"\n" not in b"".join(lines)
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # each physical line is whole UTF-8: no character was cut
    assert any(line.startswith(b" ") for line in lines)


@pytest.mark.parametrize(("value", "escaped"), [
    ("a,b;c\\d", "a\\,b\\;c\\\\d"), ("one\r\ntwo\nthree\rfour", "one\\ntwo\\nthree\\nfour"),
    ("bell\x07", "bell"),
])
def test_text_values_are_escaped(value: str, escaped: str) -> None:
    assert escape_text(value) == escaped


def test_a_short_line_is_not_folded() -> None:
    assert fold("SUMMARY:x") == b"SUMMARY:x\r\n"
