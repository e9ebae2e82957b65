"""`followup-overdue`: policy `followup_days`, an open RCA item past its severity's window.

Resolved 2026-01-05 with `SEV3 = 30`: the window closes on 2026-02-04; TODAY is 2026-03-02.
"""

from rule_cases import C1, RuleCase, block, doc, item

POLICY = "[policies]\nfollowup_days = { SEV3 = 30 }\n"
RESOLVED = {"date": "2026-01-05", "started_at": "2026-01-05T10:00:00Z",
            "resolved_at": "2026-01-05T12:00:00Z"}

CASES = [
    RuleCase("followup-overdue", {C1: doc("rca", **RESOLVED, action_items=block(
        item(1, status="done", done_on="2026-01-20"), item(2)))}, [(C1, 16, 5)], config=POLICY,
             contains="by 2026-02-04"),
    RuleCase("followup-overdue", {C1: doc("rca", **RESOLVED, action_items=block(item(1)))},
             [(C1, 10, 5)], config=POLICY + 'severity = "error"\n', severity="error",
             name="policy-severity-error"),
    RuleCase("followup-overdue", {C1: doc("rca", **RESOLVED, action_items=block(item(1)))}, [],
             config=POLICY, today="2026-02-04", name="inside-the-window"),
    RuleCase("followup-overdue", {C1: doc("rca", **RESOLVED, action_items=block(item(1)))}, [],
             config="[policies]\nfollowup_days = { SEV1 = 30 }\n", name="other-severity"),
    RuleCase("followup-overdue", {C1: doc("rca", **RESOLVED, action_items=block(item(1)))}, [],
             name="no-policy"),
    RuleCase("followup-overdue", {C1: doc("rca", **RESOLVED)}, [], config=POLICY,
             name="no-items"),
    RuleCase("followup-overdue", {C1: doc("rca", action_items=block(item(1)))}, [],
             config=POLICY, name="not-resolved"),
    RuleCase("followup-overdue", {C1: doc("rca", resolved_at="9999-12-31T12:00:00Z",
                                          action_items=block(item(1)))}, [], config=POLICY,
             name="a-window-past-the-calendar"),
]
