"""In-place editing of one action item: only the lines that must change, byte for byte."""

from __future__ import annotations

import datetime as dt
import difflib
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from improve.core.errors import UnknownIdError, UsageProblem
from improve.core.read.config import load_config
from improve.core.read.frontmatter import parse
from improve.core.write.editor import EditRefused, changes_for, edit_bytes, edit_item

TODAY = dt.date(2026, 3, 2)

BLOCK = b"""---
id: RCA-0001
title: Checkout outage
date: 2026-01-05
status: published   # reviewed on Monday
severity: SEV2
started_at: 2026-01-05T10:00:00Z
# The follow-ups, agreed in the review.
action_items:
  - id: A1
    title: "Alert on checkout 5xx rate"   # double-quoted title
    owner: 'alice'
    due: '2026-02-01'
    status: open
    type: detect
  # A2 needs the platform team.
  - id: A2
    title: >-
      Run the failover drill every quarter,
      with the platform team on call
    owner: bob
    due: 2026-03-15
    status: in-progress
    type: prevent
  - {id: A3, title: "Fix retries, backoff", owner: chen, due: 2026-02-20, status: open, type: repair}
  - id: A4
    title: Remove the old flag
    owner: dana
    due: 2026-01-20
    status: done
    done_on: 2026-01-18
    type: repair
tags: [checkout]
---

## Summary

Body text stays as it is.
"""


def changed(old: bytes, new: bytes) -> tuple[list[bytes], list[bytes]]:
    """Lines removed from `old` and lines added in `new` (each with its own line ending)."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    removed: list[bytes] = []
    added: list[bytes] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if tag != "equal":
            removed.extend(a[i1:i2])
            added.extend(b[j1:j2])
    return removed, added


def test_done_in_block_style_adds_done_on_after_the_last_key() -> None:
    new = edit_bytes(BLOCK, "A1", changes_for({"status": "open"}, today=TODAY, status="done"))
    assert changed(BLOCK, new) == (
        [b"    status: open\n"],
        [b"    status: done\n", b"    done_on: 2026-03-02\n"],
    )
    assert b"    type: detect\n    done_on: 2026-03-02\n  # A2 needs" in new
    item = parse(new).meta["action_items"][0]  # type: ignore[index]
    assert list(item) == ["id", "title", "owner", "due", "status", "type", "done_on"]


def test_quoting_style_is_kept_for_owner_and_due() -> None:
    new = edit_bytes(BLOCK, "A1", {"owner": "bob", "due": "2026-04-01"})
    assert changed(BLOCK, new) == (
        [b"    owner: 'alice'\n", b"    due: '2026-02-01'\n"],
        [b"    owner: 'bob'\n", b"    due: '2026-04-01'\n"],
    )


def test_flow_style_item_stays_on_its_line() -> None:
    new = edit_bytes(BLOCK, "A3", {"status": "done", "done_on": "2026-03-02"})
    assert changed(BLOCK, new) == (
        [b'  - {id: A3, title: "Fix retries, backoff", owner: chen, due: 2026-02-20, status: open, '
         b"type: repair}\n"],
        [b'  - {id: A3, title: "Fix retries, backoff", owner: chen, due: 2026-02-20, status: done, '
         b"type: repair, done_on: 2026-03-02}\n"],
    )


def test_flow_style_owner_with_a_comma_is_quoted() -> None:
    new = edit_bytes(BLOCK, "A3", {"owner": "Wei, Chen"})
    assert b"owner: 'Wei, Chen'," in new
    assert parse(new).meta["action_items"][2]["owner"] == "Wei, Chen"  # type: ignore[index]


def test_multi_line_folded_title_is_untouched() -> None:
    new = edit_bytes(BLOCK, "A2", changes_for({"status": "in-progress"}, today=TODAY,
                                              status="done"))
    assert changed(BLOCK, new) == (
        [b"    status: in-progress\n"],
        [b"    status: done\n", b"    done_on: 2026-03-02\n"],
    )
    assert b"    type: prevent\n    done_on: 2026-03-02\n  - {id: A3" in new


def test_reopening_removes_done_on_line() -> None:
    changes = changes_for({"status": "done", "done_on": "2026-01-18"}, today=TODAY, status="open")
    assert changes == {"status": "open", "done_on": None}
    new = edit_bytes(BLOCK, "A4", changes)
    assert changed(BLOCK, new) == (
        [b"    status: done\n", b"    done_on: 2026-01-18\n"],
        [b"    status: open\n"],
    )


def test_crlf_and_bom_survive_and_only_one_line_changes() -> None:
    raw = b"\xef\xbb\xbf" + BLOCK.replace(b"\n", b"\r\n")
    new = edit_bytes(raw, "A2", {"owner": "eve"})
    assert new.startswith(b"\xef\xbb\xbf---\r\n")
    assert changed(raw, new) == ([b"    owner: bob\r\n"], [b"    owner: eve\r\n"])
    assert b"\n" not in new.replace(b"\r\n", b"")


def test_crlf_insertion_uses_crlf() -> None:
    raw = BLOCK.replace(b"\n", b"\r\n")
    new = edit_bytes(raw, "A1", {"status": "done", "done_on": "2026-03-02"})
    assert b"    type: detect\r\n    done_on: 2026-03-02\r\n" in new
    assert new.count(b"\r\n") == raw.count(b"\r\n") + 1


def test_mixed_line_endings_keep_each_line_its_own() -> None:
    lines = BLOCK.split(b"\n")
    raw = b"\r\n".join(lines[:12]) + b"\r\n" + b"\n".join(lines[12:])
    new = edit_bytes(raw, "A1", {"status": "done"})
    assert changed(raw, new) == ([b"    status: open\n"], [b"    status: done\n"])


MISSING = b"""---
id: RETRO-0002
title: Sprint 2
date: 2026-02-01
team: payments
action_items:
- id: A1
  title: Write the on-call guide
  status: open
