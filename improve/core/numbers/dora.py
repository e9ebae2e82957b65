"""Delivery numbers from git and the RCAs alone (issue 15): the DORA metrics, with each incident
linked to the deployment that caused it and the one that fixed it.

Deployments are version tags (`v1.2.3`, `1.2.3`; the pattern is configurable) and the lines of
a deploy log committed in the repository (`improve deploy record` appends to it). History is
read in one pass: one `git for-each-ref` for the tags, one `git log --all` for every commit and
its parents, one `git cat-file --batch-check` to resolve the revisions the log and the RCAs
name; never a process per commit or per tag. Each commit is assigned to the first deployment
(in time) that contains it, by walking from each deployment through the commits no earlier
deployment reached, so the whole history is walked once.

Change failure rate counts failed *deployments*, not incidents (fourkeys and DevLake count
incidents, which overstates it when one bad deploy causes three incidents, and understates it
when a rollback needs no RCA): a deployment failed when an RCA's `caused_by` names it (its tag, a
revision it contains, or a pull request merged into it), when it was rolled back, or when a
hotfix deployment followed for it.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from improve.core.git.gitrev import is_work_tree, run_git
from improve.core.read.config import Config
from improve.core.read.document import Document, as_datetime
from improve.model.kinds import INCIDENT

DEFAULT_TAG_PATTERN = r"^v?[0-9]+\.[0-9]+\.[0-9]+$"
DEFAULT_ENVIRONMENT = "production"
_PR = re.compile(r"^(?:#|!|PR-?|pr-?)([0-9]+)$")
# What can name a revision, tag or pull request: one token (`caused_by` may also hold sentences).
_REF_TOKEN = re.compile(r"[^\s^~:]{1,200}")
_MERGED_PR = re.compile(r"(?:Merge pull request #|\(#|See merge request [^!\s]*!|!)([0-9]+)\b")
_LOG_LINE = re.compile(r"^(?P<at>\S+)\s+(?P<env>\S+)\s+(?P<rev>\S+)(?P<marks>(?:\s+\S+)*)\s*$")

# The performance clusters of the DORA "Accelerate State of DevOps Report 2024" (Google Cloud,
# October 2024), the last report to publish them: (band, limit) pairs, best first; a figure
# belongs to the first band whose limit it does not exceed. Deployment frequency is in
# deployments per week; a team that ships once a month (a gap of up to 31 days) is medium, once
# in six months (184 days) low. The 2024 report's change failure rates are not ordered (medium 10 %,
# high 20 %): a rate is given the band whose published rate is nearest. Its recovery times are
# not ordered either: elite less than an hour, high and medium both less than a day, low between
# a week and a month. A recovery under a day is labelled high (the better of the two clusters
# the figure fits; medium cannot be told from it), anything longer low, the only cluster that
# takes more than a day (a 2023 "medium", one day to one week, is not a 2024 cluster).
BANDS_SOURCE = "DORA Accelerate State of DevOps Report 2024"
LEAD_TIME_BANDS = (("elite", 1.0), ("high", 7.0), ("medium", 30.0), ("low", 180.0))  # days
RECOVERY_BANDS = (("elite", 1.0), ("high", 24.0), ("low", 24.0 * 30))  # hours
FREQUENCY_BANDS = (("elite", 7.0), ("high", 1.0), ("medium", 7 / 31), ("low", 7 / 184))  # per week
FAILURE_RATE_POINTS = (("elite", 0.05), ("medium", 0.10), ("high", 0.20), ("low", 0.40))


@dataclass
class Deployment:
    name: str  # the tag, or `environment@time` of a deploy-log line
    commit: str
    at: dt.datetime
    environment: str
    rollback: bool = False
    hotfix: bool = False
    commits: list[str] = field(default_factory=list)  # the commits it shipped first
    commit_times: list[int] = field(default_factory=list)  # their commit times (unix)
    failed_because: list[str] = field(default_factory=list)
    fixed_at: dt.datetime | None = None


@dataclass
class Delivery:
    """The numbers, or why they cannot be computed."""

    deployments: list[Deployment]
    unavailable: str | None = None
    notes: list[str] = field(default_factory=list)
    environment: str = DEFAULT_ENVIRONMENT
    unresolved: list[tuple[str, str, str]] = field(default_factory=list)  # (rca path, field, ref)

    def to_json(self) -> dict[str, Any]:
        if self.unavailable:
            return {"available": False, "why": self.unavailable, "notes": self.notes}
        return {"available": True, "environment": self.environment, "notes": self.notes,
                "bands_source": BANDS_SOURCE, **figures(self)}


# --- reading --------------------------------------------------------------------------------


def _git(root: Path, *args: str, stdin: bytes | None = None) -> str:
    return run_git(root, *args, stdin=stdin).decode("utf-8", "surrogateescape")


def _when(unix: str) -> dt.datetime | None:
    return dt.datetime.fromtimestamp(int(unix), dt.UTC) if unix.strip().isdigit() else None


def tag_deployments(root: Path, pattern: str) -> list[Deployment]:
    """Version tags: annotated ones at their tag time, light ones at their commit's time."""
    out = _git(root, "for-each-ref", "refs/tags", "--format=%(refname:strip=2)%00%(objecttype)"
               "%00%(objectname)%00%(*objectname)%00%(taggerdate:unix)%00%(committerdate:unix)"
               "%00%(*committerdate:unix)")
    wanted = re.compile(pattern)
    found: list[Deployment] = []
    for line in out.splitlines():
        name, kind, obj, peeled, tagged, committed, peeled_committed = (line.split("\0") + [""] * 7)[:7]
        if not wanted.search(name):
            continue
        if kind == "tag":
            commit, at = peeled, _when(tagged) or _when(peeled_committed)
        else:
            commit, at = obj, _when(committed)
        if commit and at is not None:
            found.append(Deployment(name, commit, at, DEFAULT_ENVIRONMENT))
    return found


