"""A repository's test command, run in the agent's sandbox on a folder: which tests failed, how many passed.

The repository is someone else's code: its tests run only under bubblewrap (agent/sandbox.py), with
the folder's `.git` read-only, the user's repository hidden, no network and a time limit.
Test ids are pytest's node ids, read from its short summary (agent/evidence.py `failing_tests`).
"""
from __future__ import annotations

import re
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from codeidx.agent.evidence import failing_tests
from codeidx.agent.sandbox import Sandbox
from codeidx.core.errors import CodeidxError

OUTPUT_BYTES = 200_000  # output kept per run, head and tail: failures and the summary are at the end
_PASSED = re.compile(r"\b(\d+) passed\b")


@dataclass(frozen=True)
class SuiteRun:
    code: int  # the command's exit status; -1 when it ran out of time
    failing: tuple[str, ...]  # pytest node ids that failed or errored
    passed: int  # tests that passed, from pytest's last line
    output: str
    seconds: float

    @property
    def timed_out(self) -> bool:
        return self.code == -1

    def green(self, known_failures: tuple[str, ...] = ()) -> bool:
        """Nothing failed but `known_failures` (tests that failed before anything changed)."""
        if self.timed_out or not set(self.failing) <= set(known_failures):
            return False
        return self.code == 0 or bool(self.failing)  # a failure pytest names no test for (collection) is red


class Suite:
    """`test_cmd` in `folder`, contained; `hidden`: folders the tests must not see (the user's checkout)."""

    def __init__(self, folder: Path, test_cmd: str, timeout: float, hidden: tuple[Path, ...] = (),
                 shown: tuple[Path, ...] = ()) -> None:
        self.argv = shlex.split(test_cmd)
        if not self.argv:
            raise CodeidxError("the test command is empty: pass --test-cmd, e.g. 'python -m pytest -q'")
        self.timeout = timeout
        self.sandbox = Sandbox(folder, frozen=(folder / ".git",), hidden=hidden, shown=shown)

    def run(self, *test_ids: str) -> SuiteRun:
        start = time.perf_counter()
        try:
            done = self.sandbox.run([*self.argv, *test_ids], self.timeout, OUTPUT_BYTES)
        except subprocess.TimeoutExpired:
            return SuiteRun(-1, (), 0, f"timed out after {self.timeout:.0f} s", time.perf_counter() - start)
        output = done.output.decode("utf-8", errors="replace")
        tail = output.rstrip().rsplit("\n", 1)[-1]
        passed = _PASSED.search(tail)
        failing = failing_tests(output)
        return SuiteRun(done.code, failing, int(passed.group(1)) if passed else 0, output, time.perf_counter() - start)
