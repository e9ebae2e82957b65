"""Incidents from paging tools, as RCA drafts (issue 15): PagerDuty, Opsgenie, incident.io and
a generic CSV of `at,event`.

Each reader takes the export a team can download from its tool's API (the shapes its REST
documentation gives) and returns what an RCA needs: title, severity, services, the start,
detection, mitigation and resolution times, and the timeline. Times keep the zone they were
written in. What the export does not say is left for a person, and said so.

- PagerDuty: one JSON object holding the responses of `GET /incidents/{id}` (`incident`) and
  `GET /incidents/{id}/log_entries` (`log_entries`).
- Opsgenie: `GET /v2/alerts/{id}` or `GET /v1/incidents/{id}` (`data`) with the activity log,
  `GET /v2/alerts/{id}/logs` (`logs`, its `data` list or the list itself).
- incident.io: `GET /v2/incidents/{id}` (`incident`) with `GET /v2/incident_updates`
  (`incident_updates`), optional.
- CSV: a header `at,event` and one row per event.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from improve.core.read.document import as_datetime

PAGING_FORMATS = ("pagerduty", "opsgenie", "incident-io", "csv")

# How paging tools name severities and priorities -> improve's.
SEVERITIES = {
    "p1": "SEV1", "sev1": "SEV1", "sev-1": "SEV1", "critical": "SEV1", "sev0": "SEV1",
    "p2": "SEV2", "sev2": "SEV2", "sev-2": "SEV2", "high": "SEV2", "major": "SEV2",
    "p3": "SEV3", "sev3": "SEV3", "sev-3": "SEV3", "moderate": "SEV3", "medium": "SEV3",
    "minor": "SEV3",
    "p4": "SEV4", "p5": "SEV4", "sev4": "SEV4", "sev-4": "SEV4", "low": "SEV4", "info": "SEV4",
}


@dataclass
class PagedIncident:
    title: str
    severity_written: str | None = None
    services: list[str] = field(default_factory=list)
    started_at: str | None = None
    detected_at: str | None = None
    mitigated_at: str | None = None
    resolved_at: str | None = None
    timeline: list[dict[str, str]] = field(default_factory=list)
    reference: str | None = None
    summary: str | None = None

    @property
    def severity(self) -> str | None:
        if not self.severity_written:
            return None
        return SEVERITIES.get(self.severity_written.strip().lower().replace(" ", ""))


def detect_paging(text: str) -> str | None:
    """The format of a JSON or CSV export, or None."""
    stripped = text.lstrip()
    if not stripped.startswith(("{", "[")):
        first = stripped.split("\n", 1)[0].lower().replace(" ", "")
        return "csv" if first.startswith("at,event") else None
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    if "log_entries" in data or (isinstance(data.get("incident"), dict)
                                 and "incident_number" in data["incident"]):
        return "pagerduty"
    if isinstance(data.get("incident"), dict):
        return "incident-io"
    if isinstance(data.get("data"), dict) and ("tinyId" in data["data"]
                                               or "message" in data["data"]):
        return "opsgenie"
    return None


def _moment(value: Any) -> str | None:
    """A timestamp as written, when it is ISO 8601 with a zone (the RCA schema's form)."""
    if isinstance(value, str) and as_datetime(value) is not None:
        return value
    return None


def _event(at: Any, text: Any) -> dict[str, str] | None:
    moment = _moment(at)
    if moment is None or not isinstance(text, str) or not text.strip():
        return None
    return {"at": moment, "event": " ".join(text.split())[:500]}


def _earlier(moment: str, than: str | None) -> bool:
    first, second = as_datetime(moment), as_datetime(than) if than else None
    return second is None or (first is not None and first < second)


def _sorted(events: list[dict[str, str] | None]) -> list[dict[str, str]]:
    found = [e for e in events if e is not None]
    moment = {id(e): as_datetime(e["at"]) for e in found}
    return sorted(found, key=lambda e: (moment[id(e)], e["event"]))


def read_pagerduty(data: dict[str, Any]) -> PagedIncident:
    incident = data.get("incident") or {}
    entries = data.get("log_entries") or []
    priority = incident.get("priority") or {}
    service = incident.get("service") or {}
    found = PagedIncident(
        title=str(incident.get("title") or incident.get("summary") or "Incident"),
        severity_written=(priority.get("summary") or priority.get("name")
                          if isinstance(priority, dict) else None) or incident.get("urgency"),
        services=[service["summary"]] if isinstance(service, dict) and service.get("summary")
        else [],
        started_at=_moment(incident.get("created_at")),
        reference=f"PagerDuty #{incident['incident_number']}" if incident.get("incident_number")
        else None,
        summary=incident.get("description") if isinstance(incident.get("description"), str)
        else None)
    events = []
    for entry in entries if isinstance(entries, list) else []:
        if not isinstance(entry, dict):
            continue
        kind, at = entry.get("type", ""), _moment(entry.get("created_at"))
        events.append(_event(at, entry.get("summary") or kind.replace("_", " ")))
        if kind.startswith("trigger") and at and _earlier(at, found.detected_at):
            found.detected_at = at
        if kind.startswith("resolve") and at:
            found.resolved_at = at
    if found.resolved_at is None and incident.get("status") == "resolved":
        found.resolved_at = _moment(incident.get("resolved_at")
                                    or incident.get("last_status_change_at"))
    found.timeline = _sorted(events)
    return found


def read_opsgenie(data: dict[str, Any]) -> PagedIncident:
    alert = data.get("data") or {}
    logs = data.get("logs")
    if isinstance(logs, dict):
        logs = logs.get("data")
    found = PagedIncident(
        title=str(alert.get("message") or "Incident"),
        severity_written=alert.get("priority"),
        services=[str(s) for s in alert.get("impactedServices", []) if isinstance(s, str)],
        started_at=_moment(alert.get("createdAt")),
        detected_at=_moment(alert.get("createdAt")),
        reference=f"Opsgenie #{alert['tinyId']}" if alert.get("tinyId") else None,
        summary=alert.get("description") if isinstance(alert.get("description"), str) else None)
    events = []
    for entry in logs if isinstance(logs, list) else []:
        if not isinstance(entry, dict):
            continue
        text = str(entry.get("log") or "")
        at = _moment(entry.get("createdAt"))
        events.append(_event(at, text))
        lowered = text.lower()
        if at and ("closed" in lowered or "resolved" in lowered):
            found.resolved_at = at
    if found.resolved_at is None and alert.get("status") in ("closed", "resolved"):
        found.resolved_at = _moment(alert.get("updatedAt"))
    found.timeline = _sorted(events)
    return found


# incident.io's timestamp names -> the RCA field they fill.
_INCIDENT_IO_TIMES = {"impact started": "started_at", "reported at": "detected_at",
                      "identified at": "detected_at", "fixed at": "mitigated_at",
                      "mitigated at": "mitigated_at", "resolved at": "resolved_at",
                      "closed at": "resolved_at"}


def read_incident_io(data: dict[str, Any]) -> PagedIncident:
    incident = data.get("incident") or {}
    severity = incident.get("severity") or {}
    found = PagedIncident(
        title=str(incident.get("name") or "Incident"),
        severity_written=severity.get("name") if isinstance(severity, dict) else None,
        started_at=_moment(incident.get("created_at")),
        reference=incident.get("reference") if isinstance(incident.get("reference"), str)
        else None,
        summary=incident.get("summary") if isinstance(incident.get("summary"), str) else None)
    for entry in incident.get("incident_timestamp_values", []) or []:
        if not isinstance(entry, dict):
            continue
        name = str((entry.get("incident_timestamp") or {}).get("name", "")).strip().lower()
        value = _moment((entry.get("value") or {}).get("value"))
        target = _INCIDENT_IO_TIMES.get(name)
        if target and value and (target != "resolved_at" or found.resolved_at is None
                                 or name == "resolved at"):
            setattr(found, target, value)
    for entry in incident.get("custom_field_entries", []) or []:
        field_name = str((entry.get("custom_field") or {}).get("name", "")).lower()
        if "service" in field_name:
            for value in entry.get("values", []) or []:
                item = value.get("value_catalog_entry") or value.get("value_option") or {}
                name = item.get("name") or value.get("value_text")
                if isinstance(name, str):
                    found.services.append(name)
    updates = data.get("incident_updates") or []
    found.timeline = _sorted([
        _event(u.get("created_at"), u.get("message") or
               (u.get("new_incident_status") or {}).get("name"))
        for u in updates if isinstance(u, dict)])
    return found


def read_csv(text: str) -> PagedIncident:
    rows = list(csv.DictReader(io.StringIO(text)))
    events = _sorted([_event(row.get("at"), row.get("event")) for row in rows])
    found = PagedIncident(title="Incident", timeline=events)
    if events:
        found.started_at = events[0]["at"]
        found.title = events[0]["event"][:120]
    return found


READERS: dict[str, Callable[[str], PagedIncident]] = {
    "pagerduty": lambda text: read_pagerduty(json.loads(text)),
    "opsgenie": lambda text: read_opsgenie(json.loads(text)),
    "incident-io": lambda text: read_incident_io(json.loads(text)),
    "csv": read_csv,
}
