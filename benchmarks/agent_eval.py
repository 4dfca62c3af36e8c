"""Run the agent on tasks, each in a fresh clone of its repository with the bug applied, and score it.

Whether a task is resolved is decided here, not by the agent: in the worktree the agent leaves, with
any test file it changed put back, the task's failing tests and then the whole suite run in the
sandbox (resolved: every fail_to_pass test passes and nothing fails but the tests that failed before
the bug). Each (task, model) row is appended to `results.jsonl` as soon as it is scored, so an
interrupted run keeps what it finished and a new run skips it. `jobs` runs go in parallel threads,
each in its own clone: the agent mostly waits on its model and on sandboxed test runs.
"""
from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable

from codeidx.agent.workspace import git
from codeidx.benchmarks.agent_tasks import Task
from codeidx.benchmarks.suite import Suite
from codeidx.core.errors import CodeidxError
from codeidx.core.home import remove_tree

RESULT_VERSION = 1
NOT_RUN = "not_run"  # the status of a task this machine cannot judge (its reason says why); never scored
RESULTS_FILE = "results.jsonl"
IDENTITY = ("-c", "user.name=codeidx bench", "-c", "user.email=bench@codeidx.invalid")


@dataclass(frozen=True)
class AgentResult:
    task_id: str
    model: str
    resolved: bool  # every fail_to_pass test passes and the suite is green
    fail_to_pass_ok: bool
    suite_green: bool  # nothing fails but the task's known failures
    status: str  # how the run ended: success | limit | no_finish | needs_human | error
    reason: str
    steps: int
    prompt_tokens: int
    completion_tokens: int
    cost: float  # USD, LiteLLM's pricing
    wall_s: float  # the agent's run, without the scoring after it
    tool_calls: dict[str, int] = field(default_factory=dict)  # tool -> calls
    context_file: bool = False  # the opening context held the gold file
    context_function: bool = False  # ... and a snippet of the gold function
    tests_edited: tuple[str, ...] = ()  # test files the agent changed, put back before scoring
    audit_log: str = ""  # the run's audit log, copied into the output folder
    version: int = RESULT_VERSION


@dataclass(frozen=True)
class Settings:
    out: Path
    api_base: str | None = None
    test_cmd: str | None = None  # instead of the one each task was made with
    repo: Path | None = None  # the tasks' repository, when it is no longer where it was
    max_steps: int | None = None
    max_cost: float | None = None
    timeout: float = 600.0  # seconds a test run may take while scoring


def read_results(path: Path) -> list[AgentResult]:
    """Rows of a results file; a line cut short by an interrupt is skipped, it will run again."""
    if not path.is_file():
        return []
    names = {f.name for f in fields(AgentResult)}
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            rows.append(AgentResult(**{k: tuple(v) if isinstance(v, list) else v
                                       for k, v in record.items() if k in names}))
        except (ValueError, TypeError):
            continue
    return rows


def run_tasks(tasks: list[Task], models: list[str], settings: Settings, jobs: int = 1,
              say: Callable[[str], None] = lambda line: None) -> list[AgentResult]:
    """Every (task, model) pair not in the output folder yet, `jobs` at a time; all rows, old and new."""
    from codeidx.agent.sandbox import Sandbox

    Sandbox.check()
    settings.out.mkdir(parents=True, exist_ok=True)
    path = settings.out / RESULTS_FILE
    rows = read_results(path)
    done = {(r.task_id, r.model) for r in rows}
    pending = [(t, m) for t in tasks for m in models if (t.id, m) not in done]
    if done:
        say(f"{len(done)} runs already in {path}; {len(pending)} to go")
    recall = ContextRecall()
    lock = threading.Lock()

    def work(pair: tuple[Task, str]) -> None:
        row = run_one(*pair, settings, recall)
        # Each run records its row the moment it is scored: an interrupt, or another run's error, keeps it.
        with lock, open(path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(asdict(row)) + "\n")
            rows.append(row)
            say(f"[{len(rows) - len(done)}/{len(pending)}] {row.task_id} {row.model}: "
                f"{'resolved' if row.resolved else 'unresolved'} ({row.status}, {row.steps} steps, "
                f"${row.cost:.4f}, {row.wall_s:.0f} s)")

    if jobs == 1:  # in this thread, so that Ctrl-C stops the run at once
        for pair in pending:
            work(pair)
    else:
        with ThreadPoolExecutor(jobs) as pool:
            futures = [pool.submit(work, pair) for pair in pending]
            try:
                for future in as_completed(futures):
                    future.result()  # a run's error ends the benchmark
            except BaseException:
                for future in futures:  # the runs under way finish and record; the rest never start
                    future.cancel()
                raise
    remove_tree(settings.out / "work")  # every run removed its clone; this is their folder
    return rows


