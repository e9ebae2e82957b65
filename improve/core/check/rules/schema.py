"""Schema rules: each jsonschema failure becomes one of these, with a sentence and a position."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, Passed, document_check
from improve.core.check.validate import SchemaError, instance_key, schema_validator, unknown_fields
from improve.core.read.document import Document


@document_check
def check_schema(doc: Document, ctx: Context) -> Iterable[Issue | Passed]:
    schema_name = doc.kind.schema.removesuffix(".schema.json")
    meta = doc.meta
    memo = ctx.memo
    memo_key = instance_key(schema_name, meta) if memo is not None else None
    if memo is not None and memo_key is not None and memo_key in memo:
        yield Passed(memo_key)
        return  # this very front matter passed before: no schema loaded, nothing compiled
    validator = schema_validator(schema_name)
    errors: list[SchemaError] = [] if validator.is_valid(meta) else validator.detailed_errors(meta)
    errors += [error for error in unknown_fields(validator.schema, meta)
               if len(error.path) != 1 or not ctx.config.allows_key(error.path[0])]
    if not errors and memo_key is not None:
        yield Passed(memo_key)
    for error in errors:
        message = error.message
        if error.rule == "yaml-implicit-type":
            written = doc.parsed.source_text(error.path) or str(error.value)
            field = ".".join(str(p) for p in error.path)
            message = (f"`{field}` is written `{written}`, which YAML reads as "
                       f"{_describe(error.value)}, not text; quote it: \"{written}\"")
        path = error.path
        if error.rule == "unknown-field" and not isinstance(path[-1], str):
            # `on:` in an item is the key True to YAML: name it as written, and point at it.
            key = path[-1]
            as_written = doc.parsed.key_as_written(path[:-1], key)
            if as_written is not None:
                path = (*path[:-1], as_written)
            name = as_written or ("null" if key is None else str(key).lower())
            message = (f"`{name}` is not a known field; YAML reads this unquoted key as "
                       f"{_describe(key)}, not as text: quote it (`\"{name}\":`) if the word "
                       "is meant")
        yield Issue(error.rule, message, path=path, at_key=error.at_key)


def _describe(value: object) -> str:
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "null (no value)"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"a {type(value).__name__} value"
