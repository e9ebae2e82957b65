"""Inputs the property tests and `make fuzz` found crashing or misplacing findings (issue 7).

Each case is the minimal input Hypothesis or atheris reported, with the finding it must give now.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from improve.core.check.analyze import check_document
from improve.core.check.rules import Context
from improve.core.read.config import Config
from improve.core.read.document import Document
from improve.core.read.frontmatter import parse
from improve.model.kinds import KINDS


def _doc(yaml_text: str) -> bytes:
    return f"---\n{yaml_text}\n---\nbody\n".encode()


@pytest.mark.parametrize(
    ("yaml_text", "line", "column"),
    [
        # PyYAML's constructors raised IndexError / ValueError / KeyError / TypeError /
        # AttributeError on values that do not fit their explicit tag.
        ("%YAML 1.1\n--- !!int ''", 3, 5),
        ("%YAML 1.1\n--- !!float '~'", 3, 5),
        ("%YAML 1.1\n--- !!bool ''", 3, 5),
        ("%YAML 1.1\n--- !!timestamp ''", 3, 5),
        ("a: !!int ''", 2, 4),
        ("a: !!int '~'", 2, 4),
        ("a: !!int 0x", 2, 4),
        ("a: !!float '~'", 2, 4),
        ("a: !!bool ''", 2, 4),
        ("a: !!timestamp 'x'", 2, 4),
        ("a: !!timestamp 2001-13-40", 2, 4),
        ("a: !!set '~'", 2, 1),
        ("a: !!set\n  - []", 2, 1),
        ("a: !!omap [1]", 2, 12),
        ("a: [!!omap {b: 1}]", 2, 5),
    ],
)
def test_a_value_that_does_not_fit_its_tag_is_a_finding(yaml_text: str, line: int,
                                                         column: int) -> None:
    parsed = parse(_doc(yaml_text))
    assert parsed.meta is None
    assert [(p.rule, p.line, p.column) for p in parsed.problems] == [("yaml-syntax", line, column)]


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_odd_tagged_types_in_fields_are_findings_not_crashes(kind: str) -> None:
    raw = _doc("id: !!binary aGk=\ntitle: !!set {a, b}\ndate: !!float .nan\ntags: !!omap [a: 1]\n"
               "related: !!pairs [a: 1, a: 2]\naction_items: [!!binary aGk=, {id: !!int 1, due: "
               "!!float .inf}]\ntimeline: !!set {x}\nstatus: !!binary aGk=")
    parsed = parse(raw)
    assert parsed.ok
    doc = Document(path=f"{KINDS[kind].folder}/0001-x.md", kind=KINDS[kind], number=1, parsed=parsed)
    ctx = Context(config=Config(root=Path("/nonexistent")), today=dt.date(2026, 3, 2))
    findings = check_document(doc, ctx)
    assert findings
    assert all(1 <= f.line <= 4 + 8 for f in findings)


@pytest.mark.parametrize("breaker", ["\x85", "\u2028", "\u2029"])
def test_yaml_only_line_breaks_do_not_move_findings_past_the_file(breaker: str) -> None:
    # YAML counts NEL, LS and PS as line breaks; files, editors and git do not.
    raw = _doc(f"x: 1{breaker * 5}\ny: [")
    parsed = parse(raw)
    assert [(p.rule, p.line) for p in parsed.problems] == [("yaml-syntax", 4)]
    dup = parse(_doc(f'x: "a{breaker * 5}"\ny: 1\ny: 2'))
    assert [(p.rule, p.line, p.column) for p in dup.problems] == [("duplicate-key", 4, 1)]
    assert dup.locate(("y",)) == (4, 4)


def test_odd_tagged_types_lint_with_the_cache(tmp_path: Path) -> None:
    from improve.core.check.lint import lint
    from improve.core.read.config import load_config

    (tmp_path / "pyproject.toml").write_text("[tool.improve]\n", encoding="utf-8")
    (tmp_path / "rca").mkdir()
    (tmp_path / "rca" / "0001-x.md").write_bytes(_doc(
        "id: !!binary aGk=\ntitle: !!set {a}\nrelated: [!!binary aGk=]\n"
        "action_items: [{id: A1, owner: !!binary aGk=, due: !!binary aGk=, status: open}]"))
    for _ in range(2):  # cold, then from the cache
        result = lint(load_config(tmp_path), dt.date(2026, 3, 2))
        assert result.exit_code() == 1
        assert {f.path for f in result.findings} == {"rca/0001-x.md"}


# `improve new` with undecodable bytes in its arguments (Python passes them on as lone
# surrogates): `parse_field` raised UnicodeEncodeError, and a title or field was written as a
# `"\uDCFF"` escape that YAML cannot read back. Now both are usage problems and nothing is written.
@pytest.mark.parametrize(
    ("title", "fields"),
    [("\udcff\udcfe bad", {}), ("ok", {"team": "\udc82"}), ("ok", {"tags": ["a", {"b": "\udc82"}]})],
)
def test_new_refuses_text_that_is_not_utf8(tmp_path: Path, title: str, fields: dict[str, object]) -> None:
    from improve.core.errors import UsageProblem
    from improve.core.numbers.carryover import prepare_request
    from improve.core.read.config import load_config
    from improve.core.write.scaffold import Request, create

    (tmp_path / "pyproject.toml").write_text("[tool.improve]\n", encoding="utf-8")
    config = load_config(tmp_path)
    request = Request(kind=KINDS["retro"], title=title, today=dt.date(2026, 3, 2), fields=fields)
    prepare_request(config, request)
    with pytest.raises(UsageProblem, match="not valid UTF-8"):
        create(config, request)
    assert not (tmp_path / "retros").exists() or not any((tmp_path / "retros").iterdir())


def test_parse_field_refuses_text_that_is_not_utf8() -> None:
    from improve.core.errors import UsageProblem
    from improve.core.write.scaffold import parse_field

    with pytest.raises(UsageProblem, match="not valid UTF-8"):
        parse_field("team=\udc82")


# Found by `make fuzz --engine hypothesis`: PyYAML writes NEL (U+0085) raw inside single quotes,
# where a reader folds it to a space, so `improve new` wrote a title that did not read back.
# (A scan of every code point found no other such character.)
@pytest.mark.parametrize("value", ["\x85", "a\x85b", "'\x85", " \x85 ", "\x85\u2028\u2029"])
def test_new_documents_keep_a_nel_in_titles_and_fields(tmp_path: Path, value: str) -> None:
    from improve.core.numbers.carryover import prepare_request
    from improve.core.read.config import load_config
    from improve.core.write.scaffold import Request, create

    (tmp_path / "pyproject.toml").write_text("[tool.improve]\n", encoding="utf-8")
    config = load_config(tmp_path)
    request = Request(kind=KINDS["decision"], title=value, today=dt.date(2026, 3, 2),
                      fields={"team": value, "tags": [value]})
    prepare_request(config, request)
    parsed = parse(create(config, request).path.read_bytes())
    assert parsed.meta is not None
    assert (parsed.meta["title"], parsed.meta["team"], parsed.meta["tags"]) == (value, value, [value])
