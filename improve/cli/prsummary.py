"""`improve pr-summary --base REV [--head REV]`: what a pull request does to the handbook."""

from __future__ import annotations

import click

from improve.cli.main import app, today_option
from improve.core.out.prsummary import RENDERERS


@click.command("pr-summary")
@click.option("--base", required=True, metavar="REV",
              help="The branch or commit the pull request goes into (e.g. main, origin/main, a sha).")
@click.option("--head", metavar="REV", help="The pull request's tip (default: the work tree).")
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)), default="markdown",
              show_default=True, help="Markdown for a comment or $GITHUB_STEP_SUMMARY, or the same as JSON.")
@click.option("--link-base", metavar="URL",
              help="Prefix for links to documents (e.g. https://github.com/ORG/REPO/blob/SHA/); "
                   "default: paths relative to the repository root.")
@today_option
@click.pass_context
def pr_summary(ctx: click.Context, base: str, head: str | None, fmt: str, link_base: str | None) -> int:
    """Summarise the documents, action items, decisions and lint findings a change brings."""
    from improve.core.out.prsummary import summarize_change

    state = app(ctx)
    summary = summarize_change(state.config, state.today, base, head, link_base=link_base)
    click.echo(RENDERERS[fmt](summary), nl=False)
    return 0
