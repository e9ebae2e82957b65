"""Hypothesis strategies for documents nobody wrote by hand (issue 7), and the checks they share.

The seeds (valid documents that lint clean) also start `tooling/fuzz.py`'s corpus.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from improve.core.check.rules import all_rules
from improve.core.read.frontmatter import ParsedFile
from improve.model.finding import Finding, Severity

SEEDS_DIR = Path(__file__).parent / "seeds"
SEED_KINDS = ("retro", "rca", "runbook", "decision")
# Each seed lints clean in a repository of its own, at this path.
SEED_PATHS = {
    "retro": "retros/0002-sprint-14.md",
    "rca": "rca/0003-checkout.md",
    "runbook": "runbooks/0004-restart.md",
    "decision": "decisions/0005-markdown.md",
}
TODAY = dt.date(2026, 3, 2)


def seed(kind: str) -> bytes:
    return (SEEDS_DIR / f"{kind}.md").read_bytes()


# --- checks ---------------------------------------------------------------------------------------


def line_count(parsed: ParsedFile) -> int:
    """Lines of the file as people (and git) count them: the text split on line breaks."""
    return max(1, len(parsed.text.split("\n")))


def check_problems(parsed: ParsedFile) -> None:
    """Every reading problem sits inside the file and names a registered rule."""
    rules = all_rules()
    lines = line_count(parsed)
    for problem in parsed.problems:
        assert problem.rule in rules, problem
        assert 1 <= problem.line <= lines, (problem, lines)
        assert problem.column >= 1, problem
        assert problem.message.strip(), problem
    assert parsed.ok == isinstance(parsed.meta, dict)
    if parsed.meta is not None:
        assert all(isinstance(key, str) for key in parsed.meta)
        for path in list(_paths(parsed.meta))[:200]:
            for at_key in (False, True):
                line, column = parsed.locate(path, key=at_key)
                assert 1 <= line <= lines, (path, line, lines)
                assert column >= 1
    for line, level, _text in parsed.headings():
        assert 1 <= line <= lines
        assert 1 <= level <= 6


def check_findings(findings: list[Finding], files: dict[str, ParsedFile], *,
                   extra_paths: frozenset[str] = frozenset()) -> None:
    """Every finding has a known path, a line within that file and a registered rule."""
    rules = all_rules()
    for finding in findings:
        assert finding.rule in rules, finding
        assert isinstance(finding.severity, Severity), finding
        assert finding.message.strip(), finding
        assert finding.column >= 1, finding
        if finding.path in extra_paths:
            continue
        assert finding.path in files, (finding, sorted(files))
        lines = line_count(files[finding.path])
        assert 1 <= finding.line <= lines, (finding, lines)


def _paths(value: Any, prefix: tuple[Any, ...] = (), depth: int = 0) -> Iterator[tuple[Any, ...]]:
    if depth > 8:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            yield (*prefix, key)
            yield from _paths(child, (*prefix, key), depth + 1)
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield (*prefix, index)
            yield from _paths(child, (*prefix, index), depth + 1)


# --- raw inputs ----------------------------------------------------------------------------------

# Characters that trip parsers: YAML's own line breaks (NEL, LS, PS), BOMs, controls, fences.
_TRICKY = ["\x85", "\u2028", "\u2029", "\ufeff", "\r", "\r\n", "\t", "\x00", "\x1b", "\ud7ff",
           "---", "...", "- ", ": ", "#", "&a ", "*a", "!!", "|", ">", "'", '"', "{", "[", "%YAML"]
tricky_text = st.lists(st.one_of(st.text(max_size=12), st.sampled_from(_TRICKY)),
                       max_size=30).map("".join)
unicode_text = st.one_of(st.text(max_size=400), tricky_text)


@st.composite
def fenced_text(draw: st.DrawFn) -> bytes:
    """Unicode (with tricky characters) between front-matter fences, in some encoding variant."""
    inner = draw(unicode_text)
    body = draw(st.one_of(st.just(""), unicode_text))
    text = f"---\n{inner}\n---\n{body}"
    return _encode(draw, text)


def _encode(draw: st.DrawFn, text: str) -> bytes:
    eol = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    if eol != "\n":
        text = text.replace("\n", eol)
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8", "surrogatepass")


# --- YAML streams built from events: anchors, aliases, tags, styles, several documents ----------

ANCHORS = ("a", "b", "c")
TAGS = (
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool", "tag:yaml.org,2002:null", "tag:yaml.org,2002:binary",
    "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:set", "tag:yaml.org,2002:omap",
    "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:merge", "tag:yaml.org,2002:value",
    "tag:yaml.org,2002:python/object/apply:os.system", "tag:yaml.org,2002:python/name:os.system",
    "tag:yaml.org,2002:python/object:builtins.object", "!custom", "!", "tag:example.com,2026:x",
)
FIELD_NAMES = (
    "id", "title", "date", "authors", "owners", "tags", "related", "visibility", "status",
    "severity", "services", "service", "started_at", "detected_at", "mitigated_at", "resolved_at",
    "detection", "escaped_defect", "timeline", "action_items", "impediments", "period", "team",
    "participants", "health", "carried_over", "last_reviewed", "review_every_days", "covers",
    "supersedes", "superseded_by", "decision-makers", "runbooks", "reviewed_by", "owner", "due",
    "done_on", "opened_on", "link", "type", "at", "event", "start", "end", "<<", "=",
    "previous_ids", "contributing_factors", "root_causes", "caused_by", "alerts",
)
SCALARS = (
    "", "~", "null", "no", "on", "off", "yes", "0012", "12:30", "0x1F", "1e3", ".inf", "-.nan",
    "2026-02-30", "2026-02-03", "2026-02-11T09:12:00+01:00", "2026-02-11T09:12:00", "1_000",
    "RCA-0001", "RETRO-0002", "RETRO-0002#A1", "A1", "A0", "open", "done", "in-progress",
    "dropped", "SEV1", "SEV9", "published", "draft", "superseded", "restricted",
    "javascript:alert(1)", "https://example.org/x", "<script>alert(1)</script>", "*", "|", "-",
    "9" * 30, "-1", "true", "@alice", "alice", "café", "\u2028", "\x85", "=", "<<",
)


def _scalar_value() -> st.SearchStrategy[str]:
    return st.one_of(st.sampled_from(SCALARS), st.text(max_size=20), tricky_text)


@st.composite
def _node(draw: st.DrawFn, depth: int, anchors: list[str], key: bool = False) -> list[Any]:
    """The events of one node; `anchors` collects the anchors defined so far."""
    choices = ["scalar"] * 4 + (["alias"] if anchors else [])
    if depth < 5:
        choices += ["seq", "map"] * (1 if key else 2)
    what = draw(st.sampled_from(choices))
    if what == "alias":
        return [yaml.AliasEvent(draw(st.sampled_from([*anchors, "nowhere"])))]
    anchor = draw(st.one_of(st.none(), st.none(), st.sampled_from(ANCHORS)))
    tag = draw(st.one_of(st.none(), st.none(), st.none(), st.sampled_from(TAGS)))
    events: list[Any]
    if what == "scalar":
        value = draw(st.sampled_from(FIELD_NAMES)) if key and draw(st.booleans()) else draw(
            _scalar_value())
        if tag == "tag:yaml.org,2002:binary" and draw(st.booleans()):
            value = draw(st.sampled_from(["aGk=", "", "AAAA", "////"]))
        style = draw(st.sampled_from([None, None, "'", '"', "|", ">"]))
        implicit = (True, True) if tag is None else (draw(st.booleans()), draw(st.booleans()))
        events = [yaml.ScalarEvent(anchor, tag, implicit, value, style=style)]
    else:
        flow = draw(st.booleans())
        implicit = tag is None or draw(st.booleans())
        count = draw(st.integers(0, 4))
        if what == "seq":
            events = [yaml.SequenceStartEvent(anchor, tag, implicit, flow_style=flow)]
            for _ in range(count):
                events += draw(_node(depth + 1, anchors))
            events.append(yaml.SequenceEndEvent())
        else:
            events = [yaml.MappingStartEvent(anchor, tag, implicit, flow_style=flow)]
            for _ in range(count):
                events += draw(_node(depth + 1, anchors, key=True))
                events += draw(_node(depth + 1, anchors))
            events.append(yaml.MappingEndEvent())
    if anchor is not None:
        anchors.append(anchor)
    return events


@st.composite
def _root_mapping(draw: st.DrawFn, anchors: list[str]) -> list[Any]:
    """A top-level mapping of (mostly) real field names: the checks then run on odd values."""
    events: list[Any] = [yaml.MappingStartEvent(None, None, True, flow_style=draw(st.booleans()))]
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 9)) == 0:
            events += draw(_node(1, anchors, key=True))
        else:
            events.append(yaml.ScalarEvent(None, None, (True, True),
                                           draw(st.sampled_from(FIELD_NAMES))))
        events += draw(_node(1, anchors))
    events.append(yaml.MappingEndEvent())
    return events


@st.composite
def yaml_streams(draw: st.DrawFn) -> str:
    """YAML text: one or more documents with anchors, aliases, tags and every scalar style."""
    events: list[Any] = [yaml.StreamStartEvent()]
    documents = draw(st.sampled_from([1, 1, 1, 2, 3]))
    for index in range(documents):
        anchors: list[str] = []
        version = draw(st.sampled_from([None, None, (1, 1), (1, 2)]))
        tags = draw(st.sampled_from([None, None, {"!e!": "tag:example.com,2026:"}]))
        explicit = index > 0 or version is not None or tags is not None or draw(st.booleans())
        events.append(yaml.DocumentStartEvent(explicit=explicit, version=version, tags=tags))
        root = _root_mapping(anchors) if draw(st.integers(0, 3)) else _node(0, anchors)
        events += draw(root)
        events.append(yaml.DocumentEndEvent(explicit=draw(st.booleans())))
    events.append(yaml.StreamEndEvent())
    options = {
        "canonical": draw(st.sampled_from([False, False, False, True])),
        "indent": draw(st.sampled_from([None, 2, 4, 9])),
        "width": draw(st.sampled_from([None, 20, 1000])),
        "allow_unicode": draw(st.booleans()),
    }
    try:
        text: str = yaml.emit(events, **options)
    except yaml.YAMLError:  # an event sequence the emitter refuses (e.g. a tag it cannot write)
        text = yaml.emit([yaml.StreamStartEvent(), yaml.DocumentStartEvent(), *draw(
            _root_mapping([])), yaml.DocumentEndEvent(), yaml.StreamEndEvent()])
    return text


@st.composite
def yaml_documents(draw: st.DrawFn) -> bytes:
    """A document whose front matter is a generated YAML stream.

    A line that is exactly `---` or `...` would close the front matter, so most of the time such
    lines get a comment appended: the loader then meets several documents in one front matter.
    """
    text = draw(yaml_streams())
    if draw(st.integers(0, 3)):
        text = "\n".join(line + " #" if line in ("---", "...") else line
                         for line in text.split("\n"))
    body = draw(st.sampled_from(["", "\n## Summary\n\nText.\n", "\n# Title\n```\n## not\n```\n"]))
    return _encode(draw, f"---\n{text}---\n{body}")


# --- mutations of valid documents ---------------------------------------------------------------


def _delete(lines: list[str], i: int, _arg: str) -> None:
    del lines[i]


def _duplicate(lines: list[str], i: int, _arg: str) -> None:
    lines.insert(i, lines[i])


def _reindent(lines: list[str], i: int, arg: str) -> None:
    stripped = lines[i].lstrip(" ")
    width = len(lines[i]) - len(stripped)
    delta = (len(arg) % 7) - 3
    lines[i] = " " * max(0, width + delta) + stripped


def _tab(lines: list[str], i: int, _arg: str) -> None:
    lines[i] = "\t" + lines[i]


def _swap(lines: list[str], i: int, _arg: str) -> None:
    j = (i + 1) % len(lines)
    lines[i], lines[j] = lines[j], lines[i]


def _insert(lines: list[str], i: int, arg: str) -> None:
    lines.insert(i, arg)


def _splice(lines: list[str], i: int, arg: str) -> None:
    cut = len(arg) % (len(lines[i]) + 1)
    lines[i] = lines[i][:cut] + arg + lines[i][cut:]


def _chop(lines: list[str], i: int, arg: str) -> None:
    lines[i] = lines[i][: len(arg) % (len(lines[i]) + 1)]


MUTATIONS: dict[str, Callable[[list[str], int, str], None]] = {
    "delete": _delete, "duplicate": _duplicate, "reindent": _reindent, "tab": _tab,
    "swap": _swap, "insert": _insert, "splice": _splice, "chop": _chop,
}
_INSERTS = st.one_of(
    st.sampled_from(["---", "...", "  - id: A1", "action_items:", "- ", "  status: done",
                     "title: no", "title: &x [*x]", "<<: *a", "? [a, b]", ": x", "# comment",
                     "id: RETRO-0002", "due: 2026-02-30", "\t- x", "{", "key: 'unclosed"]),
    unicode_text,
)


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[str, bytes]:
    """(kind, bytes): a valid seed with lines deleted, duplicated, re-indented... or truncated."""
    kind = draw(st.sampled_from(SEED_KINDS))
    lines = seed(kind).decode("utf-8").split("\n")
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        name = draw(st.sampled_from(sorted(MUTATIONS)))
        index = draw(st.integers(0, len(lines) - 1))
        MUTATIONS[name](lines, index, draw(_INSERTS))
    raw = _encode(draw, "\n".join(lines))
    if draw(st.integers(0, 3)) == 0:
        raw = raw[: draw(st.integers(0, len(raw)))]
    return kind, raw


def any_document() -> st.SearchStrategy[tuple[str, bytes]]:
    """(kind, bytes) from every generator: bytes, unicode, YAML streams, mutated seeds."""
    kinds = st.sampled_from(SEED_KINDS)
    return st.one_of(
        st.tuples(kinds, st.binary(max_size=600)),
        st.tuples(kinds, st.binary(max_size=400).map(lambda b: b"---\n" + b)),
        st.tuples(kinds, fenced_text()),
        st.tuples(kinds, yaml_documents()),
        mutated_documents(),
    )
