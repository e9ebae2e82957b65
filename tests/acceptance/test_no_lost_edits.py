"""No lost edits through the installed CLI (issue 7): `improve actions done|set` runs released at
the same moment on one CRLF, BOM-carrying, mode-0640 file all land, the file keeps its line
endings, BOM and mode, only the items' own lines change, and no temporary file is left."""

from __future__ import annotations

import difflib
import os
import stat
import subprocess
import sys
from pathlib import Path

from improve.core.frontmatter import parse

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
