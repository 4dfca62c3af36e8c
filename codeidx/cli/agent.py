"""`codeidx agent` and `codeidx runs`."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from codeidx.cli.common import echo_json, handle_errors, load_config
from codeidx.core.errors import CodeidxError


@click.command()
@click.argument("task", required=False)
@click.option("--task-file", type=click.Path(exists=True, dir_okay=False),
              help="Read a longer task (a ticket, a spec) from a file.")
@click.option("--spec", "api_spec", type=click.Path(exists=True, dir_okay=False),
              help="An OpenAPI document (YAML or JSON); with --operation, the task is implementing that operation.")
@click.option("--operation", help="The operationId in --spec to implement.")
@click.option("--repo", default=".", type=click.Path(file_okay=False), help="Repository to work on (default: .).")
@click.option("--model", help="Any LiteLLM model string, e.g. openai/gpt-4o-mini, anthropic/claude-sonnet-4-5, "
                              "ollama/qwen2.5-coder.")
@click.option("--api-base", help="Base URL of an OpenAI-compatible server, local ones included.")
@click.option("--cheap-model",
              help="A cheaper model for routine sub-steps (writing the spec, condensing long tool output) and as "
                   "fallback.")
@click.option("--stage-model", "stage_models", multiple=True, metavar="STAGE=MODEL",
              help="Route one stage's model calls (spec, implement, test, review) to another model; repeatable.")
@click.option("--test-cmd", help="The test command (default: configured, else detected).")
@click.option("--max-steps", type=click.IntRange(1), help="Stop after this many model turns (default 30).")
@click.option("--max-cost", type=click.FloatRange(0), help="Stop once this many USD are spent (default 2.0).")
@click.option("--max-tokens", type=click.IntRange(1), help="Stop once this many tokens are used.")
@click.option("--yes", "assume_yes", is_flag=True,
              help="Approve edits to protected paths, and review findings at or above the threshold, without asking.")
@click.option("--apply", is_flag=True, help="On success, also bring the change into the working tree.")
@click.option("--on-success", help="Command to run in your repository once the branch is there "
                                   "(e.g. push it, open a pull request).")
@click.option("--allow-network", is_flag=True, default=None,
              help="Let the sandboxed tests and commands reach the network.")
@click.option("--unsafe-no-sandbox", is_flag=True,
              help="Run the repository's tests and commands with your full access (no sandbox).")
@click.option("--json", "as_json", is_flag=True, help="Print the run's summary as JSON.")
@handle_errors
def agent(task: str | None, task_file: str | None, api_spec: str | None, operation: str | None, repo: str,
          model: str | None, api_base: str | None, cheap_model: str | None, stage_models: tuple[str, ...],
          test_cmd: str | None, max_steps: int | None, max_cost: float | None,
          max_tokens: int | None, assume_yes: bool, apply: bool, on_success: str | None, allow_network: bool | None,
          unsafe_no_sandbox: bool, as_json: bool) -> None:
    """Carry out TASK on a new branch: spec, implement, test, review, hand over.

    A spec (goal, acceptance criteria, files, test plan) is written and checked first; the model
    then edits and runs the tests until green; finishing needs a test that shows the change (when
    none failed before) and a review by static analysis. The run's summary, a pull-request body,
    is written beside its audit log ($CODEIDX_SUMMARY for --on-success).

    The work happens in a clone of the repository on branch codeidx/agent-<id>; your checkout
    is not touched. Tests and commands run in a sandbox (bubblewrap): only the clone is
    writable, no network unless --allow-network, no keys in their environment.

    The provider's key comes from its usual environment variable (OPENAI_API_KEY,
    ANTHROPIC_API_KEY, ...); for a local server, CODEIDX_API_KEY if it wants one.

    \b
      codeidx agent "fix the failing test in tests/test_parser.py" --model openai/gpt-4o-mini
      codeidx agent --task-file ticket.md --model openai/qwen2.5-coder --api-base http://localhost:8000/v1
      codeidx agent --spec openapi.yaml --operation createPet --stage-model review=openai/gpt-4o-mini
    """
    from codeidx.agent.guard import approver
    from codeidx.agent.run import run_agent
    from codeidx.agent.spec import operation_task

    source = "task"
    if bool(api_spec) != bool(operation):
        raise CodeidxError("--spec and --operation go together: the OpenAPI document and the operationId in it")
    if api_spec:
        task, source = "\n\n".join(filter(None, [operation_task(Path(api_spec), operation), task])), \
            f"openapi {api_spec} {operation}"
    elif task_file:
        task, source = _read_task(Path(task_file)), f"task-file {task_file}"
    if not task or not task.strip():
        raise CodeidxError("no task: give one as an argument, with --task-file or with --spec and --operation")
    config = load_config(repo, model=model, api_base=api_base, cheap_model=cheap_model, test_cmd=test_cmd,
                         max_steps=max_steps, max_cost=max_cost, max_tokens=max_tokens,
                         allow_network=allow_network, stage_models=stage_models or None)
    say = (lambda line: None) if as_json else (lambda line: click.echo(line, err=True))
    result = run_agent(Path(repo), task, config, approver(assume_yes), apply=apply, on_success=on_success,
                       api_key=os.environ.get("CODEIDX_API_KEY"), unsafe_no_sandbox=unsafe_no_sandbox, say=say,
                       source=source)
    if as_json:
        echo_json(result)
    else:
        click.echo(_describe(result))
    if result.status != "success":
        sys.exit(1 if result.status == "error" else 2)


def _read_task(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise CodeidxError(f"{path} is not UTF-8 text: a task file is Markdown or plain text") from None


def _describe(r) -> str:
    if r.status == "success":
        lines = [f"Done in {r.steps} steps (${r.cost:.4f}): {r.reason}", f"Branch: {r.branch}"]
        lines += [r.diff_stat or "(no changes)"]
        lines += ["Applied to the working tree." if r.applied else f"Bring it in with: git merge {r.branch}"]
    else:
        lines = [f"Stopped: {r.reason}", f"The work so far is kept in {r.worktree} (branch {r.branch})."]
    return "\n".join(lines + [f"Summary: {r.summary}", f"Audit log: {r.audit_log}"])


@click.group(invoke_without_command=True)
@click.option("--repo", default=".", type=click.Path(file_okay=False), help="Repository (default: .).")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
@handle_errors
def runs(ctx: click.Context, repo: str, as_json: bool) -> None:
    """List the agent's runs (their audit logs); `codeidx runs show ID` prints one."""
    ctx.obj = {"repo": Path(repo)}
    if ctx.invoked_subcommand:
        return
    from codeidx.agent.audit import list_runs

    found = list_runs(Path(repo))
    if as_json:
        echo_json(found)
    elif not found:
        click.echo("No agent runs yet.")
    for r in [] if as_json else found:
        task = (r.task.strip().splitlines() or ["(no task recorded)"])[0][:60]
        note = f"  ({r.unreadable} unreadable line{'s' if r.unreadable > 1 else ''})" if r.unreadable else ""
        click.echo(f"{r.id}  {r.status:<9} {r.steps:>3} steps  ${r.cost:.4f}  {task}{note}")


