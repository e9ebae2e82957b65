"""Kinds a repository declares in its config (issue 12): every command and the handbook take them
with no code change, and a declaration that cannot work is a config error naming its line."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sitebuild import build_minimal

CONFIG = '''timezone = "UTC"

[kinds.experiment]
prefix = "EXP"
schema = "experiments/experiment.schema.json"
sections = ["Hypothesis", "Measure", "Result", "Keep or drop"]
optional = ["Keep or drop"]
action_items = true
catalog = ["date", "status", "outcome"]

[kinds.game-day]
prefix = "GD"
plural = "Game days"
template = "templates/game-day.md.j2"
sections = ["Scenario", "What broke"]
references = ["runbooks_tested"]
traits = ["review-cycle"]
'''

SCHEMA = {
    "required": ["status"],
    "properties": {
        "status": {"enum": ["running", "kept", "dropped"]},
        "outcome": {"$ref": "#/$defs/text"},
    },
}

TEMPLATE = """---
{{ front_matter }}---

## Scenario

We will break: {{ title | markdown }}.

## What broke

<!-- TODO: what broke, and what the runbooks missed -->
"""

EXPERIMENT = """---
id: EXP-0001
title: Canary deploys
date: 2026-02-10
authors: [alice]
status: running
outcome: Two bad deploys stopped at 5 % of traffic
action_items:
  - id: A1
    title: Route 5 % of traffic to the canary
    owner: alice
    due: 2026-03-20
    status: open
    opened_on: 2026-02-10
---

## Hypothesis

Bad deploys fail fast.

## Measure

Change failure rate.

## Result

