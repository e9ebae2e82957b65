"""`improve renumber ID [--to N] [--path P]`: move a document to a free number, references included."""

from __future__ import annotations

import click

from improve.cli.main import app


@click.command()
@click.argument("doc_id", metavar="ID")
@click.option("--to", "to", type=click.IntRange(1, 999_999_999), metavar="N",
              help="The new number, 1 to 999999999 (default: the next free one).")
@click.option("--path", metavar="PATH",
              help="Which file to move when two documents share ID (e.g. after a merge).")
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.pass_context
def renumber(ctx: click.Context, doc_id: str, to: int | None, path: str | None, dry_run: bool) -> int:
    """Give document ID a new number: rename it, record the old id, rewrite every reference."""
    from improve.core.write.renumber import renumber as run_renumber

    result = run_renumber(app(ctx).config, doc_id.strip().upper(), to=to, path=path, dry_run=dry_run)
    verb = "would move" if dry_run else "moved"
    how = " (git mv)" if result.git else ""
    click.echo(f"{verb} {result.old_path} -> {result.new_path}{how}: {result.old_id} is now "
               f"{result.new_id} (the old id stays in `previous_ids`)")
    if result.edited:
        click.echo(f"{'would update' if dry_run else 'updated'} references in: {', '.join(result.edited)}")
    if result.ambiguous:
        click.echo(f"note: {result.old_id} is still the id of another document, so references to it "
                   f"were left as they are; check which one these mean: {', '.join(result.ambiguous)}")
    return 0
