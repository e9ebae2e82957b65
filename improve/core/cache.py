"""The lint cache (see issue: speed). Until it lands, a cached run is an uncached run."""

from __future__ import annotations

from collections.abc import Sequence

from improve.core.analyze import FileResult
from improve.core.parallel import analyze_many
from improve.core.repository import DocFile
from improve.core.rules import Context


def cached_analyze(files: Sequence[DocFile], ctx: Context) -> dict[str, FileResult]:
    return analyze_many(files, ctx)
