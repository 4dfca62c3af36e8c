"""`codeidx bench localize|history|qa|compare|perf|first-answer|embedders|mcp|agent`: quality, speed, the agent."""
from __future__ import annotations

import json
import shlex
import sys
import tempfile
from pathlib import Path
from typing import Callable, Sequence

import click

from codeidx.cli import bench_agent, bench_embedders
from codeidx.cli.common import echo_json, handle_errors, load_config, reranker, to_jsonable
from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError
from codeidx.retriever.rerank import Candidate, Rerank


def _common(fn):
    """Options every quality benchmark takes."""
    options = [
        click.option("--work-dir", type=click.Path(file_okay=False),
                     help="Checkouts, indexes and the benchmark's embedding cache "
                          "(default: a folder beside the repositories)."),
        click.option("--modes", default=",".join(("dense", "sparse", "hybrid", "hybrid+names", "full")),
                     show_default=True,
                     help="Retrieval modes to compare, comma-separated."),
        click.option("--tokens", "windows", type=click.IntRange(16, 8192), multiple=True,
                     help="Embedding window(s) to compare, e.g. --tokens 128 --tokens 256 (default 256)."),
        click.option("--lang", "languages", multiple=True, default=("python",), show_default=True,
                     help="Languages whose non-test files are ranked."),
        click.option("--limit", type=click.IntRange(1), help="At most this many instances."),
        click.option("--whole-repo", is_flag=True,
                     help="Index the whole repository, tests and docs too, and rank as `ask --files` does "
                          "(default: only the candidate source files are indexed)."),
        click.option("--out", "out_dir", type=click.Path(file_okay=False),
                     help="Write results.json, report.md and recall.png here."),
        click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _dataset(what: str):
    """The options of a benchmark over a dataset of several repositories' clones."""
    options = [
        click.option("--dataset", required=True, type=click.Path(dir_okay=False), help=what),
        click.option("--repos", "repos_dir", required=True, type=click.Path(file_okay=False),
                     help="Folder of local clones, REPOS/<name> or REPOS/<owner>__<name>."),
        click.option("--repo", "only", multiple=True, help="Only these repositories (owner/name)."),
    ]

    def wrap(fn):
        for option in reversed(options):
            fn = option(fn)
        return fn
    return wrap


@click.group()
def bench() -> None:
    """Benchmarks: localization quality beside BM25, build/query speed, and the agent on real tasks."""


bench.add_command(bench_agent.agent, "agent")
bench.add_command(bench_embedders.embedders, "embedders")


@bench.command()
@_dataset("SWE-bench instances, JSON or JSON Lines.")
@_common
@handle_errors
def localize(dataset: str, repos_dir: str, only: tuple[str, ...], **opts) -> None:
    """File and function localization on SWE-bench instances: issue text in, gold files out.

    \b
      codeidx bench localize --dataset swe-bench-lite.json --repos ~/clones --out bench-out
    """
    from codeidx.benchmarks.dataset import load_instances
    from codeidx.benchmarks.workspace import Checkout, find_clone

    repos = Path(repos_dir)
    if not repos.is_dir():
        raise CodeidxError(f"{repos} is not a folder: pass the folder that holds your clones")
    instances = load_instances(dataset, only, opts["limit"])
    work = Path(opts["work_dir"] or repos / ".codeidx-bench")
    for repo in {i.repo for i in instances}:
        find_clone(repos, repo)  # a missing clone fails now, not after an hour of other repositories
    _run_quality(instances, lambda i: Checkout(find_clone(repos, i.repo), work / i.repo.replace("/", "__")),
                 work, f"SWE-bench localization ({Path(dataset).name}"
                       f"{', whole repositories' if opts['whole_repo'] else ''})", **opts)


@bench.command()
@_dataset("SWE-QA questions, JSON Lines (id, repo, commit, question, gold_files).")
@click.option("--work-dir", type=click.Path(file_okay=False),
              help="Checkouts, indexes and the benchmark's embedding cache "
                   "(default: a folder beside the repositories).")
@click.option("--limit", type=click.IntRange(1), help="At most this many questions.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Write results.json and report.md here.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option("--rerank-model", help="Also rank with this rerank model (a full+rerank row), e.g. openai/gpt-4o-mini "
                                     "or cross-encoder:PATH.")
@click.option("--api-base", help="An OpenAI-compatible server for the rerank model.")
@handle_errors
def qa(dataset: str, repos_dir: str, only: tuple[str, ...], work_dir: str | None, limit: int | None,
       out_dir: str | None, as_json: bool, rerank_model: str | None, api_base: str | None) -> None:
    """Natural questions about code (SWE-QA): does `ask` rank the files that answer them first?

    Each question is asked at its pinned commit, the whole repository indexed; gold is the files
    the reference answer names. Reported per repository and overall, BM25 over whole `.py` files
    beside, and `ask`'s ranking without its code-first lanes.

    \b
      codeidx bench qa --dataset swe-qa-dev.jsonl --repos ~/clones --out bench-out
    """
    from codeidx.benchmarks import qa as bench_qa
    from codeidx.benchmarks.machine import as_line, describe
    from codeidx.benchmarks.workspace import Checkout, find_clone

    repos = Path(repos_dir)
    if not repos.is_dir():
        raise CodeidxError(f"{repos} is not a folder: pass the folder that holds your clones")
    questions = bench_qa.load_questions(dataset, only, limit)
    work = Path(work_dir or repos / ".codeidx-bench")
    for repo in {q.repo for q in questions}:
        find_clone(repos, repo)  # a missing clone fails now, not after an hour of other repositories
    command = "codeidx " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    machine = describe()
    _note(f"{len(questions)} questions; checkouts and indexes in {work / 'qa'}")

    calls = _Calls()

    def progress(r) -> None:
        _note(f"{r.id}: first file " + ", ".join(
            f"{s} {'hit' if files[:1] and files[0] in r.gold_files else 'miss'}" for s, files in r.files.items()))

    results, builds = bench_qa.run(
        questions, lambda q: Checkout(find_clone(repos, q.repo), work / "qa" / q.repo.replace("/", "__")),
        work / "embedding-cache", on_result=progress,
        on_build=lambda b: _note(f"{b.repo}@{b.commit[:12]}: built in {b.seconds:.1f} s, "
                                 f"{b.chunks_embedded} chunks embedded"),
        rerank=calls.wrap(reranker(rerank_model, api_base, Config.load(None).model_timeout)))
    scores = bench_qa.by_repo(results)
    report = bench_qa.report(results, builds, command, as_line(machine), Path(dataset).name)
    if rerank_model:  # a call that failed left its question in the retrieval order: say how many did
        report += f"\n\nRerank model {rerank_model}: {calls.made} calls, {calls.failed} failed."
    _publish(out_dir, as_json, report, {"command": command, "machine": machine, "scores": scores},
             builds=builds, questions=results)


@bench.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--count", type=click.IntRange(1), default=30, show_default=True, help="Commits to turn into instances.")
@_common
@handle_errors
def history(path: str, count: int, **opts) -> None:
    """Localization on a repository's own history: commit message in, changed files out.

    Each recent non-merge commit that modifies 1 to 5 source files is asked at its parent.

    \b
      codeidx bench history ~/src/project --count 50
    """
    from codeidx.benchmarks.corpus import extensions_for
    from codeidx.benchmarks.history import mine_commits
    from codeidx.benchmarks.workspace import Checkout

    repo = Path(path).resolve()
    instances = mine_commits(repo, count, extensions_for(frozenset(opts["languages"])))
    work = Path(opts["work_dir"] or Path(tempfile.gettempdir()) / f"codeidx-bench-{repo.name}")
    _run_quality(instances, lambda i: Checkout(repo, work / repo.name), work,
                 f"history of {repo.name} ({len(instances)} commits"
                 f"{', whole repository' if opts['whole_repo'] else ''})", **opts)


@bench.command()
@click.argument("runs", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--before", "befores", multiple=True, type=click.Path(exists=True),
              help="The run each RUN is compared with, as often as RUNS, in their order [default: each RUN itself].")
@click.option("--system", default="full", show_default=True, help="The ranking judged.")
@click.option("--baseline", help="The ranking it is judged against [default: bm25; with --before, the same system].")
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@handle_errors
def compare(runs: tuple[str, ...], befores: tuple[str, ...], system: str, baseline: str | None,
            as_json: bool) -> None:
    """Two rankings of the same instances, paired: wins, losses, a 95% bootstrap interval of each
    metric's difference and a sign test, and the instances whose first gold file moved.

    RUNS are --out folders (or their results.json) of `bench localize`, `history` or `qa`; several
    are pooled into one comparison. Alone, each run's system is compared with another of the same
    run; with --before, with the same system in the run before a change.

    \b
      codeidx bench compare bench-out                           full against bm25
      codeidx bench compare hist-flask hist-click               the same, two histories pooled
      codeidx bench compare after-out --before before-out       full, before and after
    """
    from codeidx.benchmarks import paired

    if befores and len(befores) != len(runs):
        raise CodeidxError(f"{len(runs)} runs and {len(befores)} --before runs: give one --before for each run")
    after = [Path(r) for r in runs]
    result = paired.compare([Path(b) for b in befores] or after, baseline or (system if befores else "bm25"),
                            after, system)
    if as_json:
        echo_json(result)
    else:
        click.echo(paired.table(result))


class _Calls:
    """Counts a model's calls and failures (a failed rerank is otherwise silent in a benchmark row)."""

    def __init__(self) -> None:
        self.made = self.failed = 0

    def wrap(self, stage: Rerank | None) -> Rerank | None:
        if stage is None:
            return None

        def counted(query: str, candidates: Sequence[Candidate]) -> list[int] | None:
            self.made += 1
            try:
                return stage(query, candidates)
            except Exception:
                self.failed += 1
                raise
        return counted


def _run_quality(instances, checkout_for, work: Path, title: str, *, modes: str, windows: tuple[int, ...],
                 languages: tuple[str, ...], out_dir: str | None, as_json: bool, whole_repo: bool,
                 **_: object) -> None:
    from codeidx.benchmarks import summary
    from codeidx.benchmarks.corpus import extensions_for
    from codeidx.benchmarks.harness import Settings, run
    from codeidx.benchmarks.machine import as_line, describe
    from codeidx.benchmarks.plot import recall_plot
    from codeidx.core.ranking import MODES

    chosen = tuple(m.strip() for m in modes.split(",") if m.strip())
    unknown = set(chosen) - set(MODES)
    if unknown or not chosen:
        raise CodeidxError(f"unknown mode {', '.join(sorted(unknown)) or '(none)'}: choose from {', '.join(MODES)}")
    settings = Settings(work_dir=work, cache_dir=work / "embedding-cache", modes=chosen,
                        max_tokens=tuple(dict.fromkeys(windows)) or (256,),
                        extensions=extensions_for(frozenset(languages)), whole_repo=whole_repo)
    command = "codeidx " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    machine = describe()
    _note(f"{len(instances)} instances; checkouts and indexes in {work}")

    def progress(r) -> None:
        best = {s: "hit" if set(r.gold_files) <= set(files[:5]) else "miss" for s, files in r.files.items()}
        _note(f"{r.instance_id}: top-5 " + ", ".join(f"{s} {v}" for s, v in best.items()))

    results = run(instances, checkout_for, settings, on_result=progress,
                  on_skip=lambda i, why: _note(f"{i.instance_id}: skipped, {why}"))
    if not results:
        raise CodeidxError("no instance could be scored: see the skipped lines above")
    scores = summary.score(results)
    report = summary.report(results, title=title, command=command, machine=as_line(machine), whole_repo=whole_repo)
    _publish(out_dir, as_json, report, {"command": command, "machine": machine, "scores": scores},
             plot=lambda path: recall_plot(results, path, title), instances=results)


@bench.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--tokens", "window", type=click.IntRange(16, 8192), help="Embedding window (default 256).")
@click.option("--embed-model", help="Embedding model to measure (default: the configured one).")
@click.option("--work-dir", type=click.Path(file_okay=False), help="Scratch folder (default: a temporary one).")
@click.option("--cache-dir", type=click.Path(file_okay=False),
              help="Embedding cache to use instead of an empty one: with a warm cache the build embeds "
                   "nothing, which measures latency on a large repository without hours of embedding.")
@click.option("--cli-runs", type=click.IntRange(1), default=3, show_default=True,
              help="Cold `codeidx ask` starts to time, each a new process; the median is reported.")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@handle_errors
def perf(path: str, window: int | None, embed_model: str | None, work_dir: str | None, cache_dir: str | None,
         cli_runs: int, as_json: bool) -> None:
    """Build and query speed on a copy of PATH: full build, no-op, 1% update, latency, memory.

    \b
      codeidx bench perf ~/src/project
    """
    from codeidx.benchmarks.machine import as_line, describe
    from codeidx.benchmarks.perf import measure
    from codeidx.benchmarks.summary import perf_table

    command = "codeidx " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    with tempfile.TemporaryDirectory(prefix="codeidx-perf-", dir=work_dir) as scratch:
        result = measure(Path(path).resolve(), Path(scratch), on_step=lambda s: _note(f"perf: {s}"),
                         cli_runs=cli_runs, embed_max_tokens=window, embed_model=embed_model, cache_dir=cache_dir)
    machine = describe(Config.load(None, embed_model=embed_model))
    if as_json:
        echo_json({"command": command, "machine": machine, "result": result})
    else:
        click.echo(f"`{command}`\n\nMachine: {as_line(machine)}\n\n{perf_table([result])}")


@bench.command("first-answer")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False))
@click.option("--query", default="where are errors handled and reported?", show_default=True,
              help="The question asked again and again while the build runs.")
