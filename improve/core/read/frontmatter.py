"""Reading a document: bytes -> text -> front matter (safe YAML) and body, with positions.

Every problem in the bytes becomes a `Problem` (never an exception), so one bad file never stops
a run. Positions are 1-based file lines and columns; the node map that gives them is built only
when a finding needs one, because composing nodes costs as much again as parsing.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import yaml

from improve.core.read.fences import Fences

FENCE = "---"
# YAML 1.1 types a person rarely means in a text field; see rule `yaml-implicit-type`.
MAX_ALIAS_EXPANSION = 10_000
MAX_NESTING = 64

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    """A reading problem, before it is tied to a path and given its configured severity."""

    line: int
    column: int
    rule: str
    message: str


_CONSTRUCTOR_ERRORS = (ValueError, TypeError, KeyError, IndexError, AttributeError, OverflowError)


def _tag_error(node: yaml.Node, exc: Exception) -> yaml.MarkedYAMLError:
    tag = node.tag.replace("tag:yaml.org,2002:", "!!")
    return yaml.constructor.ConstructorError(
        None, None, f"a value does not fit its tag `{tag}` ({type(exc).__name__})",
        node.start_mark)


class _Loader(_BaseLoader):  # type: ignore[misc,valid-type]
    """Safe loading; dates stay text (validated as dates later); duplicate keys are recorded."""

    duplicates: list[tuple[str, yaml.Mark]]

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Hashable, Any]:
        seen: set[Any] = set()
        for key_node, _value in node.value:
            if isinstance(key_node, yaml.ScalarNode):
                key = key_node.value
                if key in seen:
                    self.duplicates.append((str(key), key_node.start_mark))
                seen.add(key)
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's constructors raise plain ValueError, IndexError... on values that do not fit an
        # explicit tag (`!!int ''`, `!!set [1]`); make them YAML errors placed at the node.
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except _CONSTRUCTOR_ERRORS as exc:
            raise _tag_error(node, exc) from None

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: tuple[bool, bool]) -> Any:
        # A plain scalar's tag depends on its text alone (no path resolvers here), and front
        # matter repeats the same keys and values: remember them (issue 6, speed).
        if self.yaml_path_resolvers or type(self) is not _Loader:  # the memo is _Loader's own
            return super().resolve(kind, value, implicit)
        if kind is yaml.ScalarNode:
            if not implicit[0]:  # quoted: always text
                return self.DEFAULT_SCALAR_TAG
            tag = _PLAIN_TAGS.get(value)
            if tag is None:
                tag = super().resolve(kind, value, implicit)
                if len(_PLAIN_TAGS) < _PLAIN_TAGS_MAX:
                    _PLAIN_TAGS[value] = tag
            return tag
        if kind is yaml.SequenceNode:
            return self.DEFAULT_SEQUENCE_TAG
        if kind is yaml.MappingNode:
            return self.DEFAULT_MAPPING_TAG
        return super().resolve(kind, value, implicit)

    def get_single_data(self) -> Any:
        """PyYAML's, with a fast path for the common case (see `_fast_construct`)."""
        node = self.get_single_node()
        if node is None:
            return None
        duplicates: list[tuple[str, yaml.Mark]] = []
        try:
            data = _fast_construct(self, node, duplicates, set())
        except Exception:  # anything unusual: PyYAML's constructor decides, errors included
            return self.construct_document(node)
        self.duplicates.extend(duplicates)
        return data


# An integer written with more characters than this is kept as the text it is (issue 11): `0x`
# and 5,000 hex digits, or a long sexagesimal `1:2:3:...`, build numbers that Python cannot even
# print (its 4,300-digit limit) and that no field means; the schema then says what is wrong.
MAX_INT_TEXT = 40