@runs.command()
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True, help="Print the raw events as JSON.")
@click.pass_context
@handle_errors
def show(ctx: click.Context, run_id: str, as_json: bool) -> None:
    """Print one run's events readably."""
    from codeidx.agent.audit import load_run

    log = load_run(ctx.obj["repo"], run_id)
    if as_json:
        echo_json(log.events)
    else:
        for e in log.events:
            click.echo(_event_line(e))
    if log.unreadable:  # on stderr: --json output stays parseable
        click.echo(f"{log.unreadable} line(s) of this run's log could not be read (cut off by a crash or a kill?) "
                   "and were skipped.", err=True)


def _event_line(e: dict) -> str:
    try:
        line = _known_event_line(e)
    except (KeyError, TypeError, ValueError, AttributeError):  # an event missing a field still shows, raw
        line = f"{str(e.get('time', ''))[11:19]} {e['event']}  {json.dumps(e, default=str)[:200]}"
    # The stage after the time: a run reads as its stages, in order.
    return f"{line[:8]} {str(e.get('stage') or ''):<9} {line[9:]}" if isinstance(e.get("stage"), str) else line


def _known_event_line(e: dict) -> str:
    kind, when = e["event"], e.get("time", "")[11:19]
    if kind == "run_start":
        return f"{when} start   {e['model']} on {e['branch']}\n         task: {e['task'].strip()[:200]}"
    if kind == "model_call":
        if not e.get("ok"):
            return f"{when} model   {e['model']} FAILED {e.get('error', '')[:200]}"
        return (f"{when} model   {e['model']} {e['prompt_tokens']}+{e['completion_tokens']} tokens "
                f"${e['cost']:.6f} {e['latency_ms']:.0f} ms")
    if kind == "tool_call":
        args = json.dumps(e["arguments"])[:120]
        return f"{when} tool    {e['tool']}({args}) {'ok' if e['ok'] else 'ERROR'}: {e['result'][:120]!r}"
    if kind == "stage":
        return f"{when} stage   -- {e['name']} --"
    if kind in ("spec", "test_baseline", "test_evidence", "review", "review_gate", "handover") and "record" in e:
        return f"{when} {kind}  {json.dumps(e['record'])[:300]}"
    if kind == "approval":
        return f"{when} approve {e['path']}: {'approved' if e['approved'] else 'denied'}"
    if kind == "end":
        return f"{when} end     {e['status']}: {e['reason']} ({e['steps']} steps, ${e['cost']:.6f})"
    return f"{when} {kind}  {json.dumps({k: v for k, v in e.items() if k not in ('event', 'time')})[:200]}"
