"""The lint cache (issue 6): a cached run always equals an uncached one.

A real git repository in tmp_path holds a copy of the example handbook. After each step of a
scripted series of changes, `lint` with the cache (warm) must give exactly the findings of
`lint` without it; counters show that the cache was really used, so a cache that silently
recomputed everything, or trusted a stale entry, would fail here. No timings are asserted.
"""

from __future__ import annotations

import datetime as dt
import json
import marshal
import os
import shutil
import struct
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from improve.core.check import cache as cache_module
from improve.core.check import cachekey, compact, parallel
from improve.core.check.analyze import FileResult
from improve.core.check.cache import CACHE_FILE, LintCache
from improve.core.check.lint import lint
from improve.core.check.parallel import analyze_records
from improve.core.check.rules import Context, all_rules
from improve.core.read.config import Config, load_config
from improve.core.read.discovery import discover
from improve.model.finding import Finding

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "handbook"
TODAY = dt.date(2026, 11, 20)
CITED_RUNBOOK = "runbooks/0002-fail-over-to-secondary-acquirer.md"  # RCA-0002 `runbooks: [RB-0002]`


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True,
                          text=True).stdout


@pytest.fixture
def handbook(tmp_path: Path) -> Path:
    root = tmp_path / "handbook"
    shutil.copytree(FIXTURE, root)
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.name", "Test")
    git(root, "config", "user.email", "test@example.invalid")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "handbook")
    return root


