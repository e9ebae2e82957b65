"""The one exception root of the library; each edge (CLI, MkDocs plugin) translates it.

Exit codes are part of the contract (README, "Exit codes"): findings are not exceptions and
never reach here. An `ImproveError` means improve cannot do what was asked at all.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3


class ImproveError(Exception):
    """Something stops improve from running; the message says what to do about it."""

    exit_code = EXIT_USAGE


class ConfigError(ImproveError):
    """The configuration is missing, unreadable or invalid."""


class UsageProblem(ImproveError):
    """An argument is wrong: an unknown id, kind, date or revision."""


class UnknownIdError(UsageProblem):
    """An id or action-item reference that names nothing, or more than one thing."""


class UnknownRevisionError(UsageProblem):
    """A git revision that does not exist in this repository."""


class WriteRefused(ImproveError, OSError):
    """A file improve may not or cannot write (read-only, a read-only folder, a full disk).

    Also an `OSError`, so that callers that write what they can rebuild (the lint cache) and
    already tolerate a failed write keep doing so.
    """

    def __str__(self) -> str:
        return str(self.strerror) if self.strerror else super().__str__()


class UnreadableFolder(ImproveError):
    """A kind's folder that exists but cannot be listed (permissions): never "no problems"."""


class UnsafePathError(ImproveError):
    """A path that would leave the repository (or a kind's folder)."""
