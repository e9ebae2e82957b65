"""Permissions are respected (issue 11): as a user who is not root, an unreadable kind folder is
an error (never "no problems"), a read-only document is not replaced, and an edit in a read-only
folder is a clear error (exit 2), not a crash.

Root reads and writes everything, so under root the commands run as `nobody` with the system's
Python, importing a copy of improve and its dependencies in a folder `nobody` can read.
"""

from __future__ import annotations

import importlib
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ("click", "yaml", "jsonschema_rs", "jsonschema", "jsonschema_specifications",
           "referencing", "rpds", "attr", "attrs", "jinja2", "markupsafe")
RCA = ("---\nid: RCA-0001\ntitle: X\ndate: 2026-01-05\nstatus: draft\nseverity: SEV3\n"
       "started_at: 2026-01-05T10:00:00Z\naction_items:\n"
       "  - {id: A1, title: Fix it, owner: alice, due: 2026-02-01, status: open}\n"
       "---\n\n## Summary\n\nx\n")


@pytest.fixture(scope="module")
def world() -> Iterator[Path]:
    """A folder anyone can read, holding `lib/` (improve and its dependencies)."""
    base = Path(tempfile.mkdtemp(prefix="improve-perm-", dir="/tmp"))
    base.chmod(0o755)
    lib = base / "lib"
    shutil.copytree(ROOT / "improve", lib / "improve")
    for name in MODULES:
        module = importlib.import_module(name)
        source = Path(module.__file__ or "")
        if source.name == "__init__.py":
            shutil.copytree(source.parent, lib / name)
        else:
            shutil.copy(source, lib / source.name)
    for path in [lib, *lib.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    try:
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _python() -> str:
    if os.geteuid() != 0:
        return sys.executable
    system = Path("/usr/bin/python3")
    if not system.exists():
        pytest.fail("running as root needs /usr/bin/python3 to run improve as nobody")
    return str(system)


def run_as_user(world: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(world), "PYTHONPATH": str(world / "lib"),
           "IMPROVE_TODAY": "2026-02-01", "LANG": "C.UTF-8"}
    extra = {"user": "nobody", "group": "nogroup"} if os.geteuid() == 0 else {}
    return subprocess.run([_python(), "-m", "improve", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=120, **extra)


def handbook(world: Path, name: str) -> Path:
    root = world / name
    (root / "rca").mkdir(parents=True)
    (root / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    (root / "rca" / "0001-x.md").write_text(RCA, encoding="utf-8")
    if os.geteuid() == 0:
        for path in [root, *root.rglob("*")]:
            shutil.chown(path, "nobody", "nogroup")
    return root


def test_an_unreadable_kind_folder_is_an_error_not_no_problems(world: Path) -> None:
    root = handbook(world, "unreadable")
    (root / "rca").chmod(0o000)
    try:
        result = run_as_user(world, root, "lint", "--no-cache")
    finally:
        (root / "rca").chmod(0o755)
    assert result.returncode == 2, result
    assert "cannot read the folder rca/" in result.stderr
    assert "no problems" not in result.stdout
    assert "Traceback" not in result.stderr


def test_a_read_only_document_is_not_replaced(world: Path) -> None:
    root = handbook(world, "readonly")
    doc = root / "rca" / "0001-x.md"
    doc.chmod(0o444)
    result = run_as_user(world, root, "actions", "done", "RCA-0001#A1")
    assert result.returncode == 2, result
    assert "read-only" in result.stderr
    assert "Traceback" not in result.stderr
    assert doc.read_text(encoding="utf-8") == RCA
    assert oct(doc.stat().st_mode & 0o777) == oct(0o444)


def test_an_edit_in_a_read_only_folder_is_a_clear_error(world: Path) -> None:
    root = handbook(world, "readonly-folder")
    (root / "rca").chmod(0o555)
    try:
        result = run_as_user(world, root, "actions", "done", "RCA-0001#A1")
    finally:
        (root / "rca").chmod(0o755)
    assert result.returncode == 2, result
    assert "cannot write in" in result.stderr
    assert "internal error" not in result.stderr
    assert (root / "rca" / "0001-x.md").read_text(encoding="utf-8") == RCA
