"""Editing a document's front matter in place: the one engine for every writer (issue 12).

`improve actions done|set` (one action item's keys) and `improve renumber` (the id, references
to it, `previous_ids`, links in the body) change files people wrote by hand. Both work on the
file's own characters, located through the YAML nodes' marks, so comments, key order, quoting,
flow style, multi-line values, a UTF-8 BOM, CRLF, CR or mixed line endings and the file mode
survive; both parse the result again and refuse it unless it reads back to exactly the intended
values. One rule for line endings: a new line takes the ending of the line it follows, or the
file's most common one.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from improve.core.errors import ImproveError
from improve.core.read.frontmatter import ParsedFile, parse
from improve.core.write.yamlout import scalar

_EOL = re.compile(r"\r\n|\r|\n")
# Characters that end or split a plain scalar inside `{...}` or `[...]`.
_FLOW_UNSAFE = re.compile(r"[,\[\]{}#]|: ")

Path_ = tuple[Any, ...]  # keys and indexes from the front matter's root to a value


class EditRefused(ImproveError):
    """The edit cannot be made safely (the file would not read back as intended)."""


@dataclass
class Edit:
    start: int  # offsets into the file's text (BOM excluded), end exclusive
    end: int
    text: str


class Source:
    """One file as read: its text, its front matter's YAML nodes, and offsets between them."""

    def __init__(self, raw: bytes, where: str) -> None:
        self.raw = raw
        self.where = where
        self.parsed: ParsedFile = parse(raw, max_size=max(len(raw), 1))
        if not self.parsed.ok:
            first = self.parsed.problems[0] if self.parsed.problems else None
            detail = f" (line {first.line}: {first.message})" if first else ""
            raise EditRefused(f"{where} cannot be read{detail}; fix it before editing it")
        blocking = [p for p in self.parsed.problems if p.rule in ("duplicate-key",
                                                                  "tab-indentation")]
        if blocking:
            raise EditRefused(f"{where}:{blocking[0].line}: {blocking[0].message}; fix it before "
                              "editing it, nothing was changed")
        text = raw.decode("utf-8")
        self.bom = "\ufeff" if text.startswith("\ufeff") else ""
        self.text = text[len(self.bom):]
        self.offsets = _OffsetMap(self.parsed, self.text)
        try:
            self.root = yaml.compose(self.parsed.yaml_text, Loader=yaml.SafeLoader)
        except yaml.YAMLError as exc:  # the fast reader accepted it; the reference one did not
            raise EditRefused(f"{where}: the front matter cannot be located for editing "
                              f"({exc})") from None

    @property
    def meta(self) -> dict[str, Any]:
        assert self.parsed.meta is not None
        return self.parsed.meta

    # -- finding nodes --------------------------------------------------------------------------

    def node(self, path: Path_) -> yaml.Node | None:
        """The node of the value at `path` (keys of mappings, indexes of sequences)."""
        node: yaml.Node | None = self.root
        for step in path:
            if isinstance(node, yaml.MappingNode) and isinstance(step, str):
                node = next((v for k, v in reversed(node.value)
                             if isinstance(k, yaml.ScalarNode) and k.value == step), None)
            elif isinstance(node, yaml.SequenceNode) and isinstance(step, int) \
                    and 0 <= step < len(node.value):
                node = node.value[step]
            else:
                return None
        return node

    def pairs(self, mapping: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        return {str(k.value): (k, v) for k, v in mapping.value if isinstance(k, yaml.ScalarNode)}

    # -- edits ----------------------------------------------------------------------------------

    def replace_scalar(self, value_node: yaml.Node, value: str, *, flow: bool, key: str) -> Edit:
        """A single value written anew, in its old quoting style where it had one."""
        if not isinstance(value_node, yaml.ScalarNode) or _is_block_scalar(value_node):
            raise EditRefused(f"{self.where}:{value_node.start_mark.line + 2}: `{key}` is not "
                              "written as a single value; edit it by hand, nothing was changed")
        start = value_node.start_mark.index
        end = value_node.end_mark.index
        rendered = render(value, value_node.style if value_node.style in ("'", '"') else None,
                          flow)
        if start == end and start > 0 and self.parsed.yaml_text[start - 1] == ":":
            rendered = " " + rendered  # `owner:` with nothing after the colon
        return Edit(self.offsets.offset(start), self.offsets.offset(end), rendered)

    def replace_node(self, node: yaml.Node, text: str) -> Edit:
        """A value's characters (a scalar or a flow collection) replaced by `text`."""
        start, end = node.start_mark.index, _content_end(node).index
        if start == end and start > 0 and self.parsed.yaml_text[start - 1] == ":":
            text = " " + text
        return Edit(self.offsets.offset(start), self.offsets.offset(end), text)

    def replace_token(self, node: yaml.Node, old: str, new: str) -> Edit | None:
        """`old` at the start of a scalar's characters (inside its quotes) replaced by `new`;
        None when the scalar's text does not start with it (an escape, a folded line)."""
        if not isinstance(node, yaml.ScalarNode) or _is_block_scalar(node):
            return None
        start = self.offsets.offset(node.start_mark.index)
        if self.text[start:start + 1] in ("'", '"'):
            start += 1
        if not self.text.startswith(old, start):
            return None
        return Edit(start, start + len(old), new)

    def insert_keys(self, mapping: yaml.MappingNode, missing: Sequence[tuple[str, str]], *,
                    after: str | None = None) -> Edit:
        """New `key: value` pairs (values already rendered) after the pair `after` (default:
        the last one), with the mapping's indentation or inside its `{...}`."""
        position = len(mapping.value) - 1
        if after is not None:
            position = max(i for i, (k, _v) in enumerate(mapping.value)
                           if isinstance(k, yaml.ScalarNode) and k.value == after)
        last_key, last_value = mapping.value[position]
        offsets = self.offsets
        if mapping.flow_style:
            at = offsets.offset(_content_end(last_value).index)
            return Edit(at, at, "".join(f", {key}: {value}" for key, value in missing))
        indent = " " * mapping.value[0][0].start_mark.column
        end_node = last_value
        while (isinstance(end_node, yaml.SequenceNode | yaml.MappingNode)
               and not end_node.flow_style and end_node.value):
            tail = end_node.value[-1]
            end_node = tail[1] if isinstance(tail, tuple) else tail
        if _is_block_scalar(end_node):
            # A block scalar ends at the start of the next line: add whole lines before it.
            at = offsets.line_start(offsets.offset(end_node.end_mark.index))
            eol = offsets.eol(at - 1) if at > 0 else "\n"
            return Edit(at, at, "".join(f"{indent}{key}: {value}{eol}" for key, value in missing))
        end = offsets.offset(_content_end(last_value).index)
        at = offsets.line_end(max(end - 1, offsets.offset(last_key.start_mark.index)))
        eol = offsets.eol(at)
        return Edit(at, at, "".join(f"{eol}{indent}{key}: {value}" for key, value in missing))

    def remove_key(self, mapping: yaml.MappingNode, key: str) -> Edit:
        """A pair removed: from `{...}`, or its whole line when it has one of its own."""
        keys = [k for k, _v in mapping.value]
        values = [v for _k, v in mapping.value]
        position = max(i for i, k in enumerate(keys)
                       if isinstance(k, yaml.ScalarNode) and k.value == key)
        key_node, value_node = keys[position], values[position]
        offsets = self.offsets
        if mapping.flow_style:
            if position > 0:
                start = offsets.offset(_content_end(values[position - 1]).index)
                end = offsets.offset(_content_end(value_node).index)
            elif position + 1 < len(keys):
                start = offsets.offset(key_node.start_mark.index)
                end = offsets.offset(keys[position + 1].start_mark.index)
            else:
                start = offsets.offset(key_node.start_mark.index)
                end = offsets.offset(_content_end(value_node).index)
            return Edit(start, end, "")
        key_at = offsets.offset(key_node.start_mark.index)
        line_start = offsets.line_start(key_at)
        value_end = offsets.offset(_content_end(value_node).index)
        if (position == 0 or self.text[line_start:key_at].strip()
                or offsets.line_of(max(value_end - 1, key_at)) != offsets.line_of(key_at)):
            raise EditRefused(f"{self.where}: `{key}` is not on a line of its own; remove it by "
                              "hand, nothing was changed")
        line = offsets.line_of(key_at)
        end = offsets.raw_starts[line + 1] if line + 1 < len(offsets.raw_starts) else len(
            self.text)
        return Edit(line_start, end, "")

    def append_item(self, sequence: yaml.SequenceNode, value: str) -> Edit:
        """An item (already rendered) added after the last one: `, value` inside `[...]`, or a
        line `- value` with the last item's own prefix."""
        if not sequence.value:
            raise EditRefused(f"{self.where}: an empty list cannot be extended in place")
        last = sequence.value[-1]
        offsets = self.offsets
        at = offsets.offset(_content_end(last).index)
        if sequence.flow_style:
            return Edit(at, at, f", {value}")
        item_at = offsets.offset(last.start_mark.index)
        prefix = self.text[offsets.line_start(item_at):item_at]
        if prefix.strip() not in ("-", ""):
            raise EditRefused(f"{self.where}: the list has a form improve cannot extend")
        end = offsets.line_end(max(at - 1, item_at))
        return Edit(end, end, f"{offsets.eol(end)}{prefix}{value}")

    def body_lines(self) -> Iterable[tuple[int, int, str]]:
        """(start, end, text) of every line of the body, without its line break."""
        offsets = self.offsets
        first = self.parsed.body_first_line - 1
        for line in range(first, len(offsets.raw_starts)):
            start = offsets.raw_starts[line]
            text = offsets.content(line)
            yield start, start + len(text), text

    # -- the result -----------------------------------------------------------------------------

    def apply(self, edits: Sequence[Edit]) -> bytes:
        """The file with `edits` made (right to left, so none moves another)."""
        text = self.text
        for edit in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
            text = text[: edit.start] + edit.text + text[edit.end:]
        return (self.bom + text).encode("utf-8")

    def verify(self, new_raw: bytes, expected: dict[str, Any], *, body: bool = True) -> ParsedFile:
        """Refuse unless `new_raw` reads as `expected`, with the same problems, BOM and (with
        `body`) body as before; returns the new parse."""
        new = parse(new_raw, max_size=max(len(new_raw), 1))
        same = (new.ok and new.meta == expected and new.bom == self.parsed.bom
                and [p.rule for p in new.problems] == [p.rule for p in self.parsed.problems]
                and (not body or new.body == self.parsed.body))
        if not same:
            raise EditRefused(f"{self.where}: the edit would not read back as intended, so "
                              "nothing was changed; edit it by hand (and please report this "
                              "file's shape)")
        return new


def render(value: str, style: str | None, flow: bool) -> str:
    """A new value in the old value's quoting style; plain when that reads back the same."""
    if style == "'" and "\n" not in value:
        return "'" + value.replace("'", "''") + "'"
    if style == '"':
        return json.dumps(value, ensure_ascii=False)
    rendered = scalar(value)
    if flow and not rendered.startswith(("'", '"')) and _FLOW_UNSAFE.search(rendered):
        rendered = "'" + value.replace("'", "''") + "'"
    return rendered


class _OffsetMap:
    """Maps an index in the front matter's YAML text to an offset in the file's own text.

    `ParsedFile.text` has `\\n` line ends; the file may have CRLF, CR or a mix. Line contents are
    the same in both, so line number plus column carries over exactly.
    """

    def __init__(self, parsed: ParsedFile, text: str) -> None:
        norm_first = parsed.text.split("\n", 1)[0]
        self.yaml_base = len(norm_first) + 1
        self.norm_starts = [0]
        for index, char in enumerate(parsed.text):
            if char == "\n":
                self.norm_starts.append(index + 1)
        self.raw_starts = [0]
        self.raw_ends: list[str] = []
        for match in _EOL.finditer(text):
            self.raw_ends.append(match.group(0))
            self.raw_starts.append(match.end())
        self.raw_ends.append("")
        self.text = text

    def offset(self, yaml_index: int) -> int:
        norm = self.yaml_base + yaml_index
        line = bisect.bisect_right(self.norm_starts, norm) - 1
        return self.raw_starts[line] + (norm - self.norm_starts[line])

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.raw_starts, offset) - 1

    def line_end(self, offset: int) -> int:
        """The offset where the line holding `offset` ends (its line break starts)."""
        line = self.line_of(offset)
        return self.raw_starts[line] + len(self.content(line))

    def line_start(self, offset: int) -> int:
        return self.raw_starts[self.line_of(offset)]

    def eol(self, offset: int) -> str:
        """The line break of the line holding `offset` (the file's own style)."""
        ending = self.raw_ends[self.line_of(offset)]
        return ending or _dominant_eol(self.raw_ends)

    def content(self, line: int) -> str:
        start = self.raw_starts[line]
        end = self.raw_starts[line + 1] - len(self.raw_ends[line]) if line + 1 < len(
            self.raw_starts) else len(self.text)
        return self.text[start:end]


def _dominant_eol(endings: Sequence[str]) -> str:
    counts = {e: endings.count(e) for e in ("\r\n", "\n", "\r")}
    return max(counts, key=lambda e: (counts[e], e == "\n"))


def _content_end(node: yaml.Node) -> yaml.Mark:
    """Where a value's own characters end (a block collection ends with its last child)."""
    if isinstance(node, yaml.SequenceNode | yaml.MappingNode) and not node.flow_style and node.value:
        last = node.value[-1]
        return _content_end(last[1] if isinstance(last, tuple) else last)
    return node.end_mark


def _is_block_scalar(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.style in ("|", ">")
