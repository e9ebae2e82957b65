"""Unit tests mirror the package: `tests/unit/read/` tests `improve/core/read/`, and so on.

Their shared helpers (`gitrepo`) live here; this folder goes on sys.path for every test below it,
whatever order pytest collects them in.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = str(Path(__file__).resolve().parent)
if HERE not in sys.path:
    sys.path.insert(0, HERE)
