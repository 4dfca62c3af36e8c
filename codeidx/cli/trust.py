"""`codeidx trust`: let a repository's own configuration file set every setting."""
from __future__ import annotations

from pathlib import Path

import click

from codeidx.cli.common import echo_json, handle_errors
from codeidx.core import trust as store
from codeidx.core.config import REPO_SAFE_KEYS, read_repo_file
from codeidx.core.errors import CodeidxError


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--revoke", is_flag=True, help="Stop trusting the file.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@handle_errors
def trust(path: str, revoke: bool, as_json: bool) -> None:
    """Trust the configuration file of the repository at PATH (default: .), as it is now.

    Until then, its .codeidx.toml (or [tool.codeidx] in pyproject.toml) may set only settings that
    shape the index and the answers (exclude, max_file_bytes, budget...); what runs, where code,
    keys and data go, and what is written or deleted come from you (your config file, CODEIDX_*
    variables, flags). Read the file first: trusting it lets it choose the agent's test command and
    model server. Once the file changes it is untrusted again.

    \b
      codeidx trust .
      codeidx trust ~/src/project --revoke
    """
    root = Path(path).resolve()
    if revoke:
        forgot = store.revoke(root / ".codeidx.toml", root / "pyproject.toml")
        outcome = {"root": str(root), "trusted": False, "was_trusted": forgot}
        message = f"{'No longer trusting' if forgot else 'Was not trusting'} the configuration of {root}."
    else:
        file, settings = read_repo_file(root)
        if file is None:
            raise CodeidxError(f"{root} has no .codeidx.toml and no [tool.codeidx] in pyproject.toml: nothing to trust")
        needs_trust = sorted(k for k in settings if k not in REPO_SAFE_KEYS)
        outcome = {"root": str(root), "file": str(file), "trusted": True, "sha256": store.trust(file, settings),
                   "keys": sorted(settings), "needs_trust": needs_trust}
        message = f"Trusted {file} as it is now. It sets {', '.join(sorted(settings)) or 'nothing'}."
        if needs_trust:
            message += f" Of these, {', '.join(needs_trust)} apply only because you trust it."
    if as_json:
        echo_json(outcome)
    else:
        click.echo(message)
