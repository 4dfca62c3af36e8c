"""SWE-bench instances as `bench agent` tasks: the issue is the task, the instance's own tests judge it.

An instance starts at its base commit, where the bug already is (no patch breaks it). Its
`test_patch`, the tests that catch the bug, is applied only to score, after the agent has
finished, as SWE-bench does. Its gold `patch` shows first whether this machine can run those tests
at all (benchmarks/agent_eval.py): whether the environment has the repository's dependencies is
the user's business, and an instance that cannot run is reported as not run, with why.
"""
from __future__ import annotations

import json
from pathlib import Path

from codeidx.benchmarks.agent_tasks import Task
from codeidx.benchmarks.dataset import read_records
from codeidx.benchmarks.patches import gold_files, parse_patch
from codeidx.benchmarks.workspace import find_clone
from codeidx.core.errors import CodeidxError
from codeidx.core.paths import is_test_path

REQUIRED = ("instance_id", "repo", "base_commit", "patch", "test_patch", "problem_statement", "FAIL_TO_PASS")


def is_swe_bench(path: Path) -> bool:
    """Whether a tasks file holds SWE-bench instances rather than tasks `make-tasks` wrote."""
    with open(path, encoding="utf-8", errors="replace") as handle:
        head = handle.read(4096)
    return head.lstrip().startswith("[") or '"FAIL_TO_PASS"' in head


def swe_tasks(path: Path, repos_dir: Path | None, test_cmd: str | None) -> list[Task]:
    if repos_dir is None or not test_cmd:
        raise CodeidxError(f"{path} holds SWE-bench instances: pass --repos (a folder of clones named <name> or "
                           f"<owner>__<name>) and --test-cmd (how their tests run here, e.g. 'python -m pytest -q')")
    tasks = []
    for n, record in enumerate(read_records(path), 1):
        missing = [k for k in REQUIRED if not isinstance(record, dict) or k not in record]
        if missing:
            raise CodeidxError(f"{path}: record {n} lacks {', '.join(missing)}: it is not a SWE-bench instance")
        pass_to_pass = _test_ids(record.get("PASS_TO_PASS", []), path, n)
        tasks.append(Task(
            id=record["instance_id"], repo=str(find_clone(repos_dir, record["repo"])), repo_name=record["repo"],
            base_commit=record["base_commit"], patch="", task=record["problem_statement"],
            fail_to_pass=_test_ids(record["FAIL_TO_PASS"], path, n), pass_to_pass=len(pass_to_pass),
            known_failures=(), gold_file=next(iter(gold_files(parse_patch(record["patch"]),
                                                              lambda p: not is_test_path(p))), ""),
            gold_function="", mutation="", test_cmd=test_cmd, style="issue", test_patch=record["test_patch"],
            gold_patch=record["patch"], pass_to_pass_tests=pass_to_pass).checked(f"{path}: record {n}"))
    if not tasks:
        raise CodeidxError(f"{path} holds no instances")
    return tasks


def _test_ids(value: object, path: Path, n: int) -> tuple[str, ...]:
    """SWE-bench writes its test lists as JSON inside a string; some copies hold plain lists."""
    try:
        ids = json.loads(value) if isinstance(value, str) else value
    except json.JSONDecodeError as exc:
        raise CodeidxError(f"{path}: record {n} has a test list that is not JSON") from exc
    if not isinstance(ids, list):
        raise CodeidxError(f"{path}: record {n} has a test list that is not a list")
    return tuple(ids)
