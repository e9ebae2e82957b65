"""Delivering the weekly digest where people read (issue 16): e-mail, Slack, Microsoft Teams and
Mattermost, grouped by owner, owners mentioned through the roster.

Destinations and their secrets come from environment variables only (CI secrets), never from the
repository, and are never printed: a failure names the destination and what went wrong, not the
address or the password. Every destination is checked before anything is sent, and the result
says which were sent and which failed, so nothing half-sent is reported as sent.
"""

from __future__ import annotations

import html
import json
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from improve.core.errors import EXIT_FINDINGS, ImproveError, UsageProblem
from improve.core.numbers.digest import NOTHING, Digest, by_owner, render_text, summary
from improve.core.out import mdtext
from improve.core.read.config import Config

TIMEOUT_SECONDS = 20


class DeliveryFailed(ImproveError):
    """A destination could not be reached or refused the digest (exit 1: the job failed)."""

    exit_code = EXIT_FINDINGS


# --- e-mail ---------------------------------------------------------------------------------


def email_message(result: Digest, config: Config, sender: str, recipients: list[str]
                  ) -> EmailMessage:
    """A text part and an HTML part; every user string escaped in the HTML."""
    message = EmailMessage()
    message["Subject"] = f"Handbook digest for {result.today.isoformat()}: {summary(result)}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    sections = by_owner(result, config)
    parts = [f"<h2>Handbook digest for {result.today.isoformat()}</h2>",
             f"<p>{html.escape(summary(result))}</p>"]
    for section in sections:
        parts.append(f"<h3>{html.escape(section.owner)}</h3><ul>")
        parts += [f"<li>{html.escape(line)}</li>" for line in section.lines()]
        parts.append("</ul>")
    if not sections:
        parts.append(f"<p>{NOTHING}</p>")
    message.set_content(render_text(result, config))
    message.add_alternative("<!DOCTYPE html><html><body>" + "".join(parts) + "</body></html>\n",
                            subtype="html")
    return message


def send_email(message: EmailMessage, env: Mapping[str, str]) -> None:
    host = env["IMPROVE_SMTP_HOST"]
    port = int(env.get("IMPROVE_SMTP_PORT", "587"))
    starttls = env.get("IMPROVE_SMTP_STARTTLS", "1") != "0"
    user, password = env.get("IMPROVE_SMTP_USER"), env.get("IMPROVE_SMTP_PASSWORD")
    context = ssl.create_default_context()
    if env.get("IMPROVE_SMTP_CA_FILE"):
        context.load_verify_locations(env["IMPROVE_SMTP_CA_FILE"])
    try:
        with smtplib.SMTP(host, port, timeout=TIMEOUT_SECONDS) as smtp:
            if starttls:
                smtp.starttls(context=context)
            if user and password:
                _login(smtp, user, password)
            smtp.send_message(message)
    except smtplib.SMTPAuthenticationError:
        raise DeliveryFailed("e-mail: the SMTP server refused the login (check "
                             "IMPROVE_SMTP_USER and IMPROVE_SMTP_PASSWORD)") from None
    except smtplib.SMTPNotSupportedError:
        raise DeliveryFailed("e-mail: the SMTP server does not offer STARTTLS; set "
                             "IMPROVE_SMTP_STARTTLS=0 only for a relay on a trusted network"
                             ) from None
    except (smtplib.SMTPException, OSError, ssl.SSLError) as exc:
        raise DeliveryFailed(f"e-mail: could not send through the SMTP server "
                             f"({type(exc).__name__}: {_reason(exc)})") from None


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """One AUTH attempt (PLAIN when offered, over the TLS session): `login` would retry every
    mechanism after a refusal, and some servers drop the connection instead of answering."""
    smtp.ehlo_or_helo_if_needed()
    if "PLAIN" in smtp.esmtp_features.get("auth", "").upper().split():
        smtp.user, smtp.password = user, password
        smtp.auth("PLAIN", smtp.auth_plain)
    else:
        smtp.login(user, password)


def _reason(exc: BaseException) -> str:
    """An error's text without what it might carry of a secret (an address with a token)."""
    text = str(getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc)
    return mdtext.one_line(text)[:200]


# --- chat -----------------------------------------------------------------------------------


def _mention(config: Config, owner: str, platform: str) -> str:
    person = config.roster.get(owner)
    handle = person.chat.get(platform) if person is not None else None
    if not handle:
        return owner
    if platform == "slack":
        return f"<@{handle}>"
    if platform == "teams":
        return f"<at>{owner}</at>"
    return f"@{handle.lstrip('@')}"


def _slack_text(text: str) -> str:
    """Slack's mrkdwn needs `&`, `<` and `>` escaped, so a title cannot mention @channel."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(result: Digest, config: Config) -> dict[str, Any]:
    """Block Kit: a header, the totals, a section per owner (each under Slack's 3,000 limit)."""
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text",
                                    "text": f"Handbook digest for {result.today.isoformat()}"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": summary(result)}]},
    ]
    for section in by_owner(result, config)[:45]:  # Slack allows 50 blocks
        body = "\n".join(f"• {_slack_text(line)}" for line in section.lines())
        text = f"*{_mention(config, section.owner, 'slack')}*\n{body}"
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2990]}})
    return {"text": f"Handbook digest: {summary(result)}", "blocks": blocks}


