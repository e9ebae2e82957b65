"""The speed work (issue 6) changed how some results are computed, never what they are.

Each fast path is compared with the straightforward implementation it replaced (kept here as the
reference) on hand-picked tricky inputs and on generated ones.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from improve.core.check.rules import Context
from improve.core.check.rules.carryover import check_carry_over, open_on, team_retros
from improve.core.check.summary import RepoIndex, Summary
from improve.core.check.validate import bundled_schema, unknown_fields
from improve.core.read import frontmatter
from improve.core.read.frontmatter import ParsedFile, _Loader
from improve.model.kinds import KINDS, Section

# --- YAML: the fast constructor against PyYAML's own ----------------------------------------

TRICKY_YAML = [
    "a: 1\nb: [1, 2, {c: d}]\n",
    "a: 1\na: 2\nb: {x: 1, x: 2}\n",  # duplicate keys, top level and nested
    "a: &x [1, 2]\nb: *x\n",  # an alias: PyYAML shares the list
    "base: &b {x: 1}\nderived:\n  <<: *b\n  y: 2\n",  # a merge key
    "a: !!set {x, y}\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!timestamp 2026-01-02\n",
    "a: !!int '12'\n",
    "a: !!int ''\n",  # a constructor error, reported by PyYAML's path
    "a: !local x\n",
    "? [a, b]\n: c\n",  # a sequence as a key
    "1: one\ntrue: yes\nnull: ~\n1.5: x\n",  # keys that are not text
    "no: off\non: 0012\ntime: 12:30\nhex: 0x1F\nfloat: 1e3\ninf: .inf\n",
    "date: 2026-02-30\nstamp: 2026-03-04T10:15:00Z\n",
    "a: !!str 1\nb: !!float 1\nc: !!bool yes\nd: !!null ''\n",
    "- a\n- b\n",
    "just text\n",
    "a:\n  b:\n    c:\n      d: [[[[1]]]]\n",
    "= : value\n",
    "a: !!omap [x: 1, y: 2]\nb: !!pairs [x: 1, x: 2]\n",
    "a: 'quoted: text'\nb: \"esc\\ttab\"\nc: |\n  block\n  text\nd: >\n  folded\n",
]


def construct_both(text: str) -> tuple[Any, Any]:
    """(fast path result or error, PyYAML's constructor's result or error), with duplicates."""

    def run(fast: bool) -> Any:
        loader = _Loader(text)
        try:
            if fast:
                data = loader.get_single_data()
            else:
                node = loader.get_single_node()
                data = None if node is None else loader.construct_document(node)
            return ("ok", data, sorted((k, m.line, m.column) for k, m in loader.duplicates))
        except Exception as exc:
            return ("error", type(exc).__name__, str(exc))
        finally:
            loader.dispose()

    return run(True), run(False)


@pytest.mark.parametrize("text", TRICKY_YAML)
def test_fast_yaml_equals_pyyaml_on_tricky_input(text: str) -> None:
    fast, slow = construct_both(text)
    assert fast == slow


scalars = st.one_of(
    st.sampled_from(["yes", "no", "on", "off", "~", "null", "0012", "12:30", "1_000", "0x1F",
                     "-.inf", "1e3", "2026-02-30", "true", "x", "", "a b", "#c", "'q'"]),
    st.text(alphabet="abc019:-_. ", max_size=6),
)
keys = st.sampled_from(["id", "title", "a", "b", "1", "yes", "A1"])


def to_yaml(value: Any, indent: int = 0) -> str:
    pad = " " * indent
    if isinstance(value, dict):
        if not value:
            return pad + "{}\n"
        lines = []
        for key, item in value:
            if isinstance(item, (dict, list)) and item:
                lines.append(f"{pad}{key}:\n{to_yaml(item, indent + 2)}")
            else:
                lines.append(f"{pad}{key}: {to_yaml(item).strip()}\n")
        return "".join(lines)
    if isinstance(value, list):
        if not value:
            return pad + "[]\n"
        return "".join(f"{pad}- {to_yaml(item, indent + 2).strip()}\n"
                       if not isinstance(item, (dict, list)) else
                       f"{pad}-\n{to_yaml(item, indent + 2)}" for item in value)
    return str(value)


# Mappings are lists of pairs (so keys can repeat) wrapped as a dict-marker tuple.
documents = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.lists(st.tuples(keys, children), max_size=5).map(lambda pairs: _Pairs(pairs)),
    ),
    max_leaves=25,
)


class _Pairs(dict):  # type: ignore[type-arg]
    """A mapping as written: pairs, duplicates kept (iterates as pairs)."""

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        super().__init__(pairs)
        self.pairs = pairs

    def __iter__(self) -> Any:
        return iter(self.pairs)

    def __bool__(self) -> bool:
        return bool(self.pairs)


@given(documents)
def test_fast_yaml_equals_pyyaml_on_generated_documents(value: Any) -> None:
    text = to_yaml(value)
    fast, slow = construct_both(text)
    assert fast == slow


@given(st.text(alphabet="ab :-[]{}&*!<#'\"\n\t|>,?", max_size=60))
def test_fast_yaml_equals_pyyaml_on_yaml_shaped_noise(text: str) -> None:
    fast, slow = construct_both(text)
    assert fast == slow


def test_the_example_handbook_parses_the_same_both_ways() -> None:
    from pathlib import Path

    fixture = Path(__file__).resolve().parents[3] / "tests" / "fixtures" / "handbook"
    paths = sorted(fixture.glob("*/*.md"))
    assert paths
    for path in paths:
        parsed = frontmatter.parse(path.read_bytes())
        fast, slow = construct_both(parsed.yaml_text)
        assert fast == slow
        assert fast[1] == parsed.meta


# --- headings: the candidate-line scan against the line-by-line loop --------------------------


def reference_headings(parsed: ParsedFile) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    fence: str | None = None
    for offset, line in enumerate(parsed.body.split("\n")):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            if fence is None:
                fence = marker
            elif marker == fence:
                fence = None
            continue
        if fence is None:
            match = re.match(r"^(#{1,6})\s+(.+?)\s*#*\s*$", line)
            if match:
                found.append((parsed.body_first_line + offset, len(match[1]), match[2]))
    return found


body_pieces = st.sampled_from(["# ", "## ", "####### ", "#", "```", "~~~", "``", " ", "\t",
                               "\u00a0", "\u2028", "\r", "\x0c", "\n", "\n", "\n", "text",
                               "Summary", " ##", "x#"])


@given(st.lists(body_pieces, max_size=40).map("".join), st.integers(1, 50))
def test_headings_equal_the_line_by_line_scan(body: str, first_line: int) -> None:
    parsed = ParsedFile(body=body, body_first_line=first_line)
    assert parsed.headings() == reference_headings(parsed)


# --- section names: cached normalisation --------------------------------------------------------


def reference_matches(section: Section, heading: str) -> bool:
    def normal(text: str) -> str:
        return " ".join(text.lower().replace("-", " ").split())

    return normal(heading) in {normal(section.title), *(normal(a) for a in section.aliases)}


@given(st.sampled_from([s for kind in KINDS.values() for s in kind.sections]),
       st.one_of(st.sampled_from(["What went  well", "root-cause analysis", "LESSONS learned",
                                  "Steps", "procedure", "Five whys", "Context"]),
                 st.text(alphabet="aAbB -\t\u00a0", max_size=12)))
def test_section_matching_is_unchanged(section: Section, heading: str) -> None:
    assert section.matches(heading) == reference_matches(section, heading)


# --- unknown fields: the compiled walk against the merging one ----------------------------------


def reference_unknown_fields(schema: dict[str, Any], instance: Any) -> list[Any]:
    from improve.core.check.validate import SchemaError, _unknown

    found: list[SchemaError] = []
    defs = schema.get("$defs", {})

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node and node["$ref"].startswith("#/$defs/"):
            target = defs[node["$ref"].removeprefix("#/$defs/")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def walk(node: dict[str, Any], value: Any, path: tuple[Any, ...]) -> None:
        node = resolve(node)
        if isinstance(value, dict) and "properties" in node:
            props = node["properties"]
            if "additionalProperties" not in node:
                for key in value:
                    if key not in props:
                        found.append(SchemaError((*path, key), "unknown-field",
                                                 _unknown(str(key), sorted(props)), at_key=True))
            for key, sub in props.items():
                if key in value:
                    walk(sub, value[key], (*path, key))
        elif isinstance(value, list) and isinstance(node.get("items"), dict):
            for index, item in enumerate(value):
                walk(node["items"], item, (*path, index))

    walk(schema, instance, ())
    return found


field_names = st.sampled_from(["id", "title", "action_items", "timeline", "owner", "due", "at",
                               "event", "period", "start", "impediments", "health", "flow",
                               "servces", "tittle", "x", "supersedes", "type", "status"])
values = st.recursive(
    st.one_of(st.none(), st.integers(-2, 6), st.text(max_size=3)),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(field_names, children, max_size=5)),
    max_leaves=20,
)


@given(st.sampled_from(["retro", "rca", "runbook", "decision", "config"]),
       st.dictionaries(field_names, values, max_size=8))
def test_unknown_fields_equal_the_merging_walk(kind: str, instance: dict[str, Any]) -> None:
    schema = bundled_schema(kind)
    assert unknown_fields(schema, instance) == reference_unknown_fields(schema, instance)


# --- missing carry-over: a retro answers for its predecessor, never for the whole history ---------


item_states = st.tuples(st.sampled_from(["open", "in-progress", "done", "dropped", "odd"]),
                        st.one_of(st.none(), st.integers(0, 40), st.just(-1)))


@st.composite
def retro_indexes(draw: st.DrawFn) -> RepoIndex:
    summaries: dict[str, Summary] = {}
    for number in range(1, draw(st.integers(0, 14)) + 1):
        day = dt.date(2026, 1, 1) + dt.timedelta(days=draw(st.integers(0, 30)))
        items = draw(st.lists(item_states, max_size=3))
        ids = [f"A{i}" for i in range(1, len(items) + 1)]
        done = {}
        for item_id, (_status, offset) in zip(ids, items, strict=True):
            if offset is not None:
                done[item_id] = "not a date" if offset < 0 else (
                    day + dt.timedelta(days=offset)).isoformat()
        earlier = [s for s in summaries.values() if s.id]
        carried = [f"{s.id}#{i}" for s in draw(st.lists(st.sampled_from(earlier), max_size=3))
                   for i in s.items] if earlier else []
        path = f"retros/{number:04d}-x.md"
        summaries[path] = Summary(
            path=path, kind="retro", id=f"RETRO-{number:04d}", number=number, title="t",
            date=day.isoformat() if draw(st.booleans()) or number > 1 else "someday",
            team=draw(st.sampled_from(["a", "b"])),
            items={i: status for i, (status, _o) in zip(ids, items, strict=True)},
            item_done=done, carried_over=carried)
    return RepoIndex(summaries)


@given(retro_indexes())
def test_missing_carry_over_asks_only_for_what_the_previous_retro_left_open(
        index: RepoIndex) -> None:
    ctx = Context(config=None, today=dt.date(2026, 3, 1))  # type: ignore[arg-type]
    issues = list(check_carry_over(index, ctx))
    bound = 0
    allowed: dict[str, set[str]] = {}
    for _team, retros in team_retros(index).items():
        for position in range(1, len(retros)):
            day, retro = retros[position]
            previous = retros[position - 1][1]
            own = {f"{previous.id}#{i}" for i in previous.items if open_on(previous, i, day)}
            allowed[retro.path] = own | set(previous.carried_over)
            bound += len(previous.items) + len(previous.carried_over)
    assert len(issues) <= bound  # linear in what the retros hold, never quadratic
    for found in issues:
        ref = found.issue.message.split(" ", 1)[0]
        assert ref in allowed[found.file]
        assert ref not in index.summaries[found.file].carried_over


def test_yaml_module_is_the_libyaml_one() -> None:
    """The benchmark's floor and the reader both use libyaml; without it both are slower."""
    assert getattr(yaml, "__with_libyaml__", False)


