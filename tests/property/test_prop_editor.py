"""Property tests for the in-place action-item editor (issue 7): a document that lints clean
round-trips through the editor with only the intended lines changed, in its own line endings."""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Any

from docgen import SEED_PATHS, TODAY, any_document, seed
from hypothesis import assume, given
from hypothesis import strategies as st

from improve.core.check.analyze import check_document
from improve.core.check.rules import Context
from improve.core.errors import ImproveError
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.core.read.frontmatter import ParsedFile, parse
from improve.core.write.editor import STATUSES, changes_for, edit_bytes
from improve.model.finding import Severity
from improve.model.kinds import KINDS

CTX = Context(config=Config(root=Path("/nonexistent")), today=TODAY)
OWNERS = st.one_of(
    st.sampled_from(["dana", "Eve Martins", "@chen", "eve@example.org", "O'Brien", 'Say "hi"',
                     "no", "on", "0012", "12:30", "a: b", "#x", "[x]", "{y}", "x, y", "- z",
                     "ünïcödé", "*star", "&amp", "!bang", "%pct", "@", "`tick`", "> gt", "| bar"]),
    st.text(st.characters(categories=["L", "N", "P", "S", "Zs"]), min_size=1, max_size=30)
    .map(str.strip).filter(bool),
)
DUES = st.dates(dt.date(2026, 3, 3), dt.date(2031, 12, 31))


def _errors(raw: bytes, kind: str) -> list[Any]:
    parsed = parse(raw)
    doc = Document(path=SEED_PATHS[kind], kind=KINDS[kind], number=int(
        SEED_PATHS[kind].split("/")[1][:4]), parsed=parsed)
    return [f for f in check_document(doc, CTX) if f.severity is Severity.ERROR]


# Rewrites that keep a document's meaning (checked below): the editor must cope with all of them.
def _quote(line: str, style: str) -> str:
    match = re.fullmatch(r"(\s*(?:- )?(?:owner|due|status|title): )([A-Za-z0-9 @.-]+)", line)
    if not match:
        return line
    value = match[2]
    return match[1] + (f"'{value}'" if style == "'" else f'"{value}"')


def _comment(line: str, _style: str) -> str:
    if re.fullmatch(r"\s*(?:- )?[a-z_]+: [A-Za-z0-9 @.:+-]+", line):
        return line + "  # note: keep"
    return line


def _blank(line: str, _style: str) -> str:
    return line + "\n" if line.startswith(("  - id:", "    owner:")) else line


REWRITES = {"quote": _quote, "comment": _comment, "blank": _blank}


@st.composite
def clean_documents(draw: st.DrawFn) -> tuple[str, bytes, ParsedFile]:
    """A retro or RCA that lints clean, in one of many spellings of the same front matter."""
    kind = draw(st.sampled_from(["retro", "rca"]))
    lines = seed(kind).decode("utf-8").split("\n")
    end = lines.index("---", 1)
    for _ in range(draw(st.integers(0, 6))):
        index = draw(st.integers(1, end - 1))
        rewrite = REWRITES[draw(st.sampled_from(sorted(REWRITES)))]
        lines[index] = rewrite(lines[index], draw(st.sampled_from(["'", '"'])))
    text = "\n".join(lines)
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    bom = "\ufeff" if draw(st.booleans()) else ""
    raw = (bom + text.replace("\n", eol)).encode("utf-8")
    parsed = parse(raw)
    assume(parsed.meta == parse(seed(kind)).meta)  # a rewrite changed the meaning: skip it
    assert not _errors(raw, kind)
    return kind, raw, parsed


@st.composite
def edits(draw: st.DrawFn, parsed: ParsedFile) -> tuple[str, dict[str, str | None]]:
    assert parsed.meta is not None
    items = parsed.meta["action_items"]
    index = draw(st.integers(0, len(items) - 1))
    current = items[index]
    changes = changes_for(
        current, today=TODAY,
        status=draw(st.one_of(st.none(), st.sampled_from(STATUSES))),
        owner=draw(st.one_of(st.none(), OWNERS)),
        due=draw(st.one_of(st.none(), DUES)),
    )
    return current["id"], changes


@given(st.data())
def test_clean_document_round_trips_with_only_the_item_lines_changed(data: st.DataObject) -> None:
    kind, raw, parsed = data.draw(clean_documents())
    item_id, changes = data.draw(edits(parsed))
    new_raw = edit_bytes(raw, item_id, changes)
    if not changes:
        assert new_raw == raw
        return
    new = parse(new_raw)
    # Reads back as exactly the intended values; the rest of the front matter and the body kept.
    assert parsed.meta is not None
    expected = copy.deepcopy(parsed.meta)
    item = next(i for i in expected["action_items"] if i["id"] == item_id)
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        elif item.get(key) != value:
            item[key] = value
    assert new.meta == expected
    assert new.body == parsed.body
    # The BOM and the line endings are the file's own.
    assert new_raw.startswith(b"\xef\xbb\xbf") == raw.startswith(b"\xef\xbb\xbf")
    if b"\r\n" in raw:
        assert new_raw.count(b"\n") == new_raw.count(b"\r\n"), "a CRLF file stays CRLF"
    else:
        assert b"\r" not in new_raw
    # Only lines of that item that hold a changed key (or its one flow-style line) differ.
    old_lines = raw.decode("utf-8").splitlines()
    new_lines = new_raw.decode("utf-8").splitlines()
    flow_line = re.compile(r"\s*- \{.*\bid: " + re.escape(item_id) + r"\b")
    changed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old_lines, b=new_lines,
                                                       autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        for line in [*old_lines[i1:i2], *new_lines[j1:j2]]:
            assert flow_line.match(line) or any(
                re.match(rf"\s*(- )?{key}:", line) for key in changes), (tag, line)
        changed += max(i2 - i1, j2 - j1)
    assert changed <= len(changes)
    # And it still lints clean.
    assert not _errors(new_raw, kind)


@given(any_document(), st.sampled_from(["A1", "A2", "A3"]),
       st.sampled_from([{"status": "done", "done_on": "2026-03-02"}, {"status": "open", "done_on":
                        None}, {"owner": "dana"}, {"due": "2026-04-30"}, {"owner": "x: [y]"}]))
def test_editor_refuses_or_edits_any_document(case: tuple[str, bytes], item_id: str,
                                              changes: dict[str, str | None]) -> None:
    _kind, raw = case
    try:
        new_raw = edit_bytes(raw, item_id, changes)
    except ImproveError:
        return  # an unknown item, or a file it cannot edit safely: a clear refusal
    if new_raw == raw:
        return
    new = parse(new_raw)
    assert new.ok
    assert new.meta is not None
    items = [i for i in new.meta["action_items"] if isinstance(i, dict) and i.get("id") == item_id]
    assert len(items) == 1
    for key, value in changes.items():
        assert items[0].get(key) == value
