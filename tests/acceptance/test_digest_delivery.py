"""`improve digest --send` (issue 16): the weekly digest delivered by e-mail through a real SMTP
server with STARTTLS and a login (aiosmtpd, started here on 127.0.0.1), and to Slack, Teams and
Mattermost incoming webhooks (a local HTTP receiver), grouped by owner with roster mentions; a
dry run sends nothing; secrets never show; a failed delivery is an error naming what failed."""

from __future__ import annotations

import email
import json
import subprocess
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from valid_docs import block

PASSWORD = "s3cret-pa55word"
TOKEN = "T000/B000/XXXXsecrettokenXXXX"
CONFIG = '''timezone = "UTC"

[roster]
alice = { names = ["Alice Example"], slack = "U012ALICE", teams = "alice@example.org", mattermost = "alice" }
bob = { names = ["Bob Example"] }
'''


@pytest.fixture
def book(handbook: Any) -> Any:
    handbook.write(".improve.toml", CONFIG)
    handbook.add("retro", 1, action_items=block(
        {"id": "A1", "title": "'Rotate <the> keys & @channel'", "owner": "alice",
         "due": "2026-02-20", "status": "open", "opened_on": "2026-02-01"},      # overdue
        {"id": "A2", "title": "Write the rota", "owner": "bob", "due": "2026-03-09",
         "status": "open", "opened_on": "2026-02-01"}))                          # due soon
    handbook.add("rca", 2, visibility="restricted", action_items=block(
        {"id": "A1", "title": "Secret follow-up", "owner": "alice", "due": "2026-02-01",
         "status": "open", "opened_on": "2026-01-20"}))
    return handbook


class Receiver:
    """A local webhook endpoint: records every POST; answers with `status`."""

    def __init__(self) -> None:
        self.posts: list[tuple[str, dict[str, Any]]] = []
        self.status = 200
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length).decode("utf-8"))
                receiver.posts.append((self.path, body))
                self.send_response(receiver.status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/{name}/{TOKEN}"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A real SMTP server on 127.0.0.1 that offers STARTTLS (a certificate made here) and
    requires a login over TLS; the messages it accepted are in `messages`."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                    str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    import ssl

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    messages: list[Message] = []

    class Handler:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
            messages.append(email.message_from_bytes(envelope.content))
            return "250 OK"

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str,
                      auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == b"improve" and \
            auth_data.password == PASSWORD.encode()
        return AuthResult(success=ok, handled=False)  # not handled: the server answers 535

    import socket

    with socket.socket() as probe:  # a free port (aiosmtpd's controller needs a number)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port, tls_context=context,
                            require_starttls=True, authenticator=authenticator,
                            auth_require_tls=True)
    controller.start()
    try:
        yield {"env": {"IMPROVE_SMTP_HOST": "127.0.0.1", "IMPROVE_SMTP_PORT": str(port),
                       "IMPROVE_SMTP_USER": "improve", "IMPROVE_SMTP_PASSWORD": PASSWORD,
                       "IMPROVE_SMTP_FROM": "handbook@example.org",
                       "IMPROVE_SMTP_TO": "team@example.org, lead@example.org",
                       "IMPROVE_SMTP_CA_FILE": str(cert)},
               "messages": messages}
    finally:
        controller.stop()


