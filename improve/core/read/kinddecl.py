"""Kinds a repository declares in its config (`[kinds.<name>]`): experiments, lunch-and-learns,
on-call handovers, game days (issue 12).

A declaration becomes a `Kind` like the built-in ones, so every command and the handbook take it
with no code change. Its schema is a base every document has (id, title, date, people, tags,
related, visibility, previous ids, and action items when the kind has them) with the fields of
the repository's own schema file merged in; that file may use the shared definitions
(`#/$defs/action_items`, `people`, `date`, `doc_refs`, ...). A declaration that cannot work is
a config error (exit 2) naming the config file and line.
"""

from __future__ import annotations

import copy
import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from improve.core.errors import ConfigError
from improve.core.fsutil import inside, read_bounded
from improve.core.hashing import digest
from improve.model.kinds import KINDS, TRAITS, Kind, declared

_NAME = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
MAX_SCHEMA_BYTES = 1 << 20


def declare(name: str, raw: dict[str, Any], root: Path, where: str,
            taken: dict[str, str], *, checked: bool = False) -> Kind:
    """The Kind of `[kinds.<name>]`. `taken`: prefixes and names already used -> by which kind
    (filled in as kinds are declared). `where`: `file:line: ` of the declaration. `checked`: the
    config memo vouches for this declaration and its schema file's bytes, so the schema is not
    checked again (a run from pre-commit stays fast)."""
    if not _NAME.match(name):
        raise ConfigError(f"{where}kinds.{name}: a kind's name is lower-case letters, digits and "
                          "dashes, starting with a letter (e.g. `experiment`, `game-day`)")
    prefix = raw.get("prefix")
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise ConfigError(f"{where}kinds.{name}: needs `prefix`, the id prefix of its documents: "
                          "capital letters and digits, e.g. `prefix = \"EXP\"` for EXP-0001")
    names = [name, *raw.get("aliases", ())]
    for used in (prefix, *names):
        if used in taken:
            raise ConfigError(f"{where}kinds.{name}: {used!r} is already used by the kind "
                              f"{taken[used]}; give this kind its own name and prefix")
    for trait in raw.get("traits", ()):
        if trait not in TRAITS:
            raise ConfigError(f"{where}kinds.{name}: unknown trait {trait!r}; the traits are: "
                              + ", ".join(sorted(TRAITS)))
    # Section aliases, layouts and status words apply to any kind, built in or declared: the
    # config reads them (`_kind_settings`), so the declaration itself is read without them.
    kind = declared(name, {key: value for key, value in raw.items()
                           if key not in ("section_aliases", "layouts", "statuses")})
    has_items, people_field, references = (kind.has_action_items, kind.people_field,
                                           kind.reference_fields)
    schema_path = raw.get("schema")
    template_path = raw.get("template")
    for what, path in (("schema", schema_path), ("template", template_path)):
        if path is not None and not _inside_file(root, path):
            raise ConfigError(f"{where}kinds.{name}.{what}: {path!r} is not a file inside the "
                              "repository; write its path relative to the repository root")
    schema = _schema(name, prefix, people_field, has_items, references,
                     tuple(raw.get("traits", ())),
                     _read_schema(root, schema_path, f"{where}kinds.{name}.schema")
                     if schema_path else None, f"{where}kinds.{name}.schema", checked=checked)
    schema_name = f"{name}.{digest(json.dumps(schema, sort_keys=True).encode()).hex()[:12]}"
    from improve.core.check.validate import declare_schema

    declare_schema(schema_name, schema)
    for used in (prefix, *names):
        taken[used] = name
    return dataclasses.replace(
        kind, schema=f"{schema_name}.schema.json", template="", schema_path=schema_path,
        template_path=template_path, catalog_columns=tuple(raw.get("catalog", ("date",))))


def taken_by_builtins() -> dict[str, str]:
    taken: dict[str, str] = {}
    for kind in KINDS.values():
        for used in (kind.prefix, kind.name, *kind.aliases):
            taken[used] = kind.name
    return taken