def resolve_revisions(roots: Path | Sequence[Path], revisions: Iterable[str]) -> dict[str, str]:
    """Revision names (tags, short or full ids, branch names) -> commit ids, one process per
    repository; with several clones, the first that knows a name resolves it."""
    names = sorted(set(revisions))
    found: dict[str, str] = {}
    for root in [roots] if isinstance(roots, Path) else roots:
        names = [name for name in names if name not in found]
        if not names:
            break
        out = _git(root, "cat-file", "--batch-check=%(objectname) %(objecttype)",
                   stdin="".join(f"{name}^{{commit}}\n" for name in names).encode())
        for name, line in zip(names, out.splitlines(), strict=False):
            parts = line.split()
            if len(parts) == 2 and parts[1] == "commit":
                found[name] = parts[0]
    return found


def code_repositories(config: Config) -> tuple[list[Path], str | None]:
    """Where the deployed code's history is: the clones `[deployments] repositories` names
    (relative to the handbook), else the handbook's own repository; or why it cannot be read."""
    settings = config.raw.get("deployments", {}) if isinstance(config.raw, dict) else {}
    named = settings.get("repositories")
    roots = [(config.root / str(name)).resolve() for name in named] if named else [config.root]
    for root, name in zip(roots, named or ["."], strict=True):
        if not is_work_tree(root):
            where = "the handbook" if not named else f"{name} ([deployments] repositories)"
            return roots, f"not a git repository: {where}; deployments come from git"
        if _git(root, "rev-parse", "--is-shallow-repository").strip() == "true":
            where = "" if not named else f" ({name})"
            return roots, (f"a shallow clone{where}: lead times need the full history (in CI, "
                           "fetch with `fetch-depth: 0` / GIT_DEPTH: 0)")
    return roots, None


