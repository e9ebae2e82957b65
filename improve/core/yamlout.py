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
