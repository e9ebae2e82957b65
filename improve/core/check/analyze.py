"""Per-file analysis: read, parse, validate and check one document into findings and a summary.

This is the unit of work the cache stores and the process pool spreads across cores: a pure
function of the file's bytes, the config, the schemas, improve's version and today's date.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from improve.core.check.rules import DOCUMENT_CHECKS, RULES, Context, Issue, Passed, all_rules
from improve.core.check.summary import Summary, summarize
from improve.core.read.discovery import DocFile
from improve.core.read.document import Document
from improve.core.read.frontmatter import ParsedFile
from improve.core.read.repository import read_document
from improve.model.finding import Finding, Severity


@dataclass
class FileResult:
    findings: list[Finding]
    summary: Summary | None
    valid: bytes = b""  # the memo key of its front matter when that passed the schema checks

    def to_json(self) -> dict[str, Any]:
        return {
            "findings": [f.to_dict() for f in self.findings],
            "summary": self.summary.to_json() if self.summary else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FileResult:
        summary = data.get("summary")
        return cls(
            findings=[Finding.from_dict(f) for f in data["findings"]],
            summary=Summary.from_json(summary) if summary else None,
        )


def locate(parsed: ParsedFile, issue: Issue) -> tuple[int, int]:
    if issue.line is not None:
        return issue.line, issue.column
    if issue.path is not None:
        return parsed.locate(issue.path, key=issue.at_key)
    return 1, 1


def to_finding(path: str, parsed: ParsedFile, issue: Issue, ctx: Context) -> Finding | None:
    """Give an issue its line, column and configured severity (None when the rule is off)."""
    rule = RULES[issue.rule]
    default = issue.severity or rule.severity
    severity = ctx.severity(issue.rule, default)
    if severity is None:
        return None
    line, column = locate(parsed, issue)
    return Finding(path, line, column, issue.rule, severity, issue.message)


def check_document(doc: Document, ctx: Context) -> list[Finding]:
    """Every per-file finding of one parsed document."""
    return _checked(doc, ctx)[0]


def _checked(doc: Document, ctx: Context) -> tuple[list[Finding], bytes]:
    """The findings, and the memo key a check returned for front matter that passed it."""
    all_rules()
    issues = [Issue(p.rule, p.message, line=p.line, column=p.column) for p in doc.parsed.problems]
    valid = b""
    if doc.parsed.ok:
        for check in DOCUMENT_CHECKS:
            for item in check(doc, ctx):
                if isinstance(item, Passed):
                    valid = item.key
                else:
                    issues.append(item)
    findings = []
    for issue in issues:
        finding = to_finding(doc.path, doc.parsed, issue, ctx)
        if finding is not None:
            findings.append(finding)
    return sorted(set(findings)), valid


def analyze_file(doc_file: DocFile, ctx: Context, *, raw: bytes | None = None) -> FileResult:
    """One document's findings and summary (`raw`: its bytes, if already read; see read_document)."""
    return analyze_document(read_document(ctx.config, doc_file, raw=raw), ctx)


def analyze_document(doc: Document, ctx: Context) -> FileResult:
    """The findings and summary of a document already read."""
    findings, valid = _checked(doc, ctx)
    return FileResult(findings, summarize(doc) if doc.parsed.ok else _placeholder(doc), valid)


def _placeholder(doc: Document) -> Summary:
    """A file whose front matter cannot be read still holds its number (its file name says so):
    the repository-wide checks see that much (`duplicate-number`), and nothing else of it."""
    return Summary(path=doc.path, kind=doc.kind.name, id=None, number=doc.number, title="",
                   published=False)


def fingerprint_severity(severity: Severity) -> str:
    return severity.value
