"""Analysing many files: in this process for a few, across cores for many (cold runs)."""

from __future__ import annotations

from collections.abc import Sequence

from improve.core.analyze import FileResult, analyze_file
from improve.core.repository import DocFile
from improve.core.rules import Context


def analyze_many(files: Sequence[DocFile], ctx: Context) -> dict[str, FileResult]:
    return {f.path: analyze_file(f, ctx) for f in files}
