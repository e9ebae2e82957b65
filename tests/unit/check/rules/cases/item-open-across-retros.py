"""`item-open-across-retros`: policy `max_retros_open`, an item open through too many retros."""

from rule_cases import R1, R2, RuleCase, block, doc, item

R3 = "retros/0003-sprint.md"
FILES = {
    R1: doc("retro", 1, date="2026-01-10", action_items=block(
        item(1, status="done", done_on="2026-01-12"), item(2))),
    R2: doc("retro", 2, date="2026-01-24", carried_over="[RETRO-0001#A2]"),
    R3: doc("retro", 3, date="2026-02-07", carried_over="[RETRO-0001#A2]"),
}

CASES = [
    RuleCase("item-open-across-retros", FILES, [(R1, 14, 5)],
             config="[policies]\nmax_retros_open = 1\n", contains="RETRO-0001#A2"),
    RuleCase("item-open-across-retros", FILES, [(R1, 14, 5)], name="policy-severity-error",
             config='[policies]\nmax_retros_open = 1\nseverity = "error"\n', severity="error"),
    RuleCase("item-open-across-retros", FILES, [], config="[policies]\nmax_retros_open = 2\n",
             name="within-the-limit"),
    RuleCase("item-open-across-retros", FILES, [], name="no-policy"),
]
