"""The kinds registry: heading comparison, layouts, and its vocabularies agreeing with the schemas."""

from __future__ import annotations

import pytest

from improve.core.check.validate import bundled_schema
from improve.model.kinds import KINDS, heading_key


@pytest.mark.parametrize(("written", "key"), [
    ("What went well ✅", "what went well"),
    ("Lessons Learnt:", "lessons learned"),
    ("2. Root cause <!-- five whys -->", "root cause"),
    ("Pros & Cons of the Options", "pros and cons of the options"),
    ("**Decision Outcome**", "decision outcome"),
    ("Review of the previous retro's action items", "review of the previous retros action items"),
    ("2026", "2026"),  # a number alone stays
])
def test_headings_compare_without_case_punctuation_emoji_or_spelling(written: str,
                                                                    key: str) -> None:
    assert heading_key(written) == key


@pytest.mark.parametrize("kind", [k for k in KINDS.values() if k.statuses], ids=lambda k: k.name)
def test_the_schema_allows_exactly_the_kinds_statuses(kind: object) -> None:
    from improve.model.kinds import Kind

    assert isinstance(kind, Kind)
    schema = bundled_schema(kind.schema.removesuffix(".schema.json"))
    assert tuple(schema["properties"]["status"]["enum"]) == kind.statuses
    # Every mapped word lands on a status the schema allows.
    assert {status for _word, status in kind.status_map} <= set(kind.statuses)


def test_every_layout_is_told_apart_by_its_headings() -> None:
    """A document written exactly in one layout is read as that layout, not another."""
    for kind in KINDS.values():
        for layout in kind.all_layouts:
            found = {heading_key(s.title) for s in layout.sections if not s.optional}
            assert kind.layout_for({}, found) is layout, (kind.name, layout.name)


def literals_compared(words: set[str]) -> list[str]:
    """Every place in improve/ outside the registry where one of `words` is compared with
    anything (==, in, match), or looked up in KINDS."""
    import ast
    from pathlib import Path

    package = Path(__file__).resolve().parents[3] / "improve"
    found: list[str] = []
    for path in sorted(package.rglob("*.py")):
        if path.relative_to(package).as_posix() == "model/kinds.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            literals: list[ast.expr] = []
            if isinstance(node, ast.Compare):
                literals = [node.left, *node.comparators]
                literals += [e for c in node.comparators if isinstance(c, ast.Tuple | ast.List |
                                                                       ast.Set) for e in c.elts]
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name) and \
                    node.value.id == "KINDS":
                literals = [node.slice]
            elif isinstance(node, ast.match_case) and isinstance(node.pattern, ast.MatchValue):
                literals = [node.pattern.value]
            for literal in literals:
                if isinstance(literal, ast.Constant) and literal.value in words:
                    found.append(f"{path.relative_to(package)}: {ast.unparse(node)}")
    return found


def test_no_kind_name_is_compared_outside_the_registry() -> None:
    """Kinds are data (issue 12): code asks a kind for a trait or a field, never for its name, so
    a kind a team declares works everywhere. A literal kind name (or alias) compared with
    anything, or looked up in KINDS, anywhere in improve/ outside the registry fails this test."""
    assert literals_compared({a for kind in KINDS.values() for a in (kind.name, *kind.aliases)}) == []


def test_no_document_status_is_compared_outside_the_registry() -> None:
    """A kind's statuses are its own vocabulary (issue 12): code asks which status plays a role
    (`kind.in_role(status, PUBLISHED)`), so `draft` or `superseded` is spelt in one place."""
    assert literals_compared({s for kind in KINDS.values() for s in kind.statuses}) == []


def test_the_schemas_hold_the_vocabularies_of_the_model() -> None:
    """One source for severities, action-item statuses and visibilities (issue 12)."""
    from improve.model.vocabulary import ITEM_STATUSES, SEVERITIES, VISIBILITIES

    rca = bundled_schema("rca")
    assert tuple(rca["properties"]["severity"]["enum"]) == SEVERITIES
    assert tuple(rca["$defs"]["action_item"]["properties"]["status"]["enum"]) == ITEM_STATUSES
    assert tuple(rca["$defs"]["visibility"]["enum"]) == VISIBILITIES


def test_every_schema_property_has_a_description_for_editor_tooltips() -> None:
    """Issue 16: editors (VS Code's YAML extension, JetBrains) show `description` on hover."""
    missing: list[str] = []

    def walk(node: object, where: str) -> None:
        if not isinstance(node, dict):
            return
        for name, prop in node.get("properties", {}).items():
            if isinstance(prop, dict) and "description" not in prop:
                missing.append(f"{where}{name}")
            walk(prop, f"{where}{name}.")
        walk(node.get("items"), where)
        for name, definition in node.get("$defs", {}).items():
            walk(definition, f"$defs.{name}.")

    for kind in KINDS.values():
        walk(bundled_schema(kind.schema.removesuffix(".schema.json")), f"{kind.name}: ")
    assert missing == []


# What only a built-in kind declares: its schema and template are bundled files, and its
# statuses, their roles and the text-list fields are the built-in schemas' own.
BUILT_IN_ONLY = {"status_values", "status_roles", "status_links", "text_lists", "owner_fields",
                 "default_layout"}


def test_the_built_in_kinds_are_declared_as_a_repository_declares_its_own() -> None:
    """The four built-in kinds are bundled data (issue 12), read by the same `declared` as a
    repository's `[kinds.<name>]`: each declaration, less the few keys only a built-in kind has,
    is a valid kind declaration of the config schema."""
    import tomllib
    from pathlib import Path

    import jsonschema

    import improve.model.kinds as registry

    text = (Path(registry.__file__).parent / "kinds.toml").read_text(encoding="utf-8")
    declarations = tomllib.loads(text)
    config_schema = bundled_schema("config")
    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/$defs/kind_declaration", "$defs": config_schema["$defs"]})
    for name, raw in declarations.items():
        shared = {key: value for key, value in raw.items() if key not in BUILT_IN_ONLY}
        assert [e.message for e in validator.iter_errors(shared)] == [], name
