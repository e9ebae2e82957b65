"""A longer fuzzing run than the test suite's property tests (issue 7): `make fuzz`.

Two engines:

- `atheris` (default when it is installed: `.venv/bin/pip install atheris`; it is not a test
  dependency): coverage-guided fuzzing of improve's entry points for untrusted bytes. The run is
  spread over worker processes that libFuzzer drives; a worker that hangs or runs out of memory is
  restarted with the corpus it built, and its input is kept as an artifact.
- `hypothesis`: the property tests in tests/property with the long "fuzz" profile, repeated with
  new seeds until the time is up.

Targets (one input each): `reading` (frontmatter.parse), `analysis` (every per-document check of
every kind), `new` (title and --field values through `improve new`), `editor` (an in-place
action-item edit). An exception a target is not allowed to raise is a crash: its input and
traceback are saved under the output folder and the run goes on.

    make fuzz FUZZ_ARGS="--minutes 15"
    .venv/bin/python tooling/fuzz.py --engine hypothesis --minutes 5

It prints the number of inputs tried, the time, and every distinct crash with its saved input.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "tests" / "property" / "seeds"
TARGETS = ("reading", "analysis", "new", "editor")
DEFAULT_OUT = ROOT / "test-artifacts" / "fuzz"
# Limits for one input: anything slower or bigger is a finding of its own (a hang, a bomb).
PER_INPUT_SECONDS = 20
RSS_LIMIT_MB = 2048


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=("auto", "atheris", "hypothesis"), default="auto")
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to fuzz (default 10)")
    parser.add_argument("--targets", default=",".join(TARGETS),
                        help=f"comma-separated subset of {', '.join(TARGETS)}")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT,
                        help="folder for the corpus, crash inputs and logs")
    parser.add_argument("--seed", type=int, default=None,
                        help="first Hypothesis seed (default: a new one each run, printed)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args(argv)
    targets = tuple(t for t in args.targets.split(",") if t)
    unknown = set(targets) - set(TARGETS)
    if unknown:
        parser.error(f"unknown target(s): {', '.join(sorted(unknown))}")
    if args.worker:
        return _worker(args.out, targets, rest)
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if _has_atheris() else "hypothesis"
    seconds = max(1, round(args.minutes * 60))
    if engine == "atheris":
        return _drive_atheris(args.out, targets, seconds)
    seed = args.seed if args.seed is not None else int.from_bytes(os.urandom(3), "big")
    return _drive_hypothesis(args.out, seconds, seed)


def _has_atheris() -> bool:
    try:
        import atheris  # noqa: F401
    except ImportError:
        return False
    return True


# --- atheris: the driver ------------------------------------------------------------------------


def _drive_atheris(out: Path, targets: tuple[str, ...], seconds: int) -> int:
    """Each target gets its own corpus and an equal share of the time (the cheap targets would
    otherwise be starved by the slow ones)."""
    crashes = out / "crashes"
    crashes.mkdir(parents=True, exist_ok=True)
    stats_file = out / "stats.json"
    stats_file.unlink(missing_ok=True)
    started = time.monotonic()
    runs: dict[str, int] = {}
    restarts = 0
    print(f"fuzzing {', '.join(targets)} with atheris for {seconds} s; output in {out}", flush=True)
    for position, target in enumerate(targets):
        corpus = out / "corpus" / target
        corpus.mkdir(parents=True, exist_ok=True)
        _seed_corpus(corpus, target)
        share_end = started + seconds * (position + 1) / len(targets)
        while (left := share_end - time.monotonic()) > 3:
            log = out / f"worker-{target}-{restarts}.log"
            command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--out", str(out),
                       "--targets", target, str(corpus), f"-max_total_time={int(left)}",
                       f"-timeout={PER_INPUT_SECONDS}", f"-rss_limit_mb={RSS_LIMIT_MB}",
                       f"-artifact_prefix={crashes}/", "-print_final_stats=1", "-max_len=8192"]
            with log.open("wb") as handle:
                code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT)
            text = log.read_text("utf-8", "replace")
            runs[target] = runs.get(target, 0) + _runs_in(text)
            if code == 0:
                break
            restarts += 1
            print(f"{target} worker stopped after {_runs_in(text)} inputs: "
                  f"{_libfuzzer_reason(text)} (see {log}); restarting", flush=True)
        print(f"{target}: {runs.get(target, 0):,} inputs", flush=True)
    elapsed = time.monotonic() - started
    total = sum(runs.values())
    stats = _read_stats(stats_file)
    crashes_found = stats.get("crashes", {})
    print(f"\ninputs tried: {total:,} in {elapsed:,.0f} s ({total / max(elapsed, 1):,.0f}/s)")
    for target, count in runs.items():
        print(f"  {target}: {count:,} inputs")
    artifacts = sorted(p.name for p in crashes.iterdir()
                       if p.name.startswith(("timeout-", "oom-", "crash-", "slow-")))
    print(f"distinct exceptions: {len(crashes_found)}; hangs or memory blow-ups: {len(artifacts)}")
    for key, info in sorted(crashes_found.items()):
        print(f"  CRASH {key}\n        input: {info['input']} (seen {info['count']}x)")
    for name in artifacts:
        print(f"  LIMIT {name} (in {crashes})")
    return 1 if crashes_found or artifacts else 0


def _seed_corpus(corpus: Path, target: str) -> None:
    docs = [p.read_bytes() for p in sorted(SEEDS.glob("*.md"))]
    titles = [b"Database failover", "Caf\u00e9 / ../../etc \u2028 --- {{ 7*7 }}".encode(),
              b"a" * 300, b"\xff\xfe bad utf-8"]
    fields = [b"severity=SEV1", b"tags=[a, b]", b"escaped_defect=yes", b"title=x\n---\nid: y"]
    selector = bytes([TARGETS.index(target)])
    inputs = docs if target in ("reading", "analysis", "editor") else [
        t + b"\x00" + f for t in titles for f in fields]
    if target == "editor":  # the editor's first byte picks the change to make
        inputs = [bytes([choice]) + doc for doc in docs for choice in range(5)]
    for index, data in enumerate(inputs):
        (corpus / f"seed-{index}").write_bytes(selector + data)


def _runs_in(log: str) -> int:
    done = re.findall(r"^Done (\d+) runs", log, re.MULTILINE)
    if done:
        return int(done[-1])
    progress = re.findall(r"^#(\d+)\s", log, re.MULTILINE)
    return int(progress[-1]) if progress else 0


def _libfuzzer_reason(log: str) -> str:
    for pattern in (r"ERROR: libFuzzer: (.+)", r"==\d+== ERROR: (.+)", r"(Test unit written to .+)"):
        found = re.findall(pattern, log)
        if found:
            return found[0].strip()
    return "the worker exited unexpectedly"


def _read_stats(path: Path) -> dict[str, Any]:
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data


# --- atheris: the worker ------------------------------------------------------------------------


class _Worker:
    """Runs one input through one target; remembers unexpected exceptions without stopping."""

    def __init__(self, out: Path, targets: tuple[str, ...]) -> None:
        self.out = out
        self.targets = targets
        self.stats_path = out / "stats.json"
        self.stats: dict[str, Any] = _read_stats(self.stats_path) or {"crashes": {},
                                                                       "per_target": {}}
        self.last_flush = 0.0
        self.repo = Path(tempfile.mkdtemp(prefix="improve-fuzz-"))
        (self.repo / "pyproject.toml").write_text("[tool.improve]\n", encoding="utf-8")
        self.written = 0
        import datetime as dt

        from improve.core.check.rules import Context, all_rules
        from improve.core.read.config import load_config

        all_rules()
        self.config = load_config(self.repo)
        self.ctx = Context(config=self.config, today=dt.date(2026, 3, 2))

    def run(self, data: bytes) -> None:
        if not data:
            return
        target = TARGETS[data[0] % len(TARGETS)]
        if target not in self.targets:
            target = self.targets[data[0] % len(self.targets)]
        payload = data[1:]
        per_target = self.stats["per_target"]
        per_target[target] = per_target.get(target, 0) + 1
        try:
            getattr(self, f"_{target}")(payload)
        except Exception as exc:
            self._crash(target, payload, exc)
        now = time.monotonic()
        if now - self.last_flush > 2:
            self.flush()
            self.last_flush = now

    def flush(self) -> None:
        tmp = self.stats_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.stats, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.stats_path)

    def _crash(self, target: str, payload: bytes, exc: Exception) -> None:
        frames = traceback.extract_tb(exc.__traceback__)
        ours = [f for f in frames if "/improve/" in f.filename] or frames
        where = f"{Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else "?"
        key = f"{target}: {type(exc).__name__} at {where}"
        crashes = self.stats["crashes"]
        if key not in crashes:
            digest = hashlib.sha256(payload).hexdigest()[:12]
            path = self.out / "crashes" / f"exception-{target}-{digest}"
            path.write_bytes(payload)
            path.with_suffix(".txt").write_text(
                "".join(traceback.format_exception(exc)), encoding="utf-8")
            crashes[key] = {"input": str(path), "count": 0, "message": str(exc)[:300]}
            self.flush()
        crashes[key]["count"] += 1

    # Each target: bytes in; only the exceptions its contract allows may leave it.

    def _reading(self, payload: bytes) -> None:
        from improve.core.read.frontmatter import parse

        parsed = parse(payload)
        lines = max(1, len(parsed.text.split("\n")))
        for problem in parsed.problems:
            if not 1 <= problem.line <= lines:
                raise AssertionError(f"problem outside the file: {problem} ({lines} lines)")

    def _analysis(self, payload: bytes) -> None:
        from improve.core.check.analyze import check_document
        from improve.core.check.rules import RULES
        from improve.core.check.summary import summarize
        from improve.core.read.document import Document
        from improve.core.read.frontmatter import parse
        from improve.model.kinds import KINDS

        parsed = parse(payload)
        lines = max(1, len(parsed.text.split("\n")))
        for kind in KINDS.values():
            doc = Document(path=f"{kind.folder}/0001-x.md", kind=kind, number=1, parsed=parsed)
            for finding in check_document(doc, self.ctx):
                if finding.rule not in RULES or not 1 <= finding.line <= lines:
                    raise AssertionError(f"bad finding {finding} ({lines} lines)")
            if parsed.ok:
                json.dumps(summarize(doc).to_json())

    def _new(self, payload: bytes) -> None:
        from improve.core.errors import ImproveError
        from improve.core.numbers.carryover import prepare_request
        from improve.core.read.frontmatter import parse
        from improve.core.write.scaffold import Request, create, parse_field
        from improve.model.kinds import KINDS

        # Command-line arguments reach Python as text with undecodable bytes escaped.
        title_raw, _, field_raw = payload.partition(b"\x00")
        title = title_raw.decode("utf-8", "surrogateescape")
        kinds = sorted(KINDS)
        kind = KINDS[kinds[len(payload) % len(kinds)]]
        fields: dict[str, Any] = {}
        for assignment in field_raw.decode("utf-8", "surrogateescape").split("\x00"):
            if assignment:
                try:
                    key, value = parse_field(assignment)
                except ImproveError:
                    continue
                fields[key] = value
        request = Request(kind=kind, title=title, today=self.ctx.today, author="fuzz",
                          fields=fields)
        prepare_request(self.config, request)
        write = len(payload) % 8 == 0
        try:
            document = create(self.config, request, dry_run=not write)
        except ImproveError:
            return
        content = document.path.read_bytes() if write else document.content.encode("utf-8")
        folder = (self.repo / kind.folder).resolve()
        if document.path.resolve().parent != folder:
            raise AssertionError(f"{document.path} is outside {folder}")
        parsed = parse(content)
        if not parsed.ok or any(p.rule.startswith(("yaml", "front-matter", "duplicate"))
                                for p in parsed.problems):
            raise AssertionError(f"the new document does not parse: {parsed.problems[:3]}")
        if write:
            self.written += 1
            if self.written % 200 == 0:
                shutil.rmtree(folder, ignore_errors=True)

    def _editor(self, payload: bytes) -> None:
        try:
            from improve.core.write.editor import edit_bytes
        except ImportError:  # the editor has not landed
            return
        from improve.core.errors import ImproveError
        from improve.core.read.frontmatter import parse

        choice = payload[:1]
        raw = payload[1:]
        changes: dict[str, str | None] = [
            {"status": "done", "done_on": "2026-03-02"},
            {"status": "open", "done_on": None},
            {"owner": "dana"},
            {"due": "2026-04-30"},
            {"owner": "O'Brien: #1, [x]"},
        ][choice[0] % 5 if choice else 0]
        item = f"A{(len(raw) % 3) + 1}"
        try:
            new = edit_bytes(raw, item, changes)
        except ImproveError:
            return
        if new == raw:
            return
        parsed = parse(new, max_size=max(len(new), 1))
        if not parsed.ok or parsed.meta is None:
            raise AssertionError("the edited document does not parse")
        items = [i for i in parsed.meta.get("action_items", []) if isinstance(i, dict)
                 and i.get("id") == item]
        for key, value in changes.items():
            if value is None and any(key in i for i in items):
                raise AssertionError(f"{key} was not removed")
            if value is not None and not any(i.get(key) == value for i in items):
                raise AssertionError(f"{key} is not {value!r} after the edit")


def _worker(out: Path, targets: tuple[str, ...], libfuzzer_args: list[str]) -> int:
    import atheris

    with atheris.instrument_imports(include=["improve", "yaml"]):
        import improve.core.check.analyze
        import improve.core.check.summary
        import improve.core.read.frontmatter
        import improve.core.write.scaffold

        with contextlib.suppress(ImportError):
            import improve.core.write.editor  # noqa: F401
    worker = _Worker(out, targets)
    atheris.Setup([sys.argv[0], *libfuzzer_args], worker.run)
    try:
        atheris.Fuzz()
    finally:
        worker.flush()
    return 0


# --- hypothesis ----------------------------------------------------------------------------------


def _drive_hypothesis(out: Path, seconds: int, seed: int) -> int:
    out.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    examples = 0
    failures = 0
    rounds = 0
    print(f"fuzzing with the Hypothesis 'fuzz' profile for {seconds} s from seed {seed}; logs in "
          f"{out}", flush=True)
    while time.monotonic() - started < seconds:
        log = out / f"hypothesis-{rounds}.log"
        # Rounds of a few hundred examples per test, each with a new seed, until the time is up.
        env = dict(os.environ, HYPOTHESIS_PROFILE="fuzz", IMPROVE_FUZZ_EXAMPLES="300")
        command = [sys.executable, "-m", "pytest", "tests/property", "-q", "-p", "no:cacheprovider",
                   "--hypothesis-show-statistics", f"--hypothesis-seed={seed + rounds}"]
        with log.open("wb") as handle:
            code = subprocess.call(command, stdout=handle, stderr=subprocess.STDOUT, cwd=ROOT,
                                   env=env)
        text = log.read_text("utf-8", "replace")
        # `--hypothesis-show-statistics`: "- 300 passing, 0 failing, and 18 invalid test cases"
        for passing, failing in re.findall(r"(\d+) passing, (\d+) failing", text):
            examples += int(passing) + int(failing)
        rounds += 1
        if code != 0:
            failures += 1
            print(f"round {rounds} (seed {seed + rounds - 1}): failures, see {log}", flush=True)
    elapsed = time.monotonic() - started
    print(f"\ninputs tried: {examples:,} in {elapsed:,.0f} s over {rounds} round(s); "
          f"rounds with failures: {failures}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
