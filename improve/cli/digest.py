"""`improve digest`: overdue and due-soon action items and stale runbooks (the weekly CI job)."""

from __future__ import annotations

from typing import Any

import click

from improve.cli.main import app, today_option
from improve.core.numbers.digest import RENDERERS


@click.command()
@click.option("--days", type=click.IntRange(0, 365), default=14, show_default=True,
              help="How far ahead counts as due soon.")
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="Plain lines, Markdown for $GITHUB_STEP_SUMMARY, or JSON.")
@click.option("--send", "destinations", multiple=True,
              type=click.Choice(["email", "slack", "teams", "mattermost", "auto"]),
              help="Deliver it (repeatable); `auto`: every destination whose environment "
                   "variables are set. Addresses and secrets come from the environment only.")
@click.option("--dry-run", is_flag=True,
              help="With --send: print exactly what would be sent, send nothing.")
@today_option
@click.pass_context
def digest(ctx: click.Context, days: int, fmt: str, destinations: tuple[str, ...],
           dry_run: bool) -> int:
    """List overdue and due-soon action items and runbooks past their review date."""
    from improve.core.numbers.digest import digest as build

    state = app(ctx)
    result = build(state.config, state.today, soon_days=days)
    if destinations:
        return _deliver(result, state.config, destinations, dry_run)
    click.echo(RENDERERS[fmt](result, state.config), nl=False)
    return 0


def _deliver(result: Any, config: Any, names: tuple[str, ...], dry_run: bool) -> int:
    import os

    from improve.core.out.delivery import DeliveryFailed, chosen, deliver

    targets = chosen(names, os.environ)
    if not targets:
        click.echo("No destination configured (no IMPROVE_SMTP_*, IMPROVE_*_WEBHOOK variables "
                   "set): nothing to send.")
        return 0
    if dry_run:
        for target in targets:
            click.echo(f"--- {target.name} (dry run: not sent) ---")
            click.echo(target.preview(result, config, os.environ), nl=False)
        return 0
    sent, failures = deliver(result, config, targets)
    if sent:
        click.echo(f"Sent the digest to: {', '.join(sent)}.")
    if failures:
        raise DeliveryFailed("; ".join(failures) + (f" (sent: {', '.join(sent)})" if sent
                                                     else " (nothing was sent)"))
    return 0
