"""`codeidx bench agent make-tasks|run|compare`: the agent measured on bugs its own tests catch."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from codeidx.cli.common import echo_json, handle_errors, to_jsonable
from codeidx.core.errors import CodeidxError


def _progress(line: str) -> None:
    click.echo(line, err=True)


def _say():
    """Progress lines for a person watching; a pipe or a log gets only the result."""
    return _progress if sys.stderr.isatty() else (lambda line: None)


@click.group()
def agent() -> None:
    """The agent on tasks made from a repository's own tests: resolve rate, cost, steps, across models.

    \b
      codeidx bench agent make-tasks ~/src/project --test-cmd "python -m pytest -q" --out tasks.jsonl
      codeidx bench agent run tasks.jsonl --model openai/gpt-4o-mini --out runs/mini
      codeidx bench agent compare runs/mini runs/4o
    """


@agent.command("make-tasks")
@click.argument("path", type=click.Path(exists=True, file_okay=False))
@click.option("--test-cmd", required=True, help="The repository's pytest command, e.g. 'python -m pytest -q'.")
@click.option("--out", "out_file", required=True, type=click.Path(dir_okay=False), help="Tasks file to write (JSONL).")
@click.option("--count", type=click.IntRange(1), default=20, show_default=True, help="Tasks to make.")
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed makes the same tasks.")
@click.option("--style", type=click.Choice(("tests", "issue")), default="tests", show_default=True,
              help="tests: the failing tests and their output; issue: a short bug report without file names.")
@click.option("--max-tries", type=click.IntRange(1), help="Mutations to test at most (default 10 per task).")
@click.option("--timeout", type=click.FloatRange(1), help="Seconds a test run may take "
              "(default 10 times the clean run, at least 30).")
@click.option("--work-dir", type=click.Path(file_okay=False), help="Where the scratch clone goes (default: /tmp).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@handle_errors
def make_tasks_command(path: str, test_cmd: str, out_file: str, count: int, seed: int, style: str,
                       max_tries: int | None, timeout: float | None, work_dir: str | None, as_json: bool) -> None:
    """Inject one small bug at a time into the code PATH's tests cover; keep those a test catches.

    The tests run first at HEAD in a scratch clone, in the sandbox; tests that fail there never
    count. Each task holds the patch that breaks the code, the tests it breaks and the function
    the fix belongs in. Your checkout is never touched.

    \b
      codeidx bench agent make-tasks . --test-cmd "python -m pytest -q" --count 20 --seed 1 --out tasks.jsonl
    """
    from codeidx.benchmarks.agent_tasks import make_tasks, write_tasks

    if not Path(out_file).resolve().parent.is_dir():  # before minutes of test runs, not after
        raise CodeidxError(f"no folder {Path(out_file).parent} for {out_file}: make it, or pass another --out")
    tasks, stats = make_tasks(Path(path), test_cmd, count, seed, style, max_tries, timeout,
                              Path(work_dir) if work_dir else None, say=_say())
    if not tasks:
        raise CodeidxError(f"no task: none of {stats.tried} mutations tried made a test fail "
                           f"({stats.candidates} candidates); do the tests cover the code?")
    write_tasks(tasks, out_file)
    if as_json:
        echo_json({"out": out_file, "tasks": len(tasks), "stats": stats})
        return
    discarded = ", ".join(f"{n} {why}" for why, n in sorted(stats.discarded.items())) or "none"
    click.echo(f"wrote {len(tasks)} tasks to {out_file}: {stats.tried} of {stats.candidates} mutations tried "
               f"(discarded: {discarded}), {stats.known_failures} tests failing already, {stats.seconds:.1f} s")


@agent.command("run")
@click.argument("tasks_file", type=click.Path(exists=True, dir_okay=False))
@click.option("--model", "models", multiple=True, required=True,
              help="A model LiteLLM routes, e.g. openai/gpt-4o-mini; repeat to compare models.")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="results.jsonl, results.json, report.md and resolve_vs_cost.png go here; a run already "
                   "there is continued.")
@click.option("--api-base", help="An OpenAI-compatible server for the models (vLLM, llama.cpp, Ollama's /v1).")
@click.option("--test-cmd", help="Test command instead of the one the tasks were made with.")
@click.option("--repo", type=click.Path(exists=True, file_okay=False),
              help="The tasks' repository, when it is no longer where the tasks were made.")
@click.option("--repos", "repos_dir", type=click.Path(exists=True, file_okay=False),
              help="For SWE-bench instances: the folder of clones, named <name> or <owner>__<name>.")
@click.option("--max-steps", type=click.IntRange(1), help="Steps per run (default: your configuration's).")
@click.option("--max-cost", type=click.FloatRange(0), help="USD per run (default: your configuration's).")
@click.option("--limit", type=click.IntRange(1), help="Only the first N tasks.")
@click.option("--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Runs at once, each in its own clone.")
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@handle_errors
def run_command(tasks_file: str, models: tuple[str, ...], out_dir: str, api_base: str | None, test_cmd: str | None,
                repo: str | None, repos_dir: str | None, max_steps: int | None, max_cost: float | None,
                limit: int | None, jobs: int, as_json: bool) -> None:
    """Run the agent on every task with every model; score each run by the tests, independently of the agent.

    Each task runs in a fresh clone at its base with the bug committed. Resolved: its failing tests
    pass and nothing else fails. Each finished (task, model) is appended to OUT/results.jsonl at
    once: interrupt whenever, and run again to go on.

    TASKS_FILE may also hold SWE-bench instances (JSON or JSONL, with FAIL_TO_PASS): pass --repos and
    --test-cmd. Their test_patch is applied only to score; first, their gold patch shows whether
    the tests can run here, and an instance that cannot is reported as not run, with why.

    \b
      codeidx bench agent run tasks.jsonl --model openai/gpt-4o-mini --model openai/gpt-4o --out runs/today --jobs 4
      codeidx bench agent run tasks.jsonl --model openai/qwen2.5-coder --api-base http://localhost:8000/v1 --out runs/q
      codeidx bench agent run lite.json --repos ~/clones --test-cmd "python -m pytest" --model openai/gpt-4o --out swe
    """
    import json
    import shlex

    from codeidx.benchmarks import agent_report
    from codeidx.benchmarks.agent_eval import Settings, run_tasks
    from codeidx.benchmarks.agent_tasks import read_tasks
    from codeidx.benchmarks.machine import as_line, describe
    from codeidx.benchmarks.swe_tasks import is_swe_bench, swe_tasks

    if is_swe_bench(Path(tasks_file)):
        tasks = swe_tasks(Path(tasks_file), Path(repos_dir) if repos_dir else None, test_cmd)[:limit]
    else:
        tasks = read_tasks(tasks_file)[:limit]
    out = Path(out_dir)
    settings = Settings(out, api_base, test_cmd, Path(repo) if repo else None, max_steps, max_cost)
    rows = run_tasks(tasks, list(dict.fromkeys(models)), settings, jobs, say=_say())
    # The folder may hold other tasks' rows; parallel runs finish in any order.
    order = {pair: n for n, pair in enumerate((t.id, m) for t in tasks for m in models)}
    rows = sorted((r for r in rows if (r.task_id, r.model) in order), key=lambda r: order[(r.task_id, r.model)])
    command = "codeidx " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    machine = describe()
    scores = agent_report.score(rows)
    (out / "results.json").write_text(json.dumps(to_jsonable(
        {"command": command, "machine": machine, "scores": scores, "results": rows}), indent=1))
    agent_report.plot(rows, out / "resolve_vs_cost.png")
    report = agent_report.report(rows, command, as_line(machine))
    (out / "report.md").write_text(report + "\n\n![resolve rate against cost](resolve_vs_cost.png)\n")
    if as_json:
        echo_json({"command": command, "machine": machine, "scores": scores})
    else:
        click.echo(report)


@agent.command("compare")
@click.argument("run_a", type=click.Path(exists=True))
@click.argument("run_b", type=click.Path(exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the comparison as JSON.")
@handle_errors
def compare_command(run_a: str, run_b: str, as_json: bool) -> None:
    """Two runs on the same tasks: what regressed, what improved, and the change in resolve rate, cost and steps.

    \b
      codeidx bench agent compare runs/before runs/after
    """
    from codeidx.benchmarks.agent_report import compare, comparison_text, load_run

    result = compare(load_run(Path(run_a)), load_run(Path(run_b)))
    if as_json:
        echo_json(result)
    else:
        click.echo(comparison_text(result, run_a, run_b))
