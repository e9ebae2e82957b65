"""`rca-publish-overdue`: policy `rca_published_within_business_days`, counted from the incident.

doc("rca") started on Thursday 2026-02-19: 5 business days later is Thursday 2026-02-26.
"""

from rule_cases import C1, RuleCase, doc

POLICY = "[policies]\nrca_published_within_business_days = 5\n"

CASES = [
    RuleCase("rca-publish-overdue", {C1: doc("rca")}, [(C1, 5, 9)], config=POLICY,
             contains="by 2026-02-26"),
    RuleCase("rca-publish-overdue", {C1: doc("rca")}, [(C1, 5, 9)], name="policy-severity-error",
             config=POLICY + 'severity = "error"\n', severity="error"),
    RuleCase("rca-publish-overdue", {C1: doc("rca", resolved_at="2026-02-20T09:00:00Z")},
             [(C1, 5, 9)], config=POLICY, name="counts-from-resolved-at",
             contains="(2026-02-20)"),
    RuleCase("rca-publish-overdue", {C1: doc("rca")}, [], config=POLICY, today="2026-02-26",
             name="on-the-last-day"),
    RuleCase("rca-publish-overdue", {C1: doc("rca")}, [], name="no-policy"),
    RuleCase("rca-publish-overdue", {C1: doc("rca", started_at="9999-12-30T12:00:00Z")}, [],
             config=POLICY, name="a-deadline-past-the-calendar"),
    RuleCase("rca-publish-overdue", {C1: doc(
        "rca", status="published", severity="SEV4", detected_at="2026-02-19T10:05:00Z",
        resolved_at="2026-02-19T11:00:00Z", services="[web]", detection="alert",
        root_causes="[a bug]", reviewed_by="[bob]")}, [], config=POLICY, name="published"),
]
