"""`codeidx bench embedders`: the embedding backends' speed and closeness, and the cold start they give."""
from __future__ import annotations

import shlex
import sys
from pathlib import Path

import click

from codeidx.cli.common import echo_json, handle_errors, load_config


@click.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--sample", type=click.IntRange(1), default=600, show_default=True,
              help="Chunks of the index's files to embed with each backend.")
@click.option("--cli-runs", type=click.IntRange(1), default=3, show_default=True,
              help="Cold `codeidx ask` processes per backend (the median is reported).")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@handle_errors
def embedders(path: str, sample: int, cli_runs: int, as_json: bool) -> None:
    """torch fp32, ONNX fp32 and ONNX int8 on the same chunks of an indexed repository (tokens/s,
    padding, cosine to torch), then a cold `codeidx ask` and an MCP server's first answer with
    `embed_backend` torch and auto. The embedding cache and the exports are the user's (cache_dir).

    \b
      codeidx build ~/src/project && codeidx bench embedders ~/src/project
    """
    from codeidx.benchmarks.embedders import cold_starts, padding_share, sample_texts, table, throughput
    from codeidx.benchmarks.machine import as_line, describe
    from codeidx.index import Index

    command = "codeidx " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with Index.open(path, load_config(path)) as index:  # no index: the library's one-line error
        texts = sample_texts(index, sample)
        config, root = index.config, index.root
        query = "where are errors handled and reported?"
    speeds = throughput(config, texts)
    padding = padding_share(config, texts)
    starts = cold_starts(Path(root), query, cli_runs)
    machine = describe()
    if as_json:
        echo_json({"command": command, "machine": machine, "query": query, "throughput": speeds,
                   "padding_share": padding, "cold_start": starts})
    else:
        click.echo(f"`{command}`\n\nMachine: {as_line(machine)}\n\n{table(speeds, padding, starts)}")
