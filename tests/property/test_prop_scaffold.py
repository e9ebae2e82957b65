"""Property tests for `improve new`: any title and any `--field` value land inside the kind's
folder, and the written file always parses (issue 7)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest
from docgen import TODAY, check_problems, tricky_text, unicode_text
from hypothesis import given, settings
from hypothesis import strategies as st

from improve.core.errors import UsageProblem
from improve.core.numbers.carryover import prepare_request
from improve.core.read.config import Config, load_config
from improve.core.read.frontmatter import parse
from improve.core.write.scaffold import MAX_SLUG, Request, create, parse_field, slugify
from improve.model.ids import FILE_NAME_RE, file_name
from improve.model.kinds import KINDS

READ_RULES = {"yaml-syntax", "yaml-complexity", "duplicate-key", "tab-indentation",
              "front-matter-missing", "front-matter-unterminated", "front-matter-not-mapping",
              "encoding", "binary-file", "empty-file"}
HOSTILE = st.sampled_from(["../../etc/passwd", "/etc/passwd", "..", ".", "a/../../b", "C:\\x",
                           "---", "title: x", "\n---\nid: RCA-9999\n---\n", "{{ 7*7 }}",
                           "{% raw %}", "<script>", "\x00", " ", "~", "no", "a" * 300])
titles = st.one_of(unicode_text, HOSTILE, st.text(min_size=250, max_size=320))

yaml_values: st.SearchStrategy[Any] = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), unicode_text, HOSTILE),
    lambda children: st.one_of(st.lists(children, max_size=3),
                               st.dictionaries(st.text(max_size=8), children, max_size=3)),
    max_leaves=8,
)
field_keys = st.one_of(st.sampled_from(["title", "date", "team", "status", "tags", "folder",
                                        "path", "slug", "id_", "severity", "action_items"]),
                       st.from_regex(r"[A-Za-z_][A-Za-z0-9_-]{0,10}", fullmatch=True))


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Config:
    root = tmp_path_factory.mktemp("new-repo")
    (root / "pyproject.toml").write_text("[tool.improve]\n", encoding="utf-8")
    return load_config(root)


@given(titles)
def test_slug_is_a_safe_file_name(title: str) -> None:
    slug = slugify(title)
    assert slug
    assert len(slug) <= MAX_SLUG
    assert "/" not in slug
    assert "\\" not in slug
    assert "\x00" not in slug
    assert not slug.startswith(("-", "."))
    assert slug not in (".", "..")
    name = file_name(7, slug)
    assert FILE_NAME_RE.fullmatch(name)
    assert name.encode("utf-8")


@given(st.one_of(unicode_text, st.tuples(field_keys, unicode_text).map("=".join)))
def test_parse_field_reads_or_refuses(assignment: str) -> None:
    try:
        key, _value = parse_field(assignment)
    except UsageProblem:
        return
    assert key
    assert key != "id"


@settings(max_examples=max(10, settings.default.max_examples // 2))
@given(
    kind=st.sampled_from(sorted(KINDS)),
    title=titles,
    author=st.one_of(st.none(), unicode_text, HOSTILE),
    assignments=st.lists(st.tuples(field_keys, st.one_of(unicode_text, HOSTILE)), max_size=3),
    values=st.dictionaries(field_keys, yaml_values, max_size=2),
)
def test_new_document_stays_inside_its_folder_and_parses(
    repo: Config, kind: str, title: str, author: str | None,
    assignments: list[tuple[str, str]], values: dict[str, Any],
) -> None:
    fields: dict[str, Any] = {}
    for key, value in assignments:
        try:
            name, parsed = parse_field(f"{key}={value}")
        except UsageProblem:
            continue
        fields[name] = parsed
    fields.update({k: v for k, v in values.items() if k != "id"})
    request = Request(kind=KINDS[kind], title=title, today=TODAY, author=author, fields=fields)
    prepare_request(repo, request)
    folder = (repo.root / repo.folder(KINDS[kind])).resolve()
    before = {p for p in repo.root.rglob("*") if p.is_file()}
    document = create(repo, request)
    after = {p for p in repo.root.rglob("*") if p.is_file()}
    assert after - before == {document.path}, "exactly one new file, the document"
    assert document.path.resolve().parent == folder
    assert FILE_NAME_RE.fullmatch(document.path.name)
    parsed = parse(document.path.read_bytes())
    check_problems(parsed)
    assert parsed.ok, parsed.problems
    assert not {p.rule for p in parsed.problems} & READ_RULES, parsed.problems
    assert parsed.meta is not None
    assert parsed.meta["id"] == document.doc_id
    if "title" not in fields:
        assert parsed.meta["title"] == title
    for key, value in fields.items():
        if isinstance(value, str | bool | int) and value == value:
            assert parsed.meta[key] == value
    if len(list(folder.iterdir())) > 40:  # keep numbering scans cheap
        shutil.rmtree(folder)


@given(tricky_text)
def test_dry_run_writes_nothing(repo: Config, title: str) -> None:
    before = sorted(repo.root.rglob("*"))
    request = Request(kind=KINDS["retro"], title=title, today=TODAY)
    prepare_request(repo, request)
    document = create(repo, request, dry_run=True)
    assert not document.written
    assert sorted(repo.root.rglob("*")) == before
    assert parse(document.content.encode("utf-8")).ok