def test_email_over_starttls_with_a_text_and_an_html_part(book: Any, smtp: dict[str, Any]) -> None:
    result = book.run("digest", "--send", "email", env=smtp["env"])
    assert result.exit_code == 0, result
    assert result.stdout == "Sent the digest to: email.\n"
    [message] = smtp["messages"]
    assert message["To"] == "team@example.org, lead@example.org"
    assert " ".join(message["Subject"].split()) == ("Handbook digest for 2026-03-02: 1 overdue, 1 due within 14 "
                                  "days, 0 runbooks to review")
    parts = {part.get_content_type(): part.get_payload(decode=True).decode("utf-8")
             .replace("\r\n", "\n") for part in message.walk() if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    assert "alice:\n  - Overdue: RETRO-0001#A1 Rotate <the> keys & @channel (due 2026-02-20)" \
        in parts["text/plain"]
    assert "bob:\n  - Due soon: RETRO-0001#A2 Write the rota" in parts["text/plain"]
    assert "<h3>alice</h3>" in parts["text/html"]
    assert "Rotate &lt;the&gt; keys &amp; @channel" in parts["text/html"]
    assert "<the>" not in parts["text/html"]
    assert "Secret follow-up" not in parts["text/plain"] + parts["text/html"]


def test_a_wrong_password_is_a_clear_failure(book: Any, smtp: dict[str, Any]) -> None:
    env = {**smtp["env"], "IMPROVE_SMTP_PASSWORD": "wrong-one"}
    result = book.run("--debug", "digest", "--send", "email", env=env)
    assert result.exit_code == 1, result
    assert "e-mail: the SMTP server refused the login" in result.stderr
    assert "wrong-one" not in result.stdout + result.stderr
    assert smtp["messages"] == []


def test_chat_payloads_have_each_vendors_shape(book: Any, receiver: Receiver) -> None:
    env = {"IMPROVE_SLACK_WEBHOOK": receiver.url("slack"),
           "IMPROVE_TEAMS_WEBHOOK": receiver.url("teams"),
           "IMPROVE_MATTERMOST_WEBHOOK": receiver.url("mattermost")}
    result = book.run("digest", "--send", "slack", "--send", "teams", "--send", "mattermost",
                      env=env)
    assert result.exit_code == 0, result
    assert result.stdout == "Sent the digest to: slack, teams, mattermost.\n"
    posts = {path.split("/")[1]: body for path, body in receiver.posts}
    assert set(posts) == {"slack", "teams", "mattermost"}

    slack = posts["slack"]  # Block Kit: header, context, sections of mrkdwn under 3,000 chars
    assert slack["text"].startswith("Handbook digest: 1 overdue")
    assert [b["type"] for b in slack["blocks"]] == ["header", "context", "section", "section"]
    assert slack["blocks"][0]["text"]["type"] == "plain_text"
    assert all(len(b["text"]["text"]) <= 3000 for b in slack["blocks"] if b["type"] == "section")
    alice = slack["blocks"][2]["text"]
    assert alice["type"] == "mrkdwn"
    assert alice["text"].startswith("*<@U012ALICE>*\n")
    assert "Rotate &lt;the&gt; keys &amp; @channel" in alice["text"]  # no @channel ping
    assert slack["blocks"][3]["text"]["text"].startswith("*bob*\n")

    teams = posts["teams"]  # an Adaptive Card in the message envelope, with a mention entity
    assert teams["type"] == "message"
    [attachment] = teams["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert (card["type"], card["version"]) == ("AdaptiveCard", "1.4")
    assert all(block["type"] == "TextBlock" for block in card["body"])
    assert card["msteams"]["entities"] == [{"type": "mention", "text": "<at>alice</at>",
                                           "mentioned": {"id": "alice@example.org",
                                                         "name": "alice"}}]
    assert "<at>alice</at>" in [block["text"] for block in card["body"]]

    mattermost = posts["mattermost"]["text"]
    assert "**@alice**" in mattermost
    assert "**bob**" in mattermost
    assert "Secret follow-up" not in json.dumps(posts)


def test_dry_run_sends_nothing_and_prints_no_secret(book: Any, receiver: Receiver) -> None:
    env = {"IMPROVE_SLACK_WEBHOOK": receiver.url("slack")}
    result = book.run("digest", "--send", "slack", "--dry-run", env=env)
    assert result.exit_code == 0, result
    assert result.stdout.startswith("--- slack (dry run: not sent) ---\n{")
    assert receiver.posts == []
    assert TOKEN not in result.stdout + result.stderr


def test_a_failed_webhook_is_an_error_and_the_others_still_go(book: Any,
                                                              receiver: Receiver) -> None:
    receiver.status = 500
    env = {"IMPROVE_SLACK_WEBHOOK": receiver.url("slack")}
    result = book.run("--debug", "digest", "--send", "slack", env=env)
    assert result.exit_code == 1, result
    assert "slack: the webhook answered HTTP 500" in result.stderr
    assert "(nothing was sent)" in result.stderr
    assert TOKEN not in result.stdout + result.stderr
    closed = {"IMPROVE_SLACK_WEBHOOK": "http://127.0.0.1:9/nothing-listens",
              "IMPROVE_MATTERMOST_WEBHOOK": receiver.url("mattermost")}
    receiver.status = 200
    partly = book.run("digest", "--send", "slack", "--send", "mattermost", env=closed)
    assert partly.exit_code == 1
    assert partly.stdout == "Sent the digest to: mattermost.\n"
    assert "slack: the webhook could not be reached" in partly.stderr
    assert "(sent: mattermost)" in partly.stderr


def test_a_missing_variable_is_a_usage_error_before_anything_is_sent(book: Any,
                                                                     receiver: Receiver) -> None:
    env = {"IMPROVE_MATTERMOST_WEBHOOK": receiver.url("mattermost")}
    result = book.run("digest", "--send", "mattermost", "--send", "email", env=env)
    assert result.exit_code == 2
    assert "--send email needs the environment variables IMPROVE_SMTP_HOST" in result.stderr
    assert receiver.posts == []
    auto = book.run("digest", "--send", "auto", env={})
    assert auto.exit_code == 0
    assert auto.stdout.startswith("No destination configured")
