"""`improve lint [PATH...]`."""

from __future__ import annotations

import sys

import click

from improve.cli.main import app, today_option


@click.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="Output: plain lines, a JSON array, or GitHub annotations.")
@click.option("--strict", is_flag=True, help="Count warnings as errors (exit 1 on any finding).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the lint cache.")
@click.option("--since", metavar="REV",
              help="Lint only documents changed since this git revision (plus repository-wide checks).")
@today_option
@click.pass_context
def lint(ctx: click.Context, paths: tuple[str, ...], fmt: str, strict: bool, no_cache: bool,
         since: str | None) -> int:
    """Check documents against their schemas and the rules (no PATH: the whole repository)."""
    from improve.core.lint import lint as run_lint
    from improve.core.report import REPORTERS

    state = app(ctx)
    config = state.config
    if since:
        from improve.core.changes import lint_since

        result = lint_since(config, state.today, since, list(paths) or None, use_cache=not no_cache)
    else:
        result = run_lint(config, state.today, list(paths) or None, use_cache=not no_cache)
    REPORTERS[fmt](result, sys.stdout)
    return result.exit_code(strict=strict)
