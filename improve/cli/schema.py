"""`improve schema KIND` and `improve rules`: what the linter checks, for editors and people."""

from __future__ import annotations

import json

import click

from improve.model.kinds import kind_names, resolve_kind


@click.command()
@click.argument("kind", type=click.Choice(kind_names(), case_sensitive=False))
def schema(kind: str) -> None:
    """Print a kind's JSON Schema (Draft 2020-12), for editors and other tools."""
    from improve.core.validate import bundled_schema

    resolved = resolve_kind(kind)
    assert resolved is not None  # click.Choice admits only known names
    name = resolved.schema.removesuffix(".schema.json")
    click.echo(json.dumps(bundled_schema(name), indent=2, ensure_ascii=False))


@click.command()
@click.option("--format", "fmt", type=click.Choice(["text", "markdown"]), default="text",
              show_default=True, help="`markdown` prints the table the README shows.")
def rules(fmt: str) -> None:
    """List every lint rule with its default severity and an example."""
    from improve.core.rules import all_rules

    registry = all_rules()
    if fmt == "markdown":
        click.echo("| rule | default | scope | what it finds | example |")
        click.echo("| --- | --- | --- | --- | --- |")
    for rule in sorted(registry.values(), key=lambda r: r.id):
        if fmt == "markdown":
            click.echo(f"| `{rule.id}` | {rule.severity.value} | {rule.scope} | {rule.summary} | "
                       f"{rule.example} |")
        else:
            click.echo(f"{rule.id:32} {rule.severity.value:8} {rule.summary}")
