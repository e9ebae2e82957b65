"""The rule registry: every finding names one of these ids; config can set each off/warning/error.

Rules come in three scopes: `read` (the bytes and the YAML), `document` (one file on its own) and
`repository` (cross-file, computed from the compact summaries so a cached run need not re-read).
The rules themselves (id, default severity, scope, what each finds, an example) are declared in
`rules.toml`; each rule module registers the checks that report them with `document_check` or
`repository_check`, and `all_rules()` imports them all.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from improve.model.finding import Severity

if TYPE_CHECKING:
    from improve.core.check.summary import RepoIndex
    from improve.core.check.validate import ValidMemo
    from improve.core.read.config import Config
    from improve.core.read.document import Document

Scope = Literal["read", "document", "repository"]
RULE_MODULES = (
    "reading",
    "schema",
    "naming",
    "items",
    "incidents",
    "runbooks",
    "sections",
    "people",
    "references",
    "links",
    "changes",
    "carryover",
    "followup",
)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: Severity
    scope: Scope
    summary: str
    example: str


@dataclass(frozen=True)
class Issue:
    """A finding before it has a severity and a line: where is a front-matter path or a line."""

    rule: str
    message: str
    path: tuple[Any, ...] | None = None
    at_key: bool = False
    line: int | None = None
    column: int = 1
    severity: Severity | None = None  # overrides the rule's default (e.g. drafts are lenient)


@dataclass(frozen=True)
class RepoIssue:
    """A cross-file issue in the document at `file`; `involves` names the other files and ids."""

    file: str
    issue: Issue
    involves: tuple[str, ...] = ()


@dataclass(frozen=True)
class Context:
    config: Config
    today: dt.date
    extra: dict[str, Any] = field(default_factory=dict)
    # Front matter known to pass the schema checks (the lint cache fills it; see ValidMemo).
    memo: ValidMemo | None = None

    def severity(self, rule_id: str, default: Severity) -> Severity | None:
        """The configured severity of a rule, None when it is off."""
        setting = self.config.rules.get(rule_id)
        if setting is None:
            return default
        if setting == "off":
            return None
        return Severity(setting)


@dataclass(frozen=True)
class Passed:
    """What a document check yields, besides issues, when the front matter passed it whole: the
    memo key under which later runs may skip the check (the analysis returns it, the lint cache
    keeps it; see ValidMemo)."""

    key: bytes


DocumentCheck = Callable[["Document", Context], Iterable[Issue | Passed]]
RepositoryCheck = Callable[["RepoIndex", Context], Iterable[RepoIssue]]

def _declared() -> dict[str, Rule]:
    """Every rule, from `rules.toml` beside this module: data, like the kinds, so that the
    registry is one table to read (and `improve rules` prints it)."""
    import tomllib

    with open(os.path.join(os.path.dirname(__file__), "rules.toml"), "rb") as declarations:
        table = tomllib.load(declarations)
    return {rule_id: Rule(rule_id, Severity(entry["severity"]), entry["scope"], entry["summary"],
                          entry["example"]) for rule_id, entry in table.items()}


RULES: dict[str, Rule] = _declared()
DOCUMENT_CHECKS: list[DocumentCheck] = []
REPOSITORY_CHECKS: list[RepositoryCheck] = []


def document_check(func: DocumentCheck) -> DocumentCheck:
    DOCUMENT_CHECKS.append(func)
    return func


def repository_check(func: RepositoryCheck) -> RepositoryCheck:
    REPOSITORY_CHECKS.append(func)
    return func


_loaded = False


def all_rules() -> dict[str, Rule]:
    """Import every rule module once and return the registry."""
    global _loaded
    if not _loaded:
        for name in RULE_MODULES:
            importlib.import_module(f"improve.core.check.rules.{name}")
        _loaded = True
    return RULES
