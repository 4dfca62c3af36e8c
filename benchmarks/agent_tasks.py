"""Agent tasks made from a repository's own tests: inject one small bug, keep it if a test catches it.

The tests run first at HEAD, in a scratch clone (never the user's checkout); tests that already
fail there never count. Then, one at a time, a mutation (benchmarks/mutations.py) goes into a
function of a non-test file; it is kept when the file still compiles and at least one more test
fails. Each kept mutation is a task: the patch that breaks the code, the failing tests and what
a user would report, and the function the fix belongs in. The order is fixed by the seed.
"""
from __future__ import annotations

import hashlib
import json
import random
import re
import tempfile
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Callable, Iterator

from codeidx.agent.sandbox import Sandbox
from codeidx.agent.workspace import Workspace, git
from codeidx.benchmarks.dataset import json_lines
from codeidx.benchmarks.mutations import RULES, Mutation, mutations
from codeidx.benchmarks.patches import FUNCTION_KINDS
from codeidx.benchmarks.suite import Suite, SuiteRun
from codeidx.core.errors import CodeidxError
from codeidx.core.home import remove_tree
from codeidx.core.models import Symbol
from codeidx.core.paths import is_test_path
from codeidx.core.text import head_and_tail

TASK_VERSION = 1
STYLES = ("tests", "issue")
REPORT_CHARS = 3000  # the test output a task quotes: what a user pastes, not a whole log
_DURATION = re.compile(r" in \d+(?:\.\d+)?s(?: \(\d+:\d\d:\d\d\))?(?= |$)", re.MULTILINE)  # "... 2 passed in 0.04s"
_ADDRESS = re.compile(r" at 0x[0-9a-f]+")  # "<Formatter object at 0x7fd2ba42a0d0>"
MIN_TIMEOUT_S = 30.0  # a mutation's test run may take this long, or 10 times the clean run if longer
MAX_TASK_TEXT = 1_000_000  # characters in a task's patch, text or test command
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_COMMIT = re.compile(r"[0-9a-f]{7,64}")


@dataclass(frozen=True)
class Task:
    id: str  # <repository name>-<hash of the patch>: stable whatever the order tasks were made in
    repo: str  # the repository's path when the task was made
    repo_name: str
    base_commit: str
    patch: str  # unified diff that breaks the code at base_commit; `git apply` accepts it
    task: str  # what the agent is told
    fail_to_pass: tuple[str, ...]  # pytest node ids that pass at the base and fail with the patch
    pass_to_pass: int  # tests that pass both at the base and with the patch
    known_failures: tuple[str, ...]  # tests that fail at the base already: they never count
    gold_file: str
    gold_function: str  # qualified name, "Class.method"
    mutation: str  # the bug, e.g. "comparison: `<` -> `>=`"
    test_cmd: str
    style: str = "tests"
    version: int = TASK_VERSION
    # SWE-bench instances (benchmarks/swe_tasks.py): the base has the bug, so `patch` is empty.
    test_patch: str = ""  # tests applied only to score, after the agent: it never sees them
    gold_patch: str = ""  # a known fix: when given, whether the tests can run here is checked first
    pass_to_pass_tests: tuple[str, ...] = ()  # when given, scored instead of the whole suite

    def problem(self) -> str | None:
        """What makes this record unsafe to run, or None. A task file may come from anyone (a team
        commits and shares them): its id names folders that a run creates and removes, its commit and
        test ids reach git and the test command, and its texts reach a model."""
        if not (isinstance(self.id, str) and _SAFE_ID.fullmatch(self.id) and ".." not in self.id):
            return f"its id {str(self.id)[:60]!r} is not a plain name (letters, digits, '.', '_', '-')"
        if not (isinstance(self.base_commit, str) and _COMMIT.fullmatch(self.base_commit)):
            return f"its base_commit {str(self.base_commit)[:60]!r} is not a commit hash"
        tests = (self.fail_to_pass, self.known_failures, self.pass_to_pass_tests)
        if not all(isinstance(ids, tuple) and all(isinstance(t, str) and t and not t.startswith("-") for t in ids)
                   for ids in tests):
            return "its test ids are not a list of names (none empty, none starting with '-', an option's mark)"
        if any(not isinstance(text, str) or len(text) > MAX_TASK_TEXT
               for text in (self.patch, self.task, self.test_cmd, self.gold_file, self.gold_function,
                            self.test_patch, self.gold_patch)):
            return f"a text field is not a string of at most {MAX_TASK_TEXT} characters"
        return None

    def checked(self, where: str) -> "Task":
        """This task, or a one-line error naming `where` it came from and what makes it unsafe."""
        problem = self.problem()
        if problem:
            raise CodeidxError(f"{where} is refused: {problem}; nothing was run")
        return self


@dataclass(frozen=True)
class MakeStats:
    candidates: int  # mutations the rules offered in functions of non-test files
    tried: int  # mutations whose tests were run
    kept: int
    discarded: dict[str, int] = field(default_factory=dict)  # reason -> count
    known_failures: int = 0
    seconds: float = 0.0


@dataclass(frozen=True)
class Candidate:
    path: str
    function: Symbol
    mutation: Mutation