def _construct_int(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int | str:
    if len(node.value) > MAX_INT_TEXT:
        return str(node.value)
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


_Loader.add_constructor("tag:yaml.org,2002:int", _construct_int)

_PLAIN_TAGS: dict[str, str] = {}
_PLAIN_TAGS_MAX = 100_000
_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_SCALAR_TAGS = frozenset({"tag:yaml.org,2002:null", "tag:yaml.org,2002:bool",
                          "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"})


class _Unusual(Exception):
    """Something the fast path leaves to PyYAML's constructor."""


def _fast_construct(loader: _Loader, node: yaml.Node, duplicates: list[tuple[str, yaml.Mark]],
                    seen: set[int]) -> Any:
    """The value PyYAML's safe constructor builds, for plain mappings, sequences, text, numbers,
    booleans and nulls; 2 to 3 times faster, without its generators and bookkeeping.

    Anything else raises (and the caller falls back): another tag (`!!set`, `!!timestamp`, a
    local tag), a merge key `<<`, a non-scalar key, or a node met twice (an alias: PyYAML shares
    one object between both places). Duplicate keys are recorded exactly as `construct_mapping`
    records them.
    """
    kind = type(node)
    if kind is yaml.ScalarNode:
        tag = node.tag
        if tag == _STR_TAG:
            return node.value
        if tag in _SCALAR_TAGS:
            return loader.yaml_constructors[tag](loader, node)
        raise _Unusual(tag)
    if id(node) in seen:
        raise _Unusual("alias")
    seen.add(id(node))
    if kind is yaml.MappingNode and node.tag == _MAP_TAG:
        mapping: dict[Any, Any] = {}
        keys: set[str] = set()
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _Unusual("key")
            raw = key_node.value
            tag = key_node.tag
            if tag == _STR_TAG:
                key = raw
            elif tag in _SCALAR_TAGS:
                key = loader.yaml_constructors[tag](loader, key_node)
            else:
                raise _Unusual(tag)  # `<<`, `=`, ...
            if raw in keys:
                duplicates.append((str(raw), key_node.start_mark))
            keys.add(raw)
            mapping[key] = _fast_construct(loader, value_node, duplicates, seen)
        return mapping
    if kind is yaml.SequenceNode and node.tag == _SEQ_TAG:
        return [_fast_construct(loader, child, duplicates, seen) for child in node.value]
    raise _Unusual(node.tag)


# Plain ISO dates and times are read as text: `2026-02-30` must be a finding, not a crash or a
# silent datetime; the schemas check their format.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
}


@dataclass
class ParsedFile:
    """A document's text split into front matter and body, with what was wrong on the way."""

    text: str = ""
    meta: dict[str, Any] | None = None
    body: str = ""
    yaml_text: str = ""
    fm_first_line: int = 2
    body_first_line: int = 1
    problems: list[Problem] = field(default_factory=list)
    bom: bool = False
    crlf: bool = False

    @property
    def ok(self) -> bool:
        return self.meta is not None

    @cached_property
    def _nodes(self) -> dict[tuple[Any, ...], tuple[tuple[int, int], tuple[int, int]]]:
        return _node_positions(self.yaml_text, self.fm_first_line)

    def locate(self, path: tuple[Any, ...], *, key: bool = False) -> tuple[int, int]:
        """File line and column of the value at `path` (or of its key, with `key`).

        Falls back to the nearest ancestor that exists, and to line 1 for the top level.
        """
        nodes = self._nodes
        probe = tuple(path)
        while probe:
            if probe in nodes:
                key_pos, value_pos = nodes[probe]
                return key_pos if key else value_pos
            probe = probe[:-1]
        return (1, 1)

    @cached_property
    def _keys_by_parent(self) -> dict[tuple[Any, ...], list[str]]:
        """The text keys of each mapping, in order: built once, so each finding costs O(1)."""
        keys: dict[tuple[Any, ...], list[str]] = {}
        for path in self._nodes:
            if path and isinstance(path[-1], str):
                keys.setdefault(path[:-1], []).append(path[-1])
        return keys

    @cached_property
    def _line_starts(self) -> list[int]:
        """Offsets in `text` where each line starts: a line's text without splitting it all."""
        starts = [0]
        text = self.text
        at = text.find("\n")
        while at != -1:
            starts.append(at + 1)
            at = text.find("\n", at + 1)
        return starts

    def key_as_written(self, parent: tuple[Any, ...], key: Any) -> str | None:
        """How a key that YAML did not read as text is written in the mapping at `parent` (`on`
        for True, `null` for None); None when no key there reads as `key`."""
        written = None
        for name in self._keys_by_parent.get(tuple(parent), ()):
            value = _read_scalar(name)
            if type(value) is type(key) and value == key:
                written = name  # the last one: YAML keeps the last of equal keys
        return written

    def source_text(self, path: tuple[Any, ...]) -> str | None:
        """The scalar exactly as written at `path` (`no`, `0012`), for messages about YAML 1.1."""
        line, column = self.locate(path)
        starts = self._line_starts
        if not 1 <= line <= len(starts):
            return None
        begin = starts[line - 1] + column - 1
        end = starts[line] - 1 if line < len(starts) else len(self.text)
        rest = self.text[begin : min(end, begin + 256)]  # a scalar, never the whole line
        match = re.match(r"[^\s,#\]}]+(?:[ ][^\s,#\]}]+)*", rest)
        return match.group(0) if match else None

    def headings(self) -> list[tuple[int, int, str]]:
        """(line, level, text) of every Markdown heading in the body, outside fenced code."""
        found: list[tuple[int, int, str]] = []
        fences = Fences()
        # Only lines that open or close a fence or start with `#` can matter: visit those alone.
        # The pattern starts with a newline (the regex engine then skips from one to the next),
        # so the text gets one in front.
        text = "\n" + self.body
        offset = 0
        position = 1
        for candidate in _HEADING_OR_FENCE.finditer(text):
            start = candidate.start() + 1
            offset += text.count("\n", position, start)
            position = start
            end = text.find("\n", start)
            line = text[start:] if end == -1 else text[start:end]
            if fences.is_text(line):
                match = _HEADING.match(line)
                if match:
                    found.append((self.body_first_line + offset, len(match[1]), match[2]))
        return found


