"""`yaml-syntax` at the end of the front matter: the finding points at what was left open, not at
the closing `---` where the parser noticed."""

from rule_cases import R1, RuleCase

CASES = [
    RuleCase("yaml-syntax", {R1: "---\nid: RETRO-0001\ntitle: x\nteam: [payments\n---\n"},
             [(R1, 4, 7)], name="unclosed-bracket-at-the-end", contains="flow sequence"),
    RuleCase("yaml-syntax", {R1: "---\nid: RETRO-0001\ntitle: \"Sprint 1\n\n---\n"},
             [(R1, 3, 8)], name="unclosed-quote-at-the-end", contains="quoted scalar"),
    RuleCase("yaml-syntax", {R1: "---\nid: RETRO-0001\nteam: {a: b  # note\n---\n"},
             [(R1, 3, 7)], name="unclosed-brace-before-a-comment"),
]
