"""Writing front matter: safe, deterministic YAML that reads back to the same values.

Dates and timestamps are emitted unquoted (they are read back as text, see `frontmatter`);
anything YAML 1.1 would misread (`no`, `0012`, `12:30`) is quoted by the dumper.
"""

from __future__ import annotations

from typing import Any

import yaml


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeDumper.yaml_implicit_resolvers.items()
}


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    # PyYAML writes NEL (U+0085) raw inside single quotes, where a reader folds it to a space:
    # a title holding one would not read back. Double quotes write it as the escape `\N`.
    if "\x85" in data:
        return dumper.represent_scalar("tag:yaml.org,2002:str", data, style='"')
    return dumper.represent_str(data)


_Dumper.add_representer(str, _represent_str)


def dump_front_matter(data: dict[str, Any]) -> str:
    """The YAML lines between the `---` fences, keys in the given order."""
    text: str = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True,
                          default_flow_style=False, width=1_000_000)
    return text


def scalar(value: Any) -> str:
    """One value as an inline YAML scalar or flow collection (for in-place edits)."""
    text: str = yaml.dump(value, Dumper=_Dumper, allow_unicode=True, default_flow_style=True,
                          width=1_000_000)
    text = text.rstrip("\n")
    return text.removesuffix("\n...").rstrip("\n")
