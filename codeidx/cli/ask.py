"""`codeidx ask`."""
from __future__ import annotations

import sys

import click

from codeidx.cli.common import echo_json, handle_errors, load_config, reranker
from codeidx.core.errors import CodeidxError
from codeidx.core.models import SearchFilters
from codeidx.index import Index


@click.command()
@click.argument("query")
@click.option("--repo", "repo", default=".", type=click.Path(), help="Repository to ask (default: .).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "json", "term"]), default="markdown",
              help="Markdown for a model (default), JSON for tools, or a highlighted terminal view.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--files", is_flag=True, help="Also rank files (for localization).")
@click.option("-k", "k", type=click.IntRange(1, 200), help="How many hits (default 10).")
@click.option("--budget", type=int, help="Token budget of the packed context (default 8000).")
@click.option("--path", "path_glob", help="Only paths matching this glob, e.g. 'src/**/*.py'.")
@click.option("--lang", help="Only this language, e.g. python.")
@click.option("--kind", help="Only this kind of symbol: function, class, method, module, section...")
@click.option("--refresh", is_flag=True, help="Update the index incrementally first.")
@click.option("--rerank-model", help="A LiteLLM model that reorders the top files, e.g. openai/gpt-4o-mini "
                                     "(sent the question, paths and snippets; default: rerank_model, else off), "
                                     "or a local cross-encoder: cross-encoder:NAME_OR_PATH.")
@click.option("--api-base", help="An OpenAI-compatible server for the rerank model (default: api_base).")
@handle_errors
def ask(query: str, repo: str, fmt: str, as_json: bool, files: bool, k: int | None, budget: int | None,
        path_glob: str | None, lang: str | None, kind: str | None, refresh: bool, rerank_model: str | None,
        api_base: str | None) -> None:
    """Architectural context for QUERY: a question, a bug report or a stack trace ('-' reads stdin).

    \b
      codeidx ask "where is the retry policy applied to HTTP requests?"
      codeidx ask - < traceback.txt
      codeidx ask "parse config" --lang python --path 'src/**' --format json
    """
    if query == "-":
        query = sys.stdin.read()
    if not query.strip():
        raise CodeidxError("the query is empty: ask a question, paste a bug report or a stack trace")
    config = load_config(repo, rerank_model=rerank_model, api_base=api_base)
    rerank = reranker(config.rerank_model, config.api_base, config.model_timeout)
    with Index.open(repo, config) as index:
        result = index.ask(query, budget=budget, k=k, files=files, refresh=refresh, rerank=rerank,
                           filters=SearchFilters(path_glob=path_glob, language=lang, kind=kind))
    if as_json or fmt == "json":
        echo_json(result.to_dict())
    elif fmt == "term":
        from rich.console import Console
        from rich.markdown import Markdown

        Console().print(Markdown(result.markdown, code_theme="monokai"))
    else:
        click.echo(result.markdown)

