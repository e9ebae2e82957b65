"""`improve export` (issue 16): tables a manager's questions can be answered from with plain SQL,
restricted documents left out unless asked for, CSV cells that cannot run as formulas, and the
same bytes for the same repository."""

from __future__ import annotations

import csv
import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from valid_docs import block


@pytest.fixture
def book(handbook: Any) -> Any:
    handbook.add("retro", 1, date="2026-01-09", action_items=block(
        {"id": "A1", "title": "Add a p95 panel", "owner": "alice", "due": "2026-01-20",
         "status": "done", "opened_on": "2026-01-09", "done_on": "2026-01-13"},   # 4 days, Q1
        {"id": "A2", "title": "'=HYPERLINK(\"http://evil.example\",\"x\")'", "owner": "bob",
         "due": "2026-03-20", "status": "open", "opened_on": "2026-01-09"},
        {"id": "A3", "title": "Retire the cron job", "owner": "alice", "due": "2026-03-25",
         "status": "in-progress", "opened_on": "2026-01-09"}))
    handbook.add("retro", 2, date="2026-02-06", health="{flow: 3, fun: 4}", action_items=block(
        {"id": "A1", "title": "Write the rota", "owner": "bob", "due": "2026-02-20",
         "status": "done", "opened_on": "2026-02-06", "done_on": "2026-02-16"},   # 10 days, Q1
        {"id": "A2", "title": "Fix the flaky test", "owner": "bob", "due": "2026-02-10",
         "status": "done", "opened_on": "2025-12-01", "done_on": "2025-12-08"}))  # 7 days, Q4
    handbook.add("rca", 3, status="draft", visibility="restricted", title="Secret outage",
                 action_items=block({"id": "A1", "title": "Rotate the leaked key", "owner": "eve",
                                     "due": "2026-03-30", "status": "open",
                                     "opened_on": "2026-02-19"}))
    return handbook


def test_a_manager_asks_the_sqlite_file(book: Any, tmp_path: Path) -> None:
    out = tmp_path / "handbook.sqlite"
    result = book.run("export", "--format", "sqlite", "--out", str(out))
    assert result.exit_code == 0, result
    db = sqlite3.connect(out)
    open_per_owner = db.execute(
        "SELECT owner, count(*) FROM action_items WHERE status IN ('open', 'in-progress') "
        "GROUP BY owner ORDER BY owner").fetchall()
    assert open_per_owner == [("alice", 1), ("bob", 1)]  # eve's item is in a restricted RCA
    median_per_quarter = db.execute("""
        WITH done AS (
            SELECT substr(done_on, 1, 4) || '-Q' || ((CAST(substr(done_on, 6, 2) AS INTEGER) + 2) / 3)
                   AS quarter, lead_time_days AS days
            FROM action_items WHERE status = 'done'),
        ranked AS (
            SELECT quarter, days, row_number() OVER (PARTITION BY quarter ORDER BY days) AS n,
                   count(*) OVER (PARTITION BY quarter) AS total
            FROM done)
        SELECT quarter, avg(days) FROM ranked WHERE n IN ((total + 1) / 2, (total + 2) / 2)
        GROUP BY quarter ORDER BY quarter""").fetchall()
    assert median_per_quarter == [("2025-Q4", 7.0), ("2026-Q1", 7.0)]  # Q1: 4 and 10 days
    assert db.execute("SELECT dimension, score FROM health_scores ORDER BY dimension").fetchall() \
        == [("flow", 3), ("fun", 4)]
    assert db.execute("SELECT count(*) FROM incidents").fetchone() == (0,)
    assert db.execute("SELECT count(*) FROM documents").fetchone() == (2,)


def test_restricted_documents_only_when_asked_for(book: Any, tmp_path: Path) -> None:
    out = tmp_path / "all.sqlite"
    result = book.run("export", "--format", "sqlite", "--out", str(out), "--include-restricted")
    assert result.exit_code == 0, result
    assert "restricted documents included" in result.stdout
    db = sqlite3.connect(out)
    assert db.execute("SELECT id, title FROM incidents").fetchall() == [
        ("RCA-0003", "Secret outage")]
    assert ("eve", 1) in db.execute("SELECT owner, count(*) FROM action_items GROUP BY owner")


def test_csv_cells_never_run_as_formulas(book: Any, tmp_path: Path) -> None:
    result = book.run("export", "--format", "csv", "--out", str(tmp_path / "csv"))
    assert result.exit_code == 0, result
    with (tmp_path / "csv" / "action_items.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    titles = {row["ref"]: row["title"] for row in rows}
    assert titles["RETRO-0001#A2"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    assert titles["RETRO-0001#A1"] == "Add a p95 panel"
    assert not any(value.startswith(("=", "+", "-", "@")) for row in rows for value in row.values())


def test_jsonl_and_the_same_bytes_every_time(book: Any, tmp_path: Path) -> None:
    first = book.run("export", "--format", "jsonl", "--out", str(tmp_path / "a"))
    second = book.run("export", "--format", "jsonl", "--out", str(tmp_path / "b"))
    assert first.exit_code == second.exit_code == 0
    for name in ("documents", "action_items", "action_item_states", "impediments", "incidents",
                 "health_scores"):
        assert (tmp_path / "a" / f"{name}.jsonl").read_bytes() == \
            (tmp_path / "b" / f"{name}.jsonl").read_bytes()
    items = [json.loads(line) for line in
             (tmp_path / "a" / "action_items.jsonl").read_text(encoding="utf-8").splitlines()]
    assert items[0] == {"ref": "RETRO-0001#A1", "document_id": "RETRO-0001", "kind": "retro",
                        "item_id": "A1", "title": "Add a p95 panel", "owner": "alice",
                        "status": "done", "due": "2026-01-20", "opened_on": "2026-01-09",
                        "done_on": "2026-01-13", "type": None, "overdue": 0,
                        "lead_time_days": 4}
    one = book.run("export", "--format", "sqlite", "--out", str(tmp_path / "1.sqlite"))
    two = book.run("export", "--format", "sqlite", "--out", str(tmp_path / "2.sqlite"))
    assert one.exit_code == two.exit_code == 0
    assert (tmp_path / "1.sqlite").read_bytes() == (tmp_path / "2.sqlite").read_bytes()


def test_an_earlier_export_is_replaced_only_with_force(book: Any, tmp_path: Path) -> None:
    out = tmp_path / "handbook.sqlite"
    out.write_bytes(b"the user's own file")
    refused = book.run("export", "--format", "sqlite", "--out", str(out))
    assert refused.exit_code == 2
    assert "exists already; nothing was written (add --force" in refused.stderr
    assert out.read_bytes() == b"the user's own file"
    forced = book.run("export", "--format", "sqlite", "--out", str(out), "--force")
    assert forced.exit_code == 0, forced
    assert sqlite3.connect(out).execute("SELECT count(*) FROM documents").fetchone() == (2,)
    into_file = book.run("export", "--format", "csv", "--out", str(out))
    assert into_file.exit_code == 2
    assert "is a file; --format csv writes a folder" in into_file.stderr
    assert "Traceback" not in into_file.stderr
