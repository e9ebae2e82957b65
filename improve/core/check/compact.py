"""The compact form of one file's result: what worker processes send back and the cache keeps.

Tuples of plain values pickle and marshal far faster than dataclasses, and a summary stays a
marshal blob until a repository-wide check needs it, so a warm run never builds 10,000 of them.
"""

from __future__ import annotations

import dataclasses
import marshal
from typing import Any

from improve.core.check.analyze import FileResult
from improve.core.check.rules import Issue, RepoIssue
from improve.core.check.summary import Summary
from improve.model.finding import Finding, Severity

Stamp = tuple[int, int, int, int]  # fsutil.Stamp: mtime_ns, size, inode, ctime_ns
EncodedFinding = tuple[int, int, str, str, str]
Encoded = tuple[tuple[EncodedFinding, ...], bytes | None]
# A cross-file issue: (file, involves, rule, message, path, at_key, line, column, severity).
EncodedIssue = tuple[str, tuple[str, ...], str, str, tuple[Any, ...] | None, bool, int | None,
                     int, str | None]

SUMMARY_FIELDS = tuple(f.name for f in dataclasses.fields(Summary))
SEVERITIES = {s.value: s for s in Severity}


class DamagedCache(Exception):
    """A kept summary does not unpack: it was not written by this version of improve."""


def encode_result(result: FileResult) -> Encoded:
    findings = tuple((f.line, f.column, f.rule, str(f.severity.value), f.message)
                     for f in result.findings)
    summary = result.summary
    if summary is None:
        return findings, None
    # Without the path, which the caller keeps anyway (a sixth of the summaries' bytes).
    return findings, marshal.dumps(tuple(getattr(summary, name) for name in SUMMARY_FIELDS[1:]))


def decode_result(path: str, data: Encoded) -> FileResult:
    return FileResult(decode_findings(path, data[0]) if data[0] else [],
                      unpack_summary(path, data[1]))


def decode_findings(path: str, findings: tuple[EncodedFinding, ...]) -> list[Finding]:
    return [Finding(path, line, column, rule, SEVERITIES[severity], message)
            for line, column, rule, severity, message in findings]


def unpack_summary(path: str, blob: bytes | None) -> Summary | None:
    if blob is None:
        return None
    try:
        return Summary(path, *marshal.loads(blob))
    except (EOFError, ValueError, TypeError) as exc:
        raise DamagedCache(f"the cached summary of {path} does not unpack ({exc})") from None


def encode_issue(item: RepoIssue) -> EncodedIssue:
    issue = item.issue
    severity = None if issue.severity is None else str(issue.severity.value)
    return (item.file, tuple(item.involves), issue.rule, issue.message,
            None if issue.path is None else tuple(issue.path), issue.at_key, issue.line,
            issue.column, severity)


def decode_issue(data: EncodedIssue) -> RepoIssue:
    file, involves, rule, message, path, at_key, line, column, severity = data
    return RepoIssue(file, Issue(rule, message, path=path, at_key=at_key, line=line, column=column,
                                 severity=None if severity is None else SEVERITIES[severity]),
                     involves=involves)
