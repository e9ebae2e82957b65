"""`improve lint --format text|json|github`: the shapes other tools rely on."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

LINE = re.compile(r"^(?P<path>[^:]+):(?P<line>[1-9][0-9]*):(?P<col>[1-9][0-9]*): "
                  r"(?P<severity>error|warning): (?P<message>.+) \[(?P<rule>[a-z0-9-]+)\]$")


@pytest.fixture
def mixed(handbook: Any) -> Any:
    """One error and one warning in one file, an error in another."""
    handbook.add("retro", 1, status_note="x", team=None)     # unknown-field (w), missing-field (e)
    handbook.add("rca", 2, severity="SEV9")                   # invalid-value (e)
    return handbook


def test_text_lines(mixed: Any) -> None:
    result = mixed.run("lint")
    assert result.exit_code == 1
    *lines, summary = result.stdout.splitlines()
    assert summary == "2 documents checked: 2 errors, 1 warning."
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), lines
    assert [(m["path"], m["line"], m["col"], m["severity"], m["rule"]) for m in parsed if m] == [
        ("rca/0002-doc.md", "6", "11", "error", "invalid-value"),
        ("retros/0001-doc.md", "1", "1", "error", "missing-field"),
        ("retros/0001-doc.md", "6", "1", "warning", "unknown-field"),
    ]
    assert result.stderr == ""


def test_json_array(mixed: Any) -> None:
    result = mixed.run("lint", "--format", "json")
    assert result.exit_code == 1
    findings = json.loads(result.stdout)
    assert isinstance(findings, list)
    assert len(findings) == 3
    for finding in findings:
        assert set(finding) == {"path", "line", "column", "rule", "severity", "message"}
        assert isinstance(finding["line"], int)
        assert isinstance(finding["column"], int)
        assert finding["severity"] in ("error", "warning")
    assert findings[0] == {
        "path": "rca/0002-doc.md", "line": 6, "column": 11, "rule": "invalid-value",
        "severity": "error",
        "message": "`severity` is 'SEV9'; expected one of: SEV1, SEV2, SEV3, SEV4 (did you mean "
                   "'SEV4'?)",
    }
    # The text lines say the same things.
    text = mixed.run("lint").stdout.splitlines()[:-1]
    assert text == [f"{f['path']}:{f['line']}:{f['column']}: {f['severity']}: {f['message']} "
                    f"[{f['rule']}]" for f in findings]


def test_json_when_clean_is_an_empty_array(handbook: Any) -> None:
    handbook.add("retro", 1)
    result = handbook.run("lint", "--format", "json")
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_github_annotations_and_plain_lines(mixed: Any) -> None:
    result = mixed.run("lint", "--format", "github")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    annotations = [line for line in lines if line.startswith("::")]
    assert annotations == [
        "::error file=rca/0002-doc.md,line=6,col=11,title=invalid-value::`severity` is 'SEV9'; "
        "expected one of: SEV1, SEV2, SEV3, SEV4 (did you mean 'SEV4'?)",
        "::error file=retros/0001-doc.md,line=1,col=1,title=missing-field::missing required "
        "field `team`",
        "::warning file=retros/0001-doc.md,line=6,col=1,title=unknown-field::`status_note` is "
        "not a known field",
    ]
    # GitHub shows only ten annotations per level: the plain lines follow, all of them.
    assert lines[3:] == mixed.run("lint").stdout.splitlines()


def test_github_escapes_properties_and_data(handbook: Any, valid_doc: Any) -> None:
    handbook.write("retros/0001-a,b:c%d.md", valid_doc("retro", 1, **{'"done%, or: not"': "x"}))
    result = handbook.run("lint", "--format", "github")
    [annotation] = [line for line in result.stdout.splitlines() if line.startswith("::")]
    assert annotation == ("::warning file=retros/0001-a%2Cb%3Ac%25d.md,line=7,col=1,"
                          "title=unknown-field::`done%25, or: not` is not a known field")
    assert "retros/0001-a,b:c%d.md:7:1: warning: `done%, or: not` is not" in result.stdout


def test_output_is_deterministic(mixed: Any) -> None:
    first = mixed.run("lint", "--format", "json").stdout
    assert mixed.run("lint", "--format", "json").stdout == first
    assert mixed.run("lint", "--format", "json", "--no-cache").stdout == first


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_terminal_that_cannot_show_the_text_gets_escapes_not_a_crash(handbook: Any,
                                                                      fmt: str) -> None:
    handbook.add("retro", 1, title="決済 🚀", チーム="x")
    env = {**os.environ, "PYTHONIOENCODING": "ascii"}
    result = subprocess.run([str(Path(sys.executable).parent / "improve"), "lint", "--format", fmt],
                            cwd=handbook.root, env=env, capture_output=True, check=False,
                            timeout=120)
    assert result.returncode == 0, result
    assert b"Traceback" not in result.stderr
    assert b"\\u30c1\\u30fc\\u30e0" in result.stdout


def test_a_finding_is_always_one_line(handbook: Any, valid_doc: Any) -> None:
    # A key holding line breaks cannot split its finding, or forge another one.
    forged = "x\\nretros/0009-fake.md:1:1: error: forged [yaml-syntax]\\u2028y"
    handbook.write("retros/0001-a.md", valid_doc("retro", 1, **{f'"{forged}"': "1"}))
    result = handbook.run("lint")
    *lines, _summary = result.stdout.splitlines()
    assert len(lines) == 1
    assert LINE.match(lines[0])
    assert lines[0].startswith("retros/0001-a.md:7:1: warning: `x\\nretros/0009-fake.md")
    assert "\\u2028y` is not a known field [unknown-field]" in lines[0]
    github = handbook.run("lint", "--format", "github").stdout.rstrip("\n").split("\n")
    assert len(github) == 3
    assert "%0A" in github[0]


def test_gitlab_code_quality_report(mixed: Any) -> None:
    """`--format gitlab` is GitLab's Code Quality report: valid against its documented shape, one
    issue per finding, errors above warnings in the widget, fingerprints unique and stable when a
    finding moves down the file (GitLab compares them between pipelines)."""
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "fixtures" / "gitlab" /
                         "codequality.schema.json").read_text(encoding="utf-8"))
    result = mixed.run("lint", "--format", "gitlab")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    jsonschema.validate(report, schema)
    assert [(i["location"]["path"], i["location"]["lines"]["begin"], i["check_name"],
             i["severity"]) for i in report] == [
        ("rca/0002-doc.md", 6, "invalid-value", "major"),
        ("retros/0001-doc.md", 1, "missing-field", "major"),
        ("retros/0001-doc.md", 6, "unknown-field", "minor"),
    ]
    assert len({i["fingerprint"] for i in report}) == len(report)
    path = mixed.root / "rca/0002-doc.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("---\n", "---\nx-note: moved\n", 1), encoding="utf-8")
    moved = json.loads(mixed.run("lint", "--format", "gitlab").stdout)
    assert moved[0]["location"]["lines"]["begin"] == 7
    assert [i["fingerprint"] for i in moved] == [i["fingerprint"] for i in report]


def test_gitlab_fingerprints_of_repeated_findings_stay_unique(handbook: Any,
                                                              valid_doc: Any) -> None:
    handbook.write("decisions/0001-a.md", valid_doc("decision", 1, body=(
        "\n## Context\n\nSee [a](gone.md).\n\n## Decision\n\nSee [a](gone.md) again.\n\n"
        "## Consequences\n\nx\n")))
    report = json.loads(handbook.run("lint", "--format", "gitlab").stdout)
    links = [i for i in report if i["check_name"] == "broken-link"]
    assert len(links) == 2
    assert links[0]["description"] == links[1]["description"]
    assert len({i["fingerprint"] for i in report}) == len(report)
