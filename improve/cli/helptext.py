"""Command lists in `--help` that show each command's first sentence whole.

Click shortens a command's help to what fits on one line and stops at the first word ending in
a full stop, so "Mark action item REF (e.g. A2) done" became "Mark action item REF (e.g.". Here
the summary is the first sentence of the help (abbreviations such as "e.g." do not end it),
wrapped onto as many lines as it needs.
"""

from __future__ import annotations

import re

import click

# A sentence ends at ".", "!" or "?" before a space or the end, unless the word is an abbreviation.
_ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "vs.", "cf.", "approx.")
_END = re.compile(r"[.!?](?=\s|$)")


def summary(command: click.Command) -> str:
    """The command's `short_help`, else the first sentence of its help, never cut mid-sentence."""
    if command.short_help:
        return command.short_help
    text = " ".join((command.help or "").split("\n\n", 1)[0].split())
    for match in _END.finditer(text):
        head = text[: match.end()]
        if not head.lower().endswith(_ABBREVIATIONS):
            return head.removesuffix(".")
    return text.removesuffix(".")


class SummaryGroup(click.Group):
    """A group whose command list shows whole first sentences (see the module docstring)."""

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is None or command.hidden:
                continue
            rows.append((name, summary(command)))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)
