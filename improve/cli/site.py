"""`improve site generate`: the handbook as a folder that any site generator builds."""

from __future__ import annotations

from pathlib import Path

import click

from improve.cli.helptext import SummaryGroup
from improve.cli.main import app
from improve.core.write.scaffolding import SITE_BUILDS


@click.group(cls=SummaryGroup)
def site() -> None:
    """Publish the handbook with any site generator."""


@site.command("generate")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--generator", type=click.Choice(list(SITE_BUILDS)), default="mkdocs", show_default=True,
              help="Who builds the folder: its mkdocs.yml is written for it.")
@click.option("--mkdocs-yml", type=click.Path(dir_okay=False, path_type=Path),
              help="The handbook's MkDocs configuration (default: mkdocs.yml at the root).")
@click.pass_context
def generate(ctx: click.Context, out: Path, generator: str, mkdocs_yml: Path | None) -> int:
    """Write the handbook into OUT: the documents with their headers, the generated index
    pages, the team's own pages from docs/, assets, and a mkdocs.yml without the improve
    plugin (MkDocs, Zensical and Backstage TechDocs build it as it is)."""
    from improve.core.errors import UsageProblem

    try:
        from improve.handbook.generate import generate as write
    except ImportError as exc:  # Python-Markdown and nh3 come with the `site` extra
        raise UsageProblem(f"improve site generate needs the site extra ({exc.name} is missing): "
                           "pip install 'improve-handbook[site]'") from None

    state = app(ctx)
    config = state.config
    source = mkdocs_yml if mkdocs_yml is not None else config.root / "mkdocs.yml"
    site_, made = write(config, state.today, out, mkdocs_yml=source, generator=generator)
    pages = sum(1 for f in made.files if f.path.endswith(".md"))
    click.echo(f"Wrote {pages} pages ({len(site_.documents)} documents) to {out}/docs "
               f"and {out}/mkdocs.yml, as of {state.today.isoformat()}.")
    for warning in made.warnings:
        click.echo(f"warning: {warning}", err=True)
    for reason, count in sorted(site_.withheld.items()):
        click.echo(f"{count} document(s) not published ({reason}).")
    click.echo("Build it with: " + SITE_BUILDS[generator].folder.format(out=out))
    return 0