Fewer failures.
"""


@pytest.fixture
def book(handbook: Any) -> Any:
    handbook.write(".improve.toml", CONFIG)
    handbook.write("experiments/experiment.schema.json", json.dumps(SCHEMA))
    handbook.write("templates/game-day.md.j2", TEMPLATE)
    handbook.write("experiments/0001-canary-deploys.md", EXPERIMENT)
    return handbook


def test_new_lint_actions_metrics_and_schema(book: Any) -> None:
    made = book.run("new", "game-day", "Lose the primary database")
    assert made.exit_code == 0, made
    assert made.stdout == "game-days/0001-lose-the-primary-database.md\n"
    text = (book.root / "game-days/0001-lose-the-primary-database.md").read_text(encoding="utf-8")
    assert "id: GD-0001\n" in text
    assert "We will break: Lose the primary database." in text
    second = book.run("new", "experiment", "No-meeting Wednesdays", "--field", "status=running")
    assert second.exit_code == 0, second
    assert second.stdout == "experiments/0002-no-meeting-wednesdays.md\n"
    assert "## Keep or drop" in (book.root / second.stdout.strip()).read_text(encoding="utf-8")

    result, findings = book.lint()
    assert result.exit_code == 0, result
    assert {(f["path"], f["rule"]) for f in findings} == {
        ("game-days/0001-lose-the-primary-database.md", "unfilled-placeholder"),
        ("experiments/0002-no-meeting-wednesdays.md", "unfilled-placeholder")}

    # The kind's own schema and the shared definitions are both enforced.
    book.write("experiments/0001-canary-deploys.md",
               EXPERIMENT.replace("status: running", "status: finished")
               .replace("    status: open", "    status: later"))
    _result, findings = book.lint()
    bad = {(f["line"], f["rule"]) for f in findings if f["path"].startswith("experiments/0001")}
    assert bad == {(6, "invalid-value"), (13, "invalid-value")}
    book.write("experiments/0001-canary-deploys.md", EXPERIMENT.replace("## Result\n", "## Other\n"))
    _result, findings = book.lint()
    assert [f["message"].split(";")[0] for f in findings if f["rule"] == "missing-section"] == [
        "missing section `## Result`"]
    book.write("experiments/0001-canary-deploys.md", EXPERIMENT)

    listed = book.run("actions", "--kind", "experiment", "--format", "json")
    assert listed.exit_code == 0, listed
    assert [i["ref"] for i in json.loads(listed.stdout)] == ["EXP-0001#A1"]
    done = book.run("actions", "done", "EXP-0001#A1")
    assert done.exit_code == 0, done
    metrics = json.loads(book.run("metrics", "--format", "json").stdout)
    assert (metrics["action_items"]["total"], metrics["action_items"]["done"]) == (1, 1)

    schema = json.loads(book.run("schema", "experiment").stdout)
    assert schema["properties"]["status"] == {"enum": ["running", "kept", "dropped"]}
    assert "action_item" in schema["$defs"]
    unknown = book.run("new", "spike", "x")
    assert unknown.exit_code == 2
    assert "'spike' is not a kind of this repository; the kinds are: " in unknown.stderr
    assert "experiment, game-day" in unknown.stderr


def test_the_cache_notices_an_edited_schema_file(book: Any) -> None:
    first = book.run("lint", "--format", "json")
    assert json.loads(first.stdout) == []
    edited = {**SCHEMA, "required": ["status", "owner_team"]}
    book.write("experiments/experiment.schema.json", json.dumps(edited))
    second = book.run("lint", "--format", "json")
    assert [f["rule"] for f in json.loads(second.stdout)] == ["missing-field"]


def test_the_config_memo_does_not_vouch_for_an_edited_schema_file(book: Any) -> None:
    """The memo that spares pre-commit runs the schema check holds the schema file's bytes:
    an invalid edit is still a config error (exit 2), not an internal error."""
    assert book.run("lint").exit_code == 0  # makes the cache folder
    assert book.run("lint").exit_code == 0  # remembers the config in it
    assert (book.root / ".improve-cache" / "config.valid").is_file()
    book.write("experiments/experiment.schema.json", '{"properties": {"status": {"type": 7}}}')
    result = book.run("lint")
    assert result.exit_code == 2, result
    assert "not a valid JSON Schema at properties/status" in result.stderr


def test_renumber_and_pr_summary(book: Any) -> None:
    book.commit("base")
    book.git("checkout", "-qb", "feature")
    book.write("experiments/0002-more.md", EXPERIMENT.replace("EXP-0001", "EXP-0002"))
    renumbered = book.run("renumber", "EXP-0002", "--to", "7")
    assert renumbered.exit_code == 0, renumbered
    assert (book.root / "experiments/0007-more.md").is_file()
    book.commit("another experiment")
    summary = book.run("pr-summary", "--base", "main")
    assert summary.exit_code == 0, summary
    assert "EXP-0007" in summary.stdout
    assert "Route 5 % of traffic to the canary" in summary.stdout  # its new action item


def test_the_handbook_has_a_catalog_page_and_headers(book: Any) -> None:
    result = build_minimal(book.root, today="2026-03-02")
    assert result.returncode == 0, result.output
    catalog = result.page("experiments/")
    rows = [[c.get_text(" ", strip=True) for c in tr.find_all("td")]
            for tr in catalog.select("article table tr") if tr.find("td")]
    assert rows == [["EXP-0001", "Canary deploys", "2026-02-10", "running",
                     "Two bad deploys stopped at 5 % of traffic", "1"]]
    nav = [a.get_text(strip=True) for a in catalog.select("nav a.md-nav__link")]
    assert "Experiments" in nav
    page = result.page("experiments/0001-canary-deploys/")
    text = page.select_one("article").get_text(" ", strip=True)
    assert "Outcome Two bad deploys stopped at 5 % of traffic" in text
    assert "Route 5 % of traffic to the canary" in text
    index = json.loads((result.site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any(d["location"].startswith("experiments/0001-canary-deploys/") for d in index["docs"])


@pytest.mark.parametrize(("declaration", "files", "message"), [
    ('[kinds.spike]\nprefix = "spike"\n', {}, ".improve.toml:2: kinds.spike: needs `prefix`"),
    ('[kinds.spike]\nprefix = "RCA"\n', {}, "'RCA' is already used by the kind rca"),
    ('[kinds.spike]\nprefix = "SP"\nschema = "nope.json"\n', {},
     "kinds.spike.schema: 'nope.json' is not a file inside the repository"),
    ('[kinds.spike]\nprefix = "SP"\nschema = "s.json"\n', {"s.json": '{"properties": {,}}'},
     "s.json:1:17: not valid JSON"),
    ('[kinds.spike]\nprefix = "SP"\nschema = "s.json"\n',
     {"s.json": '{"properties": {"x": {"type": 7}}}'}, "not a valid JSON Schema at properties/x"),
    ('[kinds.spike]\nprefix = "SP"\nschema = "s.json"\n',
     {"s.json": '{"properties": {"x": {"$ref": "#/$defs/nothing"}}}'},
     "`$ref` to #/$defs/nothing, which the schema does not define"),
    ('[kinds.spike]\nprefix = "SP"\ntraits = ["magic"]\n', {}, "unknown trait 'magic'"),
    ('[kinds.Spike]\nprefix = "SP"\n', {}, "a kind's name is lower-case letters"),
    ('[kinds.spike]\nprefix = "SP"\nfolder = "rca"\n', {}, "overlap"),
])
def test_a_bad_declaration_is_a_config_error(handbook: Any, declaration: str,
                                             files: dict[str, str], message: str) -> None:
    handbook.write(".improve.toml", 'timezone = "UTC"\n' + declaration)
    for path, content in files.items():
        handbook.write(path, content)
    result = handbook.run("lint")
    assert result.exit_code == 2, result
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_a_bad_template_of_a_declared_kind_writes_nothing(book: Any) -> None:
    book.write("templates/game-day.md.j2", "{% if %}\n")
    result = book.run("new", "game-day", "x")
    assert result.exit_code == 2, result
    assert "templates/game-day.md.j2:1:" in result.stderr
    assert not list((book.root / "game-days").glob("*.md"))