def read_tasks(path: str | Path) -> list[Task]:
    path = Path(path)
    names = {f.name for f in fields(Task)}
    tasks = []
    for n, record in json_lines(path, "make them with `codeidx bench agent make-tasks`"):
        try:
            if record.get("version") != TASK_VERSION:
                raise CodeidxError(f"{path}:{n} is a version {record.get('version')} task, this codeidx reads "
                                   f"version {TASK_VERSION}: make the tasks again")
            task = Task(**{k: tuple(v) if isinstance(v, list) else v for k, v in record.items() if k in names})
        except (TypeError, AttributeError) as exc:
            raise CodeidxError(f"{path}:{n} is not a task ({exc}): make the tasks with "
                               f"`codeidx bench agent make-tasks`") from exc
        tasks.append(task.checked(f"{path}:{n}"))
    if not tasks:
        raise CodeidxError(f"{path} holds no tasks")
    return tasks


def write_tasks(tasks: list[Task], path: str | Path) -> None:
    try:
        Path(path).write_text("".join(json.dumps(asdict(t)) + "\n" for t in tasks), encoding="utf-8")
    except OSError as exc:
        raise CodeidxError(f"cannot write tasks to {path}: {exc.strerror}; pass --out in a folder that exists") from exc


def candidates(root: Path, seed: int) -> list[Candidate]:
    """Every mutation in a function of a non-test file, in the seed's order: the kinds of bug in turn, and
    within a kind one function after another, so that the first tasks spread over the code."""
    from codeidx.indexer.languages import language_for
    from codeidx.indexer.parser import parse_file

    by_function: dict[tuple[str, str], list[Candidate]] = {}
    for path in sorted(git(root, "ls-files", "-z").split("\0")):
        language = language_for(path)
        if not path or language not in RULES or is_test_path(path) or not (root / path).is_file():
            continue
        source = (root / path).read_bytes()
        functions = [s for s in parse_file(path, source, language).symbols if s.kind in FUNCTION_KINDS]
        for m in mutations(source, language):
            inside = [f for f in functions if f.start_line <= m.line <= f.end_line]
            if inside:
                function = min(inside, key=lambda f: f.end_line - f.start_line)  # the innermost
                by_function.setdefault((path, function.qualified_name), []).append(Candidate(path, function, m))
    rng = random.Random(seed)
    functions = _shuffled([by_function[key] for key in sorted(by_function)], rng)
    # The kinds of bug take turns: nearly every function returns something, and a task set made mostly
    # of `return None` would be easy.
    return _interleave(_by_rule(_interleave(functions)))


def _by_rule(ordered: list[Candidate]) -> list[list[Candidate]]:
    rules: dict[str, list[Candidate]] = {}
    for c in ordered:
        rules.setdefault(c.mutation.rule, []).append(c)
    return [rules[r] for r in sorted(rules)]


def _shuffled(groups: list[list[Candidate]], rng: random.Random) -> list[list[Candidate]]:
    rng.shuffle(groups)
    for group in groups:
        rng.shuffle(group)
    return groups


def _interleave(groups: list[list[Candidate]]) -> list[Candidate]:
    """The first of each group, then the second of each, and so on."""
    return [g[i] for i in range(max(map(len, groups), default=0)) for g in groups if i < len(g)]


def make_tasks(repo: Path, test_cmd: str, count: int, seed: int, style: str = "tests", max_tries: int | None = None,
               timeout: float | None = None, work_dir: Path | None = None,
               say: Callable[[str], None] = lambda line: None) -> tuple[list[Task], MakeStats]:
    """Up to `count` tasks from the repository at `repo`'s HEAD; the same seed gives the same tasks."""
    if style not in STYLES:
        raise CodeidxError(f"unknown task style {style!r}: choose from {', '.join(STYLES)}")
    started = time.perf_counter()
    root = Workspace.toplevel(repo)
    Sandbox.check()  # the repository's tests run nowhere else
    base = git(root, "rev-parse", "HEAD", clean=False).strip()
    scratch = Path(tempfile.mkdtemp(prefix="codeidx-tasks-", dir=work_dir)).resolve()  # git runs elsewhere
    try:
        git(scratch, "clone", "-q", "--no-checkout", str(root), str(scratch / "repo"))
        clone = scratch / "repo"
        git(clone, "checkout", "-q", "--detach", base)
        say(f"running the tests at {base[:12]}...")
        baseline = Suite(clone, test_cmd, timeout or 3600, hidden=(root,)).run()
        _check_baseline(baseline, test_cmd)
        suite = Suite(clone, test_cmd, timeout or max(MIN_TIMEOUT_S, 10 * baseline.seconds), hidden=(root,))
        say(f"{baseline.passed} tests pass, {len(baseline.failing)} fail already (never counted), "
            f"{baseline.seconds:.1f} s a run")
        found = candidates(clone, seed)
        tasks: list[Task] = []
        discarded: dict[str, int] = {}
        tried = 0
        limit = max_tries or 10 * count
        covered: set[tuple[str, str]] = set()  # functions that have a task
        for candidate in _spread(found, covered):
            if len(tasks) >= count or tried >= limit:
                break
            outcome = _try(clone, suite, baseline, candidate)
            if isinstance(outcome, str):
                discarded[outcome] = discarded.get(outcome, 0) + 1
                if outcome != "does not compile":
                    tried += 1
                continue
            tried += 1
            patch, run = outcome
            tasks.append(_task(root, base, patch, run, baseline, candidate, test_cmd, style, clone))
            covered.add((candidate.path, candidate.function.qualified_name))
            say(f"[{len(tasks)}/{count}] {candidate.path}::{candidate.function.qualified_name} "
                f"{candidate.mutation.rule} breaks {len(tasks[-1].fail_to_pass)} test(s) ({tried} tried)")
    finally:
        remove_tree(scratch)
    return tasks, MakeStats(len(found), tried, len(tasks), discarded, len(baseline.failing),
                            round(time.perf_counter() - started, 2))


