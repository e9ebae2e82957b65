"""Write this repository's own copies of the files `improve init` writes, from the same templates.

One source (issue 5): the workflow under .github/workflows/ and the content folders' READMEs are
rendered by `improve.core.write.scaffolding`; `tests/unit/write/test_scaffolding_drift.py` fails when they
drift. Run `.venv/bin/python tooling/sync_scaffolding.py` after editing a template
(`--check` only reports).

This repository differs from a team's in one deliberate way: its workflow installs improve from
the checkout (`pip install -e`), because it tests the code it publishes; a team's installs the
pinned release, the same one its pre-commit hook runs.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SELF_INSTALL = "pip install -e '.[site]'"
# The files this repository shares byte for byte with what `improve init` writes. Its mkdocs.yml
# (the example handbook's own site settings), .pre-commit-config.yaml (local hooks on the
# development virtual environment) and config (in pyproject.toml) are its own.
SHARED_ROLES = ("folder", "ci")


def expected() -> dict[str, str]:
    from improve.core.write.scaffolding import Options, plan

    options = Options(install=SELF_INSTALL)
    return {p.path: p.content for p in plan(options, with_config=False) if p.role in SHARED_ROLES}


def main() -> int:
    from improve.core.fsutil import atomic_write

    stale = []
    for rel, content in expected().items():
        path = ROOT / rel
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            stale.append(rel)
            if "--check" not in sys.argv:
                atomic_write(path, content.encode("utf-8"))
    for rel in stale:
        print(("differs: " if "--check" in sys.argv else "wrote: ") + rel)
    return 1 if stale and "--check" in sys.argv else 0


if __name__ == "__main__":
    raise SystemExit(main())
