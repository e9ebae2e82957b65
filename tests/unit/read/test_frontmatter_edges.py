"""Front-matter positions and names at the edges: a stream that ends inside something left open,
and keys that YAML does not read as text."""

from __future__ import annotations

import pytest

from improve.core.read.frontmatter import parse


@pytest.mark.parametrize(("yaml_text", "line", "column"), [
    ("id: x\nteam: [payments", 3, 7),  # the `[`, not the closing `---` on line 4
    ("id: x\nteam: [payments\n\n# a comment\n", 3, 7),
    ('id: x\ntitle: "Sprint 1', 3, 8),
    ("id: x\ntitle: {a: b", 3, 8),
    ("id: x\nteam: [payments\ndate: 2026-02-03", 4, 5),  # not at the end: where it was noticed
])
def test_a_syntax_error_at_the_end_points_at_what_was_left_open(yaml_text: str, line: int,
                                                                 column: int) -> None:
    parsed = parse(f"---\n{yaml_text}\n---\nbody\n".encode())
    assert [(p.rule, p.line, p.column) for p in parsed.problems] == [("yaml-syntax", line, column)]


def test_keys_are_found_as_written() -> None:
    parsed = parse(b"---\nid: x\nitems:\n  - on: 1\n    12: 2\n    null: 3\n    .nan: 4\n---\n")
    assert parsed.key_as_written(("items", 0), True) == "on"
    assert parsed.key_as_written(("items", 0), 12) == "12"
    assert parsed.key_as_written(("items", 0), None) == "null"
    assert parsed.key_as_written(("items", 0), 1) is None  # 1 == True, but not the same key
    assert parsed.key_as_written(("items", 0), False) is None
    assert parsed.key_as_written(("items",), True) is None


def test_of_two_keys_read_alike_the_last_is_named() -> None:
    # YAML keeps the last of equal keys: that is the one the value came from.
    parsed = parse(b"---\nid: x\nitems:\n  - on: 1\n    yes: 2\n---\n")
    assert parsed.meta is not None
    assert parsed.meta["items"] == [{True: 2}]
    assert parsed.key_as_written(("items", 0), True) == "yes"
    assert parsed.locate(("items", 0, "yes"), key=True) == (5, 5)


def test_a_top_level_key_that_is_not_text_is_named_as_written() -> None:
    parsed = parse(b"---\nid: x\noff: monday\n---\n")
    assert [(p.rule, p.line, p.column) for p in parsed.problems] == [
        ("front-matter-not-mapping", 3, 1)]
    assert "`off`" in parsed.problems[0].message
    assert parsed.meta == {"id": "x", "off": "monday"}


class _CountingText(str):
    """A document's text that counts how often something splits it whole."""

    splits = 0

    def split(self, *args: object, **kwargs: object) -> list[str]:  # type: ignore[override]
        type(self).splits += 1
        return super().split(*args, **kwargs)  # type: ignore[arg-type]

    def splitlines(self, *args: object, **kwargs: object) -> list[str]:  # type: ignore[override]
        type(self).splits += 1
        return super().splitlines(*args, **kwargs)  # type: ignore[arg-type]


def test_the_position_of_each_finding_does_not_rescan_the_document() -> None:
    # Issue 11: a 1 MB document with 500,000 list items took 444 s to lint, because each finding
    # split the whole text again. Many findings now cost one index of line starts, built once.
    n = 5_000
    raw = ("---\nid: RCA-0001\ntitle: Big\nservices:\n" + "".join("  - no\n" for _ in range(n))
           + "tags: [" + ", ".join(["off"] * n) + "]\n---\nbody\n").encode()
    parsed = parse(raw)
    assert parsed.ok
    parsed.text = _CountingText(parsed.text)
    _CountingText.splits = 0
    written = [parsed.source_text(("services", i)) for i in range(n)]
    written += [parsed.source_text(("tags", i)) for i in range(n)]
    assert written == ["no"] * n + ["off"] * n
    assert _CountingText.splits == 0
    assert parsed.locate(("services", n - 1)) == (4 + n, 5)
