"""`improve deploy record`: a CI job appends the deployment it made to the deploy log."""

from __future__ import annotations

import click

from improve.cli.helptext import SummaryGroup
from improve.cli.main import app


@click.group(cls=SummaryGroup)
def deploy() -> None:
    """Record deployments for the delivery (DORA) numbers."""


@deploy.command("record")
@click.option("--env", "environment", default="production", show_default=True,
              help="The environment deployed to.")
@click.option("--rev", "revision", default="HEAD", show_default=True,
              help="The revision deployed (a tag, branch or commit).")
@click.option("--at", metavar="TIME", help="When (ISO 8601 with a zone; default: now).")
@click.option("--rollback", is_flag=True, help="This deployment rolled back a failed one.")
@click.option("--hotfix", is_flag=True, help="This deployment fixed a failed one.")
@click.pass_context
def record(ctx: click.Context, environment: str, revision: str, at: str | None,
           rollback: bool, hotfix: bool) -> int:
    """Append a line to the deploy log (safe when two jobs record at once)."""
    import datetime as dt

    from improve.core.errors import UsageProblem
    from improve.core.numbers.dora import record as run_record
    from improve.core.read.document import as_datetime

    moment = as_datetime(at) if at else dt.datetime.now(dt.UTC)
    if moment is None:
        raise UsageProblem(f"--at {at!r} is not an ISO 8601 time with a zone "
                           "(2026-03-04T10:15:00Z)")
    config = app(ctx).config
    click.echo(run_record(config, environment, revision, at=moment, rollback=rollback,
                          hotfix=hotfix))
    return 0
