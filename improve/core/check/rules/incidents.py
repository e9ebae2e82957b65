"""RCAs: timestamps in order, vocabularies that can be counted."""

from __future__ import annotations

from collections.abc import Iterable

from improve.core.check.rules import Context, Issue, document_check
from improve.core.read.document import Document, as_datetime
from improve.model.kinds import HISTORICAL, INCIDENT


@document_check
def check_timestamps(doc: Document, ctx: Context) -> Iterable[Issue]:
    if not doc.kind.has(INCIDENT):
        return
    meta = doc.meta
    started = as_datetime(meta.get("started_at"))
    if started is not None:
        for name in ("detected_at", "mitigated_at", "resolved_at"):
            moment = as_datetime(meta.get(name))
            if moment is not None and moment < started:
                yield Issue("timestamp-order",
                            f"`{name}` ({meta[name]}) is before `started_at` ({meta['started_at']}); "
                            "check both timestamps and their time zones", path=(name,))
    mitigated = as_datetime(meta.get("mitigated_at"))
    resolved = as_datetime(meta.get("resolved_at"))
    if mitigated is not None and resolved is not None and resolved < mitigated:
        yield Issue("timestamp-order",
                    f"`resolved_at` ({meta['resolved_at']}) is before `mitigated_at` "
                    f"({meta['mitigated_at']}); an incident is mitigated before it is resolved",
                    path=("resolved_at",))
    timeline = meta.get("timeline")
    if isinstance(timeline, list):
        previous = None
        for index, entry in enumerate(timeline):
            moment = as_datetime(entry.get("at")) if isinstance(entry, dict) else None
            if moment is None:
                continue
            if previous is not None and moment < previous:
                yield Issue("timestamp-order",
                            f"timeline entry {index + 1} ({entry['at']}) is earlier than the entry "
                            "before it; keep the timeline in order", path=("timeline", index, "at"))
            previous = moment


@document_check
def check_vocabulary(doc: Document, ctx: Context) -> Iterable[Issue]:
    if not doc.kind.has(INCIDENT):
        return
    for name in ("detection", "contributing_factors"):
        allowed = ctx.config.vocabularies.get(name, ())
        value = doc.meta.get(name)
        values = value if isinstance(value, list) else [value]
        for index, entry in enumerate(values):
            if not isinstance(entry, str) or entry in allowed:
                continue
            path = (name, index) if isinstance(value, list) else (name,)
            message = f"`{name}` value {entry!r} is not in the vocabulary"
            from difflib import get_close_matches  # only for a value that is not allowed

            close = get_close_matches(entry, allowed, n=1)
            if close:
                message += f" (did you mean {close[0]!r}?)"
            message += (f"; use one of {', '.join(allowed)} or add it under "
                        f"{ctx.config.table('vocabularies')}")
            yield Issue("unknown-vocabulary", message, path=path)


# What the incident log and metrics read, in the order a person would fill it in.
_HISTORICAL_FIELDS = ("severity", "started_at", "resolved_at", "services", "root_causes")


@document_check
def check_historical(doc: Document, ctx: Context) -> Iterable[Issue]:
    if not doc.kind.has(INCIDENT) or not doc.kind.in_role(doc.status, HISTORICAL):
        return
    missing = [name for name in _HISTORICAL_FIELDS if not doc.meta.get(name)]
    if missing:
        yield Issue("historical-rca-incomplete",
                    "a historical RCA: the incident log and metrics count it, but without "
                    f"{', '.join(f'`{m}`' for m in missing)} its figures are incomplete; fill in "
                    "what is known (or leave it: this is a warning)", path=("status",))
