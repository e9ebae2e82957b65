"""`improve schema KIND` and `improve rules`: what the linter checks, for editors and people."""

from __future__ import annotations

import json
from pathlib import Path

import click

from improve.cli.main import KindName, app, resolve_kind
from improve.core.out.report import RULE_LISTINGS


@click.command()
@click.argument("kind", type=KindName())
@click.pass_context
def schema(ctx: click.Context, kind: str) -> None:
    """Print a kind's JSON Schema (Draft 2020-12), for editors and other tools."""
    from improve.core.check.validate import kind_schema
    from improve.core.errors import ConfigError

    try:
        config = app(ctx).config
    except ConfigError:  # outside a repository: the built-in kinds
        from improve.core.read.config import Config

        config = Config(root=Path.cwd())
    resolved = resolve_kind(config, kind)
    name = resolved.schema.removesuffix(".schema.json")
    click.echo(json.dumps(kind_schema(name), indent=2, ensure_ascii=False))


@click.command()
@click.option("--format", "fmt", type=click.Choice(list(RULE_LISTINGS)), default="text",
              show_default=True, help="`markdown` prints the table the README shows.")
def rules(fmt: str) -> None:
    """List every lint rule with its default severity and an example."""
    from improve.core.check.rules import all_rules

    click.echo(RULE_LISTINGS[fmt](all_rules().values()), nl=False)
