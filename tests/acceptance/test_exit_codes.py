"""The exit-code contract (README, "Exit codes"): 0 clean or warnings only, 1 error findings (or
any finding with --strict), 2 usage or config, 3 an internal error in one line, no traceback.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import improve.cli.main as cli_main
import improve.core.check.lint
from improve.core.check.validate import bundled_schema

IMPROVE = Path(sys.executable).parent / "improve"


def assert_no_traceback(result: Any) -> None:
    assert "Traceback" not in result.stdout + result.stderr, result


# --- 0 and 1 -------------------------------------------------------------------------------------


def test_clean_is_0(handbook: Any) -> None:
    handbook.add("retro", 1)
    result = handbook.run("lint")
    assert result.exit_code == 0, result
    assert result.stdout == "1 document checked: no problems.\n"


def test_an_empty_handbook_is_clean(handbook: Any) -> None:
    result = handbook.run("lint", "--strict")
    assert result.exit_code == 0, result
    assert "0 documents checked" in result.stdout


def test_warnings_only_is_0_and_strict_makes_them_count(handbook: Any) -> None:
    handbook.add("runbook", 1, last_reviewed="2025-01-01")  # stale: a warning
    result = handbook.run("lint")
    assert result.exit_code == 0, result
    assert "warning:" in result.stdout
    assert "[stale-runbook]" in result.stdout
    strict = handbook.run("lint", "--strict")
    assert strict.exit_code == 1, strict
    assert strict.stdout == result.stdout


def test_an_error_is_1(handbook: Any) -> None:
    handbook.add("retro", 1, team=None)
    result = handbook.run("lint")
    assert result.exit_code == 1, result
    assert "error: missing required field `team`" in result.stdout
    assert_no_traceback(result)


def test_a_rule_raised_to_error_by_config_makes_it_1(handbook: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n[rules]\nstale-runbook = "error"\n')
    handbook.add("runbook", 1, last_reviewed="2025-01-01")
    assert handbook.run("lint").exit_code == 1


def test_an_error_set_off_makes_it_0(handbook: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\nrules = { missing-field = "off" }\n')
    handbook.add("retro", 1, team=None)
    result = handbook.run("lint", "--strict")
    assert result.exit_code == 0, result


def test_the_today_option_decides_overdue(handbook: Any) -> None:
    handbook.add("retro", 1, action_items="\n  - {id: A1, title: x, owner: alice, due: 2026-03-10,"
                 " status: open}")
    assert handbook.run("lint", "--strict", "--today", "2026-03-10").exit_code == 0
    late = handbook.run("lint", "--strict", "--today", "2026-03-11")
    assert late.exit_code == 1
    assert "[overdue-action-item]" in late.stdout
    # Before the command, and from the environment, the same.
    assert handbook.run("--today", "2026-03-11", "lint", "--strict").exit_code == 1
    assert handbook.run("lint", "--strict", env={"IMPROVE_TODAY": "2026-03-11"}).exit_code == 1


# --- 2: usage and config ---------------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ["lint", "--bogus"],
    ["lint", "--format", "xml"],
    ["frobnicate"],
    ["new", "nonsense", "A title"],
    ["new", "rca"],
    ["new", "retro", "A title", "--severity", "SEV1"],
    ["new", "rca", "A title", "--field", "no-equals-sign"],
    ["new", "rca", "A title", "--field", "id=RCA-0099"],
    ["schema", "nonsense"],
    ["--today", "2026-02-30", "lint"],
    ["lint", "--today", "yesterday"],
    ["lint", "no/such/file.md"],
], ids=lambda args: "-".join(a.strip("-") for a in args)[:40])
def test_usage_errors_are_2(handbook: Any, args: list[str]) -> None:
    result = handbook.run(*args)
    assert result.exit_code == 2, result
    assert_no_traceback(result)
    assert result.stderr.strip(), "a usage error says what is wrong"


def test_a_bad_improve_today_is_2(handbook: Any) -> None:
    result = handbook.run("lint", env={"IMPROVE_TODAY": "not-a-date"})
    assert result.exit_code == 2, result
    assert result.stderr == "improve: error: IMPROVE_TODAY 'not-a-date' is not an ISO date; " \
                            "write it as YYYY-MM-DD\n"


def test_no_config_found_is_2(tmp_path: Path, run_cli: Any) -> None:
    result = run_cli("lint", cwd=tmp_path)
    assert result.exit_code == 2, result
    assert result.stderr.startswith("improve: error: no improve configuration found in ")
    assert "[tool.improve]" in result.stderr
    assert result.stderr.count("\n") == 1


@pytest.mark.parametrize(("config", "words"), [
    ("max_file_size = -1\n", "max_file_size"),
    ("max_file_size = \"big\"\n", "max_file_size"),
    ("timezone = \"Mars/Olympus\"\n", "unknown time zone"),
    ("timezone = 3\n", "timezone"),
    ("[rules]\nmissing-field = \"loud\"\n", "missing-field"),
    ("[folders]\nrca = \"../elsewhere\"\n", "inside the repository"),
    ("exclude = \"*.md\"\n", "exclude"),
    ("this is not toml\n", "not valid TOML"),
    ("review_every_days = 99999999999\n", "at most 36500"),
    ("[policies]\nrca_published_within_business_days = 1000000000\n", "at most 2600"),
], ids=["negative-size", "size-as-text", "time-zone", "zone-as-number", "severity", "folder",
        "exclude-not-a-list", "not-toml", "period-past-the-calendar", "endless-business-days"])
def test_an_invalid_config_is_2_with_a_message(handbook: Any, config: str, words: str) -> None:
    handbook.write(".improve.toml", config)
    handbook.add("retro", 1)
    for command in (["lint"], ["new", "retro", "Sprint 2"]):
        result = handbook.run(*command)
        assert result.exit_code == 2, result
        assert result.stderr.startswith("improve: error: "), result
        assert words in result.stderr
        assert result.stderr.count("\n") == 1
        assert_no_traceback(result)
    assert not (handbook.root / "retros" / "0002-sprint-2.md").exists()


# --- 3: an internal error ------------------------------------------------------------------------


def _boom(*_args: object, **_kwargs: object) -> None:
    raise RuntimeError("boom in the core")


def test_an_internal_error_is_3_in_one_line_without_traceback(
        handbook: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    log = tmp_path / "improve-error.log"
    monkeypatch.setattr(cli_main, "ERROR_LOG", log, raising=False)
    monkeypatch.setattr(improve.core.check.lint, "lint", _boom)
    handbook.add("retro", 1)
    result = handbook.run("lint")
    assert result.exit_code == 3, result
    assert result.stdout == ""
    assert result.stderr == (f"improve: internal error: RuntimeError: boom in the core (details in "
                             f"{log}; please report it)\n")
    assert "Traceback" in log.read_text(encoding="utf-8")
    assert "_boom" in log.read_text(encoding="utf-8")


def test_debug_shows_the_traceback(handbook: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(improve.core.check.lint, "lint", _boom)
    result = handbook.run("--debug", "lint")
    assert result.exit_code == 3, result
    assert "Traceback" in result.stderr
    assert "RuntimeError: boom in the core" in result.stderr


def test_an_internal_error_while_scaffolding_is_3(handbook: Any, monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    import improve.core.write.scaffold

    monkeypatch.setattr(cli_main, "ERROR_LOG", tmp_path / "log", raising=False)
    monkeypatch.setattr(improve.core.write.scaffold, "create", _boom)
    result = handbook.run("new", "rca", "Outage")
    assert result.exit_code == 3, result
    assert result.stderr.count("\n") == 1
    assert_no_traceback(result)


def test_the_installed_command_keeps_the_contract(handbook: Any) -> None:
    handbook.add("retro", 1)
    handbook.add("retro", 2, team=None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([str(IMPROVE), *args], cwd=handbook.root, capture_output=True,
                              text=True, check=False, timeout=120)

    assert run("lint", "retros/0001-doc.md").returncode == 0
    assert run("lint").returncode == 1
    assert run("lint", "--nope").returncode == 2
    assert run("--version").returncode == 0


# --- improve schema ------------------------------------------------------------------------------


@pytest.mark.parametrize(("kind", "name"), [("retro", "retro"), ("rca", "rca"),
                                            ("postmortem", "rca"), ("runbook", "runbook"),
                                            ("decision", "decision"), ("adr", "decision"),
                                            ("ADR", "decision")])
def test_schema_prints_the_bundled_schema(run_cli: Any, tmp_path: Path, kind: str,
                                          name: str) -> None:
    result = run_cli("schema", kind, cwd=tmp_path)  # needs no config
    assert result.exit_code == 0, result
    schema = json.loads(result.stdout)
    assert schema == bundled_schema(name)
    assert "$defs" in schema
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


# --- issue 11: exit 3 where exit 2 belongs --------------------------------------------------------


def _improve(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(IMPROVE), *args], cwd=root, capture_output=True, text=True,
                          check=False, env={"PATH": "/usr/bin:/bin", "IMPROVE_TODAY": "2026-02-01"})


@pytest.mark.parametrize(("config", "words"), [
    (b'timezone = "Europe"\n', ["Europe", "IANA"]),  # a folder of the time-zone database
    (b'timezone = "Europe/"\n', ["IANA"]),
    (b'timezone = "\xff"\n', [".improve.toml:1", "UTF-8"]),
    (b'title = "caf\xe9"\ntimezone = "UTC"\n', [".improve.toml:1", "UTF-8"]),
])
def test_a_config_improve_cannot_use_is_2_naming_the_file(tmp_path: Path, config: bytes,
                                                          words: list[str]) -> None:
    (tmp_path / ".improve.toml").write_bytes(config)
    result = _improve(tmp_path, "lint")
    assert result.returncode == 2, result
    assert_no_traceback(result)
    for word in words:
        assert word in result.stderr, result.stderr


@pytest.mark.parametrize("args", [["--today", "9999-12-31", "digest"],
                                  ["--today", "9999-12-31", "actions"],
                                  ["--today", "0001-01-01", "digest"],
                                  ["--today", "9999-12-31", "metrics"]])
def test_dates_at_the_ends_of_the_calendar_are_not_a_crash(tmp_path: Path, args: list[str]) -> None:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    (tmp_path / "rca").mkdir()
    (tmp_path / "rca" / "0001-x.md").write_text(
        "---\nid: RCA-0001\ntitle: X\ndate: 2026-01-05\nstatus: draft\nseverity: SEV3\n"
        "started_at: 2026-01-05T10:00:00Z\naction_items:\n"
        "  - {id: A1, title: Fix, owner: alice, due: 9999-12-30, status: open}\n---\nx\n",
        encoding="utf-8")
    result = _improve(tmp_path, *args)
    assert result.returncode == 0, result
    assert_no_traceback(result)


def test_renumber_to_a_number_of_hundreds_of_digits_is_2(tmp_path: Path) -> None:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    (tmp_path / "rca").mkdir()
    (tmp_path / "rca" / "0001-x.md").write_text("---\nid: RCA-0001\ntitle: X\n---\nx\n",
                                                encoding="utf-8")
    result = _improve(tmp_path, "renumber", "RCA-0001", "--to", "9" * 300)
    assert result.returncode == 2, result
    assert "range" in result.stderr
    assert_no_traceback(result)
    assert (tmp_path / "rca" / "0001-x.md").exists()


@pytest.mark.parametrize("field", ["severity=&a SEV1", "severity=*a", "severity=!!python/none x",
                                   "count=" + "9" * 5000, "count=0x" + "f" * 5000])
def test_field_values_yaml_reads_oddly_are_never_an_internal_error(tmp_path: Path,
                                                                   field: str) -> None:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    result = _improve(tmp_path, "new", "rca", "Odd field", "--field", field)
    assert result.returncode in (0, 2), result
    assert_no_traceback(result)
    assert "internal error" not in result.stderr


def test_a_title_that_is_not_utf8_is_refused_the_same_with_and_without_dry_run(
        tmp_path: Path) -> None:
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    title = os.fsdecode(b"Bad \xed\xb3\xbf title")
    for extra in (["--dry-run"], []):
        result = subprocess.run([str(IMPROVE), "new", "rca", title, *extra], cwd=tmp_path,
                                capture_output=True, check=False,
                                env={"PATH": "/usr/bin:/bin", "IMPROVE_TODAY": "2026-02-01"})
        assert result.returncode == 2, result
        assert b"UTF-8" in result.stderr
    assert not (tmp_path / "rca").exists() or not list((tmp_path / "rca").iterdir())


@pytest.mark.parametrize(("due", "why"), [
    ("2026-02-30", "'2026-02-30', not a real date (February 2026 has 28 days); write YYYY-MM-DD"),
    ("2028-02-30", "(February 2028 has 29 days)"),
    ("2026-13-01", "(there is no month 13)"),
    ("2026-04-31", "(April 2026 has 30 days)"),
])
def test_an_impossible_date_says_why_it_does_not_exist(handbook: Any, valid_doc: Any, due: str,
                                                       why: str) -> None:
    handbook.write("retros/0001-a.md", valid_doc("retro", 1, date=due))
    result = handbook.run("lint", "--no-cache")
    assert result.exit_code == 1, result
    assert why in result.stdout


def test_a_colon_in_a_plain_value_gets_a_quote_it_hint(handbook: Any, valid_doc: Any) -> None:
    handbook.write("rca/0001-a.md", valid_doc("rca", 1, title="Outage: checkout down"))
    result = handbook.run("lint", "--no-cache")
    assert result.exit_code == 1, result
    assert "rca/0001-a.md:3:" in result.stdout
    assert "a value holding `: ` must be quoted" in result.stdout


@pytest.mark.parametrize(("config_file", "table"), [
    (".improve.toml", "[vocabularies]"), ("pyproject.toml", "[tool.improve.vocabularies]")])
def test_the_vocabulary_hint_names_the_table_as_the_config_spells_it(
        handbook: Any, valid_doc: Any, config_file: str, table: str) -> None:
    if config_file == "pyproject.toml":
        (handbook.root / ".improve.toml").unlink()
        handbook.write("pyproject.toml", '[tool.improve]\ntimezone = "UTC"\n')
    handbook.write("rca/0001-a.md", valid_doc("rca", 1, detection="pager"))
    result = handbook.run("lint", "--no-cache")
    assert f"or add it under {table}" in result.stdout
