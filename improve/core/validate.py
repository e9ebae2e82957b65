"""Schemas: package data, bundled once per run, checked fast, explained kindly.

The fast path is a compiled validator (jsonschema-rs) that only answers "valid or not"; the
reference implementation (jsonschema) runs only for the documents that fail, to turn each
failure into one sentence at the right line. A test keeps the two in agreement.
"""

from __future__ import annotations

import copy
import datetime as dt
import difflib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

_RFC3339 = re.compile(
    r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$"
)


@dataclass(frozen=True)
class SchemaError:
    """One schema failure in plain words: where (a path in the front matter), which rule, what."""

    path: tuple[Any, ...]
    rule: str
    message: str
    at_key: bool = False
    value: Any = None


@cache
def schema_text(name: str) -> str:
    return resources.files("improve.core.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")


@cache
def bundled_schema(name: str) -> dict[str, Any]:
    """A kind's schema with the shared `$defs` merged in, so it stands alone (`improve schema`)."""
    schema: dict[str, Any] = json.loads(schema_text(name))
    if name != "config":
        common = json.loads(schema_text("common"))
        schema = copy.deepcopy(schema)
        schema["$defs"] = {**common["$defs"], **schema.get("$defs", {})}
    return schema


def schema_fingerprint() -> str:
    """A hash of every shipped schema, so the cache notices a schema change."""
    import hashlib

    digest = hashlib.sha256()
    for entry in sorted(resources.files("improve.core.schemas").iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            digest.update(entry.name.encode())
            digest.update(entry.read_bytes())
    return digest.hexdigest()[:16]


def is_date(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        return False
    try:
        dt.datetime.fromisoformat(value.replace("z", "Z").replace("t", "T"))
    except ValueError:
        return False
    return True


class SchemaValidator:
    """A compiled schema: `is_valid` is fast; `detailed_errors` explains a failure."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.schema = bundled_schema(name)
        self._fast = _compile_fast(self.schema)
        self._reference: Any = None

    def is_valid(self, instance: Any) -> bool:
        if self._fast is not None:
            try:
                return bool(self._fast.is_valid(instance))
            except (ValueError, TypeError):  # YAML-only types (`!!binary`, `!!set`): not JSON
                pass
        return not any(True for _ in self._reference_validator().iter_errors(instance))

    def reference_is_valid(self, instance: Any) -> bool:
        """The reference implementation's verdict (for the agreement test)."""
        return not any(True for _ in self._reference_validator().iter_errors(instance))

    def _reference_validator(self) -> Any:
        if self._reference is None:
            import jsonschema

            checker = jsonschema.FormatChecker(formats=())
            checker.checks("date")(is_date)
            checker.checks("date-time")(is_datetime)
            self._reference = jsonschema.Draft202012Validator(self.schema, format_checker=checker)
        return self._reference

    def detailed_errors(self, instance: Any) -> list[SchemaError]:
        errors = sorted(
            self._reference_validator().iter_errors(instance),
            key=lambda e: [str(p) for p in e.absolute_path],
        )
        found: list[SchemaError] = []
        for error in errors:
            found.extend(_explain(error, instance))
        # Several failures can point at one value (oneOf branches); keep the first of each.
        unique: dict[tuple[Any, ...], SchemaError] = {}
        for item in found:
            unique.setdefault((item.path, item.rule, item.message), item)
        return list(unique.values())


def _compile_fast(schema: dict[str, Any]) -> Any:
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the wheel exists for every platform we support
        return None
    return jsonschema_rs.validator_for(schema, validate_formats=True)


@cache
def schema_validator(name: str) -> SchemaValidator:
    return SchemaValidator(name)


def _field(path: tuple[Any, ...]) -> str:
    if not path:
        return "front matter"
    parts: list[str] = []
    for part in path:
        if isinstance(part, int):
            parts.append(f"[{part + 1}]")
        else:
            parts.append(("." if parts else "") + str(part))
    return "`" + "".join(parts) + "`"


_TYPE_WORDS = {
    "string": "text",
    "array": "a list",
    "object": "a mapping of fields",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "empty" if value is None else type(value).__name__


def _explain(error: Any, instance: Any) -> Iterator[SchemaError]:
    path = tuple(error.absolute_path)
    keyword = error.validator
    value = error.instance
    because = error.schema.get("x-because") if isinstance(error.schema, dict) else None
    if keyword == "required":
        present = set(value) if isinstance(value, dict) else set()
        for name in error.validator_value:
            if name not in present:
                message = f"missing required field `{name}`"
                if path:
                    message += f" in {_field(path)}"
                if because:
                    message += f": {because}"
                yield SchemaError(path, "missing-field", message, at_key=True)
        return
    if keyword == "additionalProperties":
        allowed = sorted(error.schema.get("properties", {}))
        for name in sorted(set(value) - set(allowed)) if isinstance(value, dict) else []:
            yield SchemaError((*path, name), "unknown-field", _unknown(name, allowed), at_key=True)
        return
    if keyword == "type":
        expected = error.validator_value
        expected_list = expected if isinstance(expected, list) else [expected]
        if "string" in expected_list and isinstance(value, bool | int | float):
            yield SchemaError(
                path, "yaml-implicit-type",
                f"{_field(path)} should be text, but YAML reads the unquoted value as "
                f"{_describe(value)}; put it in quotes",
                value=value,
            )
            return
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected_list)
        yield SchemaError(path, "invalid-type", f"{_field(path)} must be {words}, not {_describe(value)}")
        return
    if keyword == "format":
        if error.validator_value == "date":
            yield SchemaError(path, "invalid-date",
                              f"{_field(path)} is {value!r}, not a real date; write YYYY-MM-DD")
        else:
            yield SchemaError(
                path, "invalid-date",
                f"{_field(path)} is {value!r}, not an ISO 8601 timestamp with a time zone; "
                "write e.g. 2026-03-04T10:15:00Z or 2026-03-04T11:15:00+01:00",
            )
        return
    if keyword in ("enum", "const"):
        options = error.validator_value if keyword == "enum" else [error.validator_value]
        message = f"{_field(path)} is {value!r}; expected one of: " + ", ".join(map(str, options))
        if isinstance(value, str):
            close = difflib.get_close_matches(value, [str(o) for o in options], n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
        yield SchemaError(path, "invalid-value", message)
        return
    if keyword == "pattern":
        description = error.schema.get("description", "")
        if path and path[-1] == "id" and len(path) == 1:
            hint = "an id such as " + _example_id(error.validator_value)
        elif "A[1-9]" in error.validator_value and "#" not in error.validator_value:
            hint = "an item id such as A1, A2"
        elif description:
            hint = description.rstrip(".")
        else:
            hint = f"text matching {error.validator_value}"
        yield SchemaError(path, "invalid-value", f"{_field(path)} is {value!r}; expected {hint}")
        return
    if keyword in ("minLength", "minItems"):
        yield SchemaError(path, "invalid-value", f"{_field(path)} must not be empty"
                          + (f": {because}" if because else ""))
        return
    if keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        yield SchemaError(path, "invalid-value",
                          f"{_field(path)} is {value!r}; it must be {bound} {error.validator_value}")
        return
    if keyword == "anyOf" and all("required" in s for s in error.validator_value):
        names = " or ".join(f"`{s['required'][0]}`" for s in error.validator_value if s.get("required"))
        yield SchemaError(path, "missing-field", f"missing required field: one of {names}", at_key=True)
        return
    if keyword in ("oneOf", "anyOf"):
        if isinstance(value, bool | int | float) and not isinstance(value, bool):
            yield SchemaError(path, "yaml-implicit-type",
                              f"{_field(path)} should be text, but YAML reads the unquoted value as "
                              f"{_describe(value)}; put it in quotes", value=value)
            return
        yield SchemaError(path, "invalid-value",
                          f"{_field(path)} must be a document id (e.g. ADR-0003) or a list of them")
        return
    yield SchemaError(path, "invalid-value", f"{_field(path)}: {error.message}")


def _example_id(pattern: str) -> str:
    match = re.match(r"\^([A-Z]+)-", pattern)
    return f"{match.group(1)}-0001" if match else "RCA-0001"


def _unknown(name: str, allowed: list[str]) -> str:
    message = f"`{name}` is not a known field"
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        message += f"; did you mean `{close[0]}`?"
    return message


def unknown_fields(schema: dict[str, Any], instance: Any) -> list[SchemaError]:
    """Keys the schema does not define (warnings, so a document with an extra key still builds)."""
    found: list[SchemaError] = []

    def walk(tree: _FieldTree, value: Any, path: tuple[Any, ...]) -> None:
        if isinstance(value, dict) and tree.props is not None:
            if tree.check_extra:
                for key in value:
                    if key not in tree.props:
                        found.append(SchemaError((*path, key), "unknown-field",
                                                 _unknown(str(key), tree.names), at_key=True))
            for key, sub in tree.children:
                if key in value:
                    walk(sub, value[key], (*path, key))
        elif isinstance(value, list) and tree.items is not None:
            for index, item in enumerate(value):
                walk(tree.items, item, (*path, index))

    walk(_field_tree(schema), instance, ())
    return found


@dataclass
class _FieldTree:
    """A schema node with its `$ref`s resolved, reduced to what `unknown_fields` walks: compiled
    once per schema instead of merging `$defs` for every value of every document."""

    props: dict[str, Any] | None = None  # the node's `properties`, when it has some
    names: list[str] = field(default_factory=list)  # their names, sorted (for did-you-mean)
    check_extra: bool = False  # no `additionalProperties`: unknown keys are reported
    children: list[tuple[str, _FieldTree]] = field(default_factory=list)  # those worth a walk
    items: _FieldTree | None = None
    active: bool = True  # whether walking a value here can ever report anything


_FIELD_TREES: dict[int, tuple[dict[str, Any], _FieldTree]] = {}


def _field_tree(schema: dict[str, Any]) -> _FieldTree:
    known = _FIELD_TREES.get(id(schema))
    if known is not None and known[0] is schema:
        return known[1]
    defs = schema.get("$defs", {})
    memo: dict[int, _FieldTree] = {}

    def resolve(node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node and node["$ref"].startswith("#/$defs/"):
            target = defs[node["$ref"].removeprefix("#/$defs/")]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        return node

    def build(source: dict[str, Any]) -> _FieldTree:
        if id(source) in memo:  # a recursive schema: assume the worst, keep walking
            return memo[id(source)]
        tree = memo[id(source)] = _FieldTree()
        node = resolve(source)
        if "properties" in node:
            tree.props = node["properties"]
            tree.names = sorted(tree.props)
            tree.check_extra = "additionalProperties" not in node
            for key, sub in tree.props.items():
                child = build(sub)
                if child.active:
                    tree.children.append((key, child))
        if isinstance(node.get("items"), dict):
            items = build(node["items"])
            tree.items = items if items.active else None
        tree.active = bool((tree.props is not None and (tree.check_extra or tree.children))
                           or tree.items is not None)
        return tree

    tree = build(schema)
    _FIELD_TREES[id(schema)] = (schema, tree)
    return tree