# --- file names: string operations against the regex they replaced ---------------------------

TRICKY_NAMES = ["0001-x.md", "1-a.md", "0001-.md", "0001-x.md\n", "x-0001.md", "0001x.md",
                "０００１-x.md", "²-x.md", "0001-a/b.md", "0001-x.MD", "0001-x.md.bak", "-x.md",
                "0001--.md", "0001-x-y.md", "00000000000000000001-big.md", "0001-.md.md", ""]


def file_number_reference(name: str) -> int | None:
    match = re.match(r"^(?P<number>[0-9]+)-(?P<slug>[^/]+)\.md\Z", name)
    if match and re.match(r"^([0-9]{4}-[0-9]{2}-[0-9]{2}-|(19|20)[0-9]{2}(0[1-9]|1[0-2])"
                          r"(0[1-9]|[12][0-9]|3[01])-)", name):
        return None  # a date, not a document number (issue 13)
    return int(match["number"]) if match else None


@pytest.mark.parametrize("name", TRICKY_NAMES)
def test_file_number_on_tricky_names(name: str) -> None:
    from improve.model.ids import FILE_NAME_RE, file_number

    assert file_number(name) == file_number_reference(name)
    assert (file_number(name) is not None) == bool(FILE_NAME_RE.match(name))


@given(st.text(alphabet=st.sampled_from("0123456789-./xa\n²٣"), max_size=12))
def test_file_number_on_generated_names(name: str) -> None:
    from improve.model.ids import file_number

    assert file_number(name) == file_number_reference(name)


