"""`blameful-language`: a blame-laden phrase in an RCA's front matter or body (outside code)."""

from rule_cases import C1, R1, RuleCase, doc

# doc("rca")'s sections with one more paragraph under the last: front matter ends on line 8, the
# paragraph is line 34.
SECTIONS = "".join(f"\n## {title}\n\nText.\n" for title in (
    "Summary", "Impact", "Root cause analysis", "What went well", "What went wrong",
    "Lessons learned"))


def rca_saying(text: str) -> str:
    return doc("rca", body=SECTIONS + "\n" + text + "\n")


CASES = [
    RuleCase("blameful-language", {C1: doc("rca", root_causes="[human error, a race]")},
             [(C1, 8, 15)], name="in-root-causes", contains="'human error'"),
    RuleCase("blameful-language", {C1: rca_saying("Bob should  have\tknown better.")},
             [(C1, 34, 5)], name="in-the-body", contains="'should have known'"),
    RuleCase("blameful-language", {C1: rca_saying("```\nhuman error\n```\n\nA blameless review.")},
             [], name="not-in-a-code-fence"),
    RuleCase("blameful-language", {R1: doc("retro", title='"No human error"')}, [],
             name="only-in-rcas"),
]
