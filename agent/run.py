"""One agent run from start to hand-over: worktree, context, loop, commit, and what follows success."""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from codeidx.agent.audit import AuditLog, new_run_id
from codeidx.agent.guard import Approver, ProtectedPaths
from codeidx.agent.loop import Limits, Outcome, run_loop
from codeidx.agent.model import Endpoint
from codeidx.agent.model import Model as RouterModel
from codeidx.agent.sandbox import Sandbox
from codeidx.agent.tools import Toolbox
from codeidx.agent.workspace import Workspace
from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError
from codeidx.core.protocols import Model

CONTEXT_SHARE = 4  # the opening context takes a quarter of the ask budget: the loop needs room


@dataclass(frozen=True)
class RunResult:
    run_id: str
    status: str  # success | limit | no_finish | error
    reason: str
    branch: str
    worktree: str
    steps: int
    cost: float
    tokens: int
    diff_stat: str
    audit_log: str
    applied: bool


def run_agent(repo: Path, task: str, config: Config, approve: Approver, apply: bool = False,
              on_success: str | None = None, api_key: str | None = None, unsafe_no_sandbox: bool = False,
              say: Callable[[str], None] = lambda line: None, model: Model | None = None) -> RunResult:
    """`model`: the language model to drive; LiteLLM's Router over `config.model` when None."""
    from codeidx.index import Index

    if not unsafe_no_sandbox:
        Sandbox.check()  # before anything is made: no sandbox, no run
    run_id = new_run_id()
    ws = Workspace.create(repo, run_id)
    sandbox = Sandbox(ws.path, network=config.allow_network, pass_env=config.sandbox_env,
                      frozen=(ws.path / ".git", ws.path / config.index_dir), shown=ws.borrowed, hidden=(ws.repo,),
                      contained=not unsafe_no_sandbox)
    audit = AuditLog(ws.repo, run_id)
    limits = Limits(config.max_steps, config.max_cost, config.max_tokens)
    # The pid and host let `codeidx runs` tell a run still going from one whose process was killed.
    audit.write("run_start", task=task, model=config.model, cheap_model=config.cheap_model, branch=ws.branch,
                worktree=str(ws.path), limits=dataclasses.asdict(limits), pid=os.getpid(),
                host=socket.gethostname(), sandbox="bubblewrap" if sandbox.contained else "none",
                network=config.allow_network)
    if not sandbox.contained:
        say("WARNING: --unsafe-no-sandbox: the repository's tests and commands run with your user's full access")
    say(f"Working on branch {ws.branch} in {ws.path}")
    try:
        # The worktree's own index: the embedding cache makes it cost what changed, not a rebuild.
        with Index.open(ws.path, config=config) as index:
            say("Indexing the worktree and gathering context...")
            index.build()
            context = _context(index, task, max(500, config.budget // CONTEXT_SHARE))
            tools = Toolbox(ws.path, index, sandbox, config.test_cmd, config.allowed_commands,
                            ProtectedPaths(config.protected_paths), approve,
                            lambda path, ok: audit.write("approval", path=path, approved=ok))
            if model is None:
                model = RouterModel(Endpoint(config.model, config.api_base, api_key),
                                    Endpoint(config.cheap_model, config.api_base, api_key) if config.cheap_model
                                    else None, audit)
            outcome = run_loop(model, tools, task, context, limits, audit)
    except CodeidxError as exc:  # a failed model call, or an index that cannot be built: end, keep the worktree
        outcome = Outcome("error", str(exc), model.steps if model else 0)
    except KeyboardInterrupt:
        audit.write("end", status="error", reason="interrupted", steps=model.steps if model else 0,
                    cost=model.cost if model else 0.0)
        raise
    applied, diff = False, ""
    if outcome.status == "success" and ws.commit(f"codeidx agent: {task.strip().splitlines()[0][:60]}\n\n"
                                                 f"{outcome.reason}"):
        diff = ws.diff_stat()
        ws.hand_over()
        if on_success:
            _on_success(on_success, ws, audit)
        if apply:
            ws.apply_to_checkout()
            applied = True
    result = RunResult(run_id, outcome.status, outcome.reason, ws.branch, str(ws.path), outcome.steps,
                       model.cost if model else 0.0, model.tokens if model else 0, diff, str(audit.path), applied)
    audit.write("end", status=result.status, reason=result.reason, steps=result.steps, cost=result.cost,
                tokens=result.tokens, diff_stat=diff, applied=applied)
    return result


def _context(index, task: str, budget: int) -> str:
    try:
        return index.ask(task, budget=budget).markdown
    except CodeidxError as exc:  # an empty repository still gets its task done, just without context
        return f"(no context from the index: {exc})"


def _on_success(command: str, ws: Workspace, audit: AuditLog) -> None:
    """The user's hand-over command (push, open a pull request), run in the user's repository.

    The user's own command, not the model's or the repository's (it is a flag, never read from a
    repository file): it runs outside the sandbox, with the user's keys and remotes, in the user's
    repository where the branch now is; a shell lets it use $CODEIDX_BRANCH and pipes."""
    env = {**os.environ, "CODEIDX_BRANCH": ws.branch, "CODEIDX_WORKTREE": str(ws.path)}
    done = subprocess.run(command, shell=True, cwd=ws.repo, env=env, capture_output=True, text=True)
    audit.write("on_success", command=command, exit=done.returncode, output=(done.stdout + done.stderr)[-2000:])
