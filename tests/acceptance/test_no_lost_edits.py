"""No lost edits through the installed CLI (issue 7): `improve actions done|set` runs released at
the same moment on one CRLF, BOM-carrying, mode-0640 file all land, the file keeps its line
endings, BOM and mode, only the items' own lines change, and no temporary file is left."""

from __future__ import annotations

import difflib
import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from improve.core.read.frontmatter import parse

SEEDS = Path(__file__).resolve().parents[1] / "property" / "seeds"
TODAY = "2026-03-02"
# Each child imports improve first, then waits at a FIFO gate the parent opens for all at once.
CHILD = """
import os, sys
from improve.cli.main import main
gate = os.open(sys.argv[1], os.O_RDONLY)
print("ready", flush=True)
os.read(gate, 1)
main(sys.argv[2:])
"""
EDITS = [
    ["actions", "done", "RETRO-0002#A1"],
    ["actions", "done", "RETRO-0002#A2"],
    ["actions", "done", "RETRO-0002#A3"],
    ["actions", "set", "RETRO-0002#A4", "--status", "in-progress"],
    ["actions", "set", "RETRO-0002#A1", "--owner", "dana"],
    ["actions", "set", "RETRO-0002#A2", "--due", "2026-05-01"],
    ["actions", "set", "RETRO-0002#A3", "--owner", "eve"],
    ["actions", "done", "RETRO-0002#A1"],
]


def test_concurrent_cli_edits_of_one_file_all_land(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "retros").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".improve.toml").write_text("", encoding="utf-8")
    original = b"\xef\xbb\xbf" + SEEDS.joinpath("retro.md").read_bytes().replace(b"\n", b"\r\n")
    target = root / "retros" / "0002-sprint-14.md"
    target.write_bytes(original)
    target.chmod(0o640)
    gate = tmp_path / "gate"
    os.mkfifo(gate)
    holder = os.open(gate, os.O_RDWR)  # keeps the gate shut until every child waits at it
    env = dict(os.environ, IMPROVE_TODAY=TODAY)
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(gate), *args], cwd=root,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
                for args in EDITS]
    try:
        for child in children:
            assert child.stdout is not None
            assert child.stdout.readline() == b"ready\n"
    finally:
        os.close(holder)  # all released together
    results = [(child.wait(), child.communicate()[1]) for child in children]
    assert [code for code, _err in results] == [0] * len(EDITS), results

    new = target.read_bytes()
    meta = parse(new).meta
    assert meta is not None
    items = {item["id"]: item for item in meta["action_items"]}
    assert (items["A1"]["status"], items["A1"]["owner"], items["A1"]["done_on"]) == (
        "done", "dana", TODAY)
    assert (items["A2"]["status"], items["A2"]["due"], items["A2"]["done_on"]) == (
        "done", "2026-05-01", TODAY)
    assert (items["A3"]["status"], items["A3"]["owner"], items["A3"]["done_on"]) == (
        "done", "eve", TODAY)
    assert items["A4"]["status"] == "in-progress"
    assert "done_on" not in items["A4"]

    assert new.startswith(b"\xef\xbb\xbf"), "the BOM is kept"
    assert new.count(b"\n") == new.count(b"\r\n"), "a CRLF file stays CRLF"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640, "the file mode is kept"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name], "no temp file left"
    old_lines = original.decode("utf-8-sig").split("\r\n")
    new_lines = new.decode("utf-8-sig").split("\r\n")
    for line in difflib.unified_diff(old_lines, new_lines, n=0, lineterm=""):
        if line.startswith(("---", "+++", "@@")):
            continue
        assert line[1:].strip().startswith(("status:", "owner:", "due:", "done_on:",
                                            "- {id: A3")), line

    lint = subprocess.run([str(Path(sys.executable).parent / "improve"), "lint"], cwd=root,
                          env=env, capture_output=True, text=True, check=False)
    assert lint.returncode == 0, lint.stdout + lint.stderr


# --- issue 11: one lock for every in-place writer, and compare-and-swap ------------------------

RETRO = ("---\nid: RETRO-0001\ntitle: Sprint 1\ndate: 2026-01-09\nteam: payments\n"
         "related: [RCA-0001]\naction_items:\n"
         "  - {id: A1, title: Write it down, owner: alice, due: 2026-02-01, status: open}\n"
         "---\n\n## What went well\n\nx\n")
RCA = ("---\nid: RCA-0001\ntitle: X\ndate: 2026-01-05\nstatus: draft\nseverity: SEV3\n"
       "started_at: 2026-01-05T10:00:00Z\n---\n\n## Summary\n\nx\n")


def _two_documents(root: Path) -> tuple[Path, Path]:
    for folder in ("retros", "rca"):
        (root / folder).mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    retro, rca = root / "retros" / "0001-s.md", root / "rca" / "0001-x.md"
    retro.write_text(RETRO, encoding="utf-8")
    rca.write_text(RCA, encoding="utf-8")
    return retro, rca


