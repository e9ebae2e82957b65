"""`improve import SOURCE... [--kind KIND] [--from FORMAT] [--write]`."""

from __future__ import annotations

from pathlib import Path

import click

from improve.cli.main import KindName, app, resolve_kind, today_option
from improve.core.write.importing import FORMATS
from improve.model.words import plural


@click.command("import")
@click.argument("sources", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--kind", "kind_name", type=KindName(),
              help="The kind to import as (default: decision records for ADR formats, else "
                   "the kind whose sections the headings fit).")
@click.option("--from", "fmt", type=click.Choice(FORMATS),
              help="The source format (default: detected per file).")
@click.option("--write", is_flag=True, help="Write the documents (default: a dry run that "
              "shows what would be written).")
@today_option
@click.pass_context
def import_(ctx: click.Context, sources: tuple[Path, ...], kind_name: str | None, fmt: str | None,
            write: bool) -> int:
    """Bring in documents a team already has (adr-tools, MADR, log4brains, Docusaurus, Markdown)."""
    from improve.core.write.importing import plan, status_table
    from improve.core.write.importing import write as write_plan

    config = app(ctx).config
    kind = resolve_kind(config, kind_name) if kind_name else None
    result = plan(config, list(sources), fmt=fmt, kind=kind)
    written = write_plan(config, result) if write else []
    for doc in result.documents:
        state = ("skipped: " + doc.skipped) if doc.skipped else (
            "written" if doc.target in written else "would write")
        click.echo(f"{doc.shown} ({doc.format}) -> {doc.target} {doc.id}  [{state}]")
        if doc.skipped:
            continue
        for note in doc.notes:
            detail = f": {note.detail}" if note.detail else ""
            click.echo(f"    {note.field:<16} {note.how}{detail}")
    for shown, why in result.skipped:
        click.echo(f"{shown} -> skipped: {why}")
    table = status_table(result.documents)
    if table:
        click.echo("Statuses: " + "; ".join(f"{written!r} -> {status}" for written, status in table))
    count = len(result.to_write)
    foreign = [k for k in result.foreign_keys if k not in config.allowed_keys]
    if write:
        click.echo(f"{plural(len(written), 'document')} written; run `improve lint` to see what "
                   "is left to fill in.")
        if foreign and written:
            from improve.core.write.configedit import allow_keys

            path, added = allow_keys(config, foreign)
            if added:
                click.echo(f"Other tools' keys allowed in {path.name} ([front_matter] allow): "
                           + ", ".join(added))
    else:
        click.echo(f"{plural(count, 'document')} to write (a dry run: nothing was written; add "
                   "--write).")
        if foreign:
            click.echo("--write also allows other tools' keys in the config ([front_matter] "
                       "allow): " + ", ".join(foreign))
    return 0