_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_HEADING_OR_FENCE = re.compile(r"\n(?:#|[^\S\n]*(?:```|~~~))")


def parse(raw: bytes, *, max_size: int = 1 << 20) -> ParsedFile:
    """Split and parse a document; every problem is recorded, nothing is raised."""
    result = ParsedFile()
    if len(raw) > max_size:
        result.problems.append(
            Problem(1, 1, "file-too-large",
                    f"file is {len(raw):,} bytes, over the {max_size:,}-byte limit; split it or "
                    "raise `max_file_size` in the config")
        )
        return result
    if not raw.strip():
        result.problems.append(
            Problem(1, 1, "empty-file", "file is empty; start it with front matter between --- lines")
        )
        return result
    if b"\x00" in raw:
        result.problems.append(
            Problem(1, 1, "binary-file", "file holds NUL bytes, so it is not text; "
                    "documents must be UTF-8 Markdown")
        )
        return result
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        result.problems.append(
            Problem(1, 1, "encoding",
                    f"file is not valid UTF-8 (first bad byte on line {line}); save it as UTF-8")
        )
        return result
    if text.startswith("\ufeff"):
        result.bom = True
        text = text[1:]
    if "\r\n" in text:
        result.crlf = True
        text = text.replace("\r\n", "\n")
    text = text.replace("\r", "\n")
    result.text = text
    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        result.body = text
        result.problems.append(
            Problem(1, 1, "front-matter-missing",
                    "no front matter: the file must start with a line '---', the YAML fields, "
                    "and a closing '---'")
        )
        return result
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in (FENCE, "...")), None)
    if end is None:
        result.problems.append(
            Problem(1, 1, "front-matter-unterminated",
                    "the front matter opened on line 1 is never closed; add a line '---' after it")
        )
        return result
    result.yaml_text = "\n".join(lines[1:end]) + "\n"
    result.body = "\n".join(lines[end + 1 :])
    result.body_first_line = end + 2
    _check_tabs(result, lines[1:end])
    reported = len(result.problems)
    meta = _load(result)
    if meta is None:
        if len(result.problems) == reported:  # `null`, `~` or only comments: no fields at all
            result.problems.append(
                Problem(result.fm_first_line, 1, "front-matter-not-mapping",
                        "front matter holds no fields (only a null or comments); write "
                        "`key: value` lines, at least `id` and `title`")
            )
        return result
    if not isinstance(meta, dict):
        shape = "empty" if meta == {} else f"a {_yaml_type(meta)}"
        result.problems.append(
            Problem(result.fm_first_line if end > 1 else 1, 1, "front-matter-not-mapping",
                    f"front matter is {shape}, not a mapping of fields; write `key: value` lines")
        )
        return result
    if any(not isinstance(k, str) for k in meta):
        # Keys as written (`on`, not True), so later findings name them and find their line.
        written = {k: result.key_as_written((), k) or str(k) for k in meta
                   if not isinstance(k, str)}
        bad = next(iter(written.values()))
        line, column = result.locate((bad,), key=True)
        result.problems.append(
            Problem(max(line, result.fm_first_line), column, "front-matter-not-mapping",
                    f"front-matter key `{bad}` is not text to YAML; quote it: \"{bad}\":")
        )
        meta = {written.get(k, k): v for k, v in meta.items()}
    result.meta = meta
    return result


