"""`improve lint [PATH...]`."""

from __future__ import annotations

import sys

import click

from improve.cli.main import app, today_option
from improve.core.out.report import REPORTERS


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(list(REPORTERS)), default="text",
              show_default=True, help="Output: plain lines, a JSON array, GitHub annotations, or "
              "a GitLab Code Quality report (for `artifacts:reports:codequality`).")
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 1 on any finding).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the lint cache.")
@click.option("--since", metavar="REV",
              help="Lint only documents changed since this git revision (plus repository-wide checks).")
@today_option
@click.pass_context
def lint(ctx: click.Context, paths: tuple[str, ...], fmt: str, strict: bool, no_cache: bool,
         since: str | None) -> int:
    """Check documents against their schemas and the rules (no PATH: the whole repository)."""
    state = app(ctx)
    state.use_cache = not no_cache
    config = state.config
    today = state.today
    if since:
        from improve.core.git.changes import lint_since

        result = lint_since(config, today, since, list(paths) or None, use_cache=not no_cache)
    else:
        from improve.core.read.discovery import Discovery

        discovery = Discovery(config)  # git lists the documents while the linter loads
        try:
            from improve.core.check.lint import lint as run_lint

            result = run_lint(config, today, list(paths) or None, use_cache=not no_cache,
                              discovery=discovery)
        finally:
            discovery.close()

    REPORTERS[fmt](result, sys.stdout)
    return result.exit_code(strict=strict)
