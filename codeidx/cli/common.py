"""Pieces every command shares: loading the configuration, turning domain errors into one-line exits,
and JSON output."""
from __future__ import annotations

import dataclasses
import functools
import json
import os
import shlex
import sys
import traceback
from pathlib import Path
from typing import Any, Callable

import click

from codeidx.core import trust
from codeidx.core.config import Config, closest_setting, read_repo_file
from codeidx.core.errors import CodeidxError
from codeidx.retriever.rerank import CROSS_ENCODER, Rerank
from codeidx.retriever.tokens import bundled_encodings


def setup_process() -> None:
    """Settings of the whole process, made by the entry point (the CLI, and so the MCP server it starts)
    rather than by whichever library object is built first."""
    encodings = bundled_encodings()
    if encodings:
        os.environ.setdefault("TIKTOKEN_CACHE_DIR", encodings)  # tiktoken would download them otherwise
    # LiteLLM fetches its price list from GitHub at import, retrying for seconds offline; it ships one.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    # The model loader's warnings and loading bars would mix into our own output, --json and the MCP
    # protocol's client log included; set before transformers is imported, which reads them then.
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")


def handle_errors(fn: Callable) -> Callable:
    """Domain errors become `Error: <message>` and exit 1 (with `codeidx --debug`, their traceback and
    cause); Ctrl-C exits 130 without a traceback."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except CodeidxError as exc:
            context = click.get_current_context(silent=True)
            if context is not None and context.find_root().params.get("debug"):
                traceback.print_exception(exc)
                sys.exit(1)
            raise click.ClickException(str(exc)) from None
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)

    return wrapper


def load_config(root: str | os.PathLike, **flags: Any) -> Config:
    """The configuration of the repository at `root`, and lines on stderr naming the keys no setting has
    (with the closest setting) and the settings its own file tried to set without the user's trust."""
    config = Config.load(root, **flags)
    for key, where in config.unknown.items():
        hint = closest_setting(key)
        click.echo(f"codeidx: unknown setting {key} in {where}" + (f" (did you mean {hint}?)" if hint else ""),
                   err=True)
    untrusted = [k for k in config.untrusted if k not in config.unknown]
    if untrusted:
        file, settings = read_repo_file(Path(root))
        why = ("it changed since you trusted it" if file and trust.state(file, settings) == "changed"
               else "a repository may set them only once you trust its file")
        where = shlex.quote(str(Path(root).expanduser().resolve()))
        click.echo(f"codeidx: ignoring {', '.join(untrusted)} from {file}: {why}; "
                   f"review it, then run `codeidx trust {where}`", err=True)
    return config


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: to_jsonable(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    return value


def echo_json(value: Any) -> None:
    click.echo(json.dumps(to_jsonable(value), indent=2, sort_keys=True))


def reranker(model: str | None, api_base: str | None, timeout: float) -> Rerank | None:
    """The second stage (`ask --rerank-model`), from the user's settings: a repository's file cannot
    set them untrusted. `cross-encoder:NAME_OR_PATH` loads a local cross-encoder (here, once); any
    other value is a LiteLLM model, and a server the user names gets CODEIDX_API_KEY or no key.
    `timeout` is `model_timeout`: a local model on a CPU reads a ten-file prompt for minutes."""
    if not model:
        return None
    from codeidx.retriever import rerank

    if model.startswith(CROSS_ENCODER):
        from codeidx.retriever.cross_encoder import load_cross_encoder

        return functools.partial(rerank.by_scores, score=load_cross_encoder(model.removeprefix(CROSS_ENCODER)))
    from codeidx.agent.model import Endpoint, one_reply

    endpoint = Endpoint(model, api_base, os.environ.get("CODEIDX_API_KEY"))
    return functools.partial(rerank.rerank,
                             complete=lambda prompt: one_reply(endpoint, prompt, rerank.REPLY_TOKENS, timeout))
