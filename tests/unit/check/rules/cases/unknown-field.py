"""`unknown-field` for a key YAML does not read as text: named as written, at its own line."""

from rule_cases import R1, RuleCase, block, doc, item

CASES = [
    RuleCase("unknown-field", {R1: doc("retro", action_items=block(item(1, on="monday")))},
             [(R1, 13, 5)], name="a-boolean-key-in-an-item",
             contains="`on` is not a known field; YAML reads this unquoted key as the boolean "
                      'true, not as text: quote it (`"on":`)'),
    RuleCase("unknown-field", {R1: doc("retro", action_items=block(item(1, null="x")))},
             [(R1, 13, 5)], name="a-null-key-in-an-item", contains="`null`"),
    RuleCase("unknown-field", {R1: doc("retro", action_items=block(item(1, **{"12": "x"})))},
             [(R1, 13, 5)], name="a-number-key-in-an-item", contains="the number 12"),
]
