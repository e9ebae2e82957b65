"""Documents of each kind that lint clean, for tests to start from (and break on purpose).

Imported by tests/conftest.py (fixtures `handbook`, `valid_doc`) and by the rule case tables
(tests/unit/check/rules/). `tests/` is on `sys.path` because it holds the root conftest.py.
"""

from __future__ import annotations

from collections.abc import Mapping

#: The pinned "today" of the foundation tests (IMPROVE_TODAY in the `handbook` fixture).
TODAY = "2026-03-02"

# A minimal valid document of each kind, as ordered (key, YAML value) pairs and a body; every
# field can be replaced or removed (`None`) by `valid_doc`. Numbers fill `{n}`.
_FIELDS: dict[str, list[tuple[str, str]]] = {
    "retro": [("id", "RETRO-{n}"), ("title", "Sprint {number}"), ("date", "2026-02-20"),
              ("authors", "[alice]"), ("team", "payments")],
    "rca": [("id", "RCA-{n}"), ("title", "Checkout outage {number}"), ("date", "2026-02-20"),
            ("status", "draft"), ("severity", "SEV3"), ("started_at", "2026-02-19T10:00:00Z")],
    "runbook": [("id", "RB-{n}"), ("title", "Restart the payments worker {number}"),
                ("date", "2026-01-10"), ("owners", "[alice]"), ("service", "payments"),
                ("last_reviewed", "2026-02-01")],
    "decision": [("id", "ADR-{n}"), ("title", "Use Postgres {number}"), ("date", "2026-01-10"),
                 ("status", "accepted"), ("decision-makers", "[alice]")],
}
_SECTIONS = {
    "retro": ["What went well", "What to improve", "Review of previous action items"],
    "rca": ["Summary", "Impact", "Root cause analysis", "What went well", "What went wrong",
            "Lessons learned"],
    "runbook": ["Overview", "Prerequisites", "Steps", "Verification", "Rollback", "Escalation"],
    "decision": ["Context and problem statement", "Considered options", "Decision outcome",
                 "Consequences"],
}
FOLDERS = {"retro": "retros", "rca": "rca", "runbook": "runbooks", "decision": "decisions"}


def valid_doc(kind: str, number: int = 1, *, body: str | None = None, **fields: str | None) -> str:
    """A document of `kind` that lints clean on TODAY; `fields` replace (None: drop) or add keys.

    Keyword names use `_` for `-` (`decision_makers=...`); values are YAML text (`"[a, b]"`).
    """
    values = {key: value.format(n=f"{number:04d}", number=number) for key, value in _FIELDS[kind]}
    for name, value in fields.items():
        dashed = name.replace("_", "-")
        key = dashed if name not in values and dashed in values else name
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    front = "".join(f"{key}: {value}\n" for key, value in values.items())
    if body is None:
        body = "".join(f"\n## {title}\n\nText.\n" for title in _SECTIONS[kind])
    return f"---\n{front}---\n{body}"


def block(*mappings: Mapping[str, str]) -> str:
    """A YAML block list of mappings as a field value: `action_items=block({...}, {...})`."""
    lines = []
    for mapping in mappings:
        for index, (key, value) in enumerate(mapping.items()):
            lines.append(("  - " if index == 0 else "    ") + f"{key}: {value}")
    return "\n" + "\n".join(lines)


# A whole retro with an open action item, as a team commits it (the pre-commit tests).
RETRO_WITH_AN_ITEM = """---
id: RETRO-0001
title: Sprint 1
date: 2026-02-20
team: payments
action_items:
  - id: A1
    title: Add an alert
    owner: alice
    due: 2026-04-01
    status: open
---

## What went well

Shipping.

## What to improve

Reviews.

## Review of previous action items

None.
"""
