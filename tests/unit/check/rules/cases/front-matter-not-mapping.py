"""`front-matter-not-mapping` for a top-level key YAML does not read as text, named as written."""

from rule_cases import R1, RuleCase, doc

CASES = [
    RuleCase("front-matter-not-mapping", {R1: doc("retro", on="monday")}, [(R1, 7, 1)],
             name="a-boolean-key", contains='front-matter key `on` is not text to YAML'),
    RuleCase("front-matter-not-mapping", {R1: doc("retro", **{'"on"': "monday"})}, [],
             name="a-quoted-key"),
]