# --- blame-laden phrases: one search of the body before the line-by-line scan ----------------


def blame_reference(body: str, first_line: int) -> list[tuple[str, int, int]]:
    """The line-by-line scan alone, as it was before the whole-body search."""
    from improve.core.check.rules.followup import _BLAME

    found, fence = [], None
    for offset, line in enumerate(body.split("\n")):
        stripped = line.lstrip()
        if stripped.startswith(("```", "~~~")):
            marker = stripped[:3]
            fence = marker if fence is None else (None if marker == fence else fence)
            continue
        if fence is not None:
            continue
        found += [(" ".join(m.group(0).split()), first_line + offset, m.start() + 1)
                  for m in _BLAME.finditer(line)]
    return found


BLAME_WORDS = ["human", "error", "Human\nerror", "should", "have", "known", "sloppy", "```",
               "~~~", "to blame", "blamed", "their fault", " ", "\n", "x", "careless", "ly"]


@given(st.lists(st.sampled_from(BLAME_WORDS), max_size=30))
def test_blame_scan_equals_the_line_by_line_scan(words: list[str]) -> None:
    from improve.core.check.rules.followup import check_blame
    from improve.core.read.frontmatter import parse
    from improve.model.kinds import KINDS

    body = " ".join(words)
    raw = f"---\nid: RCA-0001\ntitle: t\n---\n{body}\n".encode()
    parsed = parse(raw)
    from improve.core.read.document import Document

    doc = Document(path="rca/0001-x.md", kind=KINDS["rca"], number=1, parsed=parsed)
    got = [(i.message.split("'")[1], i.line, i.column) for i in check_blame(doc, None)]  # type: ignore[arg-type]
    assert got == blame_reference(parsed.body, parsed.body_first_line)


BLAME_WITHOUT_LOOKAHEAD = re.compile(
    r"\b(?:human\s+error|operator\s+error|should\s+have\s+(?:known|noticed|caught|checked|"
    r"realized|realised|been\s+more\s+careful)|should'?ve\s+known|careless(?:ness|ly)?|"
    r"negligen(?:ce|t)|(?:his|her|their)\s+fault|to\s+blame|blamed|sloppy|incompetent|"
    r"didn'?t\s+bother)\b",
    re.IGNORECASE,
)


@given(st.lists(st.sampled_from(
    ["HUMAN", "error", "ſloppy", "Sloppy", "ıncompetent", "İncompetent", "didn't", "BOTHER",
     "K", "should've", "known", "THEIR", "fault", "to", "blame", "Blamed", "careless", "ly",
     "negligent", " ", "\n", "x", "_", "é"]), max_size=20))
def test_the_blame_lookahead_changes_no_match(words: list[str]) -> None:
    from improve.core.check.rules.followup import _BLAME

    text = " ".join(words)
    assert [m.span() for m in _BLAME.finditer(text)] == [
        m.span() for m in BLAME_WITHOUT_LOOKAHEAD.finditer(text)]
