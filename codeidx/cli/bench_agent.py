"""`codeidx bench agent make-tasks|run|compare`: the agent measured on bugs its own tests catch."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from codeidx.cli.common import echo_json, handle_errors
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
              "(default 10 times the clean run, at least 60).")
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