def _spread(found: list[Candidate], covered: set[tuple[str, str]]) -> Iterator[Candidate]:
    """`found` in order, except that a mutation in a function that has a task by the time its turn comes
    waits until the others have had theirs: one task per function first."""
    deferred = []
    for c in found:
        if (c.path, c.function.qualified_name) in covered:
            deferred.append(c)
        else:
            yield c
    yield from deferred


def _check_baseline(run: SuiteRun, test_cmd: str) -> None:
    if run.timed_out:
        raise CodeidxError(f"the tests did not finish at HEAD ({run.output}): check --test-cmd {test_cmd!r}")
    if run.code != 0 and not run.failing:
        raise CodeidxError(f"{test_cmd!r} fails at HEAD without naming a failing test "
                           f"(exit {run.code}): make-tasks needs pytest's test ids; pass a pytest command that passes")
    if not run.passed:
        raise CodeidxError(f"{test_cmd!r} ran no passing test at HEAD: nothing can catch a bug")


def _try(clone: Path, suite: Suite, baseline: SuiteRun, c: Candidate) -> tuple[str, SuiteRun] | str:
    """The patch and the test run of one mutation, or why it was discarded; the clone is clean after."""
    file = clone / c.path
    source = file.read_bytes()
    mutated = c.mutation.apply(source)
    if not RULES[c.function.language].compiles(mutated):
        return "does not compile"
    file.write_bytes(mutated)
    try:
        patch = git(clone, "diff", "--no-ext-diff", "--no-textconv", "--", c.path)
        run = suite.run()
    finally:
        # What the tests wrote goes too: the next mutation must start from the base, nothing else.
        git(clone, "checkout", "-q", "-f", "HEAD")
        git(clone, "clean", "-q", "-f", "-d", "-x")
    if run.timed_out:
        return "tests time out"
    if not set(run.failing) - set(baseline.failing):
        return "no test fails" if run.code == 0 or run.failing else "tests fail without naming a test"
    return patch, run


def _task(root: Path, base: str, patch: str, run: SuiteRun, baseline: SuiteRun, c: Candidate, test_cmd: str,
          style: str, clone: Path) -> Task:
    broken = tuple(t for t in run.failing if t not in baseline.failing)
    output = run.output.replace(f"{clone}/", "")  # paths as the user's checkout has them
    text = _issue_text(c.function, broken, output) if style == "issue" else _tests_text(broken, output)
    digest = hashlib.sha256(patch.encode()).hexdigest()[:10]
    return Task(f"{root.name}-{digest}", str(root), root.name, base, patch, text, broken,
                max(0, baseline.passed - len(broken)), baseline.failing, c.path, c.function.qualified_name,
                f"{c.mutation.rule}: {c.mutation.description}", test_cmd, style)


def _failures(output: str) -> str:
    """pytest's failure reports and summary: what a user pastes (the session header is noise)."""
    match = re.search(r"^=+ (?:FAILURES|ERRORS) =+$", output, re.MULTILINE)
    # The same seed, the same text: no timings, no object addresses.
    report = _ADDRESS.sub(" at 0x…", _DURATION.sub("", output[match.start():] if match else output))
    return head_and_tail(report, REPORT_CHARS).strip()


def _tests_text(broken: tuple[str, ...], output: str) -> str:
    return ("These tests fail:\n" + "\n".join(broken) + f"\n\n```\n{_failures(output)}\n```\n")


def _issue_text(function: Symbol, broken: tuple[str, ...], output: str) -> str:
    """A short bug report that names neither the file nor the function's exact name."""
    subject = function.docstring.strip().splitlines()[0].rstrip(".") if function.docstring.strip() else \
        " ".join(re.split(r"[._]+", function.qualified_name)).strip()
    names = [t.split("::", 1)[-1] for t in broken]
    shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
    error = next(_error_lines(output), "")
    return (f"{subject} gives the wrong result: {shown} {'fails' if len(names) == 1 else 'fail'}."
            + (f"\n\n{error}" if error else "") + "\n")


def _error_lines(output: str) -> Iterator[str]:
    """The `E ...` lines pytest prints under a failure: the assertion and its values."""
    for line in output.splitlines():
        if line.startswith("E ") and line[1:].strip():
            yield line[1:].strip()[:300]
