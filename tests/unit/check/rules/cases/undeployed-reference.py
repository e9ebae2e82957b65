"""`undeployed-reference` (`lint --since main`): an RCA names a release nobody deployed."""

from typing import Any

from rule_cases import RuleCase, doc

RCA = "rca/0001-outage.md"


def _released(handbook: Any) -> None:
    """main has a release tag v1.0.0; the work tree is the branch `feature`."""
    handbook.write("src.txt", "code\n")
    handbook.commit("base")
    handbook.git("tag", "-a", "v1.0.0", "-m", "v1.0.0")
    handbook.git("switch", "-q", "-c", "feature")


def _untagged(handbook: Any) -> None:
    handbook.commit("base")
    handbook.git("switch", "-q", "-c", "feature")


CASES = [
    RuleCase("undeployed-reference",
             {RCA: doc("rca", 1, caused_by="[v1.0.0, v9.9.9, 'a config typo in the gateway']",
                       fixed_by="[deadbee]")},
             [(RCA, 8, 21), (RCA, 9, 12)], since="main", prepare=_released,
             contains="which no deployment contains"),
    RuleCase("undeployed-reference", {RCA: doc("rca", 1, caused_by="[v1.0.0]")}, [],
             since="main", prepare=_released, name="a-deployed-release"),
    RuleCase("undeployed-reference", {RCA: doc("rca", 1, caused_by="[v9.9.9]")}, [],
             since="main", prepare=_untagged, name="quiet-without-deployments"),
]