def _yaml_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    return "single value" if not isinstance(value, dict) else "mapping"


def _check_tabs(result: ParsedFile, yaml_lines: list[str]) -> None:
    if "\t" not in result.yaml_text:  # the usual case, without a loop over every line
        return
    for offset, line in enumerate(yaml_lines):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            result.problems.append(
                Problem(result.fm_first_line + offset, indent.index("\t") + 1, "tab-indentation",
                        "tab in indentation; YAML indents with spaces only")
            )


def _load(result: ParsedFile) -> Any:
    text = result.yaml_text
    if not text.strip():
        result.problems.append(
            Problem(1, 1, "front-matter-not-mapping",
                    "front matter is empty; add at least `id` and `title`")
        )
        return None
    complexity = _complexity_problem(text, result.fm_first_line)
    if complexity:
        result.problems.append(complexity)
        return None
    loader = _Loader(text)
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if (exc.problem_mark is not None and exc.context_mark is not None
                and exc.problem_mark.index >= len(text.rstrip())):
            # The stream ended inside something left open (`[`, `{`, a quote): the end is the
            # closing `---`, so point at where the open thing started instead.
            mark = exc.context_mark
        line, column = _position(text, result.fm_first_line)(mark) if mark else (
            result.fm_first_line, 1)
        what = (exc.problem or "invalid YAML").strip()
        if exc.context:
            what = f"{exc.context.strip()}, {what}"
        hint = "fix the front matter"
        if "mapping values are not allowed" in what:
            # `title: Outage: checkout down`: the second `: ` starts a mapping to YAML (issue 16).
            hint = ("a value holding `: ` must be quoted: write it as \"...\" (or put the text "
                    "after `|` on the next lines)")
        result.problems.append(
            Problem(line, column, "yaml-syntax", f"YAML syntax error: {what}; {hint}")
        )
        return None
    except yaml.YAMLError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid YAML"
        message = f"YAML error: {first}"
        if "expected a single document" in str(exc) or "but found another document" in str(exc):
            message = "front matter holds more than one YAML document; keep one mapping"
        result.problems.append(Problem(result.fm_first_line, 1, "yaml-syntax", message))
        return None
    except (RecursionError, MemoryError):
        result.problems.append(
            Problem(result.fm_first_line, 1, "yaml-complexity",
                    "front matter is nested too deeply to read; flatten it")
        )
        return None
    except _CONSTRUCTOR_ERRORS as exc:  # a tagged value outside construct_object (`!!set`)
        result.problems.append(
            Problem(result.fm_first_line, 1, "yaml-syntax",
                    f"YAML error: a tagged value cannot be read ({type(exc).__name__}); fix or "
                    "drop the `!!` tag")
        )
        return None
    finally:
        loader.dispose()
    place = _position(text, result.fm_first_line)
    for key, mark in loader.duplicates:
        line, column = place(mark)
        result.problems.append(
            Problem(line, column, "duplicate-key",
                    f"key `{key}` appears more than once in the same mapping; only the last "
                    "would count, so keep one")
        )
    return data


