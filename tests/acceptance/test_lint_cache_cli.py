"""`improve lint` with its cache, from the command line: the same output as `--no-cache`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from improve.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
FIXTURE = ROOT / "tests" / "fixtures" / "handbook"
TODAY = "2026-11-20"


@pytest.fixture
def handbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "handbook"
    shutil.copytree(FIXTURE, root)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"],
                 ["-c", "user.name=T", "-c", "user.email=t@example.invalid", "commit", "-q",
                  "-m", "handbook"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)
    monkeypatch.chdir(root)
    monkeypatch.setenv("IMPROVE_TODAY", TODAY)
    return root


def improve(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False, standalone_mode=False)
    assert isinstance(result.return_value, int), result.output
    return result.return_value, result.stdout


def both(*args: str) -> tuple[int, str]:
    """The cached run's exit code and output, after checking `--no-cache` gives the same."""
    cached = improve("lint", "--format", "json", *args)
    assert cached == improve("lint", "--format", "json", "--no-cache", *args)
    return cached


def test_cached_and_uncached_output_agree_as_the_handbook_changes(handbook: Path) -> None:
    assert not (handbook / ".improve-cache").exists()
    first = both()
    assert (handbook / ".improve-cache" / "lint.cache").is_file()
    assert both() == first

    runbook = handbook / "runbooks" / "0002-fail-over-to-secondary-acquirer.md"
    runbook.write_text(runbook.read_text(encoding="utf-8").replace("title:", "titel:", 1),
                       encoding="utf-8")
    code, out = both()
    assert code == 1
    assert any(f["rule"] == "missing-field" for f in json.loads(out))

    # pre-commit passes the changed file only; cross-file checks still see everything
    runbook.unlink()
    citing = "rca/0002-acquirer-certificate-change.md"
    code, out = both(citing)
    assert code == 1
    assert {f["rule"] for f in json.loads(out)} >= {"dangling-reference"}
    assert {f["path"] for f in json.loads(out)} == {citing}

    code, out = both("--today", "2027-12-31")
    assert any(f["rule"] == "stale-runbook" for f in json.loads(out))


def test_a_corrupt_cache_is_rebuilt_without_a_word(handbook: Path) -> None:
    first = both()
    (handbook / ".improve-cache" / "lint.cache").write_bytes(b"\x00not a cache" * 100)
    result = CliRunner().invoke(cli, ["lint", "--format", "json"], catch_exceptions=False,
                                standalone_mode=False)
    assert (result.return_value, result.stdout) == first
    assert result.stderr == ""


def test_the_installed_command_uses_and_refreshes_the_cache(handbook: Path) -> None:
    """The real entry point as pre-commit runs it: `improve lint FILE`, process after process."""
    command = [str(Path(sys.executable).parent / "improve")]
    if not Path(command[0]).exists():  # pragma: no cover - an environment without the script
        command = [sys.executable, "-m", "improve"]
    env = {**os.environ, "IMPROVE_TODAY": TODAY}
    target = "retros/0003-sprint-20.md"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, "lint", "--format", "json", *args], cwd=handbook,
                              env=env, capture_output=True, text=True, check=False)

    cold = run(target)
    path = handbook / target
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    warm = run(target)
    uncached = run(target, "--no-cache")
    assert cold.returncode == warm.returncode == uncached.returncode
    assert warm.stdout == uncached.stdout
    assert "Traceback" not in warm.stderr + cold.stderr