@click.option("--work-dir", type=click.Path(file_okay=False), help="Scratch folder (default: a temporary one).")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@handle_errors
def first_answer(paths: tuple[str, ...], query: str, work_dir: str | None, as_json: bool) -> None:
    """Time to the first answer of `codeidx ask` after a first `codeidx build` starts, beside the time
    to the end of the build, for each repository in PATHS (a copy, with an empty embedding cache).

    \b
      codeidx bench first-answer ~/src/flask ~/src/pytest
    """
    from codeidx.benchmarks.first_answer import measure, table
    from codeidx.benchmarks.machine import as_line, describe

    command = "codeidx " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    results = []
    for path in paths:
        _note(f"first-answer: {path}")
        with tempfile.TemporaryDirectory(prefix="codeidx-first-", dir=work_dir) as scratch:
            results.append(measure(Path(path).resolve(), Path(scratch), query))
    machine = describe()
    if as_json:
        echo_json({"command": command, "machine": machine, "results": results})
    else:
        click.echo(f"`{command}`\n\nMachine: {as_line(machine)}\n\n{table(results)}")


def _publish(out_dir: str | None, as_json: bool, report: str, summary: dict,
             plot: Callable[[Path], None] | None = None, **details: object) -> None:
    """Print the report, or `summary` as JSON; with `out_dir`, also write report.md and results.json
    (the summary and `details`), and the recall plot when there is one."""
    if out_dir:
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        written = [out / "report.md", out / "results.json"]
        if plot is not None:
            plot(out / "recall.png")
            written.insert(1, out / "recall.png")
            report += "\n\n![file recall@k](recall.png)"
        written[0].write_text(report + "\n")
        (out / "results.json").write_text(json.dumps(to_jsonable({**summary, **details}), indent=1))
        _note(f"wrote {', '.join(map(str, written[:-1]))} and {written[-1]}")
    if as_json:
        echo_json(summary)
    else:
        click.echo(report)