def _inside_file(root: Path, path: object) -> bool:
    if not isinstance(path, str) or not path or path.startswith("/") or "\0" in path:
        return False
    target = root / path
    return inside(root, target) and target.is_file()


def _read_schema(root: Path, path: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(read_bounded(root / path, MAX_SCHEMA_BYTES).decode("utf-8"))
    except OSError as exc:
        raise ConfigError(f"{where}: cannot read {path} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where}: {path} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg}); fix the "
                          "schema of this kind") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: a kind's schema is a JSON object")
    return data


def _schema(name: str, prefix: str, people_field: str, has_items: bool,
            references: tuple[str, ...], traits: tuple[str, ...], own: dict[str, Any] | None,
            where: str, *, checked: bool = False) -> dict[str, Any]:
    """The base every document has, the fields its traits work with (those of the built-in kind
    with the trait: `last_reviewed` for a review cycle), and the repository's own schema merged
    in; checked as a Draft 2020-12 schema."""
    from improve.core.check.validate import bundled_schema, common_defs

    properties: dict[str, Any] = {
        "id": {"type": "string", "pattern": f"^{prefix}-[0-9]{{4,9}}$"},
        "title": {"$ref": "#/$defs/text"},
        "date": {"$ref": "#/$defs/date"},
        people_field: {"$ref": "#/$defs/people"},
        "tags": {"$ref": "#/$defs/tags"},
        "visibility": {"$ref": "#/$defs/visibility"},
        "previous_ids": {"$ref": "#/$defs/doc_refs"},
        "imported_from": {"$ref": "#/$defs/text"},
    }
    for field in references:
        properties.setdefault(field, {"$ref": "#/$defs/doc_refs"})
    for trait in traits:
        for builtin in KINDS.values():
            if builtin.has(trait):
                fields = bundled_schema(builtin.schema.removesuffix(".schema.json"))["properties"]
                for field, rule in fields.items():
                    if field != "id":
                        properties.setdefault(field, rule)
    if has_items:
        properties["action_items"] = {"$ref": "#/$defs/action_items"}
    schema: dict[str, Any] = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": name,
        "type": "object",
        "required": ["id", "title", "date"],
        "properties": properties,
    }
    if own:
        own = copy.deepcopy(own)
        schema["properties"] = {**properties, **own.pop("properties", {})}
        schema["required"] = list(dict.fromkeys([*schema["required"], *own.pop("required", [])]))
        own_defs = own.pop("$defs", {})
        for keyword in ("$schema", "$id", "title", "type"):
            own.pop(keyword, None)
        schema.update(own)
        schema["$defs"] = {**common_defs(), **own_defs}
    else:
        schema["$defs"] = common_defs()
    if checked:
        return schema
    if not _valid_schema(schema):
        import jsonschema  # only to explain a schema that is not valid: its import costs 80 ms

        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            at = "/".join(str(p) for p in exc.absolute_path) or "(top)"
            raise ConfigError(f"{where}: not a valid JSON Schema at {at}: {exc.message}"
                              ) from None
    missing = sorted(ref for ref in _refs(schema) if not ref.startswith("#/$defs/")
                     or ref.removeprefix("#/$defs/") not in schema["$defs"])
    if missing:
        raise ConfigError(f"{where}: `$ref` to {', '.join(missing)}, which the schema does not "
                          "define; the shared definitions are: " + ", ".join(sorted(
                              schema["$defs"])))
    return schema


def _valid_schema(schema: dict[str, Any]) -> bool:
    """Whether a schema is valid Draft 2020-12, by the compiled validator (a run from pre-commit
    reads the config every time; jsonschema would add its import to each)."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - the wheel exists for every platform we support
        return False
    try:
        jsonschema_rs.validator_for(schema)
    except (jsonschema_rs.ValidationError, ValueError):
        return False
    return True


def _refs(node: object) -> set[str]:
    found: set[str] = set()
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            found.add(ref)
        for value in node.values():
            found |= _refs(value)
    elif isinstance(node, list):
        for value in node:
            found |= _refs(value)
    return found
