"""`missing-carry-over`: a retro leaves out an item open at its team's previous retro."""

from rule_cases import R1, R2, RuleCase, block, doc, item

R3 = "retros/0003-platform.md"
EARLIER = doc("retro", 1, date="2026-01-10", action_items=block(
    item(1), item(2, status="done", done_on="2026-01-20"),
    item(3, status="done", done_on="2026-01-30"), item(4, status="dropped")))

CASES = [
    # A1 is open, A3 was done after RETRO-0002's date: both were open at it. A2 was done before
    # it; A4 was dropped without a date: neither has to be carried over.
    RuleCase("missing-carry-over", {R1: EARLIER, R2: doc("retro", 2, date="2026-01-24",
                                                         carried_over="[]")},
             [(R2, 7, 1), (R2, 7, 1)], contains="previous retro of team 'payments'"),
    RuleCase("missing-carry-over", {R1: EARLIER, R2: doc("retro", 2, date="2026-01-24",
                                                         carried_over="[RETRO-0001#A1]")},
             [(R2, 7, 1)], name="one-of-two", contains="RETRO-0001#A3"),
    RuleCase("missing-carry-over", {R1: EARLIER, R2: doc("retro", 2, date="2026-01-24")},
             [(R2, 1, 1), (R2, 1, 1)], name="without-the-key"),
    RuleCase("missing-carry-over", {
        R1: EARLIER,
        R2: doc("retro", 2, date="2026-01-24", carried_over="[RETRO-0001#A1, RETRO-0001#A3]"),
        R3: doc("retro", 3, date="2026-01-25", team="platform")}, [], name="carried"),
]
