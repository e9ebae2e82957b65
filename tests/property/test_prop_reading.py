"""Property tests: the front-matter reader never raises, and every problem it reports is placed
inside the file under a registered rule (issue 7)."""

from __future__ import annotations

from docgen import (
    any_document,
    check_problems,
    fenced_text,
    mutated_documents,
    unicode_text,
    yaml_documents,
)
from hypothesis import given
from hypothesis import strategies as st

from improve.core.read.frontmatter import parse


@given(st.binary(max_size=2000))
def test_arbitrary_bytes(raw: bytes) -> None:
    check_problems(parse(raw))


@given(st.binary(max_size=1000))
def test_arbitrary_bytes_after_a_fence(raw: bytes) -> None:
    check_problems(parse(b"---\n" + raw))


@given(unicode_text)
def test_arbitrary_unicode(text: str) -> None:
    check_problems(parse(text.encode("utf-8")))


@given(fenced_text())
def test_arbitrary_unicode_in_front_matter(raw: bytes) -> None:
    check_problems(parse(raw))


@given(yaml_documents())
def test_arbitrary_yaml(raw: bytes) -> None:
    check_problems(parse(raw))


@given(mutated_documents())
def test_mutated_documents(case: tuple[str, bytes]) -> None:
    _kind, raw = case
    check_problems(parse(raw))


@given(any_document(), st.integers(1, 2000))
def test_size_limit_is_a_finding(case: tuple[str, bytes], limit: int) -> None:
    _kind, raw = case
    parsed = parse(raw, max_size=limit)
    check_problems(parsed)
    if len(raw) > limit:
        assert [p.rule for p in parsed.problems] == ["file-too-large"]
        assert parsed.meta is None
