"""Shared test fixtures and settings."""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, settings
from valid_docs import FOLDERS, TODAY, valid_doc  # tests/ is on sys.path (this conftest's folder)

# Property tests (issue 7): derandomized, no deadline, so a noisy 2-core CI machine cannot make
# them flaky or slow. HYPOTHESIS_PROFILE=dev explores new random examples on each run;
# `make fuzz` (tooling/fuzz.py) runs the long "fuzz" profile outside the suite.
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=150,
                          database=None, print_blob=True, suppress_health_check=_SLOW_OK)
settings.register_profile("dev", deadline=None, max_examples=150, suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz", deadline=None, database=None, suppress_health_check=_SLOW_OK,
                          max_examples=int(os.environ.get("IMPROVE_FUZZ_EXAMPLES", "1000")))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# --- Foundation fixtures (issue 2): a real git handbook in tmp_path and the CLI run in-process ---

@dataclass
class CliResult:
    """What an in-process `improve` run printed and its exit code."""

    exit_code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:  # shown by a failing assert
        return f"exit {self.exit_code}\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}"


def _exit_code(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    return exc.code if isinstance(exc.code, int) else 1


def invoke(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> CliResult:
    """Run `improve ARGS` in-process through `improve.cli.main.main` (its error guard included).

    CliRunner's isolation captures the streams; exceptions are not caught for us: anything that
    escapes `main` fails the test with its traceback.
    """
    from improve.cli.main import main

    code = 0
    runner = CliRunner()
    with contextlib.ExitStack() as stack:
        if cwd is not None:
            stack.enter_context(contextlib.chdir(cwd))
        out, err, _mixed = stack.enter_context(runner.isolation(env=env))
        try:
            main(list(args))
        except SystemExit as exc:
            code = _exit_code(exc)
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
        stdout = out.getvalue().decode("utf-8", "replace")
        stderr = err.getvalue().decode("utf-8", "replace")
    return CliResult(code, stdout, stderr)


class Handbook:
    """A real git repository in tmp_path with a `.improve.toml`, and helpers to fill it."""

    today = TODAY

    def __init__(self, root: Path, config: str = 'timezone = "UTC"\n') -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.name", "Alice Example")
        self.git("config", "user.email", "alice@example.invalid")
        self.git("config", "commit.gpgsign", "false")
        self.write(".improve.toml", config)

    def git(self, *args: str) -> str:
        return subprocess.run(["git", "-C", str(self.root), *args], check=True,
                              capture_output=True, text=True).stdout

    def write(self, rel: str, content: str | bytes) -> Path:
        """Write a file (text as UTF-8, bytes as they are) and return its path."""
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
        return path

    def add(self, kind: str, number: int = 1, slug: str = "doc", **fields: str | None) -> str:
        """Write a valid document of `kind` (see `valid_doc`) and return its repo-relative path."""
        rel = f"{FOLDERS[kind]}/{number:04d}-{slug}.md"
        self.write(rel, valid_doc(kind, number, **fields))
        return rel

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--no-verify", "-m", message)
        return self.git("rev-parse", "HEAD").strip()

    def run(self, *args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None
            ) -> CliResult:
        """`improve ARGS` run in-process from the repository root (or `cwd`)."""
        return invoke(*args, cwd=cwd or self.root, env=env)

    def lint(self, *args: str) -> tuple[CliResult, list[dict[str, Any]]]:
        """`improve lint --format json ARGS`: the run and its parsed findings."""
        result = self.run("lint", "--format", "json", "--no-cache", *args)
        assert "Traceback" not in result.stderr, result
        findings = json.loads(result.stdout) if result.stdout.strip() else []
        return result, findings


@pytest.fixture
def handbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Handbook:
    """An empty handbook in a real git repository; today is pinned to TODAY; git config isolated."""
    monkeypatch.setenv("IMPROVE_TODAY", TODAY)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "gitconfig-global"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("IMPROVE_DEBUG", raising=False)
    return Handbook(tmp_path / "handbook")


@pytest.fixture
def run_cli() -> Callable[..., CliResult]:
    """`run_cli("lint", "--strict", cwd=path)`: improve run in-process, its exit code and output."""
    return invoke


@pytest.fixture(name="valid_doc")
def valid_doc_fixture() -> Callable[..., str]:
    """`valid_doc("rca", 3, status="in-review")`: the text of a document that lints clean."""
    return valid_doc