def test_renumber_refuses_when_a_document_it_rewrites_changed_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from improve.core.errors import ImproveError
    from improve.core.read.config import load_config
    from improve.core.write import renumber as renumber_module

    retro, rca = _two_documents(tmp_path / "repo")
    planned = renumber_module._plan_edits

    def plan_then_someone_appends(*args: Any, **kwargs: Any) -> Any:
        plan = planned(*args, **kwargs)
        with retro.open("a", encoding="utf-8") as handle:  # another program, between read and write
            handle.write("\nA line someone else added.\n")
        return plan

    monkeypatch.setattr(renumber_module, "_plan_edits", plan_then_someone_appends)
    with pytest.raises(ImproveError, match="changed while improve was renumbering"):
        renumber_module.renumber(load_config(tmp_path / "repo"), "RCA-0001", to=7)
    assert retro.read_text(encoding="utf-8") == RETRO + "\nA line someone else added.\n"
    assert rca.read_text(encoding="utf-8") == RCA  # nothing moved, nothing half done
    assert not (tmp_path / "repo" / "rca" / "0007-x.md").exists()


def test_an_edit_refuses_when_another_program_wrote_to_the_file_meanwhile(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from improve.core.errors import ImproveError
    from improve.core.read.config import load_config
    from improve.core.write import editor

    retro, _rca = _two_documents(tmp_path / "repo")
    edit_bytes = editor.edit_bytes

    def edit_then_someone_appends(*args: Any, **kwargs: Any) -> bytes:
        new = edit_bytes(*args, **kwargs)
        with retro.open("a", encoding="utf-8") as handle:
            handle.write("\nappended\n")
        return new

    monkeypatch.setattr(editor, "edit_bytes", edit_then_someone_appends)
    with pytest.raises(ImproveError, match="changed while improve was editing it"):
        editor.edit_item(load_config(tmp_path / "repo"), "RETRO-0001#A1",
                         today=dt.date(2026, 2, 1), status="done")
    assert retro.read_text(encoding="utf-8") == RETRO + "\nappended\n"


def _blocked_on_a_lock(pid: int) -> bool:
    """Whether process `pid` waits for a file lock (a `->` line of /proc/locks)."""
    for line in Path("/proc/locks").read_text(encoding="ascii").splitlines():
        fields = line.split()
        if "->" in fields and str(pid) in fields:
            return True
    return False


@pytest.mark.parametrize("command", [["actions", "done", "RETRO-0001#A1"],
                                     ["renumber", "RCA-0001", "--to", "7"]])
def test_every_in_place_writer_takes_the_repository_lock(tmp_path: Path,
                                                         command: list[str]) -> None:
    from improve.core.fsutil import repository_lock

    root = tmp_path / "repo"
    retro, _rca = _two_documents(root)
    with repository_lock(root):
        child = subprocess.Popen([str(Path(sys.executable).parent / "improve"), *command],
                                 cwd=root, env=dict(os.environ, IMPROVE_TODAY=TODAY),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = 20_000  # polls of /proc/locks: waiting for a state, not for time to pass
        while child.poll() is None and not _blocked_on_a_lock(child.pid) and deadline:
            deadline -= 1
            os.sched_yield()
            subprocess.run(["true"], check=True)  # let the child run
        assert child.poll() is None, "the writer did not wait for the repository lock"
        assert _blocked_on_a_lock(child.pid)
        assert retro.read_text(encoding="utf-8") == RETRO
    _out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    assert retro.read_text(encoding="utf-8") != RETRO


def test_two_renumbers_at_once_leave_a_consistent_repository(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    retro, _rca = _two_documents(root)
    improve = str(Path(sys.executable).parent / "improve")
    env = dict(os.environ, IMPROVE_TODAY=TODAY)
    children = [subprocess.Popen([improve, "renumber", "RCA-0001", "--to", str(n)], cwd=root,
                                 env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 text=True) for n in (7, 8)]
    results = [(child.wait(timeout=120), child.stderr.read() if child.stderr else "")
               for child in children]
    for child in children:
        for stream in (child.stdout, child.stderr):
            if stream:
                stream.close()
    assert sorted(code for code, _err in results)[0] == 0, results
    assert all(code in (0, 2) for code, _err in results), results
    assert all("internal error" not in err for _code, err in results)
    lint = subprocess.run([improve, "lint", "--format", "json"], cwd=root, env=env,
                          capture_output=True, text=True, check=False)
    rules = {f["rule"] for f in json.loads(lint.stdout)}
    assert not rules & {"duplicate-id", "dangling-reference", "id-mismatch"}, lint.stdout
    assert len(list((root / "rca").glob("*.md"))) == 1
    assert "RCA-0001" not in retro.read_text(encoding="utf-8").split("related:")[1].split("\n")[0]
