"""`improve digest`: overdue and due-soon action items and stale runbooks (the weekly CI job)."""

from __future__ import annotations

import json

import click

from improve.cli.main import app, today_option


@click.command()
@click.option("--days", type=click.IntRange(0, 365), default=14, show_default=True,
              help="How far ahead counts as due soon.")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True, help="Plain lines, Markdown for $GITHUB_STEP_SUMMARY, or JSON.")
@today_option
@click.pass_context
def digest(ctx: click.Context, days: int, fmt: str) -> int:
    """List overdue and due-soon action items and runbooks past their review date."""
    from improve.core.digest import digest as build
    from improve.core.digest import render_markdown, render_text

    state = app(ctx)
    result = build(state.config, state.today, soon_days=days)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    elif fmt == "markdown":
        click.echo(render_markdown(result), nl=False)
    else:
        click.echo(render_text(result), nl=False)
    return 0