def teams_payload(result: Digest, config: Config) -> dict[str, Any]:
    """An Adaptive Card (1.4) in the message envelope that Teams' incoming webhooks take."""
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "size": "Large", "weight": "Bolder", "wrap": True,
         "text": f"Handbook digest for {result.today.isoformat()}"},
        {"type": "TextBlock", "wrap": True, "isSubtle": True, "text": summary(result)},
    ]
    entities: list[dict[str, Any]] = []
    for section in by_owner(result, config):
        mention = _mention(config, section.owner, "teams")
        if mention != section.owner:
            entities.append({"type": "mention", "text": mention,
                             "mentioned": {"id": config.roster[section.owner].chat["teams"],
                                           "name": section.owner}})
        body.append({"type": "TextBlock", "weight": "Bolder", "wrap": True, "text": mention})
        body += [{"type": "TextBlock", "wrap": True, "spacing": "None",
                  "text": "- " + _teams_text(line)} for line in section.lines()]
    card: dict[str, Any] = {"$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                            "type": "AdaptiveCard", "version": "1.4", "body": body}
    if entities:
        card["msteams"] = {"entities": entities}
    return {"type": "message", "attachments": [
        {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None,
         "content": card}]}


def _teams_text(text: str) -> str:
    """A TextBlock reads a subset of Markdown: its marks are escaped."""
    return "".join(f"\\{c}" if c in "\\*_[]()#`>" else c for c in text)


def mattermost_payload(result: Digest, config: Config) -> dict[str, Any]:
    """An incoming webhook's `text`, in Markdown, a section per owner."""
    lines = [f"#### Handbook digest for {result.today.isoformat()}", summary(result), ""]
    for section in by_owner(result, config):
        lines.append(f"**{_mention(config, section.owner, 'mattermost')}**")
        lines += [f"- {mdtext.text(line)}" for line in section.lines()]
        lines.append("")
    return {"text": "\n".join(lines).rstrip() + "\n", "username": "improve"}


def post_json(url: str, payload: dict[str, Any], name: str) -> None:
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=data, method="POST",
                                     headers={"Content-Type": "application/json"})
    if not url.startswith(("https://", "http://")):
        raise UsageProblem(f"{name}: the webhook address is not an http(s) URL")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            response.read(1 << 16)
    except urllib.error.HTTPError as exc:
        raise DeliveryFailed(f"{name}: the webhook answered HTTP {exc.code} "
                             f"({mdtext.one_line(str(exc.reason))[:100]})") from None
    except (urllib.error.URLError, OSError) as exc:
        raise DeliveryFailed(f"{name}: the webhook could not be reached ({_reason(exc)})") from None


# --- destinations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Destination:
    name: str
    needs: tuple[str, ...]  # environment variables that must be set
    preview: Callable[[Digest, Config, Mapping[str, str]], str]
    send: Callable[[Digest, Config, Mapping[str, str]], None]


def _email_preview(result: Digest, config: Config, env: Mapping[str, str]) -> str:
    recipients = _recipients(env)
    return email_message(result, config, env.get("IMPROVE_SMTP_FROM", "improve"),
                         recipients).as_string()


def _recipients(env: Mapping[str, str]) -> list[str]:
    return [r.strip() for r in env.get("IMPROVE_SMTP_TO", "").split(",") if r.strip()]


def _email_send(result: Digest, config: Config, env: Mapping[str, str]) -> None:
    send_email(email_message(result, config, env["IMPROVE_SMTP_FROM"], _recipients(env)), env)


def _chat(name: str, variable: str,
          payload: Callable[[Digest, Config], dict[str, Any]]) -> Destination:
    return Destination(
        name, (variable,),
        lambda result, config, env: json.dumps(payload(result, config), indent=2,
                                               ensure_ascii=False) + "\n",
        lambda result, config, env: post_json(env[variable], payload(result, config), name))


DESTINATIONS: dict[str, Destination] = {
    "email": Destination("email", ("IMPROVE_SMTP_HOST", "IMPROVE_SMTP_FROM", "IMPROVE_SMTP_TO"),
                         _email_preview, _email_send),
    "slack": _chat("slack", "IMPROVE_SLACK_WEBHOOK", slack_payload),
    "teams": _chat("teams", "IMPROVE_TEAMS_WEBHOOK", teams_payload),
    "mattermost": _chat("mattermost", "IMPROVE_MATTERMOST_WEBHOOK", mattermost_payload),
}


def chosen(names: tuple[str, ...], env: Mapping[str, str]) -> list[Destination]:
    """The destinations asked for (`auto`: every one whose variables are set), each checked
    before anything is sent: a missing variable is a usage error naming it."""
    if "auto" in names:
        return [d for d in DESTINATIONS.values() if all(env.get(v) for v in d.needs)]
    found = [DESTINATIONS[name] for name in dict.fromkeys(names)]
    for destination in found:
        missing = [v for v in destination.needs if not env.get(v)]
        if missing:
            raise UsageProblem(f"--send {destination.name} needs the environment variable"
                               f"{'s' if len(missing) > 1 else ''} {', '.join(missing)} "
                               "(README, \"Delivering the digest\"); nothing was sent")
    return found


def deliver(result: Digest, config: Config, destinations: list[Destination],
            env: Mapping[str, str] | None = None) -> tuple[list[str], list[str]]:
    """Send to each destination; (sent, failures). One failure does not stop the others."""
    env = os.environ if env is None else env
    sent: list[str] = []
    failures: list[str] = []
    for destination in destinations:
        try:
            destination.send(result, config, env)
        except DeliveryFailed as exc:
            failures.append(str(exc))
        else:
            sent.append(destination.name)
    return sent, failures
