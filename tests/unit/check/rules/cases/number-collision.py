"""`number-collision` (`lint --since main`): this branch adds a number main took meanwhile."""

from typing import Any

from rule_cases import C1, RuleCase, doc

THEIRS = "rca/0001-db-down.md"


def _main_moves_on(handbook: Any, rel: str = THEIRS, kind: str = "rca") -> None:
    """Branch `feature` off main, then main gets a document `rel`; the work tree is `feature`."""
    handbook.commit("base")
    handbook.git("switch", "-q", "-c", "feature")
    handbook.git("switch", "-q", "main")
    handbook.write(rel, doc(kind, 1, title="DB down"))
    handbook.commit("theirs")
    handbook.git("switch", "-q", "feature")


def _main_adds_a_runbook(handbook: Any) -> None:
    _main_moves_on(handbook, "runbooks/0001-restart.md", "runbook")


CASES = [
    RuleCase("number-collision", {C1: doc("rca")}, [(C1, 2, 5)], since="main",
             prepare=_main_moves_on, contains="--to 2`"),
    RuleCase("number-collision", {"rca/0002-outage.md": doc("rca", 2)}, [], since="main",
             prepare=_main_moves_on, name="the-next-number"),
    RuleCase("number-collision", {C1: doc("rca")}, [], since="main",
             prepare=_main_adds_a_runbook, name="another-folder"),
    RuleCase("number-collision", {C1: doc("rca")}, [], prepare=_main_moves_on,
             name="only-with-since"),
]
