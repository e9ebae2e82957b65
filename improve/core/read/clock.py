"""The one notion of "today" (overdue, stale, `done_on`, ages): pinned, or the configured zone's date.

Order: an explicit value (`--today`, a plugin option), else `IMPROVE_TODAY`, else the current date
in the configured time zone (UTC by default).
"""

from __future__ import annotations

import datetime as dt
import os

from improve.core.errors import ConfigError, UsageProblem

ENV_TODAY = "IMPROVE_TODAY"


def parse_date(text: str, *, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise UsageProblem(f"{what} {text!r} is not an ISO date; write it as YYYY-MM-DD") from None


def zone(name: str) -> dt.tzinfo:
    if name.upper() == "UTC":
        return dt.UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # not loaded when today is pinned

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError, UnicodeError):  # a folder such as 'Europe'

        raise ConfigError(
            f"unknown time zone {name!r} in the config; use an IANA name such as 'Europe/Berlin'"
        ) from None


def shift(day: dt.date, days: int) -> dt.date:
    """`day` plus `days`, held at the ends of the calendar (a pinned `--today 9999-12-31` plus a
    fortnight is 9999-12-31, not an OverflowError: issue 11). The one home of date arithmetic on
    dates that come from users."""
    try:
        return day + dt.timedelta(days=days)
    except OverflowError:
        return dt.date.max if days > 0 else dt.date.min


def in_zone(moment: dt.datetime, tz: dt.tzinfo) -> dt.datetime | None:
    """`moment` as seen in `tz`; None when that falls outside the years 1 to 9999 (a timestamp
    within hours of either end of the calendar, which Python cannot represent there)."""
    try:
        return moment.astimezone(tz)
    except OverflowError:
        return None


def today(timezone: str = "UTC", pinned: str | dt.date | None = None) -> dt.date:
    """Today, as every part of improve must see it."""
    if isinstance(pinned, dt.date):
        return pinned
    if pinned:
        return parse_date(pinned, what="--today")
    env = os.environ.get(ENV_TODAY, "").strip()
    if env:
        return parse_date(env, what=ENV_TODAY)
    return dt.datetime.now(zone(timezone)).date()