def _note(line: str) -> None:
    click.echo(line, err=True)


@bench.command()
@click.argument("path", default=".", type=click.Path(exists=True, file_okay=False))
@click.option("--runs", type=click.IntRange(1), default=3, show_default=True, help="Passes through the queries.")
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
@handle_errors
def mcp(path: str, runs: int, as_json: bool) -> None:
    """Tool-call latency of `codeidx mcp` on an indexed repository, over a real stdio session.

    The queries are sampled from the index: symbol names and docstring first lines.

    \b
      codeidx build ~/src/project && codeidx bench mcp ~/src/project
    """
    from codeidx.benchmarks.machine import as_line, describe
    from codeidx.benchmarks.mcp_latency import measure
    from codeidx.benchmarks.perf import sample_queries
    from codeidx.index import Index

    with Index.open(path, load_config(path)) as index:  # no index: the library's one-line error, before a server starts
        queries = sample_queries(index)
    command = "codeidx " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    result = measure(Path(path).resolve(), queries, runs)
    machine = describe(load_config(path))
    if as_json:
        echo_json({"command": command, "machine": machine, "result": result})
        return
    rows = [f"| {tool} | {result['calls_per_tool']} | {result[tool]['p50_ms']:.0f} | {result[tool]['p95_ms']:.0f} |"
            for tool in ("search_code", "get_context")]
    click.echo(f"`{command}`\n\nMachine: {as_line(machine)}\n\nServer start-up to first answer: "
               f"{result['startup_s']:.1f} s\n\n| tool | calls | p50 ms | p95 ms |\n|---|---|---|---|\n"
               + "\n".join(rows))
