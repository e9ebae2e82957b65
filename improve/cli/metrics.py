"""`improve metrics`: the team's numbers from the documents and git history."""

from __future__ import annotations

import click

from improve.cli.main import app, today_option
from improve.core.numbers.metrics import RENDERERS


@click.command()
@click.option("--since", metavar="DATE", help="Only records dated on or after DATE (YYYY-MM-DD).")
@click.option("--until", metavar="DATE", help="Only records dated on or before DATE (YYYY-MM-DD).")
@click.option("--team", help="Only documents of this team.")
@click.option("--service", help="Only documents about this service.")
@click.option("--format", "fmt", type=click.Choice(list(RENDERERS)), default="text",
              show_default=True, help="Output format (json keys are stable).")
@click.option("--include-restricted", is_flag=True,
              help="Count withheld documents too (anything but `visibility: internal`), for your "
                   "own terminal only: never paste or publish this output.")
@click.option("--part", type=click.Choice(["all", "delivery"]), default="all", show_default=True,
              help="`delivery`: only the delivery (DORA) numbers, from git.")
@today_option
@click.pass_context
def metrics(ctx: click.Context, since: str | None, until: str | None, team: str | None,
            service: str | None, fmt: str, include_restricted: bool, part: str) -> int:
    """Follow-through, lead times, incidents, runbooks, decisions and impediments, in numbers."""
    from improve.core.errors import UsageProblem
    from improve.core.numbers.metrics import Scope, repository_metrics
    from improve.core.read.clock import parse_date

    state = app(ctx)
    scope = Scope(
        since=parse_date(since, what="--since") if since else None,
        until=parse_date(until, what="--until") if until else None,
        team=team, service=service,
    )
    if scope.since and scope.until and scope.since > scope.until:
        raise UsageProblem(f"--since {since} is after --until {until}; swap them")
    result = repository_metrics(state.config, state.today, scope,
                                include_restricted=include_restricted,
                                delivery_only=part == "delivery")
    click.echo(RENDERERS[fmt](result), nl=False)
    return 0
