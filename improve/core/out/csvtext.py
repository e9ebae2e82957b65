"""Cells of a CSV file a spreadsheet will open: the one home of the CSV-injection guard, used by
`improve actions --format csv` and `improve export --format csv`."""

from __future__ import annotations

# Characters a spreadsheet reads as the start of a formula (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n")


def spreadsheet_safe(text: str) -> str:
    """`text`, written as text when Excel or Sheets would run it as a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
