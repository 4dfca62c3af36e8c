"""One agent run as a pipeline: spec, implement, test, review, hand-over.

Each stage hands the next a checked record (agent/contracts.py): the spec before any code, the
test evidence and the review when the model calls finish (agent/gate.py), then the hand-over,
whose Markdown summary lands beside the audit log. Every audit event names its stage.
"""
from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from codeidx.agent.audit import AuditLog, new_run_id
from codeidx.agent.contracts import Handover, NeedsHuman, StageUsage, TestRun, as_json
from codeidx.agent.evidence import test_run
from codeidx.agent.gate import FinishGate
from codeidx.agent.guard import Approver, ProtectedPaths
from codeidx.agent.loop import Limits, Outcome, run_loop
from codeidx.agent.model import Endpoint, check_key, routes
from codeidx.agent.model import Model as RouterModel
from codeidx.agent.sandbox import Sandbox
from codeidx.agent.spec import spec_stage
from codeidx.agent.summary import summary_markdown
from codeidx.agent.tools import Toolbox, ToolError
from codeidx.agent.workspace import Workspace
from codeidx.core.config import MODEL_STAGES, Config
from codeidx.core.errors import CodeidxError
from codeidx.core.protocols import Model

CONTEXT_SHARE = 4  # the opening context takes a quarter of the ask budget: the loop needs room


@dataclass(frozen=True)
class RunResult:
    run_id: str
    status: str  # success | limit | no_finish | needs_human | error
    reason: str
    branch: str
    worktree: str
    steps: int
    cost: float
    tokens: int
    diff_stat: str
    audit_log: str
    applied: bool
    summary: str  # the run's Markdown summary, a pull-request body


class Stages:
    """The stage the run is in: the audit log stamps it on every event (and the Router model routes by it),
    and each stage's share of the model's tokens and cost is tallied here, whatever the model."""

    def __init__(self, audit: AuditLog, models: dict[str, str]) -> None:
        self.audit = audit
        self.models = models  # the model each stage's calls go to, for the summary
        self.model: Model | None = None
        self.spent: dict[str, list] = {}  # stage -> [tokens, cost]
        self._mark = (0, 0.0)

    def enter(self, stage: str) -> None:
        if self.model is not None and self.audit.stage:
            tokens, cost = self.model.tokens - self._mark[0], self.model.cost - self._mark[1]
            spent = self.spent.setdefault(self.audit.stage, [0, 0.0])
            spent[0], spent[1] = spent[0] + tokens, spent[1] + cost
            self._mark = (self.model.tokens, self.model.cost)
        if stage != self.audit.stage:
            self.audit.stage = stage
            self.audit.write("stage", name=stage)

    def usage(self) -> tuple[StageUsage, ...]:
        return tuple(StageUsage(s, self.models.get(s, ""), t, c) for s, (t, c) in self.spent.items() if t or c)


