"""The `improve` command: a thin layer that parses options, calls the library and exits.

Exit codes (README, "Exit codes"): 0 clean or warnings only, 1 error findings, 2 usage, config,
unknown id or revision, 3 internal error (one line; details in a log file or with --debug).
Commands are imported only when run, so `improve --version` and pre-commit stay fast.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from improve import __version__
from improve.cli.helptext import SummaryGroup
from improve.core.errors import EXIT_INTERNAL, EXIT_USAGE, ImproveError

if TYPE_CHECKING:  # types only: a command loads the config and the kinds when it runs
    from improve.core.read.config import Config
    from improve.model.kinds import Kind

# name -> "module:function"; the help text lists them in this order.
COMMANDS: dict[str, str] = {
    "new": "improve.cli.new:new",
    "lint": "improve.cli.lint:lint",
    "schema": "improve.cli.schema:schema",
    "rules": "improve.cli.schema:rules",
    "init": "improve.cli.init:init",
    "pr-summary": "improve.cli.prsummary:pr_summary",
    "renumber": "improve.cli.renumber:renumber",
    "digest": "improve.cli.digest:digest",
    "actions": "improve.cli.actions:actions",
    "metrics": "improve.cli.metrics:metrics",
    "import": "improve.cli.importcmd:import_",
    "export": "improve.cli.export:export",
    "deploy": "improve.cli.deploy:deploy",
    "site": "improve.cli.site:site",
}


def _error_log() -> Path:
    """Where an internal error's traceback goes; `tempfile` is imported only when one happens."""
    import tempfile

    return Path(tempfile.gettempdir()) / "improve-last-error.log"


def __getattr__(name: str) -> Any:  # `ERROR_LOG`, computed on first use: start-up stays fast
    if name == "ERROR_LOG":
        return _error_log()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@dataclass
class App:
    """What every command shares: the pinned date and the repository's config, loaded on demand."""

    today_option: str | None = None
    root_option: Path | None = None
    debug: bool = False
    use_cache: bool = True  # `improve lint --no-cache` also validates the config afresh
    _config: Any = field(default=None, repr=False)

    @property
    def config(self) -> Any:
        if self._config is None:
            from improve.core.read.config import load_config

            self._config = load_config(self.root_option, use_memo=self.use_cache)
        return self._config

    @property
    def today(self) -> Any:
        from improve.core.read.clock import today

        return today(self.config.timezone, self.today_option)


class LazyGroup(SummaryGroup):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attr = target.split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def invoke(self, ctx: click.Context) -> Any:
        """Commands return their exit code; make it the process's (and CliRunner's) exit code."""
        result = super().invoke(ctx)
        if isinstance(result, int) and not isinstance(result, bool) and result != 0:
            ctx.exit(result)
        return result


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="improve")
@click.option("--today", "today_option", metavar="DATE",
              help="Pin today's date (YYYY-MM-DD) for overdue, stale and done_on. "
                   "Default: $IMPROVE_TODAY, else the date in the configured time zone.")
@click.option("-C", "--root", "root_option", type=click.Path(file_okay=False, path_type=Path),
              help="Run as if started in this folder.")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
@click.pass_context
def cli(ctx: click.Context, today_option: str | None, root_option: Path | None, debug: bool) -> None:
    """improve: retros, RCAs, runbooks and decision records as code in your repository."""
    ctx.obj = App(today_option=today_option, root_option=root_option, debug=debug)


def _tolerant_streams() -> None:
    """A terminal that cannot show a character (an ASCII or Latin-1 locale) gets an escape
    such as `\\u6c7a` instead of a UnicodeEncodeError (exit 3) halfway through the output."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", None) == "strict":
            with contextlib.suppress(ValueError, OSError):  # a closed or odd stream: leave it
                reconfigure(errors="backslashreplace")


def main(argv: list[str] | None = None) -> None:
    """Entry point: the one place where exceptions become exit codes."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    _tolerant_streams()
    try:
        code = cli.main(args=argv, prog_name="improve", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("improve: aborted", err=True)
        sys.exit(EXIT_USAGE)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ImproveError as exc:
        click.echo(f"improve: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.stderr.close()
        sys.exit(EXIT_USAGE)
    except KeyboardInterrupt:
        click.echo("improve: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # the error guard: no traceback reaches a user
        import traceback

        if debug or os.environ.get("IMPROVE_DEBUG"):
            traceback.print_exc()
        else:
            error_log = globals().get("ERROR_LOG") or _error_log()  # a test may set ERROR_LOG
            try:
                error_log.write_text(traceback.format_exc(), encoding="utf-8")
                where = f"details in {error_log}"
            except OSError:
                where = "rerun with --debug for details"
            click.echo(f"improve: internal error: {type(exc).__name__}: {exc} ({where}; "
                       "please report it)", err=True)
        sys.exit(EXIT_INTERNAL)
    sys.exit(code if isinstance(code, int) else 0)


def app(ctx: click.Context) -> App:
    obj = ctx.find_object(App)
    if obj is None:  # a command invoked on its own in a test
        obj = App()
        ctx.obj = obj
    return obj


def _set_today(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        app(ctx).today_option = value


def resolve_kind(config: Config, name: str, *, with_items: bool = False) -> Kind:
    """The kind a KIND argument names, among the repository's kinds (its own included); an
    unknown name is a usage error (exit 2) that lists them."""
    from improve.core.errors import UsageProblem

    kind = config.resolve_kind(name)
    if kind is None or (with_items and not kind.has_action_items):
        kinds = [k for k in config.registry.values() if k.has_action_items or not with_items]
        names = ", ".join(alias for k in kinds for alias in (k.name, *k.aliases))
        raise UsageProblem(f"{name!r} is not a kind{' with action items' if with_items else ''} "
                           f"of this repository; the kinds are: {names}")
    return kind


class KindName(click.ParamType):  # type: ignore[type-arg]
    """A kind's name or alias: checked against the repository's kinds once its config is read
    (a kind can be declared there), completed with every kind the config knows."""

    name = "kind"

    def shell_complete(self, ctx: click.Context, param: click.Parameter,
                       incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        try:
            from improve.core.read.config import load_config

            names = load_config().kind_names()
        except ImproveError:
            from improve.model.kinds import kind_names

            names = kind_names()
        return [CompletionItem(n) for n in names if n.startswith(incomplete.lower())]


today_option = click.option(
    "--today", metavar="DATE", expose_value=False, callback=_set_today, is_eager=True,
    help="Pin today's date (YYYY-MM-DD). Default: $IMPROVE_TODAY, else today in the configured zone.",
)
