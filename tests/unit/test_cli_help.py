"""Help texts a new user reads: command summaries are whole sentences, every option says what it does."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from improve.cli.helptext import summary
from improve.cli.main import COMMANDS, cli


def _commands() -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        found.append((name, command))
        if isinstance(command, click.Group):
            sub_ctx = click.Context(command)
            for sub in command.list_commands(sub_ctx):
                sub_command = command.get_command(sub_ctx, sub)
                assert sub_command is not None
                found.append((f"{name} {sub}", sub_command))
    return found


@pytest.mark.parametrize("args", [["--help"], ["actions", "--help"]])
def test_command_summaries_are_not_cut_mid_sentence(args: list[str]) -> None:
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0
    listing = result.output.split("Commands:", 1)[1]
    assert "..." not in listing
    assert "(e.g.\n" not in listing
    assert not listing.rstrip().endswith("e.g.")
    if args[0] == "actions":
        assert "Mark action item REF (e.g. RCA-0007#A2) done" in " ".join(listing.split())


def test_a_summary_is_the_first_sentence_and_abbreviations_do_not_end_it() -> None:
    command = click.Command("x", help="Do a thing (e.g. this one, i.e. that). Then more.\n\nLater.")
    assert summary(command) == "Do a thing (e.g. this one, i.e. that)"
    assert summary(click.Command("y", help="No full stop at all")) == "No full stop at all"
    assert summary(click.Command("z", help="x", short_help="Given.")) == "Given."


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_option_has_a_description(name: str, command: click.Command) -> None:
    missing = [p.name for p in command.params
               if isinstance(p, click.Option) and not p.hidden and not (p.help or "").strip()]
    assert missing == [], f"`improve {name}` options without help: {missing}"


def test_every_format_choice_is_a_renderer_of_its_registry() -> None:
    """Output formats are registries (issue 12): a command's `--format` offers exactly the names
    its registry renders, so a format cannot be offered and then fall through to another."""
    from improve.core.numbers import actions, digest, export, metrics
    from improve.core.out import prsummary, report

    registries = {"lint": report.REPORTERS, "digest": digest.RENDERERS,
                  "metrics": metrics.RENDERERS, "pr-summary": prsummary.RENDERERS,
                  "rules": report.RULE_LISTINGS, "actions": actions.RENDERERS,
                  "export": export.WRITERS}
    context = click.Context(cli)
    offered = {}
    for name in COMMANDS.keys() - {"import"}:  # what `import` reads, not an output format
        command = cli.get_command(context, name)
        assert command is not None
        for param in command.params:
            if param.name == "fmt" and isinstance(param.type, click.Choice):
                offered[name] = list(param.type.choices)
    assert offered == {name: list(registry) for name, registry in registries.items()}