def run_agent(repo: Path, task: str, config: Config, approve: Approver, apply: bool = False,
              on_success: str | None = None, api_key: str | None = None, unsafe_no_sandbox: bool = False,
              say: Callable[[str], None] = lambda line: None, model: Model | None = None,
              source: str = "task") -> RunResult:
    """`model`: the language model to drive; LiteLLM's Router over `config.model` when None.
    `source`: where the task came from, for the spec (task, task-file, openapi FILE ID)."""
    from codeidx.index import Index

    if not unsafe_no_sandbox:
        Sandbox.check()  # before anything is made: no sandbox, no run
    Workspace.toplevel(repo)
    endpoints = _endpoints(config, api_key)
    if model is None:
        for e in endpoints.values():
            check_key(e)  # a missing key is one line before anything is made
    run_id = new_run_id()
    ws = Workspace.create(repo, run_id)
    sandbox = Sandbox(ws.path, network=config.allow_network, pass_env=config.sandbox_env,
                      frozen=(ws.path / ".git", ws.path / config.index_dir), shown=ws.borrowed, hidden=(ws.repo,),
                      contained=not unsafe_no_sandbox)
    audit = AuditLog(ws.repo, run_id)
    limits = Limits(config.max_steps, config.max_cost, config.max_tokens)
    stages = Stages(audit, {stage: endpoints[role].model for stage, role in routes(endpoints).items()})
    # The pid and host let `codeidx runs` tell a run still going from one whose process was killed.
    audit.write("run_start", task=task, model=config.model, cheap_model=config.cheap_model, branch=ws.branch,
                worktree=str(ws.path), limits=dataclasses.asdict(limits), pid=os.getpid(),
                host=socket.gethostname(), sandbox="bubblewrap" if sandbox.contained else "none",
                network=config.allow_network, stage_models=stages.models, review_threshold=config.review_threshold)
    if not sandbox.contained:
        say("WARNING: --unsafe-no-sandbox: the repository's tests and commands run with your user's full access")
    say(f"Working on branch {ws.branch} in {ws.path}")
    spec = gate = None
    try:
        # The worktree's own index: the embedding cache makes it cost what changed, not a rebuild.
        with Index.open(ws.path, config=config) as index:
            say("Indexing the worktree and gathering context...")
            index.build()
            context, hits = _context(index, task, config)
            tools = Toolbox(ws.path, index, sandbox, config.test_cmd, config.allowed_commands,
                            ProtectedPaths(config.protected_paths), approve,
                            lambda path, ok: audit.write("approval", path=path, approved=ok))
            if model is None:
                model = RouterModel(endpoints["main"], endpoints.get("cheap"), audit, timeout=config.model_timeout,
                                    stages={s: e for s, e in endpoints.items() if s in MODEL_STAGES})
            stages.model = model
            stages.enter("spec")
            say("Writing the spec...")
            spec = spec_stage(model, task, source, hits, context, ws.path, audit)
            stages.enter("test")
            baseline = _baseline(tools, audit)
            gate = tools.gate = FinishGate(tools, ws, audit, stages.enter, baseline, config.review_threshold, approve)
            stages.enter("implement")
            outcome = run_loop(model, tools, f"{task}\n\n# Spec\n{spec.markdown()}", context, limits, audit)
    except NeedsHuman as exc:  # a stage only a person can unblock: stop, keep the worktree
        outcome = Outcome("needs_human", str(exc), model.steps if model else 0)
    except CodeidxError as exc:  # a failed model call, or an index that cannot be built: end, keep the worktree
        outcome = Outcome("error", str(exc), model.steps if model else 0)
    except KeyboardInterrupt:
        audit.write("end", status="error", reason="interrupted", steps=model.steps if model else 0,
                    cost=model.cost if model else 0.0)
        raise
    stages.enter("handover")
    committed = outcome.status == "success" and ws.commit(
        f"codeidx agent: {task.strip().splitlines()[0][:60]}\n\n{outcome.reason}")
    handover = Handover(run_id, task, outcome.status, outcome.reason, ws.branch, spec,
                        gate.evidence if gate else None, gate.review if gate else None, stages.usage(),
                        ws.diff_stat() if committed else "")
    handover.validate()
    summary = audit.path.with_suffix(".md")
    summary.write_text(summary_markdown(handover), encoding="utf-8")
    audit.write("handover", record=as_json(handover), summary=str(summary))
    applied = False
    if committed:
        ws.hand_over()
        if on_success:
            _on_success(on_success, ws, audit, summary)
        if apply:
            ws.apply_to_checkout()
            applied = True
    result = RunResult(run_id, outcome.status, outcome.reason, ws.branch, str(ws.path), outcome.steps,
                       model.cost if model else 0.0, model.tokens if model else 0, handover.diff_stat,
                       str(audit.path), applied, str(summary))
    audit.write("end", status=result.status, reason=result.reason, steps=result.steps, cost=result.cost,
                tokens=result.tokens, diff_stat=result.diff_stat, applied=applied)
    return result


def _endpoints(config: Config, api_key: str | None) -> dict[str, Endpoint]:
    """The main and cheap models, and a stage's own model where `stage_models` routes one."""
    names = {"main": config.model, "cheap": config.cheap_model, **config.stage_model}
    return {role: Endpoint(name, config.api_base, api_key) for role, name in names.items() if name}


def _baseline(tools: Toolbox, audit: AuditLog) -> TestRun | None:
    """The tests at the base, before any edit: which fail decides what the change must show."""
    try:
        base = test_run(tools)
    except ToolError as exc:  # no test command: finish will say so
        audit.write("test_baseline", error=str(exc))
        return None
    audit.write("test_baseline", record=as_json(base))
    return base


def opening_context(index, task: str, config: Config):
    """What the agent's first message holds from the index: `ask` for the task, in a share of the budget.
    `bench agent` asks it the same way to tell whether the context held the gold code."""
    return index.ask(task, budget=max(500, config.budget // CONTEXT_SHARE))


def _context(index, task: str, config: Config) -> tuple[str, tuple]:
    """The index's context for the task, and its hits (the files and symbols the spec starts from)."""
    try:
        found = opening_context(index, task, config)
    except CodeidxError as exc:  # an empty repository still gets its task done, just without context
        return f"(no context from the index: {exc})", ()
    return found.markdown, found.hits


def _on_success(command: str, ws: Workspace, audit: AuditLog, summary: Path) -> None:
    """The user's hand-over command (push, open a pull request), run in the user's repository.

    The user's own command, not the model's or the repository's (it is a flag, never read from a
    repository file): it runs outside the sandbox, with the user's keys and remotes, in the user's
    repository where the branch now is; a shell lets it use $CODEIDX_BRANCH and pipes."""
    env = {**os.environ, "CODEIDX_BRANCH": ws.branch, "CODEIDX_WORKTREE": str(ws.path),
           "CODEIDX_SUMMARY": str(summary)}
    done = subprocess.run(command, shell=True, cwd=ws.repo, env=env, capture_output=True, text=True)
    audit.write("on_success", command=command, exit=done.returncode, output=(done.stdout + done.stderr)[-2000:])
