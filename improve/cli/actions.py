"""`improve actions`: list action items; `improve actions done|set REF` change one in place."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from improve.cli.helptext import SummaryGroup
from improve.cli.main import KindName, app, resolve_kind, today_option
from improve.core.numbers.actions import FORMATS, STATUS_CHOICES, item_types

if TYPE_CHECKING:
    from improve.core.write.editor import EditResult


@click.group(cls=SummaryGroup, invoke_without_command=True)
@click.option("--owner", "owners", multiple=True, metavar="NAME",
              help="Items of this owner (handle, name, email or @handle; `me` = git's user). "
                   "Repeatable.")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_CHOICES),
              help="Items with this status (default: open and in-progress). Repeatable.")
@click.option("--kind", "kinds", multiple=True,
              type=KindName(),
              help="Items of this document kind. Repeatable.")
@click.option("--type", "types", multiple=True, type=click.Choice(item_types()),
              help="Items of this type (RCA items). Repeatable.")
@click.option("--team", help="Items of documents of this team.")
@click.option("--service", help="Items of RCAs about this service.")
@click.option("--overdue", is_flag=True, help="Only open items whose due date has passed.")
@click.option("--due-before", metavar="DATE", help="Only items due before DATE (YYYY-MM-DD).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True,
              help="Output format.")
@today_option
@click.pass_context
def actions(ctx: click.Context, owners: tuple[str, ...], statuses: tuple[str, ...],
            kinds: tuple[str, ...], types: tuple[str, ...], team: str | None,
            service: str | None, overdue: bool, due_before: str | None, fmt: str) -> int:
    """List action items of retros and RCAs: overdue first, then by due date, then reference."""
    if ctx.invoked_subcommand is not None:
        return 0
    from improve.core.numbers.actions import ActionFilter, collect, current_user, render, select
    from improve.core.read.clock import parse_date
    from improve.core.read.repository import Repository
    from improve.model.items import OPEN_STATUSES

    state = app(ctx)
    config = state.config
    today = state.today
    names: list[str] = []
    for owner in owners:
        names.extend(current_user(config) if owner.strip().casefold() == "me" else [owner])
    kind_names = tuple(dict.fromkeys(resolve_kind(config, k, with_items=True).name for k in kinds))
    wanted = ActionFilter(
        owners=tuple(names), statuses=statuses or OPEN_STATUSES, kinds=kind_names, types=types,
        team=team, service=service, overdue=overdue,
        due_before=parse_date(due_before, what="--due-before") if due_before else None,
    )
    items = select(collect(Repository(config).documents()), config, today, wanted)
    click.echo(render(items, fmt, today), nl=False)
    return 0


def _report(result: EditResult) -> None:
    if not result.written:
        click.echo(f"{result.ref}: nothing to change ({result.path} left as it was).")
        return
    parts = []
    for key, new in result.after.items():
        old = result.before.get(key)
        if new is None:
            parts.append(f"{key} {old} removed")
        elif old is None:
            parts.append(f"{key} {new}")
        else:
            parts.append(f"{key} {old} -> {new}")
    click.echo(f"{result.ref}: {', '.join(parts)} ({result.path})")


def _item_refs(incomplete: str, *, open_only: bool) -> list[Any]:
    """Shell completion of an item reference: the repository's items (the open ones for
    `done`), matched without case; nothing when the repository cannot be read."""
    from click.shell_completion import CompletionItem

    from improve.core.errors import ImproveError
    from improve.core.read.config import load_config
    from improve.core.read.repository import Repository

    try:
        documents = Repository(load_config()).documents()
    except ImproveError:
        return []
    wanted = incomplete.casefold()
    return [CompletionItem(item.ref, help=" ".join(item.title.split())[:60])
            for doc in documents for item in doc.action_items
            if (item.is_open or not open_only) and item.ref.casefold().startswith(wanted)]


def _open_refs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    return _item_refs(incomplete, open_only=True)


def _any_refs(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
    return _item_refs(incomplete, open_only=False)


@actions.command()
@click.argument("ref", shell_complete=_open_refs)
@today_option
@click.pass_context
def done(ctx: click.Context, ref: str) -> int:
    """Mark action item REF (e.g. RCA-0007#A2) done, with today's date as `done_on`."""
    from improve.core.write.editor import edit_item

    state = app(ctx)
    _report(edit_item(state.config, ref, today=state.today, status="done"))
    return 0


@actions.command(name="set")
@click.argument("ref", shell_complete=_any_refs)
@click.option("--status", type=click.Choice(STATUS_CHOICES[:-1]), help="New status.")
@click.option("--owner", help="New owner.")
@click.option("--due", metavar="DATE", help="New due date (YYYY-MM-DD).")
@click.option("--reason", metavar="TEXT", help="Why the item is dropped (with --status dropped); "
              "kept in the item as `reason`.")
@today_option
@click.pass_context
def set_item(ctx: click.Context, ref: str, status: str | None, owner: str | None,
             due: str | None, reason: str | None) -> int:
    """Change the status, owner or due date of action item REF in its file."""
    from improve.core.errors import UsageProblem
    from improve.core.read.clock import parse_date
    from improve.core.write.editor import edit_item

    if status is None and owner is None and due is None and reason is None:
        raise UsageProblem("say what to change: --status, --owner, --due and/or --reason")
    state = app(ctx)
    due_date = parse_date(due, what="--due") if due else None
    _report(edit_item(state.config, ref, today=state.today, status=status, owner=owner,
                      due=due_date, reason=reason))
    return 0
