"""`improve import` (issue 13): decision records made by the real adr-tools, MADR's and
log4brains' own files, Docusaurus pages and free-form postmortems, runbooks and retros become
improve documents that lint without errors; a dry run writes nothing; importing again writes
nothing; links between the records survive, also into the published site."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from sitebuild import broken_links, build_minimal

from improve.core.read.frontmatter import parse
from improve.core.write.importing import parse_written_date

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "import"


def front(book: Any, rel: str) -> dict[str, Any]:
    parsed = parse((book.root / rel).read_bytes())
    assert parsed.meta is not None, rel
    meta = dict(parsed.meta)
    meta.pop("imported_from")
    return meta


def errors(book: Any) -> list[dict[str, Any]]:
    _result, findings = book.lint()
    return [f for f in findings if f["severity"] == "error"]


@pytest.fixture
def adr_records(tmp_path: Path) -> Path:
    """Decision records made by the real adr-tools: init, new, new -s (supersede), link."""
    if shutil.which("adr") is None:
        if os.environ.get("CI"):
            pytest.fail("adr-tools is not installed; .ci/run installs it")
        pytest.skip("adr-tools is not installed (Debian package adr-tools)")
    work = tmp_path / "legacy"
    work.mkdir()
    env = {**os.environ, "VISUAL": "true", "EDITOR": "true"}

    def adr(*args: str) -> None:
        subprocess.run(["adr", *args], cwd=work, env=env, check=True, capture_output=True,
                       stdin=subprocess.DEVNULL)

    adr("init", "doc/adr")
    adr("new", "Use PostgreSQL for the ledger")
    adr("new", "-s", "2", "Use CockroachDB for the ledger")
    adr("new", "Publish the handbook with MkDocs")
    adr("link", "4", "Amends", "2", "Amended by")
    return work / "doc" / "adr"


def test_adr_tools_records_import_with_their_links(handbook: Any, adr_records: Path) -> None:
    today = dt.date.today().isoformat()  # adr-tools writes the day it ran
    dry = handbook.run("import", str(adr_records))
    assert dry.exit_code == 0, dry
    assert "4 documents to write (a dry run" in dry.stdout
    assert not (handbook.root / "decisions").exists()

    done = handbook.run("import", str(adr_records), "--write")
    assert done.exit_code == 0, done
    assert sorted(p.name for p in (handbook.root / "decisions").iterdir()) == [
        "0001-record-architecture-decisions.md", "0002-use-postgresql-for-the-ledger.md",
        "0003-use-cockroachdb-for-the-ledger.md", "0004-publish-the-handbook-with-mkdocs.md"]
    assert front(handbook, "decisions/0002-use-postgresql-for-the-ledger.md") == {
        "id": "ADR-0002", "title": "Use PostgreSQL for the ledger", "date": today,
        "decision-makers": [], "status": "superseded", "superseded_by": ["ADR-0003"],
        "related": ["ADR-0004"]}
    assert front(handbook, "decisions/0003-use-cockroachdb-for-the-ledger.md") == {
        "id": "ADR-0003", "title": "Use CockroachDB for the ledger", "date": today,
        "decision-makers": [], "status": "accepted", "supersedes": ["ADR-0002"]}
    body = parse((handbook.root / "decisions/0003-use-cockroachdb-for-the-ledger.md")
                 .read_bytes()).body
    assert body.startswith("\n# Use CockroachDB for the ledger\n\n## Context\n")
    assert "## Status" not in body
    assert errors(handbook) == []
    _result, findings = handbook.lint()
    assert [f for f in findings if f["rule"] == "missing-section"] == []  # Nygard's layout

    again = handbook.run("import", str(adr_records), "--write")
    assert again.exit_code == 0, again
    assert "0 documents written" in again.stdout
    assert again.stdout.count("skipped: imported before") == 4


def test_madr_records_import_with_people_statuses_and_links(handbook: Any) -> None:
    result = handbook.run("import", str(FIXTURES / "madr"), "--write")
    assert result.exit_code == 0, result
    madr2_run = handbook.run("import", str(FIXTURES / "madr2"), "--write")
    assert madr2_run.exit_code == 0, madr2_run
    # Its number 1 is taken now: the next free one, and its old id is kept.
    assert "number 1 is taken: 4" in madr2_run.stdout
    assert "'superseded by ADR-0002' -> superseded" in result.stdout
    assert front(handbook, "decisions/0001-use-postgresql-for-the-ledger.md") == {
        "id": "ADR-0001", "title": "Use PostgreSQL for the ledger", "date": "2023-03-14",
        "decision-makers": ["Oliver Kopp"], "consulted": ["Anne Lee", "Bo Ek"],
        "informed": ["the platform team"], "status": "superseded",
        "superseded_by": ["ADR-0002"]}
    newer = front(handbook, "decisions/0002-use-cockroachdb-for-the-ledger.md")
    assert newer["supersedes"] == ["ADR-0001"]
    assert newer["decision-makers"] == ["Oliver Kopp", "Anne Lee"]
    madr2 = front(handbook, "decisions/0004-use-markdown-architectural-decision-records.md")
    assert (madr2["date"], madr2["status"], madr2["decision-makers"], madr2["previous_ids"]) == (
        "2017-12-13", "accepted", ["Oliver Kopp", "Olaf Zimmermann"], ["ADR-0001"])
    # MADR's own record (number 0000) gets the next free number after the numbered ones.
    assert (handbook.root / "decisions/0003-use-markdown-architectural-decision-records.md").exists()
    body = parse((handbook.root / "decisions/0002-use-cockroachdb-for-the-ledger.md")
                 .read_bytes()).body
    assert "[the first decision](0001-use-postgresql-for-the-ledger.md)" in body
    # The image it shows is copied along.
    assert (handbook.root / "decisions/0002-architecture.png").read_bytes().endswith(b"fixture")
    assert errors(handbook) == []
    _result, findings = handbook.lint()
    # MADR's Consequences section is optional, as its templates say.
    assert [f for f in findings if f["rule"] in ("missing-section", "invalid-value",
                                                 "broken-link")] == []

    site = build_minimal(handbook.root, today=handbook.today, home="# Decisions\n")
    assert site.returncode == 0, site.output
    page = site.page("decisions/0002-use-cockroachdb-for-the-ledger/")
    link = page.find("a", string="the first decision")
    assert link is not None
    assert link["href"] == "../0001-use-postgresql-for-the-ledger/"
    assert broken_links(site.site) == []
    assert (site.site / "decisions" / "0002-architecture.png").is_file()


def test_docusaurus_and_log4brains(handbook: Any) -> None:
    dry = handbook.run("import", str(FIXTURES / "docusaurus"), str(FIXTURES / "log4brains"))
    assert ("--write also allows other tools' keys in the config ([front_matter] allow): "
            "sidebar_label, sidebar_position") in dry.stdout
    assert (handbook.root / ".improve.toml").read_text() == 'timezone = "UTC"\n'
    result = handbook.run("import", str(FIXTURES / "docusaurus"), str(FIXTURES / "log4brains"),
                          "--write")
    assert result.exit_code == 0, result
    # Docusaurus' own keys are kept, and allowed in the config, so they lint quietly.
    assert ("Other tools' keys allowed in .improve.toml ([front_matter] allow): sidebar_label, "
            "sidebar_position") in result.stdout
    assert (handbook.root / ".improve.toml").read_text() == (
        'timezone = "UTC"\n\n[front_matter]\nallow = ["sidebar_label", "sidebar_position"]\n')
    graphql = front(handbook, "decisions/0003-use-graphql-for-the-merchant-api.md")
    assert graphql == {"id": "ADR-0003", "title": "Use GraphQL for the merchant API",
                       "date": "2022-12-19", "decision-makers": [], "status": "accepted",
                       "x-docusaurus-id": "use-graphql", "sidebar_label": "GraphQL",
                       "sidebar_position": 3, "tags": ["api"]}
    kafka = front(handbook, "decisions/0005-use-kafka-for-events.md")
    assert (kafka["date"], kafka["status"]) == ("2024-01-15", "proposed")  # a template's status
    log4brains = front(handbook, "decisions/0004-use-log4brains-to-manage-the-adrs.md")
    assert (log4brains["date"], log4brains["status"], log4brains["tags"]) == (
        "2020-05-02", "accepted", ["dev-tools", "doc"])
    assert errors(handbook) == []
    _result, findings = handbook.lint()
    assert [f for f in findings if f["rule"] == "unknown-field"] == []


def test_foreign_keys_join_an_allow_list_that_exists(handbook: Any) -> None:
    config = ('# our config\ntimezone = "UTC"\n\n[front_matter]\n'
              'allow = ["nav_order"]  # Just the Docs\n\n[site]\ndue_soon_days = 7\n')
    handbook.write(".improve.toml", config)
    result = handbook.run("import", str(FIXTURES / "docusaurus"), "--write")
    assert result.exit_code == 0, result
    assert (handbook.root / ".improve.toml").read_text() == config.replace(
        'allow = ["nav_order"]', 'allow = ["nav_order", "sidebar_label", "sidebar_position"]')


def test_an_allow_list_that_cannot_be_extended_in_place_is_left_alone(handbook: Any) -> None:
    config = 'timezone = "UTC"\n[front_matter]\nallow = [\n  "a",\n]\n'
    handbook.write(".improve.toml", config)
    refused = handbook.run("import", str(FIXTURES / "docusaurus"), "--write")
    assert refused.exit_code == 2
    assert (handbook.root / ".improve.toml").read_text() == config
    assert ("cannot add to `allow` under [front_matter] in place; add \"sidebar_label\", "
            "\"sidebar_position\" to it by hand") in refused.stderr


def test_postmortems_runbooks_and_retros(handbook: Any) -> None:
    result = handbook.run("import", "--kind", "rca", str(FIXTURES / "postmortems"), "--write")
    assert result.exit_code == 0, result
    reddit = front(handbook, "rca/0001-the-reddit-hug-of-death.md")
    assert reddit == {
        "id": "RCA-0001", "title": "The Reddit hug of death", "date": "2018-01-18",
        "status": "historical",
        "timeline": [
            {"at": "2018-01-18T14:02:00Z", "event": "traffic starts to climb"},
            {"at": "2018-01-18T14:05:00Z", "event": "the first error alerts page the on-call"},
            {"at": "2018-01-18T14:31:00Z", "event": "the landing page is served from the CDN cache"},
            {"at": "2018-01-18T14:49:00Z", "event": "error rate back to normal"}],
        "started_at": "2018-01-18T14:02:00Z",
        "action_items": [
            {"id": "A1", "title": "Serve the landing page from the CDN", "owner": "maria",
             "due": "2018-01-25", "status": "done", "opened_on": "2018-01-18"},
            {"id": "A2", "title": "Load-test the sign-up flow at 50x traffic", "owner": "tom",
             "due": "2018-02-15", "status": "open", "opened_on": "2018-01-18"}]}
    disk = front(handbook, "rca/0002-primary-database-ran-out-of-disk.md")
    assert disk["date"] == "2022-12-19"
    assert [e["event"] for e in disk["timeline"]] == [
        "Writes start failing", "The on-call truncates the audit-log table", "Writes succeed again"]

    more = handbook.run("import", str(FIXTURES / "runbooks"), str(FIXTURES / "retros"), "--write")
    assert more.exit_code == 0, more
    assert "runbooks/0001-kubepodcrashlooping.md RB-0001" in more.stdout
    assert "retros/0001-sprint-42-retro.md RETRO-0001" in more.stdout
    assert "'Write the pairing rota' has no owner or due date" in more.stdout
    assert errors(handbook) == []
    _result, findings = handbook.lint()
    # Historical RCAs count, and lint lists what a person can still add; the alert runbook and
    # the start-stop-continue retro have every section of their layouts.
    assert sorted({(f["path"], f["rule"]) for f in findings if f["rule"] in (
        "historical-rca-incomplete", "missing-section")}) == [
        ("rca/0001-the-reddit-hug-of-death.md", "historical-rca-incomplete"),
        ("rca/0002-primary-database-ran-out-of-disk.md", "historical-rca-incomplete")]
    metrics = json.loads(handbook.run("metrics", "--format", "json").stdout)
    assert metrics["incidents"]["total"] == 2


def test_a_file_that_is_no_document_is_skipped_with_its_reason(handbook: Any,
                                                                tmp_path: Path) -> None:
    source = tmp_path / "notes"
    source.mkdir()
    (source / "README.md").write_text("# Notes\n", encoding="utf-8")
    (source / "shopping.md").write_text("# Shopping\n\n- milk\n", encoding="utf-8")
    (source / "binary.md").write_bytes(b"\xff\xfe\x00")
    result = handbook.run("import", str(source))
    assert result.exit_code == 0, result
    assert "README.md -> skipped: an index or template, not a document" in result.stdout
    assert "shopping.md -> skipped: cannot tell which kind of document this is; name it with " \
           "--kind" in result.stdout
    assert "binary.md -> skipped: not UTF-8 text" in result.stdout
    missing = handbook.run("import", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2
    assert "no such file or folder to import" in missing.stderr


@pytest.mark.parametrize(("written", "day"), [
    ("2022-12-19", "2022-12-19"), ("2022/12/19", "2022-12-19"), ("Dec 19, 2022", "2022-12-19"),
    ("December 19th, 2022", "2022-12-19"), ("19 Dec 2022", "2022-12-19"),
    ("2022-12-19T10:00:00Z", "2022-12-19"),
])
def test_dates_in_their_real_forms(written: str, day: str) -> None:
    assert parse_written_date(written).isoformat() == day


@pytest.mark.parametrize(("written", "complaint"), [
    ("February 30, 2023", "that day does not exist"),
    ("03/04/2022", "not a date improve can read"),
    ("Smarch 3, 2022", "'sma' is not a month"),
])
def test_impossible_or_ambiguous_dates_are_refused(written: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_written_date(written)