class Calls:
    """Records each call of `module.name`, by a label of its first argument, and makes it."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, module: object, name: str,
                 label: Callable[[Any], str] = str) -> None:
        self.seen: list[str] = []
        real = getattr(module, name)

        def recording(first: Any, *args: Any, **kwargs: Any) -> Any:
            self.seen.append(label(first))
            return real(first, *args, **kwargs)

        monkeypatch.setattr(module, name, recording)

    def take(self) -> list[str]:
        """The labels recorded since the last take, sorted."""
        taken, self.seen = sorted(self.seen), []
        return taken


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """The documents analysed from their bytes (cache misses)."""
    return Calls(monkeypatch, parallel, "analyze_one", lambda doc_file: doc_file.path)


def findings(root: Path, today: dt.date = TODAY, *, use_cache: bool,
             paths: list[str] | None = None) -> list[Finding]:
    config = load_config(root)
    cwd = Path.cwd()
    os.chdir(root)  # `paths` are relative to the current folder, as on the command line
    try:
        return lint(config, today, paths, use_cache=use_cache).findings
    finally:
        os.chdir(cwd)


def assert_warm_equals_uncached(root: Path, counter: Calls,
                                today: dt.date = TODAY) -> tuple[list[Finding], list[str]]:
    """Warm equals uncached; returns the findings and what the warm run had to analyse."""
    uncached = findings(root, today, use_cache=False)
    counter.take()
    assert findings(root, today, use_cache=True) == uncached
    misses = counter.take()
    assert findings(root, today, use_cache=True) == uncached  # and again, from the cache alone
    assert counter.take() == []
    return uncached, misses


def test_warm_runs_equal_uncached_runs_through_a_series_of_changes(
        handbook: Path, analysed: Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    documents = len(discover(load_config(handbook)))
    base, misses = assert_warm_equals_uncached(handbook, analysed)
    assert len(misses) == documents  # the first run fills the cache

    # 1. An edit: only that document is analysed again.
    edited = handbook / "rca" / "0003-delayed-merchant-webhooks.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "status: published", "status: finished", 1), encoding="utf-8")
    after_edit, misses = assert_warm_equals_uncached(handbook, analysed)
    assert after_edit != base
    assert misses == ["rca/0003-delayed-merchant-webhooks.md"]

    # 2. Deleting a runbook that an RCA cites: the cross-file check sees it go.
    (handbook / CITED_RUNBOOK).unlink()
    after_delete, misses = assert_warm_equals_uncached(handbook, analysed)
    assert any(f.rule == "dangling-reference" and f.path.startswith("rca/0002")
               for f in after_delete)
    assert misses == []

    # 3. A rename (same id, new slug), and one that no longer matches its id.
    git(handbook, "mv", "decisions/0001-record-decisions-as-madr-files.md",
        "decisions/0001-madr-files.md")
    os.rename(handbook / "retros" / "0002-sprint-19.md", handbook / "retros" / "0012-sprint-19.md")
    after_rename, misses = assert_warm_equals_uncached(handbook, analysed)
    assert any(f.rule == "id-mismatch" and f.path == "retros/0012-sprint-19.md"
               for f in after_rename)
    assert misses == ["decisions/0001-madr-files.md", "retros/0012-sprint-19.md"]

    # 4. A config change (rule severities): everything is analysed again.
    config_file = handbook / ".improve.toml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        "exclude = []", 'exclude = []\n\n[rules]\nmissing-section = "error"\n'
        'dangling-reference = "off"\n', 1), encoding="utf-8")
    after_config, misses = assert_warm_equals_uncached(handbook, analysed)
    assert after_config != after_rename
    assert len(misses) == documents - 1

    # 5. A schema change: a runbook now needs `pager` (and the schema fingerprint moves).
    patch_runbook_schema(monkeypatch, required="pager")
    after_schema, misses = assert_warm_equals_uncached(handbook, analysed)
    assert any(f.rule == "missing-field" and f.path.startswith("runbooks/") for f in after_schema)
    assert len(misses) == documents - 1

    # 6. A new "today": overdue items and stale runbooks are findings of another day.
    later = TODAY + dt.timedelta(days=400)
    after_today, misses = assert_warm_equals_uncached(handbook, analysed, later)
    assert after_today != after_schema
    assert len(misses) == documents - 1


def patch_runbook_schema(monkeypatch: pytest.MonkeyPatch, *, required: str) -> None:
    """Pretend the shipped runbook schema changed: a new required field, a new fingerprint."""
    from improve.core.check import validate
    from improve.core.check.rules import schema as schema_rules

    original = validate.schema_validator("runbook")
    changed = validate.SchemaValidator.__new__(validate.SchemaValidator)
    changed.name = "runbook"
    changed.schema = {**original.schema, "required": [*original.schema["required"], required]}
    changed._fast = validate._compile_fast(changed.schema)
    changed._reference = None

    def schema_validator(name: str) -> validate.SchemaValidator:
        return changed if name == "runbook" else validate.schema_validator(name)

    monkeypatch.setattr(schema_rules, "schema_validator", schema_validator)
    monkeypatch.setattr(validate, "schema_fingerprint", lambda: "a-changed-schema")


def test_one_file_runs_see_the_whole_repository_from_the_cache(
        handbook: Path, analysed: Calls) -> None:
    findings(handbook, use_cache=True)
    analysed.take()
    (handbook / CITED_RUNBOOK).unlink()
    citing = "rca/0002-acquirer-certificate-change.md"
    one = findings(handbook, use_cache=True, paths=[citing])
    assert analysed.take() == []  # the cross-file check ran on cached summaries
    assert one == findings(handbook, use_cache=False, paths=[citing])
    assert any(f.rule == "dangling-reference" for f in one)


def test_a_touched_file_is_recognised_by_its_content(handbook: Path, analysed: Calls) -> None:
    findings(handbook, use_cache=True)
    analysed.take()
    path = handbook / CITED_RUNBOOK
    info = path.stat()
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns + 5_000_000_000))
    warm = findings(handbook, use_cache=True)
    assert analysed.take() == []
    assert warm == findings(handbook, use_cache=False)


def test_a_change_within_the_same_timestamp_is_still_seen(handbook: Path) -> None:
    """A file changed twice within one timestamp tick, with a lint in between: the stamp cannot
    tell, so a stamp that recent is checked by content (git's "racily clean" entries)."""
    path = handbook / "retros" / "0001-sprint-18.md"
    os.utime(path)  # written just now, as an editor does before pre-commit runs
    info = path.stat()
    before = findings(handbook, use_cache=True)
    text = path.read_text(encoding="utf-8")
    changed = text.replace("### Start", "### Stark", 1)  # a section its layout expects
    assert changed != text
    assert len(changed) == len(text)
    with open(path, "r+", encoding="utf-8") as handle:  # same inode, same size...
        handle.write(changed)
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # ...same mtime
    assert (path.stat().st_ino, path.stat().st_size) == (info.st_ino, info.st_size)
    after = findings(handbook, use_cache=True)
    assert after == findings(handbook, use_cache=False)
    assert after != before


def _decoded(records: list[parallel.Record]) -> list[FileResult]:
    return [compact.decode_result(r.path, r.data) for r in records]


@pytest.mark.parametrize("damage", ["garbage", "truncated", "empty", "flipped", "directory",
                                    "foreign-marshal"])
def test_a_damaged_cache_is_ignored_and_rebuilt(handbook: Path, damage: str) -> None:
    expected = findings(handbook, use_cache=False)
    findings(handbook, use_cache=True)
    cache_file = handbook / ".improve-cache" / CACHE_FILE
    blob = cache_file.read_bytes()
    if damage == "garbage":
        cache_file.write_bytes(os.urandom(4096))
    elif damage == "truncated":
        cache_file.write_bytes(blob[: len(blob) // 2])
    elif damage == "empty":
        cache_file.write_bytes(b"")
    elif damage == "flipped":
        cache_file.write_bytes(blob[:-10] + bytes([blob[-10] ^ 0xFF]) + blob[-9:])
    elif damage == "directory":
        cache_file.unlink()
        cache_file.mkdir()
    else:  # valid framing around a payload of the wrong shape
        cache_file.write_bytes(cache_module.frame(marshal.dumps({"key": "x", "entries": []})))
    assert findings(handbook, use_cache=True) == expected
    if damage != "directory":
        assert LintCache(Context(load_config(handbook), TODAY)).loaded, "the cache was rebuilt"
        assert findings(handbook, use_cache=True) == expected


def load_payload(root: Path) -> list[Any]:
    """The cache file's payload: key, written_ns, entries {path: (head, summary blob)},
    findings, positions, repository-wide issues (see improve.core.check.cache)."""
    blob = (root / ".improve-cache" / CACHE_FILE).read_bytes()
    return list(marshal.loads(cache_module.unframe(blob) or b""))


def store_payload(root: Path, payload: list[Any]) -> None:
    """Write a payload back with valid framing, as a damaged-but-checksummed cache would be."""
    (root / ".improve-cache" / CACHE_FILE).write_bytes(cache_module.frame(marshal.dumps(tuple(payload))))


ENTRIES, FINDINGS = 2, 3
STAMP_SIZE, DIGEST_SIZE = 32, 20  # an entry's head: the stamp, git's blob id, the memo key


def test_entries_of_the_wrong_shape_are_analysed_again(handbook: Path, analysed: Calls) -> None:
    (handbook / CITED_RUNBOOK).unlink()  # some documents with findings
    expected = findings(handbook, use_cache=False)
    findings(handbook, use_cache=True)
    payload = load_payload(handbook)
    with_findings = sorted(payload[FINDINGS])
    assert len(with_findings) >= 2
    first, second = with_findings[:2]
    payload[FINDINGS][first] = ("not a finding",)
    payload[FINDINGS][second] = ((1, 1, "rule", "fatal", "message"),)  # unknown severity
    entries = payload[ENTRIES]
    third, fourth, fifth = sorted(set(entries) - {first, second})[:3]
    entries[third] = (entries[third][0][:-1], entries[third][1])  # a head cut short
    entries[fourth] = "not an entry"
    entries[fifth] = (entries[fifth][0], 12)  # a summary that is not a blob
    store_payload(handbook, payload)
    analysed.take()
    assert findings(handbook, use_cache=True) == expected
    assert analysed.take() == sorted([first, second, third, fourth, fifth])
    assert findings(handbook, use_cache=True) == expected
    assert analysed.take() == []  # the analysed entries were written back


def test_a_summary_that_does_not_unpack_is_never_trusted(handbook: Path, analysed: Calls) -> None:
    expected = findings(handbook, use_cache=False)
    findings(handbook, use_cache=True)
    payload = load_payload(handbook)
    path, (head, blob) = next(iter(payload[ENTRIES].items()))
    payload[ENTRIES][path] = (head, b"\xff" * len(blob))
    store_payload(handbook, payload)
    # A front matter edit: the repository-wide checks need every summary, the damaged one too.
    edited = handbook / "rca" / "0003-delayed-merchant-webhooks.md"
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "status: published", "status: finished", 1), encoding="utf-8")
    analysed.take()
    assert findings(handbook, use_cache=True) == findings(handbook, use_cache=False) != expected
    documents = len(discover(load_config(handbook)))
    assert len(analysed.take()) == 2 * documents + 1  # the edit, then everything twice: no cache
    findings(handbook, use_cache=True)
    assert LintCache(Context(load_config(handbook), TODAY)).loaded, "a new cache was written"


def test_an_unwritable_cache_is_skipped(handbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = findings(handbook, use_cache=False)
    (handbook / ".improve-cache").write_text("a file where the cache folder should be\n")
    assert findings(handbook, use_cache=True) == expected
    shutil.rmtree(handbook / ".improve-cache", ignore_errors=True)
    (handbook / ".improve-cache").unlink(missing_ok=True)

    from improve.core.check import cache
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache, "atomic_write", refuse)
    assert findings(handbook, use_cache=True) == expected
    assert not (handbook / ".improve-cache" / CACHE_FILE).exists()


def test_the_cache_folder_ignores_itself(handbook: Path) -> None:
    findings(handbook, use_cache=True)
    assert (handbook / ".improve-cache" / ".gitignore").read_text().strip().endswith("*")
    assert git(handbook, "status", "--porcelain") == ""


def test_no_cache_leaves_no_cache_behind(handbook: Path) -> None:
    findings(handbook, use_cache=False)
    assert not (handbook / ".improve-cache").exists()


def test_symbolic_links_are_never_cached(handbook: Path, analysed: Calls) -> None:
    target = handbook / "runbooks" / "0003-replay-webhook-deliveries.md"
    link = handbook / "runbooks" / "0009-link.md"
    link.symlink_to(target.name)
    findings(handbook, use_cache=True)
    analysed.take()
    warm = findings(handbook, use_cache=True)
    assert analysed.take() == ["runbooks/0009-link.md"]
    assert warm == findings(handbook, use_cache=False)


def two_hundred_documents(root: Path) -> None:
    """Enough documents for the process pool, with good and broken ones mixed."""
    for number in range(10, 240):
        source = sorted((FIXTURE / "runbooks").glob("*.md"))[number % 4].read_text("utf-8")
        text = source.replace(f"id: RB-000{number % 4 + 1}", f"id: RB-{number:04d}", 1)
        if number % 7 == 0:
            text = text.replace("title:", "title: [unclosed", 1)
        if number % 11 == 0:
            text = "\ufeff" + text.replace("\n", "\r\n")
        (root / "runbooks" / f"{number:04d}-copy.md").write_text(text, encoding="utf-8")


def test_the_parallel_path_gives_the_sequential_results(handbook: Path) -> None:
    two_hundred_documents(handbook)
    all_rules()
    config = load_config(handbook)
    ctx = Context(config, TODAY)
    files = discover(config)
    assert len(files) > parallel.PARALLEL_MIN_FILES
    sequential = analyze_records(files, ctx, min_files=10**9)
    spread = analyze_records(files, ctx, min_files=0, processes=2)
    assert_same_records(spread, sequential)
    assert [r.path for r in spread] == [f.path for f in files]


def assert_same_records(one: list[parallel.Record], other: list[parallel.Record]) -> None:
    """Same files, stamps, digests, findings and summaries (marshal's bytes for equal values
    may differ between processes, so summaries are compared unpacked)."""
    assert [(r.path, r.stamp, r.digest) for r in one] == [(r.path, r.stamp, r.digest) for r in other]
    for mine, theirs in zip(_decoded(one), _decoded(other), strict=True):
        assert mine.findings == theirs.findings
        assert mine.summary == theirs.summary


def test_lint_through_the_pool_equals_lint_in_one_process(
        handbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    two_hundred_documents(handbook)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 1)
    one_process = findings(handbook, use_cache=False)
    monkeypatch.setattr(parallel, "cpu_count", lambda: 2)
    pooled = findings(handbook, use_cache=False)
    shutil.rmtree(handbook / ".improve-cache", ignore_errors=True)
    cold = findings(handbook, use_cache=True)  # a cold run through the pool, into the cache
    assert one_process == pooled == cold == findings(handbook, use_cache=True)
    assert any(f.rule == "yaml-syntax" for f in pooled)


def test_the_forkserver_path_gives_the_same_results(
        handbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """When other threads run, fork is unsafe: the pool starts its workers another way."""
    import threading

    two_hundred_documents(handbook)
    all_rules()
    config = load_config(handbook)
    ctx = Context(config, TODAY)
    files = discover(config)[:30]
    monkeypatch.setattr(threading, "active_count", lambda: 2)
    assert parallel._context().get_start_method() != "fork"
    assert_same_records(analyze_records(files, ctx, min_files=0, processes=2),
                        analyze_records(files, ctx, min_files=10**9))


def test_a_worker_that_dies_fails_the_run_instead_of_hanging(
        handbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from concurrent.futures.process import BrokenProcessPool

    two_hundred_documents(handbook)
    all_rules()
    config = load_config(handbook)
    files = discover(config)
    if parallel._context().get_start_method() != "fork":
        pytest.skip("the failure is injected into forked workers")
    monkeypatch.setattr(parallel, "analyze_one", lambda *_args, **_kwargs: os._exit(9))
    with pytest.raises(BrokenProcessPool):
        analyze_records(files, Context(config, TODAY), min_files=0, processes=2)


def concurrent_lints(root: Path, count: int) -> list[subprocess.CompletedProcess[str]]:
    """`count` real `improve lint` processes, released together by a file they all wait for."""
    go = root.parent / "go"
    script = (
        "import os, sys, time\n"
        f"while not os.path.exists({str(go)!r}): time.sleep(0.001)\n"
        "from improve.cli.main import main\n"
        "sys.argv = ['improve', 'lint', '--format', 'json']\n"
        "main()\n"
    )
    env = {**os.environ, "IMPROVE_TODAY": TODAY.isoformat()}
    env.pop("IMPROVE_DEBUG", None)
    procs = [subprocess.Popen([os.environ.get("PYTHON", _python()), "-c", script], cwd=root,
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(count)]
    go.write_text("go")
    done = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        done.append(subprocess.CompletedProcess(proc.args, proc.returncode, out, err))
    go.unlink()
    return done


def _python() -> str:
    import sys

    return sys.executable


def test_concurrent_runs_leave_a_valid_cache_and_agree(handbook: Path) -> None:
    two_hundred_documents(handbook)  # enough work that the runs overlap
    expected = [f.to_dict() for f in findings(handbook, use_cache=False)]
    for _round in range(2):  # cold, then warm
        runs = concurrent_lints(handbook, 4)
        for run in runs:
            assert run.returncode in (0, 1), run.stderr
            assert "Traceback" not in run.stderr
            assert json.loads(run.stdout) == expected
        store = LintCache(Context(load_config(handbook), TODAY))
        assert store.loaded, "the cache the concurrent runs left is valid"
    leftovers = [p.name for p in (handbook / ".improve-cache").iterdir()
                 if p.name not in (CACHE_FILE, "config.valid", ".gitignore")]
    assert leftovers == []  # no temporary files left behind
    assert findings(handbook, use_cache=True) == findings(handbook, use_cache=False)


def test_cached_positions_of_cross_file_findings(handbook: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    (handbook / CITED_RUNBOOK).unlink()
    expected = findings(handbook, use_cache=False)
    findings(handbook, use_cache=True)  # computes and stores the dangling reference's position
    from improve.core.read import repository
    def no_reading(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a warm run re-read a document to place a cross-file finding")

    monkeypatch.setattr(repository, "read_document", no_reading)
    assert findings(handbook, use_cache=True) == expected


def test_the_cache_key_covers_what_can_change_a_finding(handbook: Path) -> None:
    config = load_config(handbook)
    key = cachekey.cache_key(Context(config, TODAY))
    assert cachekey.cache_key(Context(config, TODAY + dt.timedelta(days=1))) != key
    other: Config = load_config(handbook)
    assert cachekey.cache_key(Context(other, TODAY)) == key
    templates = handbook / "templates"
    templates.mkdir()
    (templates / "rca.md.j2").write_text("---\n{{ front_matter }}---\n")
    config_file = handbook / ".improve.toml"
    config_file.write_text(config_file.read_text().replace(
        "exclude = []", 'exclude = []\ntemplates = "templates"', 1))
    with_templates = cachekey.cache_key(Context(load_config(handbook), TODAY))
    assert with_templates != key
    (templates / "rca.md.j2").write_text("---\n{{ front_matter }}---\n\n## Summary\n")
    assert cachekey.cache_key(Context(load_config(handbook), TODAY)) != with_templates


def test_the_cache_holds_summaries_not_documents(handbook: Path) -> None:
    findings(handbook, use_cache=True)
    config = load_config(handbook)
    entries = load_payload(handbook)[ENTRIES]
    paths = list(entries)
    assert paths == [f.path for f in discover(config)]
    blob_ids = git(handbook, "hash-object", "--no-filters", *paths).split()
    for path, blob_id in zip(paths, blob_ids, strict=True):
        head, blob = entries[path]
        info = (handbook / path).stat()
        mtime, size, inode, ctime = struct.unpack_from("<4q", head)
        assert (mtime, size, inode, ctime) == (info.st_mtime_ns, info.st_size, info.st_ino,
                                               info.st_ctime_ns)
        assert head[STAMP_SIZE:STAMP_SIZE + DIGEST_SIZE].hex() == blob_id  # of the bytes analysed
        assert blob is None or len(blob) < info.st_size  # compact: smaller than the document
        summary = compact.unpack_summary(path, blob)
        assert summary is None or summary.path == path


# --- what a one-file run writes --------------------------------------------------------------

EDITED = "rca/0003-delayed-merchant-webhooks.md"


def edit_body(root: Path, rel: str, line: str = "One more line.") -> None:
    path = root / rel
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")


def test_a_one_file_run_keeps_every_other_entry(handbook: Path, analysed: Calls) -> None:
    findings(handbook, use_cache=True)
    before = load_payload(handbook)[ENTRIES]
    analysed.take()
    edit_body(handbook, EDITED)
    one = findings(handbook, use_cache=True, paths=[EDITED])
    assert analysed.take() == [EDITED]
    assert one == findings(handbook, use_cache=False, paths=[EDITED])
    after = load_payload(handbook)[ENTRIES]
    assert {p for p in after if after[p] != before[p]} == {EDITED}
    expected = findings(handbook, use_cache=False)
    analysed.take()
    assert findings(handbook, use_cache=True) == expected  # nothing is analysed again
    assert analysed.take() == []


def test_a_front_matter_change_keeps_cross_file_findings_right(
        handbook: Path, analysed: Calls) -> None:
    (handbook / CITED_RUNBOOK).unlink()
    findings(handbook, use_cache=True)
    citing = handbook / "rca" / "0002-acquirer-certificate-change.md"
    citing.write_text(citing.read_text(encoding="utf-8").replace("RB-0002", "RB-0003"),
                      encoding="utf-8")  # the dangling reference is mended
    fixed = findings(handbook, use_cache=True)
    assert not any(f.rule == "dangling-reference" for f in fixed)
    assert fixed == findings(handbook, use_cache=False)
    analysed.take()
    assert findings(handbook, use_cache=True) == fixed  # the kept repository-wide issues
    assert analysed.take() == []


# --- git vouches for tracked files it holds unchanged ---------------------------------------------


def reads(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """The documents the cache reads to compare their bytes (stamp changed, or racy)."""
    return Calls(monkeypatch, parallel, "read_stamped")


def test_git_vouches_for_committed_files_without_a_stat(
        handbook: Path, analysed: Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = findings(handbook, use_cache=False)
    findings(handbook, use_cache=True)
    payload = load_payload(handbook)
    payload[ENTRIES] = {path: (bytes(STAMP_SIZE) + head[STAMP_SIZE:], blob)
                        for path, (head, blob) in payload[ENTRIES].items()}
    store_payload(handbook, payload)  # every stamp wrong: only git can vouch for the files
    read = reads(monkeypatch)
    analysed.take()
    assert findings(handbook, use_cache=True) == expected
    assert analysed.take() == []
    assert read.take() == []


def test_a_file_git_was_told_to_assume_unchanged_is_still_checked(
        handbook: Path, analysed: Calls) -> None:
    findings(handbook, use_cache=True)
    git(handbook, "update-index", "--assume-unchanged", EDITED)
    edited = handbook / EDITED
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "status: published", "status: finished", 1), encoding="utf-8")
    assert git(handbook, "status", "--porcelain") == ""  # git looks away...
    analysed.take()
    warm = findings(handbook, use_cache=True)
    assert analysed.take() == [EDITED]  # ...the cache does not
    assert warm == findings(handbook, use_cache=False)


def test_a_staged_change_is_seen_and_then_vouched_for(
        handbook: Path, analysed: Calls, monkeypatch: pytest.MonkeyPatch) -> None:
    findings(handbook, use_cache=True)
    edited = handbook / EDITED
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "status: published", "status: finished", 1), encoding="utf-8")
    git(handbook, "add", EDITED)  # as before `git commit` runs the pre-commit hook
    analysed.take()
    staged = findings(handbook, use_cache=True, paths=[EDITED])
    assert analysed.take() == [EDITED]
    assert staged == findings(handbook, use_cache=False, paths=[EDITED])
    expected = findings(handbook, use_cache=False)
    read = reads(monkeypatch)
    analysed.take()
    assert findings(handbook, use_cache=True) == expected
    assert analysed.take() == []
    assert read.take() == []


# --- the memo of front matter that passed the schema checks -----------------------------------------


def schema_loads(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """The schemas a run looks up to check front matter."""
    from improve.core.check.rules import schema as schema_rules

    return Calls(monkeypatch, schema_rules, "schema_validator")


def test_a_body_edit_checks_no_schema_and_a_front_matter_edit_does(
        handbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings(handbook, use_cache=True)
    loads = schema_loads(monkeypatch)
    edit_body(handbook, EDITED)
    body = findings(handbook, use_cache=True, paths=[EDITED])
    assert loads.take() == []  # the same front matter passed before
    edited = handbook / EDITED
    edited.write_text(edited.read_text(encoding="utf-8").replace(
        "status: published", "status: finished", 1), encoding="utf-8")
    front = findings(handbook, use_cache=True, paths=[EDITED])
    assert loads.take() == ["rca"]
    assert any(f.rule == "invalid-value" for f in front)
    assert not any(f.rule == "invalid-value" for f in body)
    assert front == findings(handbook, use_cache=False, paths=[EDITED])
    loads.take()  # the uncached run's
    edit_body(handbook, EDITED, "And another.")  # front matter that failed is never remembered
    assert findings(handbook, use_cache=True, paths=[EDITED]) == front
    assert loads.take() == ["rca"]


def test_a_copy_of_front_matter_that_passed_checks_no_schema(
        handbook: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    findings(handbook, use_cache=True)
    source = (handbook / EDITED).read_text(encoding="utf-8")
    copy = "rca/0009-copy.md"
    (handbook / copy).write_text(source, encoding="utf-8")  # a duplicate id, same front matter
    loads = schema_loads(monkeypatch)
    found = findings(handbook, use_cache=True, paths=[copy])
    assert loads.take() == []
    assert found == findings(handbook, use_cache=False, paths=[copy])
    assert any(f.rule == "duplicate-id" for f in found)


@pytest.mark.parametrize("stage", [False, True], ids=["edited", "staged"])
def test_a_fixed_document_loses_its_findings(handbook: Path, stage: bool) -> None:
    """The run after a fix reports none of the findings the fixed document had (a cached run
    once kept the old findings of a re-analysed document that had none left)."""
    findings(handbook, use_cache=True)
    edited = handbook / EDITED
    original = edited.read_text(encoding="utf-8")
    for text, broken in ((original.replace("status: published", "status: finished", 1), True),
                         (original, False)):
        edited.write_text(text, encoding="utf-8")
        if stage:
            git(handbook, "add", EDITED)
        for paths in ([EDITED], None):
            warm = findings(handbook, use_cache=True, paths=paths)
            assert warm == findings(handbook, use_cache=False, paths=paths)
            assert any(f.rule == "invalid-value" for f in warm) is broken


def test_a_cache_committed_to_the_repository_is_never_trusted(handbook: Path) -> None:
    """A forged cache, force-added to a pull request, cannot vouch for a broken document in CI:
    here it claims that the broken bytes, which git holds unchanged, have no findings."""
    from improve.core.hashing import content_id

    findings(handbook, use_cache=True)
    findings(handbook, use_cache=True)  # the config is remembered too (config.valid)
    edited = handbook / EDITED
    broken = edited.read_text(encoding="utf-8").replace("status: published", "status: finished", 1)
    payload = load_payload(handbook)
    head, blob = payload[ENTRIES][EDITED]
    forged_id = content_id(broken.encode("utf-8"))
    payload[ENTRIES][EDITED] = (head[:STAMP_SIZE] + forged_id + head[STAMP_SIZE + DIGEST_SIZE:],
                                blob)
    store_payload(handbook, payload)
    edited.write_text(broken, encoding="utf-8")
    git(handbook, "add", "-f", ".improve-cache", EDITED)
    git(handbook, "commit", "-q", "-m", "a broken RCA and a cache that hides it")
    forged = (handbook / ".improve-cache" / CACHE_FILE).read_bytes()
    warm = findings(handbook, use_cache=True)
    assert any(f.rule == "invalid-value" and f.path == EDITED for f in warm)
    assert warm == findings(handbook, use_cache=False)
    assert (handbook / ".improve-cache" / CACHE_FILE).read_bytes() == forged  # left alone


def test_a_committed_config_memo_does_not_spare_a_broken_config_its_check(handbook: Path) -> None:
    from improve.cli.main import main
    from improve.core.errors import ConfigError
    from improve.core.read import config as config_module

    findings(handbook, use_cache=True)
    config_file = handbook / ".improve.toml"
    config_file.write_text('review_every_days = "monthly"\n'
                           + config_file.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError):
        load_config(handbook)
    import tomllib

    line = config_module._memo_line(tomllib.loads(config_file.read_text(encoding="utf-8")),
                                    handbook)
    assert line is not None
    (handbook / ".improve-cache" / "config.valid").write_text(line, encoding="ascii")
    assert load_config(handbook).remembered  # the memo is believed when the folder is local...
    git(handbook, "add", "-f", ".improve-cache/config.valid")
    git(handbook, "commit", "-q", "-m", "a config memo that lies")
    cwd = Path.cwd()
    os.chdir(handbook)
    try:
        with pytest.raises(SystemExit) as exited:
            main(["lint"])
    finally:
        os.chdir(cwd)
    assert exited.value.code == 2  # ...and checked after all once git shows it was committed


def test_a_config_memo_that_lies_about_a_config_improve_cannot_use_is_checked(
        handbook: Path) -> None:
    import tomllib

    from improve.core.errors import ConfigError
    from improve.core.read import config as config_module

    findings(handbook, use_cache=True)
    config_file = handbook / ".improve.toml"
    config_file.write_text(config_file.read_text(encoding="utf-8").replace(
        'alice = { names = ["Alice Schmidt"], emails = ["alice@example.org"] }', 'alice = "x"', 1),
        encoding="utf-8")
    line = config_module._memo_line(tomllib.loads(config_file.read_text(encoding="utf-8")),
                                    handbook)
    assert line is not None
    (handbook / ".improve-cache" / "config.valid").write_text(line, encoding="ascii")
    with pytest.raises(ConfigError, match="roster"):  # a config error (exit 2), not a crash
        load_config(handbook)


def test_a_rewrite_with_the_same_size_and_mtime_is_seen(tmp_path: Path) -> None:
    """An untracked document rewritten in place with its size and mtime put back (`touch -r`,
    `os.utime`) is analysed again: the stamp holds the change time, as git's index does."""
    (tmp_path / ".improve.toml").write_text('timezone = "UTC"\n', encoding="utf-8")
    doc = tmp_path / "rca" / "0001-x.md"
    doc.parent.mkdir()
    text = ("---\nid: RCA-0001\ntitle: X\ndate: 2026-01-05\nstatus: draft\nseverity: SEV3\n"
            "started_at: 2026-01-05T10:00:00Z\n---\n\n## Summary\n\nok\n")
    doc.write_text(text, encoding="utf-8")
    old = time.time_ns() - 3_600 * 10**9  # an hour ago: not racy
    os.utime(doc, ns=(old, old))
    assert findings(tmp_path, use_cache=True) == findings(tmp_path, use_cache=False)
    before = findings(tmp_path, use_cache=True)
    doc.write_text(text.replace("severity: SEV3", "severity: SEVX"), encoding="utf-8")
    os.utime(doc, ns=(old, old))  # same size, same mtime: only the ctime moved
    after = findings(tmp_path, use_cache=True)
    assert after == findings(tmp_path, use_cache=False)
    assert after != before
