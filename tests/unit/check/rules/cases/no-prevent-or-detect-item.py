"""`no-prevent-or-detect-item`: a SEV1/SEV2 RCA past draft whose kept items only repair."""

from rule_cases import C1, RuleCase, block, doc, item

# Every field a SEV2 RCA past draft needs (rca.schema.json), on lines 8..18; items from line 19.
PAST_DRAFT = {
    "status": "in-review", "severity": "SEV2", "detected_at": "2026-02-19T10:05:00Z",
    "mitigated_at": "2026-02-19T10:30:00Z", "resolved_at": "2026-02-19T11:00:00Z",
    "services": "[web]", "detection": "alert", "escaped_defect": "false", "trigger": "a deploy",
    "caused_by": "[external]", "root_causes": "[a race]", "contributing_factors": "[testing-gap]",
    "timeline": "[{at: 2026-02-19T10:00:00Z, event: started}]",
}

CASES = [
    RuleCase("no-prevent-or-detect-item", {C1: doc("rca", **PAST_DRAFT, action_items=block(
        item(1, type="repair")))}, [(C1, 19, 1)], contains="SEV2"),
    RuleCase("no-prevent-or-detect-item", {C1: doc("rca", **PAST_DRAFT, action_items=block(
        item(1, type="repair"), item(2, type="prevent", status="dropped")))}, [(C1, 19, 1)],
             name="a-dropped-prevent-item-does-not-count"),
    RuleCase("no-prevent-or-detect-item", {C1: doc("rca", **PAST_DRAFT, action_items=block(
        item(1, type="repair"), item(2, type="detect")))}, [], name="a-detect-item"),
    RuleCase("no-prevent-or-detect-item", {C1: doc("rca", **{**PAST_DRAFT, "status": "draft"},
                                                   action_items=block(item(1, type="repair")))},
             [], name="a-draft"),
    RuleCase("no-prevent-or-detect-item", {C1: doc("rca", **{**PAST_DRAFT, "severity": "SEV3"},
                                                   action_items=block(item(1, type="repair")))},
             [], name="sev3"),
]
