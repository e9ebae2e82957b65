"""`runbook-may-be-stale` (`lint --since HEAD`): the change touches what a runbook covers."""

from typing import Any

from rule_cases import B1, RuleCase, doc

VALUES = "deploy/payments/values.yaml"
COVERING = doc("runbook", covers="[deploy/payments/**]")


def _committed(handbook: Any) -> None:
    handbook.write(B1, COVERING)
    handbook.write(VALUES, "replicas: 2\n")
    handbook.write("src/api.py", "x = 1\n")
    handbook.commit("base")


CASES = [
    RuleCase("runbook-may-be-stale", {B1: COVERING, VALUES: "replicas: 3\n"}, [(B1, 8, 1)],
             since="HEAD", prepare=_committed, contains=VALUES),
    RuleCase("runbook-may-be-stale", {B1: COVERING, "src/api.py": "x = 2\n"}, [], since="HEAD",
             prepare=_committed, name="an-uncovered-path"),
    RuleCase("runbook-may-be-stale", {
        B1: doc("runbook", covers="[deploy/payments/**]", last_reviewed="2026-03-01"),
        VALUES: "replicas: 3\n"}, [], since="HEAD", prepare=_committed,
             name="reviewed-in-the-same-change"),
    RuleCase("runbook-may-be-stale", {B1: COVERING, VALUES: "replicas: 3\n"}, [],
             prepare=_committed, name="only-with-since"),
]
