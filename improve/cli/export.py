"""`improve export --format jsonl|csv|sqlite --out PATH`."""

from __future__ import annotations

from pathlib import Path

import click

from improve.cli.main import app, today_option
from improve.core.numbers.export import FORMATS


@click.command("export")
@click.option("--format", "fmt", type=click.Choice(FORMATS), required=True,
              help="jsonl or csv: a file per table in the --out folder; sqlite: one database.")
@click.option("--out", type=click.Path(path_type=Path), required=True,
              help="Where to write: a folder (jsonl, csv) or a file (sqlite).")
@click.option("--include-restricted", is_flag=True,
              help="Also export restricted documents (they are left out by default).")
@click.option("--force", is_flag=True, help="Replace the files of an earlier export.")
@today_option
@click.pass_context
def export(ctx: click.Context, fmt: str, out: Path, include_restricted: bool, force: bool) -> int:
    """Write documents, action items, impediments, incidents and health scores as tables."""
    from improve.core.numbers.export import export as run_export

    state = app(ctx)
    written = run_export(state.config, state.today, fmt, out,
                         include_restricted=include_restricted, force=force)
    click.echo(f"Wrote {', '.join(str(p) for p in written)}"
               + (" (restricted documents included)" if include_restricted else ""))
    return 0