def run_one(task: Task, model: str, settings: Settings, recall: "ContextRecall") -> AgentResult:
    from codeidx.agent.run import run_agent
    from codeidx.core.config import Config

    clone = settings.out.resolve() / "work" / task.id / _slug(model)  # git runs elsewhere: no relative paths
    remove_tree(clone)  # a run cut short leaves its clone: start again from the bug
    repo = settings.repo or Path(task.repo)
    test_cmd = settings.test_cmd or task.test_cmd
    if task.gold_patch:
        why = _cannot_run(task, repo, clone, test_cmd, settings.timeout)
        if why:
            return AgentResult(task.id, model, False, False, False, NOT_RUN, why, 0, 0, 0, 0.0, 0.0)
    try:
        _broken_clone(task, repo, clone)
        base = git(clone, "rev-parse", "HEAD").strip()
        config = Config.load(clone, model=model, api_base=settings.api_base, test_cmd=test_cmd,
                             max_steps=settings.max_steps, max_cost=settings.max_cost)
        in_context = recall(clone, task, config)
        start = time.perf_counter()
        # Nobody answers approval prompts in a batch: a write to a protected path is refused.
        result = run_agent(repo=clone, task=task.task, config=config, approve=lambda question: False)
        wall = time.perf_counter() - start
        worktree = Path(result.worktree)
        edited = _restore_tests(worktree, base)
        suite = Suite(worktree, test_cmd, settings.timeout, hidden=(repo.resolve(),), shown=_borrowed(worktree))
        applies = _apply(worktree, task.test_patch)
        fail_to_pass_ok = applies and suite.run(*task.fail_to_pass).code == 0
        green = applies and (suite.run(*task.pass_to_pass_tests).code == 0 if task.pass_to_pass_tests
                             else suite.run().green(task.known_failures))
        events = _events(Path(result.audit_log))
        log = settings.out.resolve() / "runs" / f"{task.id}__{_slug(model)}.jsonl"
        log.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(result.audit_log, log)
    finally:
        remove_tree(clone)
    calls = [e for e in events if e.get("event") == "model_call"]
    return AgentResult(
        task.id, model, fail_to_pass_ok and green, fail_to_pass_ok, green, result.status, result.reason,
        result.steps, sum(_int(c.get("prompt_tokens")) for c in calls),
        sum(_int(c.get("completion_tokens")) for c in calls), result.cost, round(wall, 2),
        dict(sorted(Counter(str(e.get("tool")) for e in events if e.get("event") == "tool_call").items())),
        *in_context, edited, str(log.relative_to(settings.out.resolve())))


def _broken_clone(task: Task, repo: Path, clone: Path) -> None:
    """A clone of the task's repository at its base with the bug committed: the agent branches from it."""
    if not (repo / ".git").exists():
        raise CodeidxError(f"task {task.id}: no repository at {repo}; pass --repo with your clone of "
                           f"{task.repo_name}")
    clone.parent.mkdir(parents=True, exist_ok=True)
    git(clone.parent, "clone", "-q", "--no-checkout", str(repo), str(clone))
    if git(clone, "cat-file", "-t", task.base_commit, check=False).strip() != "commit":
        raise CodeidxError(f"task {task.id}: commit {task.base_commit[:12]} is not in {repo}: "
                           f"pass --repo with a clone that has it")
    git(clone, "checkout", "-q", "-B", "bench", task.base_commit)
    if task.patch:  # a SWE-bench instance's base has its bug already
        git(clone, "apply", "--whitespace=nowarn", "-", stdin=task.patch)
        git(clone, *IDENTITY, "commit", "-q", "-a", "--no-verify", "-m", f"bench: {task.id}")


