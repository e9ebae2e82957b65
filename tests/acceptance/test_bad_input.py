"""Bad input never crashes `improve lint` (issue 2, section 5): each case is a finding with the
file's path and a line, exit code 1, and no traceback; YAML 1.1 surprises get their own rule.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

IMPROVE = Path(sys.executable).parent / "improve"
DOC = "retros/0001-sprint.md"
OK_HEAD = "---\nid: RETRO-0001\ntitle: Sprint 1\ndate: 2026-02-03\nteam: payments\n"
SECTIONS = ("\n## What went well\n\nx\n\n## What to improve\n\nx\n\n"
            "## Review of previous action items\n\nx\n")


def _bomb(levels: int = 6) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return OK_HEAD + "\n".join(lines) + "\n---\n" + SECTIONS


def _deep_block(levels: int = 100) -> str:
    nested = "".join(f"{'  ' * i}k{i}:\n" for i in range(levels)) + "  " * levels + "v\n"
    return OK_HEAD + "extra:\n" + "".join("  " + line + "\n" for line in nested.splitlines()) \
        + "---\n" + SECTIONS


# (name, file content, rule, line, column)
BAD_INPUT: list[tuple[str, bytes, str, int, int]] = [
    ("malformed-yaml", (OK_HEAD + "tags: [a, b\n---\n" + SECTIONS).encode(), "yaml-syntax", 6, 7),
    ("malformed-yaml-indent", (OK_HEAD + "authors:\n  - a\n - b\n---\n" + SECTIONS).encode(),
     "yaml-syntax", 8, 2),
    ("no-front-matter", b"# Sprint 1\n\nWe forgot the front matter.\n", "front-matter-missing",
     1, 1),
    ("unterminated-front-matter", (OK_HEAD + SECTIONS).encode(), "front-matter-unterminated",
     1, 1),
    ("front-matter-is-a-list", b"---\n- id: RETRO-0001\n- title: x\n---\n",
     "front-matter-not-mapping", 2, 1),
    ("front-matter-is-text", b"---\nSprint 1 retro\n---\n", "front-matter-not-mapping", 2, 1),
    ("front-matter-is-empty", b"---\n---\n" + SECTIONS.encode(), "front-matter-not-mapping", 1, 1),
    ("front-matter-is-null", b"---\n~\n---\n" + SECTIONS.encode(), "front-matter-not-mapping",
     2, 1),
    ("duplicate-keys", (OK_HEAD + "team: billing\n---\n" + SECTIONS).encode(), "duplicate-key",
     6, 1),
    ("tab-indentation", (OK_HEAD + "authors:\n\t- alice\n---\n" + SECTIONS).encode(),
     "tab-indentation", 7, 1),
    ("not-utf8", (OK_HEAD + "facilitator: Jos\xe9\n---\n").encode("latin-1"), "encoding", 1, 1),
    ("utf16", ("\ufeff" + OK_HEAD + "---\n").encode("utf-16"), "binary-file", 1, 1),
    ("empty", b"", "empty-file", 1, 1),
    ("whitespace-only", b"\n \n\t\n", "empty-file", 1, 1),
    ("binary", bytes(range(256)) * 4, "binary-file", 1, 1),
    ("alias-bomb", _bomb().encode(), "yaml-complexity", 2, 1),
    ("deep-flow-nesting", (OK_HEAD + "tags: " + "[" * 500 + "]" * 500 + "\n---\n").encode(),
     "yaml-complexity", 2, 1),
    ("deep-block-nesting", _deep_block().encode(), "yaml-complexity", 2, 1),
    ("python-tag", (OK_HEAD + "x: !!python/object/apply:os.system [echo pwned]\n---\n").encode(),
     "yaml-syntax", 6, 4),
]


def assert_one_line_finding(output: str, path: str, line: int, column: int, rule: str) -> None:
    pattern = rf"^{re.escape(path)}:{line}:{column}: error: .+ \[{re.escape(rule)}\]$"
    assert re.search(pattern, output, re.MULTILINE), output


@pytest.mark.parametrize(("name", "content", "rule", "line", "column"), BAD_INPUT,
                         ids=[case[0] for case in BAD_INPUT])
def test_bad_input_is_a_finding_with_path_and_line(handbook: Any, name: str, content: bytes,
                                                   rule: str, line: int, column: int) -> None:
    handbook.write(DOC, content)
    handbook.add("retro", 2)  # a good neighbour is still linted
    result = handbook.run("lint")
    assert result.exit_code == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    assert result.stderr == ""
    assert_one_line_finding(result.stdout, DOC, line, column, rule)
    assert "retros/0002-doc.md" not in result.stdout  # the good one has no finding
    assert "2 documents checked" in result.stdout


def test_a_file_over_the_default_limit_is_a_finding_and_not_parsed(handbook: Any) -> None:
    big = (OK_HEAD + "---\n" + SECTIONS).encode() + b"x" * (1 << 20)
    handbook.write(DOC, big)
    result, findings = handbook.lint()
    assert result.exit_code == 1
    assert [(f["path"], f["line"], f["rule"]) for f in findings] == [(DOC, 1, "file-too-large")]
    assert "1,048,576" in findings[0]["message"]


def test_the_size_limit_is_configurable(handbook: Any) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\nmax_file_size = 4096\n')
    handbook.add("retro", 1, body=SECTIONS + "padding " * 600)
    handbook.add("retro", 2)
    result, findings = handbook.lint()
    assert result.exit_code == 1
    assert [(f["path"], f["rule"]) for f in findings] == [("retros/0001-doc.md", "file-too-large")]
    handbook.write(".improve.toml", 'timezone = "UTC"\nmax_file_size = 8192\n')
    result, findings = handbook.lint()
    assert (result.exit_code, findings) == (0, [])


@pytest.mark.parametrize(("value", "shown"), [("no", "no"), ("on", "on"), ("off", "off"),
                                              ("yes", "yes"), ("0012", "0012"),
                                              ("12:30", "12:30"), ("1.10", "1.10"), ("0x1F", "0x1F")])
def test_yaml_1_1_surprises_where_text_is_expected(handbook: Any, value: str, shown: str) -> None:
    handbook.add("retro", 1, team=value)
    result, findings = handbook.lint()
    assert result.exit_code == 1
    [finding] = findings
    assert (finding["path"], finding["line"], finding["column"], finding["rule"]) == (
        "retros/0001-doc.md", 6, 7, "yaml-implicit-type")
    assert f"`{shown}`" in finding["message"]
    assert f'"{shown}"' in finding["message"]  # the suggestion: quote it


def test_quoted_they_are_text(handbook: Any) -> None:
    handbook.add("retro", 1, team='"no"', title="'12:30'", facilitator='"0012"')
    result, findings = handbook.lint()
    assert (result.exit_code, findings) == (0, [])


def test_dates_are_read_as_text_and_validated_as_dates(handbook: Any) -> None:
    handbook.add("retro", 1, date="2026-02-30")
    handbook.add("retro", 2, date="2026-02-03")
    result, findings = handbook.lint()
    assert result.exit_code == 1
    assert [(f["path"], f["line"], f["column"], f["rule"]) for f in findings] == [
        ("retros/0001-doc.md", 4, 7, "invalid-date")]
    assert "2026-02-30" in findings[0]["message"]


@pytest.mark.parametrize("variant", ["bom", "crlf", "bom-crlf", "cr"])
def test_bom_or_crlf_in_a_valid_document_is_fine(handbook: Any, valid_doc: Any,
                                                 variant: str) -> None:
    text = valid_doc("rca", 1, action_items="\n  - id: A1\n    title: x\n    owner: alice\n"
                     "    due: 2026-04-01\n    status: open")
    if "crlf" in variant:
        text = text.replace("\n", "\r\n")
    elif variant == "cr":
        text = text.replace("\n", "\r")
    data = text.encode()
    if "bom" in variant:
        data = b"\xef\xbb\xbf" + data
    handbook.write("rca/0001-doc.md", data)
    result, findings = handbook.lint("--strict")
    assert (result.exit_code, findings) == (0, [])
    assert (handbook.root / "rca/0001-doc.md").read_bytes() == data  # lint never rewrites


def test_a_tab_inside_a_value_is_fine(handbook: Any) -> None:
    handbook.add("retro", 1, title='"Sprint\t1"', team="pay\tments")
    result, findings = handbook.lint()
    assert (result.exit_code, findings) == (0, [])


def _run_installed(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "IMPROVE_TODAY": "2026-03-02"}
    env.pop("IMPROVE_DEBUG", None)
    return subprocess.run([str(IMPROVE), *args], cwd=root, capture_output=True, text=True,
                          env=env, check=False, timeout=120)


@pytest.mark.parametrize("nesting", ["tags: " + "[" * 100_000, "tags: " + "{a: " * 100_000,
                                     "tags:\n" + "- " * 100_000 + "x"],
                         ids=["flow-sequences", "flow-mappings", "block-sequences"])
def test_100000_openers_do_not_crash_the_c_parser(handbook: Any, nesting: str) -> None:
    # In a separate process: a C-level stack overflow would kill it (a negative return code).
    handbook.write(DOC, OK_HEAD + nesting + "\n---\n" + SECTIONS)
    result = _run_installed(handbook.root, "lint", "--no-cache")
    assert result.returncode == 1, result
    assert "Traceback" not in result.stdout + result.stderr
    assert_one_line_finding(result.stdout, DOC, 2, 1, "yaml-complexity")


def test_every_bad_file_at_once_in_a_separate_process(handbook: Any) -> None:
    for index, (_name, content, _rule, _line, _column) in enumerate(BAD_INPUT, start=1):
        handbook.write(f"retros/{index:04d}-bad.md", content)
    handbook.commit("bad files")
    result = _run_installed(handbook.root, "lint", "--format", "json")
    assert result.returncode == 1, result
    assert "Traceback" not in result.stderr
    found = {(f["path"], f["rule"]) for f in json.loads(result.stdout)}
    for index, (name, _content, rule, _line, _column) in enumerate(BAD_INPUT, start=1):
        assert (f"retros/{index:04d}-bad.md", rule) in found, name
    # Warm cache: the same answer, still no traceback.
    again = _run_installed(handbook.root, "lint", "--format", "json")
    assert (again.returncode, again.stdout) == (1, result.stdout)


def test_a_named_pipe_outside_git_is_a_finding_not_a_hang(handbook: Any) -> None:
    # Outside git a folder walk finds every file; opening a FIFO for reading would wait forever.
    shutil.rmtree(handbook.root / ".git")
    (handbook.root / "retros").mkdir()
    os.mkfifo(handbook.root / DOC)
    handbook.add("retro", 2)
    for args in (["lint"], ["lint", "--no-cache"]):
        result = _run_installed(handbook.root, *args)  # the timeout only guards the suite
        assert result.returncode == 1, result
        assert_one_line_finding(result.stdout, DOC, 1, 1, "unreadable-file")
        assert "not a regular file" in result.stdout
