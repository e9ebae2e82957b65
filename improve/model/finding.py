"""The one shape every problem takes, from the YAML reader to the cross-file checks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    """How much a finding counts: errors fail a lint, warnings only with ``--strict``."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Finding:
    """A problem at ``path:line:column`` (repository-relative, 1-based), named by a stable rule id."""

    path: str
    line: int
    column: int
    rule: str
    severity: Severity
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "severity": self.severity.value,
            "message": self.message,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        return cls(
            path=data["path"],
            line=data["line"],
            column=data["column"],
            rule=data["rule"],
            severity=Severity(data["severity"]),
            message=data["message"],
        )


def count(findings: Iterable[Finding], severity: Severity) -> int:
    """How many of `findings` have `severity` (for summaries and exit codes)."""
    return sum(1 for f in findings if f.severity is severity)


class FindingCounts:
    """The errors and warnings of a result that holds `findings` (lint's, a PR summary's)."""

    findings: list[Finding]

    @property
    def errors(self) -> int:
        return count(self.findings, Severity.ERROR)

    @property
    def warnings(self) -> int:
        return count(self.findings, Severity.WARNING)
