"""Schemas: package data, bundled once per run, checked fast, explained kindly.

The fast path is a compiled validator (jsonschema-rs) that only answers "valid or not"; the
reference implementation (jsonschema) runs only for the documents that fail, to turn each
failure into one sentence at the right line. A test keeps the two in agreement.
"""

from __future__ import annotations

import copy
import marshal
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, cached_property
from pathlib import Path
from typing import Any

from improve.core.hashing import digest, hasher

# RFC 3339, as the compiled fast path reads it (ASCII digits only; `\d` would take any script's):
# year 0000 exists, and a leap second is allowed where the time is 23:59:60 in UTC.
_RFC3339_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")
_RFC3339 = re.compile(
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.[0-9]+)?"
    r"(?:[Zz]|([+-])([0-9]{2}):([0-9]{2}))$"
)


@dataclass(frozen=True)
class SchemaError:
    """One schema failure in plain words: where (a path in the front matter), which rule, what."""

    path: tuple[Any, ...]
    rule: str
    message: str
    at_key: bool = False
    value: Any = None


# Package data, read as plain files (pip installs packages unpacked): importlib.resources would
# cost every run from pre-commit a few milliseconds of imports.
SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"


@cache
def schema_text(name: str) -> str:
    return (SCHEMAS / f"{name}.schema.json").read_text("utf-8")


# Schemas of kinds a repository declares (improve.core.read.kinddecl), by a name that holds a hash of
# the schema, so two repositories read in one process never share one by mistake.
_DECLARED: dict[str, dict[str, Any]] = {}


def declare_schema(name: str, schema: dict[str, Any]) -> None:
    _DECLARED[name] = schema


def kind_schema(name: str) -> dict[str, Any]:
    """The schema a kind's documents are checked against: a declared kind's, else a bundled one."""
    declared = _DECLARED.get(name)
    return declared if declared is not None else bundled_schema(name)


def common_defs() -> dict[str, Any]:
    """The shared definitions (action items, people, dates, references) every schema may use."""
    import json

    defs: dict[str, Any] = json.loads(schema_text("common"))["$defs"]
    return defs


@cache
def bundled_schema(name: str) -> dict[str, Any]:
    """A kind's schema with the shared `$defs` merged in, so it stands alone (`improve schema`)."""
    import json  # not needed when the memo answers (see ValidMemo)

    schema: dict[str, Any] = json.loads(schema_text(name))
    if name != "config":
        common = json.loads(schema_text("common"))
        schema = copy.deepcopy(schema)
        schema["$defs"] = {**common["$defs"], **schema.get("$defs", {})}
    return schema


@cache
def schema_fingerprint() -> str:
    """A hash of every shipped schema, so the cache notices a schema change (read once per
    process, like the schemas themselves: the cache key and the config memo both ask)."""
    fingerprint = hasher()
    for entry in sorted(SCHEMAS.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".json"):
            fingerprint.update(entry.name.encode())
            fingerprint.update(entry.read_bytes())
    return fingerprint.hexdigest()[:16]


def _real_date(text: str) -> bool:
    match = _RFC3339_DATE.fullmatch(text)
    if not match:
        return False
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return 1 <= day <= days


def is_date(value: object) -> bool:
    """The reference `date` format: an RFC 3339 full-date (`2026-02-30` is not one)."""
    if not isinstance(value, str):
        return True
    return _real_date(value)


def is_datetime(value: object) -> bool:
    """The reference `date-time` format: an RFC 3339 timestamp with a zone offset."""
    if not isinstance(value, str):
        return True
    match = _RFC3339.fullmatch(value)
    if not match or not _real_date(match[1]):
        return False
    hour, minute, second = int(match[2]), int(match[3]), int(match[4])
    sign, off_hour, off_minute = match[5], int(match[6] or 0), int(match[7] or 0)
    if hour > 23 or minute > 59 or second > 60 or off_hour > 23 or off_minute > 59:
        return False
    if second == 60:  # a leap second: only at 23:59:60 UTC
        utc = hour * 60 + minute - (1 if sign == "+" else -1) * (off_hour * 60 + off_minute)
        return utc % (24 * 60) == 23 * 60 + 59
    return True


class ValidMemo:
    """Keys of front matter that passed every schema check (no error, no unknown field): a run
    whose documents' front matter did not change answers from here, without loading or
    compiling a schema (a one-file run from pre-commit, after a body edit, never imports
    jsonschema-rs).

    `known` gives the keys recorded by earlier runs (`instance_key`, `KEY_SIZE` bytes each), kept
    by the lint cache under its key (which covers the schemas, the config and improve's
    version); it is called at the first lookup, so a run that checks no front matter never
    gathers them. Read only: what a check learns, it returns (`Passed`).
    """

    KEY_SIZE = 16

    def __init__(self, known: Callable[[], Iterable[bytes]]) -> None:
        self._known = known
        self._set: frozenset[bytes] | None = None

    def __contains__(self, key: bytes) -> bool:
        if self._set is None:
            self._set = frozenset(self._known())
        return key in self._set


def instance_key(name: str, instance: Any) -> bytes | None:
    """The memo key of an instance for schema `name` (None when it has no stable form)."""
    try:
        # Version 2: no back-references, whose use depends on reference counts, not on values.
        data = marshal.dumps(instance, 2)
    except ValueError:
        return None
    return digest(name.encode() + b"\0" + data)


_UNCOMPILED: Any = object()


