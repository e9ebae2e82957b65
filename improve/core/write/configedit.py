"""Adding keys of other tools to the config's `[front_matter] allow` list, in place.

`improve import` keeps the keys other tools wrote (Jekyll's `nav_order`, Docusaurus'
`sidebar_label`, ...) and allows them here, so the imported documents lint quietly. The config is
the team's own file: only the `allow` line changes (or a table is added at the end), everything
else stays byte for byte, the result must read back as the old config plus those keys, and it is
written atomically. A form this cannot extend (a multi-line list, an inline table) is refused
with the keys to add by hand.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from improve.core.errors import UsageProblem
from improve.core.fsutil import atomic_write, read_bounded, replace_if_unchanged
from improve.core.read.config import PYPROJECT, STANDALONE, Config

_ALLOW = re.compile(r"^(?P<lead>\s*allow\s*=\s*)\[(?P<items>[^\]\n]*)\](?P<tail>\s*(#.*)?)$")


def allow_keys(config: Config, keys: Iterable[str]) -> tuple[Path, list[str]]:
    """Add `keys` to the allow-list of the repository's config; returns the file and the keys
    that were added (none when all were allowed already)."""
    missing = sorted({k for k in keys if k not in config.allowed_keys and not k.startswith("x-")})
    source = config.source or config.root / STANDALONE
    if not missing:
        return source, []
    in_pyproject = source.name == PYPROJECT
    table = "tool.improve.front_matter" if in_pyproject else "front_matter"
    raw = read_bounded(source, 1 << 20) if source.exists() else b""
    text = raw.decode("utf-8")
    eol = "\r\n" if "\r\n" in text else "\n"
    lines = text.splitlines(keepends=True)
    header = re.compile(rf"^\s*\[\s*{re.escape(table)}\s*\]\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line.rstrip("\r\n"))), None)
    refused = UsageProblem(
        f"{source.name}: cannot add to `allow` under [{table}] in place; add "
        f"{', '.join(json.dumps(k) for k in missing)} to it by hand")
    if start is None:
        added = "" if not text or text.endswith("\n") else eol
        added += f"{eol}[{table}]{eol}allow = {_list(missing)}{eol}"
        new_text = text + added
    else:
        end = next((i for i in range(start + 1, len(lines))
                    if lines[i].lstrip().startswith("[")), len(lines))
        position = next((i for i in range(start + 1, end)
                         if lines[i].lstrip().startswith("allow")), None)
        if position is None:
            lines.insert(start + 1, f"allow = {_list(missing)}{eol}")
        else:
            line = lines[position]
            ending = line[len(line.rstrip("\r\n")):]
            match = _ALLOW.match(line.rstrip("\r\n"))
            if match is None:
                raise refused
            try:
                current = tomllib.loads(f"x = [{match['items']}]")["x"]
            except tomllib.TOMLDecodeError:
                raise refused from None
            lines[position] = (f"{match['lead']}{_list([*current, *missing])}{match['tail']}"
                               f"{ending}")
        new_text = "".join(lines)
    _verify(text, new_text, in_pyproject, missing, refused)
    data = new_text.encode("utf-8")
    if source.exists():
        replace_if_unchanged(source, raw, data)
    else:
        atomic_write(source, data, exclusive=True)
    return source, missing


def _list(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(v) for v in values) + "]"


def _section(data: dict[str, Any], in_pyproject: bool) -> dict[str, Any]:
    if in_pyproject:
        data = data.get("tool", {}).get("improve", {})
    return data


def _verify(old: str, new: str, in_pyproject: bool, added: list[str],
            refused: UsageProblem) -> None:
    """The new file must read as the old one with exactly `added` appended to the list."""
    try:
        before = tomllib.loads(old)
        after = tomllib.loads(new)
    except tomllib.TOMLDecodeError:
        raise refused from None
    old_section, new_section = _section(before, in_pyproject), _section(after, in_pyproject)
    old_allow = old_section.get("front_matter", {}).get("allow", [])
    new_allow = new_section.get("front_matter", {}).get("allow")
    if new_allow != [*old_allow, *added]:
        raise refused
    old_section.setdefault("front_matter", {})["allow"] = new_allow
    if before != after:
        raise refused
