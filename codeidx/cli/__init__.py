"""The `codeidx` command: a thin click layer over the library.

Subcommands live in one module each and are imported only when invoked, so that
`codeidx --help` and `codeidx status` never pay for torch or LiteLLM.
"""
from __future__ import annotations

import importlib

import click

from codeidx import __version__
from codeidx.cli.common import setup_process

# command name -> "module:attribute" under codeidx.cli
COMMANDS = {
    "build": "build:build",
    "status": "build:status",
    "ask": "ask:ask",
    "symbol": "symbol:symbol",
    "agent": "agent:agent",
    "runs": "agent:runs",
    "mcp": "mcp:mcp",
    "bench": "bench:bench",
    "trust": "trust:trust",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(f"codeidx.cli.{module}"), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codeidx")
@click.option("--debug", is_flag=True, help="On an error, print its traceback and cause instead of one line.")
def cli(debug: bool) -> None:
    """codeidx: index a repository with tree-sitter and Qdrant, then ask it for context.

    \b
      codeidx build .                      index the current repository
      codeidx ask "where are retries set?"  context for a question, as Markdown
      codeidx agent "fix the failing test" --model openai/gpt-4o-mini
    """
    setup_process()  # `debug` is read where errors are handled (cli/common.py handle_errors)


def main() -> None:
    cli(prog_name="codeidx")
