"""`improve new KIND "Title"`: every kind, hostile titles, never overwriting, --dry-run, --field,
and concurrent runs that never share a number.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

import improve.core.write.scaffold
from improve.core.read.frontmatter import parse
from improve.model.kinds import KINDS, resolve_kind

IMPROVE = Path(sys.executable).parent / "improve"
SLUG = re.compile(r"^[0-9]{4}-[^\W_]+(?:-[^\W_]+)*\.md$")


def meta(path: Path) -> dict[str, Any]:
    parsed = parse(path.read_bytes())
    assert parsed.problems == []
    assert parsed.meta is not None
    return parsed.meta


def files_of(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".git" not in p.parts and ".improve-cache" not in p.parts}


@pytest.mark.parametrize("name", ["retro", "rca", "postmortem", "incident", "runbook",
                                  "decision", "adr", "RCA"])
def test_new_writes_a_document_that_lints_clean(handbook: Any, name: str) -> None:
    kind = resolve_kind(name)
    assert kind is not None
    result = handbook.run("new", name, "Checkout is slow")
    assert result.exit_code == 0, result
    rel = f"{kind.folder}/0001-checkout-is-slow.md"
    assert result.stdout == rel + "\n"
    data = meta(handbook.root / rel)
    assert data["id"] == f"{kind.prefix}-0001"
    assert data["title"] == "Checkout is slow"
    assert data.get("date") == handbook.today
    assert "Alice Example" in str(data.get(kind.people_field, data.get("decision-makers")))
    lint, findings = handbook.lint("--strict")
    # Unfilled template prompts are warnings, nothing else may be reported.
    assert {f["rule"] for f in findings} <= {"unfilled-placeholder"}, findings
    assert lint.exit_code == (1 if findings else 0)
    assert handbook.run("lint").exit_code == 0


def test_numbers_follow_the_highest_and_ids_match_the_file(handbook: Any) -> None:
    handbook.add("rca", 7)
    handbook.write("rca/README.md", "# Incident reviews\n")
    result = handbook.run("new", "rca", "Next one")
    assert result.stdout == "rca/0008-next-one.md\n"
    assert meta(handbook.root / "rca/0008-next-one.md")["id"] == "RCA-0008"
    assert handbook.run("new", "decision", "First decision").stdout == \
        "decisions/0001-first-decision.md\n"


def test_rca_options(handbook: Any) -> None:
    result = handbook.run("new", "rca", "Payments down", "--severity", "SEV1",
                          "--service", "payments", "--service", "ledger")
    assert result.exit_code == 0, result
    data = meta(handbook.root / "rca/0001-payments-down.md")
    assert (data["severity"], data["services"], data["status"]) == ("SEV1", ["payments", "ledger"],
                                                                    "draft")
    assert handbook.run("lint").exit_code == 0


# --- hostile titles -------------------------------------------------------------------------------

HOSTILE = [
    ("unicode", "Zahlungsausfall: Größe — 決済の遅延 🚀", "zahlungsausfall-grosse-決済の遅延"),
    ("slashes", "db/primary\\replica failover", "db-primary-replica-failover"),
    ("dot-dot", "../../../etc/passwd", "etc-passwd"),
    ("dots-only", "..", "untitled"),
    ("quotes", "He said \"it's fine\" & <b>left</b> `rm -rf /`", "he-said-it-s-fine-b-left-b-rm-rf"),
    ("yaml-looking", "no: [on, 0012] # 12:30 &a *a !!python/object", None),
    ("front-matter-fence", "---\nid: RCA-9999\n---", "id-rca-9999"),
    ("punctuation-only", "!!! ??? ...", "untitled"),
    ("long", "Incident " + "x" * 291, None),
    ("leading-dash", "--force", "force"),
    ("nul-and-controls", "a\x00b\x07c\td", None),
]


@pytest.mark.parametrize(("name", "title", "slug"), HOSTILE, ids=[h[0] for h in HOSTILE])
def test_hostile_titles_land_inside_the_folder_with_a_readable_slug(
        handbook: Any, name: str, title: str, slug: str | None) -> None:
    result = handbook.run("new", "rca", "--", title)
    assert result.exit_code == 0, result
    rel = result.stdout.strip()
    path = (handbook.root / rel).resolve()
    assert path.parent == (handbook.root / "rca").resolve()
    assert SLUG.match(path.name), path.name
    if slug is not None:
        assert path.name == f"0001-{slug}.md"
    assert len(path.name) <= len("0001-.md") + 60
    # The title survives exactly (YAML-escaped as needed), and the document lints.
    assert meta(path)["title"] == title.strip()
    assert meta(path)["id"] == "RCA-0001"
    assert handbook.run("lint").exit_code == 0
    assert set(files_of(handbook.root)) == {".improve.toml", rel}


@pytest.mark.parametrize("title", ["", "   ", "\t\n"])
def test_an_empty_title_is_a_usage_error(handbook: Any, title: str) -> None:
    result = handbook.run("new", "retro", title)
    assert result.exit_code == 2, result
    assert "title" in result.stderr
    assert set(files_of(handbook.root)) == {".improve.toml"}


# --- never overwrite, dry run ---------------------------------------------------------------------


def test_existing_files_are_never_touched(handbook: Any) -> None:
    handbook.write("retros/0001-sprint-1.md", "my own bytes\r\n")
    handbook.write("retros/0002-not-a-document.txt", "x")
    before = files_of(handbook.root)
    for _ in range(3):
        assert handbook.run("new", "retro", "Sprint 1").exit_code == 0
    after = files_of(handbook.root)
    assert {k: v for k, v in after.items() if k in before} == before
    assert sorted(set(after) - set(before)) == ["retros/0002-sprint-1.md",
                                                 "retros/0003-sprint-1.md",
                                                 "retros/0004-sprint-1.md"]


def test_a_taken_name_is_refused_not_overwritten(handbook: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    # Even if the numbering were fooled, the exclusive create refuses to replace a file.
    handbook.write("retros/0001-sprint-1.md", "precious\n")
    monkeypatch.setattr(improve.core.write.scaffold, "existing_numbers", lambda _folder: set())
    result = handbook.run("new", "retro", "Sprint 1")
    assert result.exit_code == 2, result
    assert "already exists" in result.stderr
    assert (handbook.root / "retros/0001-sprint-1.md").read_text(encoding="utf-8") == "precious\n"
    assert sorted(p.name for p in (handbook.root / "retros").iterdir()) == ["0001-sprint-1.md"]


def test_dry_run_writes_nothing(handbook: Any) -> None:
    handbook.add("runbook", 3)
    before = files_of(handbook.root)
    result = handbook.run("new", "runbook", "Rotate keys", "--dry-run")
    assert result.exit_code == 0, result
    first, rest = result.stdout.split("\n", 1)
    assert first == "# would write runbooks/0004-rotate-keys.md"
    assert rest.startswith("---\nid: RB-0004\n")
    assert files_of(handbook.root) == before
    result = handbook.run("new", "decision", "Nothing yet", "--dry-run")
    assert result.exit_code == 0
    assert not (handbook.root / "decisions").exists()


# --- --field ---------------------------------------------------------------------------------------


def test_fields_are_read_as_yaml(handbook: Any) -> None:
    result = handbook.run("new", "rca", "Slow", "--field", "escaped_defect=true",
                          "--field", "services=[checkout, ledger]", "--field", "team=payments",
                          "--field", "detection=customer", "--field", "trigger=",
                          "--field", "date=2026-02-28", "--field", "root_causes=[\"a: b\"]")
    assert result.exit_code == 0, result
    data = meta(handbook.root / result.stdout.strip())
    assert data["escaped_defect"] is True
    assert data["services"] == ["checkout", "ledger"]
    assert data["team"] == "payments"
    assert data["date"] == "2026-02-28"  # dates stay text
    assert data["root_causes"] == ["a: b"]
    assert data["trigger"] == ""


def test_a_field_never_moves_the_file(handbook: Any) -> None:
    result = handbook.run("new", "retro", "Sprint 9", "--field", "title=../../../escape",
                          "--field", "folder=/tmp", "--field", "path=../x.md")
    assert result.exit_code == 0, result
    assert result.stdout == "retros/0001-sprint-9.md\n"
    assert meta(handbook.root / "retros/0001-sprint-9.md")["title"] == "../../../escape"


@pytest.mark.parametrize("assignment", ["id=RCA-0042", "id=", " id =x"])
def test_the_id_field_is_refused(handbook: Any, assignment: str) -> None:
    result = handbook.run("new", "rca", "Outage", "--field", assignment)
    assert result.exit_code == 2, result
    assert "id" in result.stderr
    assert set(files_of(handbook.root)) == {".improve.toml"}


# --- concurrency -----------------------------------------------------------------------------------


def test_concurrent_runs_get_distinct_numbers(handbook: Any) -> None:
    # Separate processes, released together by a barrier, all asking for the next RCA number.
    runs = 10
    handbook.add("rca", 4)
    barrier = threading.Barrier(runs)
    results: list[subprocess.CompletedProcess[str] | None] = [None] * runs
    env = {**os.environ}

    def worker(index: int) -> None:
        barrier.wait()
        results[index] = subprocess.run(
            [str(IMPROVE), "new", "rca", f"Concurrent outage {index}"], cwd=handbook.root,
            capture_output=True, text=True, env=env, check=False, timeout=120)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    written = []
    for result in results:
        assert result is not None
        assert result.returncode == 0, result
        assert "Traceback" not in result.stderr
        written.append(result.stdout.strip())
    numbers = sorted(int(Path(rel).name[:4]) for rel in written)
    assert numbers == list(range(5, 5 + runs))
    for rel in written:
        data = meta(handbook.root / rel)
        assert data["id"] == f"RCA-{int(Path(rel).name[:4]):04d}"
    assert sorted(p.name for p in (handbook.root / "rca").iterdir()
                  if not p.name.startswith(".")) == sorted([Path(r).name for r in written]
                                                           + ["0004-doc.md"])
    lint, findings = handbook.lint()
    assert [f for f in findings if f["severity"] == "error"] == []
    assert lint.exit_code == 0


def test_every_kind_has_a_template_and_a_schema() -> None:
    for kind in KINDS.values():
        folder = Path(improve.core.write.scaffold.__file__).parent.parent  # improve/core
        assert (folder / "templates" / kind.template).is_file(), kind.name
        assert (folder / "schemas" / kind.schema).is_file(), kind.name


def test_a_file_where_the_folder_should_be_is_a_usage_error(handbook: Any) -> None:
    handbook.write("rca", "not a folder\n")
    result = handbook.run("new", "rca", "Outage")
    assert result.exit_code == 2, result
    assert result.stderr == ("improve: error: cannot create the folder rca/ for incident reviews "
                             "(a file of that name is in the way); nothing was written\n")
    assert (handbook.root / "rca").read_text(encoding="utf-8") == "not a folder\n"


def test_a_repository_template_overrides_the_shipped_one(handbook: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\ntemplates = "handbook-templates"\n')
    handbook.write("handbook-templates/decision.md.j2",
                   "---\n{{ front_matter }}---\n\n# {{ title }} ({{ id }}, {{ today }})\n\n"
                   "## Context and problem statement\n\nOurs.\n\n## Considered options\n\nx\n\n"
                   "## Decision outcome\n\nx\n\n## Consequences\n\nx\n")
    result = handbook.run("new", "adr", "Use Postgres")
    assert result.exit_code == 0, result
    text = (handbook.root / "decisions/0001-use-postgres.md").read_text(encoding="utf-8")
    assert "# Use Postgres (ADR-0001, 2026-03-02)" in text
    assert "Ours." in text
    assert handbook.run("lint", "--strict").exit_code == 0
    # Kinds without an override keep the shipped template.
    assert handbook.run("new", "retro", "Sprint 1").exit_code == 0
    assert "## What went well" in (handbook.root / "retros/0001-sprint-1.md").read_text("utf-8")


def test_edit_opens_the_new_document_in_the_editor(handbook: Any, tmp_path: Path) -> None:
    editor = tmp_path / "editor.sh"
    marker = tmp_path / "edited"
    editor.write_text(f'#!/bin/sh\nprintf "%s" "$1" > "{marker}"\n', encoding="utf-8")
    editor.chmod(0o755)
    result = handbook.run("new", "runbook", "Rotate keys", "--edit",
                          env={"EDITOR": str(editor), "VISUAL": str(editor)})
    assert result.exit_code == 0, result
    assert Path(marker.read_text(encoding="utf-8")) == handbook.root / "runbooks/0001-rotate-keys.md"


def test_a_new_decision_starts_with_the_title_heading_madr_tools_read(handbook: Any) -> None:
    """MADR's tooling (and adr-tools' `adr list`) take a record's title from its first heading."""
    result = handbook.run("new", "decision", "Use C++ <fast> & *bold*")
    assert result.exit_code == 0, result
    parsed = parse((handbook.root / result.stdout.strip()).read_bytes())
    assert parsed.meta is not None
    assert parsed.meta["title"] == "Use C++ <fast> & *bold*"
    assert parsed.body.lstrip("\n").split("\n", 1)[0] == r"# Use C++ &lt;fast&gt; &amp; \*bold\*"
    assert [text for _line, level, text in parsed.headings() if level == 1] == [
        r"Use C++ &lt;fast&gt; &amp; \*bold\*"]


def test_a_fresh_rca_is_one_reminder_not_seven(handbook: Any) -> None:
    result = handbook.run("new", "rca", "Checkout down")
    assert result.exit_code == 0, result
    _lint, findings = handbook.lint()
    prompts = [f for f in findings if f["rule"] == "unfilled-placeholder"]
    assert len(prompts) == 1
    assert re.match(r"[2-9] template prompts not filled in yet \(lines [0-9, ]+\)",
                    prompts[0]["message"])
