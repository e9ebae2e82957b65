"""`improve new KIND "Title"`."""

from __future__ import annotations

import click

from improve.cli.main import KindName, app, resolve_kind, today_option
from improve.model.kinds import INCIDENT
from improve.model.vocabulary import SEVERITIES


@click.command()
@click.argument("kind", type=KindName())
@click.argument("title")
@click.option("--field", "fields", multiple=True, metavar="KEY=VALUE",
              help="Set a front-matter field (the value is read as YAML). Repeatable.")
@click.option("--severity", type=click.Choice(SEVERITIES),
              help="RCA severity (default SEV3).")
@click.option("--service", "services", multiple=True, help="Affected service (RCA, runbook). Repeatable.")
@click.option("--dry-run", is_flag=True, help="Print the document and its path; write nothing.")
@click.option("--edit", is_flag=True, help="Open the new document in $EDITOR.")
@today_option
@click.pass_context
def new(ctx: click.Context, kind: str, title: str, fields: tuple[str, ...], severity: str | None,
        services: tuple[str, ...], dry_run: bool, edit: bool) -> int:
    """Write a new document from its template, with the next free number."""
    from improve.core.errors import UsageProblem
    from improve.core.write.scaffold import Request, create, git_user, parse_field
    state = app(ctx)
    config = state.config
    resolved = resolve_kind(config, kind)
    if not title.strip():
        raise UsageProblem("the title is empty; give the document a title")
    if severity and not resolved.has(INCIDENT):
        raise UsageProblem("--severity applies to RCAs only")
    author = git_user(config.root)
    if author:
        author = config.canonical_person(author) or author
    request = Request(kind=resolved, title=title.strip(), today=state.today, author=author,
                      fields=dict(parse_field(f) for f in fields), severity=severity,
                      services=services)
    from improve.core.numbers.carryover import prepare_request

    prepare_request(config, request)
    document = create(config, request, dry_run=dry_run)
    if dry_run:
        click.echo(f"# would write {document.rel_path}")
        click.echo(document.content, nl=False)
        return 0
    click.echo(document.rel_path)
    if edit:
        click.edit(filename=str(document.path))
    return 0
