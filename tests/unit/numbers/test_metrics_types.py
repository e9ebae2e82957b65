"""The metrics result is typed (issue 12): a misspelt or renamed key is a type error that mypy
reports, not a KeyError a user meets."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

SNIPPET = '''
from improve.core.numbers.metrics import MetricsJson

def open_items(figures: MetricsJson) -> int:
    return figures["action_items"]["opne"]

def escaped(figures: MetricsJson) -> int:
    return figures["incidents"]["escaped_defects"]
'''


def test_mypy_sees_a_misspelt_metrics_key(tmp_path: Path) -> None:
    module = tmp_path / "reader.py"
    module.write_text(SNIPPET, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary",
                           "--cache-dir", str(tmp_path / "cache"), str(module)], cwd=ROOT,
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    errors = [line for line in done.stdout.splitlines() if str(module) in line]
    # The typo, on its line only (a follow-on "returning Any" there too); the right key passes.
    assert all(":5: error:" in line for line in errors), done.stdout
    assert any('TypedDict "ActionItemFigures" has no key "opne"' in line for line in errors)
