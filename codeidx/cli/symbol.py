"""`codeidx symbol`."""
from __future__ import annotations

import click

from codeidx.cli.common import echo_json, handle_errors, load_config
from codeidx.index import Index


@click.command()
@click.argument("name")
@click.option("--repo", "repo", default=".", type=click.Path(), help="Repository to look in (default: .).")
@click.option("--json", "as_json", is_flag=True, help="Print the definition (or the candidates) as JSON.")
@handle_errors
def symbol(name: str, repo: str, as_json: bool) -> None:
    """A definition by NAME: its file and lines, signature, docstring, code, callers and callees.

    NAME is bare, qualified, or pinned to a file; when several definitions fit, the candidates are
    listed in the pinned form, to pass back.

    \b
      codeidx symbol send
      codeidx symbol HTTPAdapter.send
      codeidx symbol requests/adapters.py:HTTPAdapter.send --json
    """
    from codeidx.retriever.symbols import render_lookup

    with Index.open(repo, load_config(repo)) as index:
        found = index.lookup(name)
    if as_json:
        echo_json(found)
    else:
        click.echo(render_lookup(found, "run `codeidx symbol` again"))