- id: A2
  title: "Try pairing on reviews"
  owner:
  status: open
  notes: |
    Keep it light.

carried_over: []
---
text
"""


def test_missing_keys_are_added_with_the_item_indentation() -> None:
    new = edit_bytes(MISSING, "A1", {"owner": "alice", "due": "2026-02-15"})
    assert changed(MISSING, new) == ([], [b"  owner: alice\n", b"  due: 2026-02-15\n"])
    assert b"  status: open\n  owner: alice\n  due: 2026-02-15\n- id: A2\n" in new


def test_empty_owner_gets_a_value_and_block_scalar_ends_before_insertion() -> None:
    new = edit_bytes(MISSING, "A2", {"owner": "bob", "status": "done", "done_on": "2026-02-10"})
    assert changed(MISSING, new) == (
        [b"  owner:\n", b"  status: open\n"],
        [b"  owner: bob\n", b"  status: done\n", b"  done_on: 2026-02-10\n"],
    )
    item = parse(new).meta["action_items"][1]  # type: ignore[index]
    assert item["notes"] == "Keep it light.\n"


def test_value_yaml_would_misread_is_quoted() -> None:
    new = edit_bytes(MISSING, "A1", {"owner": "no"})
    assert b"  owner: 'no'\n" in new
    assert parse(new).meta["action_items"][0]["owner"] == "no"  # type: ignore[index]


def test_no_change_returns_the_same_bytes() -> None:
    assert edit_bytes(BLOCK, "A1", {"status": "open"}) is BLOCK


def test_unknown_and_ambiguous_item_ids() -> None:
    with pytest.raises(UnknownIdError, match="no action item A9"):
        edit_bytes(BLOCK, "A9", {"status": "done"})
    twice = BLOCK.replace(b"id: A4", b"id: A1")
    with pytest.raises(UnknownIdError, match="2 action items with id A1"):
        edit_bytes(twice, "A1", {"status": "done"})


def test_unsafe_shapes_are_refused() -> None:
    with pytest.raises(EditRefused):
        edit_bytes(BLOCK.replace(b"    status: open\n    type: detect", b"    status: [open]\n"
                                 b"    type: detect"), "A1", {"status": "done"})
    with pytest.raises(EditRefused, match="cannot be read"):
        edit_bytes(b"no front matter\n", "A1", {"status": "done"})
    duplicate = BLOCK.replace(b"    type: detect\n", b"    type: detect\n    type: detect\n")
    with pytest.raises(EditRefused, match="more than once"):
        edit_bytes(duplicate, "A1", {"status": "done"})


def test_changes_for_validates_input() -> None:
    with pytest.raises(UsageProblem):
        changes_for({}, today=TODAY, status="finished")
    with pytest.raises(UsageProblem):
        changes_for({}, today=TODAY, owner="  ")
    assert changes_for({"status": "done"}, today=TODAY, status="done") == {"status": "done"}
    assert changes_for({}, today=TODAY, due=dt.date(2026, 5, 1)) == {"due": "2026-05-01"}


# --- in a repository ------------------------------------------------------------------------------


def _repo(tmp_path: Path, files: dict[str, bytes]) -> Path:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return tmp_path


def test_edit_item_keeps_mode_and_other_files(tmp_path: Path) -> None:
    root = _repo(tmp_path, {"rca/0001-checkout.md": BLOCK, "retros/0002-s2.md": MISSING})
    path = root / "rca/0001-checkout.md"
    path.chmod(0o640)
    result = edit_item(load_config(root), "RCA-0001#A1", today=TODAY, status="done")
    assert result.written
    assert result.before == {"status": "open", "done_on": None}
    assert result.after == {"status": "done", "done_on": "2026-03-02"}
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert (root / "retros/0002-s2.md").read_bytes() == MISSING
    assert sorted(p.name for p in (root / "rca").iterdir()) == ["0001-checkout.md"]


@pytest.mark.parametrize(("ref", "message"), [
    ("RCA-0007#A1", "no document has the id RCA-0007"),
    ("RCA-0001#A9", "no action item A9"),
    ("RCA-1#A1", "not an action-item reference"),
    ("RB-0001#A1", "cannot hold action items"),
    ("RETRO-0002#A1", "ambiguous"),
])
def test_unknown_or_ambiguous_refs_change_nothing(tmp_path: Path, ref: str, message: str) -> None:
    twin = MISSING.replace(b"title: Sprint 2", b"title: Sprint 2 again")
    root = _repo(tmp_path, {"rca/0001-checkout.md": BLOCK, "retros/0002-s2.md": MISSING,
                            "retros/0002-s2-again.md": twin})
    before = {p: p.read_bytes() for p in root.rglob("*.md")}
    with pytest.raises(UnknownIdError, match=message):
        edit_item(load_config(root), ref, today=TODAY, status="done")
    assert {p: p.read_bytes() for p in root.rglob("*.md")} == before


def test_edited_file_still_lints_clean(tmp_path: Path) -> None:
    from improve.core.check.lint import lint

    root = _repo(tmp_path, {"retros/0002-s2.md": MISSING})
    config = load_config(root)
    before = {f.rule for f in lint(config, TODAY, use_cache=False).findings}
    assert {"action-item-unassigned", "invalid-type"} <= before
    edit_item(config, "RETRO-0002#A2", today=TODAY, owner="bob", due=dt.date(2026, 4, 1))
    edit_item(config, "RETRO-0002#A1", today=TODAY, owner="alice", due=dt.date(2026, 4, 1))
    edit_item(config, "RETRO-0002#A1", today=TODAY, status="done")
    after = lint(load_config(root), TODAY, use_cache=False).findings
    assert [f for f in after if f.severity.value == "error"] == []
    assert {f.rule for f in after} <= {"missing-section"}


_CONCURRENT = """
import datetime as dt, sys
from pathlib import Path
from improve.core.read.config import load_config
from improve.core.write.editor import edit_item
edit_item(load_config(Path(sys.argv[1])), sys.argv[2], today=dt.date(2026, 3, 2), status="done")
"""


def test_concurrent_edits_of_one_file_are_never_lost(tmp_path: Path) -> None:
    items = b"".join(b"- {id: A%d, title: Item %d, owner: a, due: 2026-04-01, status: open}\n"
                     % (n, n) for n in range(1, 9))
    raw = (b"---\nid: RETRO-0001\ntitle: One\ndate: 2026-02-01\nteam: t\naction_items:\n" + items
           + b"---\nbody\n")
    root = _repo(tmp_path, {"retros/0001-one.md": raw})
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[3])}
    procs = [subprocess.Popen([sys.executable, "-c", _CONCURRENT, str(root), f"RETRO-0001#A{n}"],
                              env=env) for n in range(1, 9)]
    assert [p.wait() for p in procs] == [0] * 8
    meta = parse((root / "retros/0001-one.md").read_bytes()).meta
    assert meta is not None
    assert [i["status"] for i in meta["action_items"]] == ["done"] * 8
    assert [i["done_on"] for i in meta["action_items"]] == ["2026-03-02"] * 8