def _complexity_problem(text: str, first_line: int) -> Problem | None:
    """Refuse alias bombs and deep nesting before a parser (or a validator walking it) blows up.

    Cheap for ordinary front matter: the full scan only runs when aliases or many brackets or
    dashes or a deeply indented line appear.
    """
    if (text.count("[") + text.count("{") > MAX_NESTING or text.count("- ") > MAX_NESTING
            or "\n" + " " * (2 * MAX_NESTING) in text):
        depth = _nesting_depth(text)
        if depth > MAX_NESTING:
            return Problem(first_line, 1, "yaml-complexity",
                           f"front matter nests {depth} levels deep (limit {MAX_NESTING}); flatten it")
    if "*" in text and "&" in text:
        try:
            size = _expanded_size(text)
        except yaml.YAMLError:
            return None  # the real parse reports the syntax error with its position
        if size > MAX_ALIAS_EXPANSION:
            return Problem(first_line, 1, "yaml-complexity",
                           f"YAML aliases expand to over {MAX_ALIAS_EXPANSION:,} values (an alias "
                           "bomb?); write the values out instead")
    return None


def _nesting_depth(text: str) -> int:
    """An upper bound on nesting: flow brackets plus block levels (indent and `- ` runs)."""
    deepest = 0
    flow = 0
    for line in text.split("\n"):
        stripped = line.lstrip(" ")
        block = len(line) - len(stripped)
        dashes = 0
        while stripped.startswith("- ") or stripped == "-":
            dashes += 1
            stripped = stripped[2:].lstrip(" ")
        for char in stripped:
            if char in "[{":
                flow += 1
                deepest = max(deepest, flow + dashes + block // 2)
            elif char in "]}":
                flow = max(0, flow - 1)
        deepest = max(deepest, flow + dashes + block // 2)
    return deepest


def _expanded_size(text: str) -> int:
    """How many nodes the document has once every alias is expanded (memoised per anchor)."""
    root = yaml.compose(text, Loader=_BaseLoader)
    sizes: dict[int, int] = {}

    def size(node: yaml.Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        sizes[id(node)] = 1  # a cycle counts once
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        total = min(total, MAX_ALIAS_EXPANSION + 1)
        sizes[id(node)] = total
        return total

    return size(root) if root is not None else 0


def _node_positions(
    yaml_text: str, first_line: int
) -> dict[tuple[Any, ...], tuple[tuple[int, int], tuple[int, int]]]:
    """Map each path in the front matter to ((key line, col), (value line, col)), 1-based."""
    positions: dict[tuple[Any, ...], tuple[tuple[int, int], tuple[int, int]]] = {}
    try:
        root = yaml.compose(yaml_text, Loader=_Loader)
    except (yaml.YAMLError, RecursionError):
        return positions

    mark = _position(yaml_text, first_line)

    def walk(node: yaml.Node, path: tuple[Any, ...], depth: int) -> None:
        if depth > MAX_NESTING:
            return
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if isinstance(key_node, yaml.ScalarNode):
                    child = (*path, key_node.value)
                    positions[child] = (mark(key_node.start_mark), mark(value_node.start_mark))
                    walk(value_node, child, depth + 1)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                child = (*path, index)
                positions[child] = (mark(item.start_mark), mark(item.start_mark))
                walk(item, child, depth + 1)

    if root is not None:
        walk(root, (), 0)
    return positions


def _read_scalar(text: str) -> Any:
    """What the loader reads `text` as on its own (`on` -> True); a fresh object when it fails."""
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    except (yaml.YAMLError, RecursionError, *_CONSTRUCTOR_ERRORS):
        return object()
    finally:
        loader.dispose()


def _position(yaml_text: str, first_line: int) -> Callable[[yaml.Mark], tuple[int, int]]:
    """A function giving the 1-based file line and column of a mark in `yaml_text`.

    YAML also breaks lines at NEL, LS and PS (U+0085, U+2028, U+2029), which files, editors and
    git do not; with any of them present, positions are counted from the mark's character index.
    """
    if not any(char in yaml_text for char in "\x85\u2028\u2029"):
        return lambda m: (first_line + m.line, m.column + 1)
    starts = [0, *(i + 1 for i, char in enumerate(yaml_text) if char == "\n")]

    def place(m: yaml.Mark) -> tuple[int, int]:
        index = min(max(m.index, 0), len(yaml_text))
        line = bisect.bisect_right(starts, index) - 1
        return first_line + line, index - starts[line] + 1

    return place