def log_deployments(roots: Sequence[Path], log: Path) -> tuple[list[Deployment], list[str]]:
    """The deploy log's lines: `TIME ENVIRONMENT REVISION [rollback] [hotfix]`; bad lines are
    named in the notes, not fatal."""
    from improve.core.fsutil import read_bounded

    try:
        text = read_bounded(log, 32 << 20).decode("utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [], [f"{log.name}: cannot be read ({exc}); its deployments are not counted"]
    rows: list[tuple[int, dt.datetime, str, str, set[str]]] = []
    notes: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _LOG_LINE.match(line)
        at = as_datetime(match["at"]) if match else None
        if match is None or at is None:
            notes.append(f"{log.name}:{number}: not `TIME ENVIRONMENT REVISION [rollback] "
                         "[hotfix]` with an ISO 8601 time and zone; the line is not counted")
            continue
        rows.append((number, at, match["env"], match["rev"], set(match["marks"].split())))
    commits = resolve_revisions(roots, (row[3] for row in rows))
    found: list[Deployment] = []
    for number, at, env, rev, marks in rows:
        if rev not in commits:
            notes.append(f"{log.name}:{number}: revision {rev!r} is not in the code's history "
                         "(fetch it, or a full clone); the line is not counted")
            continue
        found.append(Deployment(f"{env}@{at.isoformat()}", commits[rev], at.astimezone(dt.UTC),
                                env, rollback="rollback" in marks, hotfix="hotfix" in marks))
    return found, notes


def history(roots: Path | Sequence[Path], *, subjects: bool = False
            ) -> tuple[dict[str, tuple[int, list[str]]], str]:
    """Every commit: (commit time, parents), from one `git log --all` per repository; with
    `subjects`, their subject lines too, for pull-request numbers (`Merge pull request #12`,
    `... (#12)`). Several clones' histories are one graph: commit ids do not collide."""
    out = "\n".join(_git(root, "log", "--all", "--format=%H %ct %P%x00%s" if subjects
                         else "--format=%H %ct %P")
                    for root in ([roots] if isinstance(roots, Path) else roots))
    commits: dict[str, tuple[int, list[str]]] = {}
    lines: list[str] = []
    for line in out.splitlines():
        head, _, subject = line.partition("\0")
        parts = head.split()
        if len(parts) >= 2:
            commits[parts[0]] = (int(parts[1]), parts[2:])
            if subject:
                lines.append(f"{parts[0]} {subject}")
    return commits, "\n".join(lines)


def assign(deployments: Sequence[Deployment], commits: Mapping[str, tuple[int, list[str]]]
           ) -> dict[str, Deployment]:
    """Each commit -> the first deployment (in time) that contains it; each history edge is
    followed once."""
    first: dict[str, Deployment] = {}
    for deployment in sorted(deployments, key=lambda d: (d.at, d.name)):
        stack = [deployment.commit]
        while stack:
            commit = stack.pop()
            if commit in first or commit not in commits:
                continue
            first[commit] = deployment
            deployment.commits.append(commit)
            stack.extend(commits[commit][1])
    return first


# --- linking incidents ----------------------------------------------------------------------


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def link_incidents(delivery: Delivery, rcas: Sequence[Document], first: Mapping[str, Deployment],
                   by_name: Mapping[str, Deployment], resolved: Mapping[str, str],
                   pull_requests: Mapping[str, str]) -> None:
    """Mark the deployments RCAs name as failed (`caused_by`) and as fixes (`fixed_by`)."""

    def deployment_of(ref: str) -> Deployment | None:
        ref = ref.strip()
        if not _REF_TOKEN.fullmatch(ref):
            return None
        if ref in by_name:
            return by_name[ref]
        pr = _PR.match(ref)
        commit = pull_requests.get(pr.group(1)) if pr else resolved.get(ref)
        return first.get(commit) if commit else None

    for doc in rcas:
        started = as_datetime(doc.meta.get("started_at"))
        resolved_at = as_datetime(doc.meta.get("resolved_at"))
        caused = [d for ref in _strings(doc.meta.get("caused_by"))
                  if (d := _linked(delivery, doc, "caused_by", ref, deployment_of)) is not None]
        fixes = [d for ref in _strings(doc.meta.get("fixed_by"))
                 if (d := _linked(delivery, doc, "fixed_by", ref, deployment_of)) is not None]
        for failed in caused:
            failed.failed_because.append(doc.id or doc.path)
            fixed_at = min((f.at for f in fixes if f.at >= failed.at), default=None) or resolved_at
            if fixed_at is not None and (failed.fixed_at is None or fixed_at < failed.fixed_at):
                failed.fixed_at = fixed_at
            if started is not None and started < failed.at:
                delivery.notes.append(f"{doc.id}: started_at is before {failed.name} was "
                                      "deployed; check `caused_by`")
        for fix in fixes:
            fix.hotfix = True


def _linked(delivery: Delivery, doc: Document, field_name: str, ref: str,
            deployment_of: Any) -> Deployment | None:
    found: Deployment | None = deployment_of(ref)
    if found is None and _REF_TOKEN.fullmatch(ref.strip()):  # a sentence names no deployment
        delivery.unresolved.append((doc.path, field_name, ref))
    return found


# --- the numbers ----------------------------------------------------------------------------


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


def _p85(values: Sequence[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-85 * len(ordered) // 100) - 1))]


def _band(value: float | None, bands: Sequence[tuple[str, float]], *, higher_is_better: bool = False
          ) -> str | None:
    if value is None:
        return None
    for name, limit in bands:
        if (value >= limit) if higher_is_better else (value <= limit):
            return name
    return "low"


def _nearest(value: float | None, points: Sequence[tuple[str, float]]) -> str | None:
    if value is None:
        return None
    return min(points, key=lambda p: (abs(p[1] - value), p[1]))[0]


def _week(at: dt.datetime) -> str:
    year, week, _day = at.isocalendar()
    return f"{year}-W{week:02d}"


def figures(delivery: Delivery) -> dict[str, Any]:
    deployments = sorted((d for d in delivery.deployments if d.environment == delivery.environment),
                         key=lambda d: (d.at, d.name))
    # A rollback or a hotfix marks the deployment before it (same environment) as failed.
    for previous, current in itertools.pairwise(deployments):
        if (current.rollback or current.hotfix) and not previous.failed_because:
            previous.failed_because.append(f"{'rolled back' if current.rollback else 'hotfix'} "
                                           f"by {current.name}")
            previous.fixed_at = previous.fixed_at or current.at
    lead: dict[str, list[float]] = {}
    all_lead: list[float] = []
    for deployment in deployments:
        month = deployment.at.strftime("%Y-%m")
        for commit_time in deployment.commit_times:
            days = (deployment.at.timestamp() - commit_time) / 86400
            lead.setdefault(month, []).append(days)
            all_lead.append(days)
    per_week: dict[str, int] = {}
    per_month: dict[str, int] = {}
    for deployment in deployments:
        per_week[_week(deployment.at)] = per_week.get(_week(deployment.at), 0) + 1
        month = deployment.at.strftime("%Y-%m")
        per_month[month] = per_month.get(month, 0) + 1
    span_weeks = max(1.0, ((deployments[-1].at - deployments[0].at).days + 1) / 7) \
        if deployments else 1.0
    weekly = len(deployments) / span_weeks if deployments else None
    failed = [d for d in deployments if d.failed_because]
    rate = len(failed) / len(deployments) if deployments else None
    failed_per_month: dict[str, int] = {}
    for deployment in failed:
        month = deployment.at.strftime("%Y-%m")
        failed_per_month[month] = failed_per_month.get(month, 0) + 1
    recovery = [(d.fixed_at - d.at).total_seconds() / 3600 for d in failed
                if d.fixed_at is not None and d.fixed_at >= d.at]
    rework = sum(1 for d in deployments if d.hotfix or d.rollback)
    environments: dict[str, int] = {}
    for deployment in delivery.deployments:
        environments[deployment.environment] = environments.get(deployment.environment, 0) + 1

    def rounded(value: float | None, digits: int = 2) -> float | None:
        return None if value is None else round(value, digits)

    return {
        "deployments": len(deployments),
        "deployments_per_environment": dict(sorted(environments.items())),
        "lead_time_days": {
            "definition": "per commit that reached the environment: the time of the first "
                          "deployment containing it minus its commit time",
            "median": rounded(_median(all_lead)), "p85": rounded(_p85(all_lead)),
            "band": _band(_median(all_lead), LEAD_TIME_BANDS),
            "per_month": [{"month": m, "commits": len(v), "median": rounded(_median(v)),
                           "p85": rounded(_p85(v))} for m, v in sorted(lead.items())]},
        "deployment_frequency": {
            "definition": "deployments to the environment per week, over the weeks from the "
                          "first to the last",
            "per_week": rounded(weekly), "band": _band(weekly, FREQUENCY_BANDS,
                                                        higher_is_better=True),
            "weeks": [{"week": w, "deployments": n} for w, n in sorted(per_week.items())],
            "months": [{"month": m, "deployments": n} for m, n in sorted(per_month.items())]},
        "change_failure_rate": {
            "definition": "failed deployments / deployments; a deployment failed when an RCA's "
                          "caused_by names it (its tag, a revision it shipped, a pull request "
                          "merged into it), when it was rolled back, or when a hotfix followed",
            "failed": len(failed), "rate": rounded(rate, 4),
            "band": _nearest(rate, FAILURE_RATE_POINTS),
            "failed_deployments": [{"deployment": d.name, "because": d.failed_because}
                                   for d in failed],
            "per_month": [{"month": m, "deployments": n, "failed": failed_per_month.get(m, 0),
                           "rate": round(failed_per_month.get(m, 0) / n, 4)}
                          for m, n in sorted(per_month.items())]},
        "failed_deployment_recovery_hours": {
            "definition": "from a failed deployment to the deployment that fixed it (an RCA's "
                          "fixed_by, a rollback or a hotfix), else to the incident's resolved_at",
            "count": len(recovery), "median": rounded(_median(recovery)),
            "band": _band(_median(recovery), RECOVERY_BANDS)},
        "rework_rate": {
            "definition": "deployments that were unplanned fixes (rollback, hotfix, or named by "
                          "an RCA's fixed_by) / deployments (DORA 2024's fifth metric; no bands "
                          "published)",
            "rate": rounded(rework / len(deployments), 4) if deployments else None},
    }


def compute(config: Config, documents: Sequence[Document]) -> Delivery:
    """The delivery numbers of a repository, or why there are none."""
    root = config.root
    settings = config.raw.get("deployments", {}) if isinstance(config.raw, dict) else {}
    environment = settings.get("environment", DEFAULT_ENVIRONMENT)
    roots, why = code_repositories(config)
    if why is not None:
        return Delivery([], unavailable=why)
    deployments = [d for code in roots
                   for d in tag_deployments(code, settings.get("tags", DEFAULT_TAG_PATTERN))]
    notes: list[str] = []
    if settings.get("log"):
        logged, notes = log_deployments(roots, root / settings["log"])
        deployments += logged
    if not any(d.environment == environment for d in deployments):
        return Delivery([], unavailable=f"no deployments to {environment}: no version tags "
                                        "(v1.2.3) and no deploy log lines (configure "
                                        "[deployments] in the config)", notes=notes)
    rcas = [d for d in documents if d.kind.has(INCIDENT)]
    refs = {ref for doc in rcas for name in ("caused_by", "fixed_by")
            for ref in _strings(doc.meta.get(name)) if _REF_TOKEN.fullmatch(ref)}
    commits, subjects = history(roots, subjects=any(_PR.match(r) for r in refs))
    first = assign([d for d in deployments if d.environment == environment], commits)
    for deployment in deployments:
        deployment.commit_times = [commits[c][0] for c in deployment.commits]
    pull_requests: dict[str, str] = {}
    for line in subjects.splitlines():
        sha, _, subject = line.partition(" ")
        for number in _MERGED_PR.findall(subject):
            pull_requests.setdefault(number, sha)
    resolved = resolve_revisions(roots, (r for r in refs if not _PR.match(r)))
    delivery = Delivery(deployments, notes=notes, environment=environment)
    link_incidents(delivery, rcas, first, {d.name: d for d in deployments}, resolved,
                   pull_requests)
    return delivery


# --- recording a deployment -----------------------------------------------------------------


def record(config: Config, environment: str, revision: str, *, at: dt.datetime,
           rollback: bool = False, hotfix: bool = False) -> str:
    """Append one line to the deploy log, under the folder's lock and atomically, so two CI
    jobs recording at once both land and a reader never sees half a line. Returns the line."""
    from improve.core.errors import UsageProblem
    from improve.core.fsutil import atomic_write, folder_lock, inside, read_bounded

    settings = config.raw.get("deployments", {})
    if not settings.get("log"):
        raise UsageProblem("no deploy log configured: set `log` under [deployments] in the "
                           "config (e.g. log = \"deploys.log\")")
    path = config.root / settings["log"]
    if not inside(config.root, path) or path.is_symlink():
        raise UsageProblem(f"{settings['log']}: the deploy log must be a plain file inside the "
                           "repository")
    if not re.fullmatch(r"[A-Za-z0-9._-]{1,64}", environment):
        raise UsageProblem(f"--env {environment!r}: letters, digits, dots, dashes only")
    roots, why = code_repositories(config)
    if why is not None:
        raise UsageProblem(f"cannot resolve --rev: {why}")
    commit = resolve_revisions(roots, [revision]).get(revision)
    if commit is None:
        raise UsageProblem(f"--rev {revision!r} is not a commit of "
                           + ("this repository" if roots == [config.root]
                              else "the clones in [deployments] repositories"))
    marks = [mark for mark, on in (("rollback", rollback), ("hotfix", hotfix)) if on]
    line = " ".join([at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z"), environment,
                     commit, *marks]) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with folder_lock(path.parent):
        existing = read_bounded(path, 32 << 20) if path.exists() else b""
        if existing and not existing.endswith(b"\n"):
            existing += b"\n"
        atomic_write(path, existing + line.encode("utf-8"))
    return line.rstrip("\n")
