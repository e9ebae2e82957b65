"""Schemas: each kind's valid and invalid documents, and the fast path agreeing with the reference.

The example files live in tests/example-files/<kind>/{positive,negative}/ (see the README there).
Negative files name the rule they must produce in a `# expect: rule [rule...]` comment.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from improve.core.check.analyze import check_document
from improve.core.check.rules import Context
from improve.core.check.validate import SchemaValidator, bundled_schema, schema_validator
from improve.core.read.config import Config
from improve.core.read.discovery import classify
from improve.core.read.document import Document
from improve.core.read.frontmatter import parse
from improve.model.finding import Severity
from improve.model.ids import file_number
from improve.model.kinds import KINDS

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "tests" / "example-files"
TODAY = dt.date(2026, 3, 2)
_EXPECT = re.compile(r"^# expect: (.+)$", re.MULTILINE)


def examples(kind: str, polarity: str) -> list[Path]:
    return sorted((EXAMPLES / kind / polarity).glob("*.md"))


def _ids(paths: list[Path]) -> list[str]:
    return [p.relative_to(EXAMPLES).as_posix() for p in paths]


POSITIVE = [p for kind in KINDS for p in examples(kind, "positive")]
NEGATIVE = [p for kind in KINDS for p in examples(kind, "negative")]


def validator_for(kind: str) -> SchemaValidator:
    return schema_validator(KINDS[kind].schema.removesuffix(".schema.json"))


def meta_of(path: Path) -> dict[str, Any]:
    parsed = parse(path.read_bytes())
    assert parsed.problems == [], parsed.problems
    assert parsed.meta is not None
    return parsed.meta


def kind_of(path: Path) -> str:
    return path.relative_to(EXAMPLES).parts[0]


def test_every_kind_has_positive_and_negative_examples() -> None:
    for kind in KINDS:
        assert len(examples(kind, "positive")) >= 2, kind
        assert len(examples(kind, "negative")) >= 4, kind


def test_every_negative_example_says_what_it_expects() -> None:
    for path in NEGATIVE:
        assert _EXPECT.search(path.read_text("utf-8")), f"{path}: add a `# expect: rule` line"


@pytest.mark.parametrize("name", ["common", "config", *(k.schema.removesuffix(".schema.json")
                                                       for k in KINDS.values())])
def test_every_schema_is_a_valid_draft_2020_12_schema(name: str) -> None:
    schema = bundled_schema(name)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_the_fast_path_is_the_compiled_validator() -> None:
    # Without jsonschema-rs `is_valid` silently falls back to the reference: the agreement
    # tests below would then compare jsonschema with itself.
    for kind in KINDS:
        validator = validator_for(kind)
        validator.is_valid({})  # compiled on first use
        assert validator._fast is not None, kind
        assert type(validator._fast).__module__.startswith("jsonschema_rs"), kind


@pytest.mark.parametrize("path", POSITIVE, ids=_ids(POSITIVE))
def test_positive_examples_validate(path: Path) -> None:
    validator = validator_for(kind_of(path))
    meta = meta_of(path)
    assert validator.is_valid(meta)
    assert validator.reference_is_valid(meta)
    assert validator.detailed_errors(meta) == []


@pytest.mark.parametrize("path", POSITIVE, ids=_ids(POSITIVE))
def test_positive_examples_lint_without_errors(path: Path) -> None:
    kind = KINDS[kind_of(path)]
    parsed = parse(path.read_bytes())
    doc = Document(path=f"{kind.folder}/{path.name}", kind=kind, number=file_number(path.name),
                   parsed=parsed)
    ctx = Context(config=Config(root=EXAMPLES), today=TODAY)
    errors = [f for f in check_document(doc, ctx) if f.severity is Severity.ERROR]
    assert errors == []


@pytest.mark.parametrize("path", NEGATIVE, ids=_ids(NEGATIVE))
def test_negative_examples_fail_with_the_expected_rule(path: Path) -> None:
    kind = KINDS[kind_of(path)]
    validator = validator_for(kind.name)
    meta = meta_of(path)
    assert not validator.is_valid(meta)
    assert not validator.reference_is_valid(meta)
    match = _EXPECT.search(path.read_text("utf-8"))
    assert match is not None
    expected = set(match.group(1).split())
    rules = {error.rule for error in validator.detailed_errors(meta)}
    assert expected <= rules, f"expected {sorted(expected)}, got {sorted(rules)}"
    # The same rules reach the user as errors through the whole per-file pipeline.
    doc = Document(path=f"{kind.folder}/{path.name}", kind=kind, number=None, parsed=parse(
        path.read_bytes()))
    findings = check_document(doc, Context(config=Config(root=EXAMPLES), today=TODAY))
    assert expected <= {f.rule for f in findings if f.severity is Severity.ERROR}


# --- the fast path (jsonschema-rs) and the reference (jsonschema) agree -------------------------


def _documents_under(root: Path) -> list[tuple[str, Path]]:
    """(kind, path) of every document below `root`, by the folder each kind uses by default."""
    found: list[tuple[str, Path]] = []
    for kind in KINDS.values():
        folder = root / kind.folder
        if folder.is_dir():
            found.extend((kind.name, p) for p in sorted(folder.rglob("*.md"))
                         if file_number(p.name) is not None)
    return found


def _agreement_corpus() -> list[tuple[str, Path]]:
    corpus = [(kind_of(p), p) for p in [*POSITIVE, *NEGATIVE]]
    for root in [ROOT, *(p for p in sorted((ROOT / "tests" / "fixtures").iterdir()) if p.is_dir())]:
        corpus.extend(_documents_under(root))
    return corpus


CORPUS = _agreement_corpus()


def test_the_agreement_corpus_covers_examples_fixtures_and_the_repository() -> None:
    def place(path: Path) -> str:
        parts = path.relative_to(ROOT).parts
        return "/".join(parts[:3]) if parts[0] == "tests" else parts[0]

    places = {place(p) for _kind, p in CORPUS}
    assert "tests/example-files/retro" in places
    assert {"retros", "rca", "runbooks", "decisions"} <= places  # the repository's own handbook
    if (ROOT / "tests" / "fixtures" / "handbook").is_dir():
        assert "tests/fixtures/handbook" in places


@pytest.mark.parametrize(("kind", "path"), CORPUS,
                         ids=[p.relative_to(ROOT).as_posix() for _k, p in CORPUS])
def test_fast_path_and_reference_agree(kind: str, path: Path) -> None:
    parsed = parse(path.read_bytes())
    if parsed.meta is None:
        pytest.skip("front matter does not parse: nothing to validate")
    validator = validator_for(kind)
    assert validator.is_valid(parsed.meta) == validator.reference_is_valid(parsed.meta)


# Values where a compiled validator and jsonschema are known to be tempted to differ: formats
# (leap days, zones, lower-case `t`/`z`), integers written as floats, booleans as integers.
_EDGE_VALUES: list[tuple[str, dict[str, Any]]] = [
    ("retro", {"date": "2024-02-29"}),
    ("retro", {"date": "2026-02-29"}),
    ("retro", {"date": "2026-2-3"}),
    ("retro", {"date": "20260203"}),
    ("retro", {"date": " 2026-02-03"}),
    ("retro", {"health": {"fun": 5.0}}),
    ("retro", {"health": {"fun": True}}),
    ("retro", {"sprint": 3.5}),
    ("retro", {"action_items": [{"id": "A1", "title": "x", "status": "open", "due": "2026-04-31"}]}),
    ("rca", {"started_at": "2026-02-24t08:00:00z"}),
    ("rca", {"started_at": "2026-02-24T08:00:00.123+05:30"}),
    ("rca", {"started_at": "2026-02-24T24:00:00Z"}),
    ("rca", {"started_at": "2026-02-24 08:00:00Z"}),
    ("rca", {"started_at": "2026-02-24T08:00Z"}),
    ("rca", {"escaped_defect": 0}),
    ("runbook", {"review_every_days": 30.0}),
    ("runbook", {"review_every_days": True}),
    ("runbook", {"review_every_days": 10**400}),
    ("runbook", {"review_every_days": -(10**400)}),
    ("runbook", {"review_every_days": 1e308}),
    ("runbook", {"review_every_days": float("inf")}),
    ("runbook", {"review_every_days": float("nan")}),
    ("decision", {"supersedes": []}),
    ("decision", {"supersedes": "ADR-00001"}),
]


def _base(kind: str) -> dict[str, Any]:
    return meta_of(examples(kind, "positive")[0])


@pytest.mark.parametrize(("kind", "change"), _EDGE_VALUES,
                         ids=[f"{k}-{'-'.join(map(str, c.values()))}"[:50] for k, c in _EDGE_VALUES])
def test_fast_path_and_reference_agree_on_edge_values(kind: str, change: dict[str, Any]) -> None:
    meta = {**_base(kind), **change}
    validator = validator_for(kind)
    assert validator.is_valid(meta) == validator.reference_is_valid(meta)


def test_positive_and_negative_examples_are_documents_where_they_would_live() -> None:
    # Named like documents, the positive examples are classified as their kind by the loader.
    config = Config(root=EXAMPLES)
    for path in POSITIVE:
        kind = KINDS[kind_of(path)]
        doc_file = classify(config, f"{kind.folder}/{path.name}")
        assert doc_file is not None
        assert doc_file.kind_name == kind.name
        meta = meta_of(path)
        assert meta["id"] == f"{kind.prefix}-{doc_file.number:04d}"


def test_date_formats_agree_on_a_grid_of_awkward_values() -> None:
    # Year 0000, century leap rules, leap seconds (only at 23:59:60 UTC), offsets out of range,
    # a trailing newline: the reference's format checks must say what the compiled ones say.
    dates = ["0000-02-29", "1900-02-29", "2000-02-29", "2026-02-29", "2026-04-31", "2026-12-31",
             "2026-00-01", "2026-13-01", "2026-01-00"]
    times = ["00:00:00", "23:59:59", "23:59:60", "22:59:60", "00:59:60", "08:00:60", "24:00:00",
             "23:60:00", "08:00:00.123456789"]
    zones = ["Z", "z", "+00:00", "-00:00", "+01:00", "-01:00", "+05:60", "+23:59", "+24:00", ""]
    disagree: list[str] = []
    retro, rca = validator_for("retro"), validator_for("rca")
    base_retro, base_rca = _base("retro"), _base("rca")
    for day in [*dates, "2026-02-03\n", "2026-2-03", "٢٠٢٦-٠٢-٠٣"]:
        meta = {**base_retro, "date": day}
        if retro.is_valid(meta) != retro.reference_is_valid(meta):
            disagree.append(day)
    for day, time, zone, sep in itertools.product(dates[:6], times, zones, "Tt"):
        stamp = f"{day}{sep}{time}{zone}"
        meta = {**base_rca, "started_at": stamp}
        if rca.is_valid(meta) != rca.reference_is_valid(meta):
            disagree.append(stamp)
    assert disagree == []
