"""`codeidx mcp`: serve the index to coding agents over MCP (stdio)."""
from __future__ import annotations

import logging

import click

from codeidx.cli.common import handle_errors, load_config


@click.command()
@click.option("--repo", "repo", default=".", type=click.Path(file_okay=False, dir_okay=True),
              help="The repository to serve (default: the current directory).")
@handle_errors
def mcp(repo: str) -> None:
    """Serve the repository's index over MCP on stdin/stdout, for coding agents.

    Tools: search_code, get_context, repo_map, get_symbol, index_status. The
    index follows edits to the files on disk before each call.

    \b
      claude mcp add codeidx -- codeidx mcp --repo /path/to/repo
    """
    from codeidx.mcp_server import serve

    logging.basicConfig(level=logging.WARNING, format="codeidx mcp: %(message)s")  # stderr: stdout is the protocol's
    serve(repo, load_config(repo))
