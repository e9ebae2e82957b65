"""Every registered rule fires where the case table says, stays quiet on its twins, and obeys config.

The cases are data: rule_cases.py (`RULE_CASES`) plus one module per rule under cases/ (each
defining `CASES`); see rule_cases.py for how to add yours. Each case runs through the real
pipeline, `improve lint --format json` in a fresh git repository.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path
from typing import Any

import pytest
from rule_cases import RULE_CASES, RuleCase

from improve.core.check.rules import all_rules

CASES_DIR = Path(__file__).parent / "cases"


def _load_case_modules() -> list[RuleCase]:
    found: list[RuleCase] = []
    for path in sorted(CASES_DIR.glob("*.py")):
        if path.name.startswith("_"):
            continue
        spec = importlib.util.spec_from_file_location(f"rule_cases_{path.stem.replace('-', '_')}",
                                                      path)
        assert spec is not None
        assert spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cases = getattr(module, "CASES", None)
        assert isinstance(cases, list), f"{path} must define CASES: list[RuleCase]"
        found.extend(cases)
    return found


ALL_CASES: list[RuleCase] = [*RULE_CASES, *_load_case_modules()]
FIRING = [case for case in ALL_CASES if case.expected]
OTHER_SEVERITY = {"error": "warning", "warning": "error"}


def _ids(cases: list[RuleCase]) -> list[str]:
    seen: dict[str, int] = {}
    ids = []
    for case in cases:
        seen[case.id] = seen.get(case.id, 0) + 1
        ids.append(case.id if seen[case.id] == 1 else f"{case.id}-{seen[case.id]}")
    return ids


def with_rule_setting(config: str, rule: str, setting: str | None) -> str:
    """The case's TOML with `rule` set to `setting` under [rules], lines above it unmoved."""
    if setting is None:
        return config
    line = f'"{rule}" = "{setting}"\n'
    tables = tomllib.loads(config)
    if "rules" not in tables:
        return config + ("" if not config or config.endswith("\n") else "\n") + "[rules]\n" + line
    lines = config.splitlines(keepends=True)
    start = next(i for i, text in enumerate(lines) if text.strip() == "[rules]")
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
               len(lines))
    kept = [text for text in lines[start + 1:end] if not text.startswith((f"{rule} ", f"{rule}="))]
    return "".join([*lines[:start + 1], *kept, line, *lines[end:]])


def run_case(handbook: Any, case: RuleCase, setting: str | None = None
             ) -> tuple[int, list[dict[str, Any]]]:
    handbook.write(".improve.toml", 'timezone = "UTC"\n'
                   + with_rule_setting(case.config, case.rule, setting))
    if case.prepare is not None:
        case.prepare(handbook)
    for rel, content in case.files.items():
        handbook.write(rel, content)
    args = ["--today", case.today, *(["--since", case.since] if case.since else []), *case.args]
    result, findings = handbook.lint(*args)
    assert result.exit_code in (0, 1), result
    assert "Traceback" not in result.stdout + result.stderr
    has_errors = any(f["severity"] == "error" for f in findings)
    assert result.exit_code == (1 if has_errors else 0), result
    return result.exit_code, findings


def _of_rule(findings: list[dict[str, Any]], rule: str) -> list[dict[str, Any]]:
    return [f for f in findings if f["rule"] == rule]


@pytest.mark.parametrize("case", ALL_CASES, ids=_ids(ALL_CASES))
def test_rule_case(handbook: Any, case: RuleCase) -> None:
    _code, findings = run_case(handbook, case)
    mine = _of_rule(findings, case.rule)
    assert sorted((f["path"], f["line"], f["column"]) for f in mine) == sorted(case.expected), (
        f"all findings: {findings}")
    default = all_rules()[case.rule].severity.value
    for finding in mine:
        assert finding["severity"] == (case.severity or default), finding
        assert case.contains in finding["message"], finding
        assert finding["message"].strip(), finding


@pytest.mark.parametrize("case", FIRING, ids=_ids(FIRING))
def test_rule_is_silenced_by_config(handbook: Any, case: RuleCase) -> None:
    _code, findings = run_case(handbook, case, "off")
    assert _of_rule(findings, case.rule) == []


@pytest.mark.parametrize("case", FIRING, ids=_ids(FIRING))
def test_rule_severity_is_set_by_config(handbook: Any, case: RuleCase) -> None:
    default = case.severity or all_rules()[case.rule].severity.value
    wanted = OTHER_SEVERITY[default]
    _code, findings = run_case(handbook, case, wanted)
    mine = _of_rule(findings, case.rule)
    assert sorted((f["path"], f["line"], f["column"]) for f in mine) == sorted(case.expected)
    assert {f["severity"] for f in mine} == {wanted}


# --- the meta-tests: the table covers the registry ----------------------------------------------


def test_every_registered_rule_has_a_firing_case() -> None:
    registered = set(all_rules())
    covered = {case.rule for case in FIRING}
    missing = sorted(registered - covered)
    assert missing == [], (
        f"rules without a firing case: {', '.join(missing)}. Add cases to "
        "tests/unit/check/rules/cases/<rule-id>.py (CASES = [RuleCase(...)]) or to RULE_CASES in "
        "tests/unit/check/rules/rule_cases.py; the docstring there says how.")


def test_every_case_names_a_registered_rule() -> None:
    registered = set(all_rules())
    assert sorted({case.rule for case in ALL_CASES} - registered) == []


def test_case_ids_are_unique_enough_to_read() -> None:
    ids = _ids(ALL_CASES)
    assert len(set(ids)) == len(ids)


def test_a_clean_handbook_fires_no_rule(handbook: Any) -> None:
    # The "not firing" half for every rule at once: one clean document of each kind, cross-
    # referenced, a supersede chain, and a roster that knows everyone.
    handbook.write(".improve.toml", 'timezone = "UTC"\n[roster]\nalice = {}\n'
                   '[policies]\nfollowup_days = { SEV1 = 30 }\nmax_retros_open = 3\n'
                   "rca_published_within_business_days = 30\n")
    handbook.add("retro", 1, action_items="\n  - {id: A1, title: x, owner: alice, "
                 "due: 2026-04-01, status: open}")
    handbook.add("retro", 2, date="2026-03-01", carried_over="[RETRO-0001#A1]",
                 related="[RCA-0001]")
    handbook.add("rca", 1, runbooks="[RB-0001]", related="[RETRO-0001]")
    handbook.add("runbook", 1, covers="[deploy/**]")
    handbook.add("decision", 1, status="superseded", superseded_by="ADR-0002")
    handbook.add("decision", 2, supersedes="ADR-0001")
    handbook.commit("clean")
    result, findings = handbook.lint("--strict")
    assert findings == []
    assert result.exit_code == 0
