"""Reporters for lint results: one interface, a registry, a stream they are given."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TextIO

from improve.core.check.lint import LintResult
from improve.core.check.rules import Rule
from improve.model.finding import Finding, Severity
from improve.model.words import plural

Reporter = Callable[[LintResult, TextIO], None]


# Everything `str.splitlines` breaks at, and every other control character (a terminal escape
# sequence starts with one), written as an escape.
_LINE_BREAKS = str.maketrans({char: char.encode("unicode_escape").decode("ascii")
                              for char in ["\x85", "\u2028", "\u2029", "\x7f",
                                           *map(chr, range(0x20)), *map(chr, range(0x80, 0xa0))]
                              if char != "\t"})


def one_line(text: str) -> str:
    """`text` with every line break written as an escape: the one way improve puts a path or a
    user's string into a line of terminal, log or CI output, so that a file name holding a line
    break and `::error ...` cannot start a line of its own (a GitHub workflow command)."""
    if not text.isprintable():
        try:  # a file name that is not UTF-8 (surrogate escapes) shows its bytes: `\xff`
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a lone surrogate of another origin
            text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text.translate(_LINE_BREAKS)


def plain_line(finding: Finding) -> str:
    """`path:line:col: severity: message [rule]`, always one line: a key or file name holding a
    line break cannot split a finding (or forge another one)."""
    return (f"{one_line(finding.path)}:{finding.line}:{finding.column}: "
            f"{finding.severity.value}: {one_line(finding.message)} [{finding.rule}]")


def summary_line(result: LintResult) -> str:
    scope = plural(result.checked, "document")
    if not result.findings:
        return f"{scope} checked: no problems."
    return (f"{scope} checked: {plural(result.errors, 'error')}, "
            f"{plural(result.warnings, 'warning')}.")


def report_text(result: LintResult, stream: TextIO) -> None:
    for finding in result.findings:
        stream.write(plain_line(finding) + "\n")
    stream.write(summary_line(result) + "\n")


def report_json(result: LintResult, stream: TextIO) -> None:
    import json

    json.dump([f.to_dict() for f in result.findings], stream, indent=2, ensure_ascii=False)
    stream.write("\n")


def _escape_data(text: str) -> str:
    return one_line(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def report_github(result: LintResult, stream: TextIO) -> None:
    """Workflow-command annotations, then the plain lines (GitHub shows only ten of each level)."""
    for finding in result.findings:
        level = "error" if finding.severity is Severity.ERROR else "warning"
        stream.write(
            f"::{level} file={_escape_property(finding.path)},line={finding.line},"
            f"col={finding.column},title={_escape_property(finding.rule)}::"
            f"{_escape_data(finding.message)}\n"
        )
    report_text(result, stream)


def report_gitlab(result: LintResult, stream: TextIO) -> None:
    """GitLab's Code Quality report (`artifacts:reports:codequality`), shown in the merge-request
    widget. Fingerprints leave the line out, so a finding that moves is not "new" in the next
    pipeline; the same finding twice in a file counts its repeats so each stays unique."""
    import hashlib
    import json

    seen: dict[str, int] = {}
    issues = []
    for finding in result.findings:
        key = "\0".join((finding.path, finding.rule, finding.message))
        seen[key] = seen.get(key, 0) + 1
        fingerprint = hashlib.sha256(f"{key}\0{seen[key]}".encode("utf-8", "surrogateescape"))
        issues.append({
            "description": one_line(finding.message),
            "check_name": finding.rule,
            "fingerprint": fingerprint.hexdigest()[:32],
            "severity": "major" if finding.severity is Severity.ERROR else "minor",
            "location": {"path": one_line(finding.path), "lines": {"begin": finding.line}},
        })
    json.dump(issues, stream, indent=2, ensure_ascii=False)
    stream.write("\n")


REPORTERS: dict[str, Reporter] = {
    "text": report_text,
    "json": report_json,
    "github": report_github,
    "gitlab": report_gitlab,
}


def rules_text(rules: Iterable[Rule]) -> str:
    return "".join(f"{rule.id:32} {rule.severity.value:8} {rule.summary}\n"
                   for rule in sorted(rules, key=lambda r: r.id))


def rules_markdown(rules: Iterable[Rule]) -> str:
    """The table the README shows."""
    return "".join(["| rule | default | scope | what it finds | example |\n",
                    "| --- | --- | --- | --- | --- |\n",
                    *(f"| `{rule.id}` | {rule.severity.value} | {rule.scope} | {rule.summary} | "
                      f"{rule.example} |\n" for rule in sorted(rules, key=lambda r: r.id))])


# `improve rules --format`: its choices are this registry's names.
RULE_LISTINGS: dict[str, Callable[[Iterable[Rule]], str]] = {"text": rules_text,
                                                             "markdown": rules_markdown}