class SchemaValidator:
    """A compiled schema: `is_valid` is fast; `detailed_errors` explains a failure. Nothing is
    loaded or compiled until an instance needs it (the memo may answer first)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._fast: Any = _UNCOMPILED
        self._reference: Any = None

    @cached_property
    def schema(self) -> dict[str, Any]:
        return kind_schema(self.name)

    def is_valid(self, instance: Any) -> bool:
        if self._fast is _UNCOMPILED:
            self._fast = _compile_fast(self.schema)
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


# Lists whose entries have an `id`: a finding names the entry by it (`due` of action item A2),
# not by its place in the list (issue 16).
_ENTRY_NOUNS = {"action_items": "action item", "impediments": "impediment"}


def _field(path: tuple[Any, ...], instance: Any = None) -> str:
    if not path:
        return "front matter"
    if (len(path) >= 2 and path[0] in _ENTRY_NOUNS and isinstance(path[1], int)
            and isinstance(instance, dict) and isinstance(instance.get(path[0]), list)
            and 0 <= path[1] < len(instance[path[0]])):
        entry = instance[path[0]][path[1]]
        entry_id = entry.get("id") if isinstance(entry, dict) else None
        if isinstance(entry_id, str) and entry_id.isprintable() and len(entry_id) <= 12:
            rest = _field(path[2:]) if len(path) > 2 else ""
            return (f"{rest} of " if rest else "") + f"{_ENTRY_NOUNS[path[0]]} {entry_id}"
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
                    message += f" in {_field(path, instance)}"
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
                f"{_field(path, instance)} should be text, but YAML reads the unquoted value as "
                f"{_describe(value)}; put it in quotes",
                value=value,
            )
            return
        words = " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in expected_list)
        yield SchemaError(path, "invalid-type", f"{_field(path, instance)} must be {words}, not {_describe(value)}")
        return
    if keyword == "format":
        if error.validator_value == "date":
            yield SchemaError(path, "invalid-date",
                              f"{_field(path, instance)} is {value!r}, not a real date{_why_not(value)}; "
                              "write YYYY-MM-DD")
        else:
            yield SchemaError(
                path, "invalid-date",
                f"{_field(path, instance)} is {value!r}, not an ISO 8601 timestamp with a time zone; "
                "write e.g. 2026-03-04T10:15:00Z or 2026-03-04T11:15:00+01:00",
            )
        return
    if keyword in ("enum", "const"):
        options = error.validator_value if keyword == "enum" else [error.validator_value]
        message = f"{_field(path, instance)} is {value!r}; expected one of: " + ", ".join(map(str, options))
        if isinstance(value, str):
            from difflib import get_close_matches

            close = get_close_matches(value, [str(o) for o in options], n=1)
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
            hint = description[:1].lower() + description[1:].rstrip(".")
        else:
            hint = f"text matching {error.validator_value}"
        yield SchemaError(path, "invalid-value", f"{_field(path, instance)} is {value!r}; expected {hint}")
        return
    if keyword in ("minLength", "minItems"):
        yield SchemaError(path, "invalid-value", f"{_field(path, instance)} must not be empty"
                          + (f": {because}" if because else ""))
        return
    if keyword in ("minimum", "maximum"):
        bound = "at least" if keyword == "minimum" else "at most"
        yield SchemaError(path, "invalid-value",
                          f"{_field(path, instance)} is {value!r}; it must be {bound} {error.validator_value}")
        return
    if keyword == "anyOf" and all("required" in s for s in error.validator_value):
        names = " or ".join(f"`{s['required'][0]}`" for s in error.validator_value if s.get("required"))
        yield SchemaError(path, "missing-field", f"missing required field: one of {names}", at_key=True)
        return
    if keyword in ("oneOf", "anyOf"):
        # `supersedes: [ADR-0002, ADR-2]` fails both branches; the branch that matched best
        # points at the offending entry (`supersedes[2]`), not at the whole list.
        from jsonschema.exceptions import best_match

        best = best_match([error])
        if best is not error and best is not None:
            yield from _explain(best, instance)
            return
        if isinstance(value, bool | int | float) and not isinstance(value, bool):
            yield SchemaError(path, "yaml-implicit-type",
                              f"{_field(path, instance)} should be text, but YAML reads the unquoted value as "
                              f"{_describe(value)}; put it in quotes", value=value)
            return
        yield SchemaError(path, "invalid-value",
                          f"{_field(path, instance)} must be a document id (e.g. ADR-0003) or a list of them")
        return
    yield SchemaError(path, "invalid-value", f"{_field(path, instance)}: {error.message}")


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August",
                "September", "October", "November", "December")


def _why_not(value: object) -> str:
    """Why a date-shaped value is no date: the day or the month does not exist (issue 16)."""
    import calendar

    match = _RFC3339_DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        return ""
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return f" (there is no month {month})"
    days = calendar.monthrange(year, month)[1] if year >= 1 else 31
    if not 1 <= day <= days:
        return f" ({_MONTH_NAMES[month - 1]} {year} has {days} days)"
    return ""


def _example_id(pattern: str) -> str:
    match = re.match(r"\^([A-Z]+)-", pattern)
    return f"{match.group(1)}-0001" if match else "RCA-0001"


def _unknown(name: str, allowed: list[str]) -> str:
    message = f"`{name}` is not a known field"
    from difflib import get_close_matches

    close = get_close_matches(name, allowed, n=1, cutoff=0.6)
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
