"""Regenerate the README's generated parts (the rule table, the export tables) from the code:
one source, no drift."""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"
EXPORT_START, EXPORT_END = "<!-- export:start -->", "<!-- export:end -->"


def rule_table() -> str:
    from improve.core.check.rules import all_rules

    lines = ["| rule | default | scope | what it finds | example |", "| --- | --- | --- | --- | --- |"]
    for rule in sorted(all_rules().values(), key=lambda r: r.id):
        summary = rule.summary.replace("|", "\\|")
        example = rule.example.replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {rule.severity.value} | {rule.scope} | {summary} | {example} |")
    return "\n".join(lines)


def export_tables() -> str:
    from improve.core.numbers.export import TABLES

    lines = ["| table | column | type | what it holds |", "| --- | --- | --- | --- |"]
    for table in TABLES:
        for index, column in enumerate(table.columns):
            name = f"`{table.name}` ({table.description})" if index == 0 else ""
            lines.append(f"| {name} | `{column.name}` | {column.type} | {column.description} |")
    return "\n".join(lines)


def render(text: str) -> str:
    for start, end, make in ((START, END, rule_table), (EXPORT_START, EXPORT_END, export_tables)):
        pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
        text = pattern.sub(lambda _m, s=start, e=end, f=make: f"{s}\n{f()}\n{e}", text)
    return text


def main() -> int:
    text = README.read_text(encoding="utf-8")
    updated = render(text)
    if "--check" in sys.argv:
        return 0 if updated == text else 1
    if updated != text:
        README.write_text(updated, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
