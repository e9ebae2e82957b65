"""The plugin's typed options (`plugins: - improve: {...}` in mkdocs.yml)."""

from __future__ import annotations

import datetime as dt

from mkdocs.config import base
from mkdocs.config import config_options as c


class ImproveConfig(base.Config):  # type: ignore[no-untyped-call]
    """Options of the `improve` MkDocs plugin; every one has a working default."""

    enabled = c.Type(bool, default=True)
    # Pin "today" (overdue, stale, recently done); default: $IMPROVE_TODAY, else the date in the
    # repository's configured time zone.
    today = c.Optional(c.Type((str, dt.date)))
    # The repository root, relative to mkdocs.yml (default: the folder holding mkdocs.yml).
    root = c.Optional(c.Type(str))
    # Lint the repository once per build: errors become warnings, warnings info messages.
    lint = c.Type(bool, default=True)
    # Build the navigation (home, generated indexes, hand-written pages) when mkdocs.yml has no nav.
    navigation = c.Type(bool, default=True)
    # Days ahead that count as "due soon"; days back that count as "recently done".
    due_soon_days = c.Optional(c.Type(int))
    recent_done_days = c.Optional(c.Type(int))
