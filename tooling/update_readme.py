"""Regenerate the README's generated parts (the rule table) from the code: one source, no drift."""

from __future__ import annotations

import re
import sys
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- rules:start -->", "<!-- rules:end -->"


def rule_table() -> str:
    from improve.core.rules import all_rules

    lines = ["| rule | default | scope | what it finds | example |", "| --- | --- | --- | --- | --- |"]
    for rule in sorted(all_rules().values(), key=lambda r: r.id):
        summary = rule.summary.replace("|", "\\|")
        example = rule.example.replace("|", "\\|")
        lines.append(f"| `{rule.id}` | {rule.severity.value} | {rule.scope} | {summary} | {example} |")
    return "\n".join(lines)


def render(text: str) -> str:
    pattern = re.compile(re.escape(START) + r".*?" + re.escape(END), re.DOTALL)
    return pattern.sub(lambda _m: f"{START}\n{rule_table()}\n{END}", text)


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
