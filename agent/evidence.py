"""The test stage: what the tests say before the change, and whether the change is really tested.

Before the model edits anything the test command runs at the base and its failing tests are
recorded. When the model calls finish (its tests green), the change is checked:
- a change that edits only tests is refused: the code under test must change;
- a change that deletes or skips a test in a file whose tests failed at the base is refused;
- when nothing failed at the base, a change to code (not only documentation or configuration)
  must bring a test that fails on the base and passes after: only the change's test files are put
  on a copy of the base and the tests run there, in the sandbox, and must fail.
A refusal is a ToolError: it goes back to the model as finish's result.
"""
from __future__ import annotations

import dataclasses
import re
import shutil

from codeidx.agent.contracts import ContractError, TestEvidence, TestRun
from codeidx.agent.tools import Toolbox, ToolError
from codeidx.agent.workspace import Workspace, git
from codeidx.core.home import remove_tree
from codeidx.core.paths import is_test_path
from codeidx.indexer.languages import has_grammar, language_for

_FAILED = re.compile(r"^(?:FAILED|ERROR) (\S+?)(?: - .*)?$", re.MULTILINE)  # pytest's short summary lines
# A failed subtest (unittest's subTest, pytest's subtests): `SUBFAILED[msg] (i=1) id - ...`; a unittest test
# whose subtests failed gets no FAILED line of its own.
_SUBFAILED = re.compile(r"^SUBFAILED(?:\[.*?\])?(?: ?\(.*?\))? (\S+?)(?: - .*)?$", re.MULTILINE)
_SKIP = re.compile(r"pytest\.mark\.(?:skip|xfail)|unittest\.skip|@skip\b|\b(?:it|describe|test)\.skip\(|\bxit\(|"
                   r"\bt\.Skip(?:Now|f)?\(|#\[ignore\]")
_TEST_DEF = re.compile(r"^\s*(?:async\s+)?(?:def\s+test_\w+|func\s+Test\w+|(?:it|test)\s*\()")


def is_code_path(path: str) -> bool:
    """Source in a language codeidx parses; documentation and configuration are not."""
    language = language_for(path)
    return language is not None and has_grammar(language)


def failing_tests(output: str) -> tuple[str, ...]:
    """The test ids pytest lists as FAILED, ERROR or SUBFAILED; other runners' failures are known by exit
    status only."""
    return tuple(dict.fromkeys(_FAILED.findall(output) + _SUBFAILED.findall(output)))


def test_run(tools: Toolbox, sandbox=None) -> TestRun:
    code, output = tools.test_output(sandbox)
    return TestRun(code, failing_tests(output))


def check_change(tools: Toolbox, ws: Workspace, base: TestRun) -> TestEvidence:
    """The evidence that the finished change is tested, or a ToolError saying why it is refused."""
    changed = ws.changed_paths()
    tests = tuple(p for p in changed if is_test_path(p))
    if not changed:
        raise ToolError("finish refused: nothing is changed yet")
    if len(tests) == len(changed):
        raise ToolError(f"finish refused: the change edits only tests ({', '.join(tests)}); change the code "
                        f"the task is about, not the tests that check it")
    if not base.passed:
        # A failing file's tests: with pytest's ids, the files they are in; else every test file.
        failing_files = {t.split("::")[0] for t in base.failing} or set(tests)
        dodged = _dodged_tests(ws, [p for p in tests if p in failing_files])
        if dodged:
            raise ToolError(f"finish refused: the change deletes or skips tests that were failing ({dodged}); "
                            f"make them pass instead")
    code = tuple(p for p in changed if p not in tests and is_code_path(p))
    on_base = _on_base(tools, ws, tests) if base.passed and tests and code else None
    evidence = TestEvidence(tools.test_cmd, base, tests, code, on_base, TestRun(0, ()))
    try:
        evidence.validate()
    except ContractError as exc:
        raise ToolError(f"finish refused: {exc}") from None
    return evidence


def _dodged_tests(ws: Workspace, paths: list[str]) -> str:
    """Where the diff of `paths` removes a test definition or adds a skip marker: `path: line`, or ''."""
    if not paths:
        return ""
    diff = git(ws.path, "diff", "--no-ext-diff", "--no-textconv", "--no-renames", "-U0", ws.base, "--", *paths)
    hits, path = [], ""
    for line in diff.splitlines():
        if line.startswith("+++ ") or line.startswith("--- "):
            path = line[6:] if line[4:6] in ("a/", "b/") else path
        elif (line.startswith("-") and _TEST_DEF.match(line[1:])) or (line.startswith("+") and _SKIP.search(line)):
            hits.append(f"{path}: {line[1:].strip()[:80]}")
    return "; ".join(hits[:5])


def _on_base(tools: Toolbox, ws: Workspace, tests: tuple[str, ...]) -> TestRun:
    """The test command on a copy of the base that has only the change's test files."""
    copy = ws.base_copy()
    try:
        for rel in tests:
            source, target = ws.path / rel, copy / rel
            if source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, target)
            else:
                target.unlink(missing_ok=True)
        sandbox = dataclasses.replace(tools.sandbox, worktree=copy, frozen=(copy / ".git",))
        return test_run(tools, sandbox)
    finally:
        remove_tree(copy)