def _apply(folder: Path, patch: str) -> bool:
    """Apply `patch` (nothing to do when empty); False when it does not apply."""
    if not patch:
        return True
    try:
        git(folder, "apply", "--whitespace=nowarn", "-", stdin=patch)
    except CodeidxError:
        return False
    return True


def _cannot_run(task: Task, repo: Path, clone: Path, test_cmd: str, timeout: float) -> str:
    """Why this machine cannot judge the task (empty when it can): at the base with the test patch, its
    FAIL_TO_PASS tests must fail, and with the gold patch too, they and PASS_TO_PASS must pass."""
    try:
        _broken_clone(task, repo, clone)
        suite = Suite(clone, test_cmd, timeout, hidden=(repo.resolve(),))
        if not _apply(clone, task.test_patch):
            return "its test_patch does not apply at the base commit"
        if suite.run(*task.fail_to_pass).code == 0:
            return "its FAIL_TO_PASS tests pass before any fix"
        if not _apply(clone, task.gold_patch):
            return "its gold patch does not apply at the base commit"
        run = suite.run(*task.fail_to_pass, *task.pass_to_pass_tests)
        if run.code != 0:
            return f"its tests do not pass with the gold patch here ({_last_line(run.output)})"
        return ""
    finally:
        remove_tree(clone)


def _last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1][:160] if lines else "no output"


class ContextRecall:
    """Whether the context the agent opens with holds the gold file, and a snippet of the gold function.

    Asked as run_agent asks it (agent/run.py `opening_context`) of the same code; the
    index built here lands in the clone's index folder, which the agent's own clone leaves out. One
    embedder serves every task: loading the model is most of what a small repository's build costs."""

    def __init__(self) -> None:
        self._embedders: dict[tuple, object] = {}

    def __call__(self, clone: Path, task: Task, config) -> tuple[bool, bool]:
        from codeidx.agent.run import opening_context
        from codeidx.index import Index
        from codeidx.indexer.embedder import load_embedder

        key = (config.embed_model, config.embed_max_tokens, config.embed_batch_size, config.embed_device)
        if key not in self._embedders:
            self._embedders[key] = load_embedder(*key[:3], device=config.embed_device)
        with Index(clone.resolve(), config, embedder=self._embedders[key]) as index:
            index.build()
            try:
                found = opening_context(index, task.task, config)
            except CodeidxError:  # nothing to retrieve: the agent starts without context too
                return False, False
        in_file = [s for s in found.snippets if s.path == task.gold_file]
        return bool(in_file), any(task.gold_function in s.label.split(", ") for s in in_file)


def _restore_tests(worktree: Path, base: str) -> tuple[str, ...]:
    """Put back the test files the agent changed or deleted: the task is judged by its own tests. Test
    files it added stay and run with the suite."""
    from codeidx.core.paths import is_test_path

    changed = git(worktree, "diff", "--name-only", "--no-renames", "--diff-filter=MDT", base).splitlines()
    edited = tuple(p for p in changed if is_test_path(p))
    if edited:
        git(worktree, "checkout", base, "--", *edited)
    return edited


def _borrowed(worktree: Path) -> tuple[Path, ...]:
    """The object folders the agent's clone reads from (agent/workspace.py): the tests must see them
    even where they lie in a hidden folder."""
    alternates = worktree / ".git" / "objects" / "info" / "alternates"
    lines = alternates.read_text().splitlines() if alternates.is_file() else []
    return tuple(Path(line).resolve() for line in lines if line.strip())


def _events(path: Path) -> list[dict]:
    events = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            event = json.loads(line)
        except ValueError:  # a torn line: counted by the audit reader, skipped here
            continue
        if isinstance(event, dict):
            events.append(event)
    return events


def _int(value: object) -> int:
    return value if isinstance(value, int) else 0


def _slug(model: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", model)
