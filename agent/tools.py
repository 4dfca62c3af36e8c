"""The agent's tools: plain typed functions whose docstrings become their schemas.

Every path is relative to the agent's worktree and may not leave it; writes to protected paths
and reads of secret files need approval; commands run in the sandbox. A tool signals a problem by
raising ToolError: the loop sends its message back to the model as the result.
"""
from __future__ import annotations

import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable

from codeidx.agent.guard import Approver, ProtectedPaths
from codeidx.agent.sandbox import Sandbox
from codeidx.core.errors import CodeidxError
from codeidx.core.secrets import is_secret_path
from codeidx.core.text import head_and_tail

OUTPUT_LIMIT = 6000  # characters of command output sent back; the head and tail matter most
READ_LIMIT = 40_000  # characters one read_file returns: a whole source file, never a 7 MB data dump
MAX_READ_BYTES = 20 * 2**20  # larger files are data, not something to page through by lines
COMMAND_TIMEOUT = 600


class ToolError(Exception):
    """A problem the model can act on: its message goes back as the tool's result."""


@dataclass
class TestState:
    ran: bool = False
    passed: bool = False
    changed_since: bool = field(default=False)  # files edited after the last test run


class Toolbox:
    def __init__(self, root: Path, index, sandbox: Sandbox, test_cmd: str | None, allowed_commands: tuple[str, ...],
                 protected: ProtectedPaths, approve: Approver, on_approval: Callable[[str, bool], None],
                 gate: Callable[[str], None] = lambda argued: None) -> None:
        self.root = root.resolve()
        self.index = index
        self.sandbox = sandbox
        self.test_cmd = test_cmd or detect_test_command(self.root)
        self.allowed = tuple(shlex.split(c) for c in allowed_commands)
        self.protected = protected
        self.approve = approve
        self.on_approval = on_approval
        self.gate = gate  # the checks a green change must pass to be finished; raises ToolError to refuse
        self.tests = TestState()
        self.finished: str | None = None
        self._stale = False  # the index lags behind edits until the next search

    def functions(self) -> list[Callable]:
        return [self.search_code, self.get_symbol, self.read_file, self.repo_map, self.edit_file, self.write_file,
                self.run_tests, self.run_command, self.finish]

    # --- the tools ---

    def search_code(self, query: str, k: int = 8) -> str:
        """Search the repository's code by meaning, identifiers or stack traces; returns the best symbols with their
        location.

        Args:
            query: what to look for: a question, an identifier, an error message
            k: how many results
        """
        self._catch_up()
        hits, _ = self.index.rank(query, k=max(1, min(k, 30)))  # in `ask`'s order: code first, led by the best file
        return "\n".join(f"{h.path}:{h.start_line}-{h.end_line} {h.kind} {h.qualified_name or h.path}  {h.signature}"
                         for h in hits) or "no results"

    def get_symbol(self, name: str) -> str:
        """A definition by name: its file, lines, signature, code, callers and callees. When several definitions
        fit, the candidates are listed; call again with one of them.

        Args:
            name: a bare name ("send"), a qualified one ("HTTPAdapter.send") or one pinned to a file
                ("net/adapters.py:HTTPAdapter.send")
        """
        from codeidx.retriever.symbols import render_lookup

        self._catch_up()
        try:
            found = self.index.lookup(name)
        except CodeidxError as exc:
            raise ToolError(str(exc)) from None
        return head_and_tail(render_lookup(found, "call get_symbol again"), READ_LIMIT)

    def read_file(self, path: str, start: int = 1, end: int | None = None) -> str:
        """Read a file's lines, numbered; give start and end to read part of a long file.

        Args:
            path: file path relative to the repository root
            start: first line (1-based)
            end: last line (inclusive); the whole file when omitted
        """
        target = self._resolve(path)
        if is_secret_path(self._relative(path)):
            self._guard(path, "read")
        if target.stat().st_size > MAX_READ_BYTES:
            raise ToolError(f"{path} is {target.stat().st_size // 2**20} MB: too large to read")
        lines = target.read_text(encoding="utf-8", errors="replace").splitlines()
        end = len(lines) if end is None else min(end, len(lines))
        if start < 1 or start > max(end, 1):
            raise ToolError(f"{path} has {len(lines)} lines: ask for a range within 1..{len(lines)}")
        numbered, size = [], 0
        for n in range(start, end + 1):
            numbered.append(f"{n:>5}  {lines[n - 1][:READ_LIMIT]}")
            size += len(numbered[-1]) + 1
            if size > READ_LIMIT and n < end:
                numbered.append(f"... [stopped at line {n} of {end}: {READ_LIMIT} characters per read; "
                                f"read on with start={n + 1}]")
                break
        return "\n".join(numbered)

    def repo_map(self, focus: str | None = None) -> str:
        """The repository's layout: directories, files and their most important symbols.

        Args:
            focus: optional topic or path to centre the map on
        """
        return self.index.repo_map(focus=focus)

    def edit_file(self, path: str, old: str, new: str) -> str:
        """Replace one exact occurrence of `old` with `new` in a file. `old` must match the file's text exactly
        (whitespace included) and occur once.

        Args:
            path: file path relative to the repository root
            old: the exact text to replace
            new: the replacement text
        """
        target = self._resolve(path)
        text = target.read_text(encoding="utf-8")
        count = text.count(old) if old else 0
        if count != 1:
            found = "not found" if count == 0 else f"found {count} times"
            raise ToolError(f"edit_file: the text to replace was {found} in {path}; read the file and quote "
                            f"exactly one occurrence, with enough lines around it to be unique")
        self._guard(path, "edit")
        target.write_text(text.replace(old, new, 1), encoding="utf-8")
        self._changed()
        return f"edited {path}"

    def write_file(self, path: str, content: str) -> str:
        """Create a file, or replace a file's whole content.

        Args:
            path: file path relative to the repository root
            content: the complete new content
        """
        target = self._resolve(path, must_exist=False)
        self._guard(path, "write")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
        self._changed()
        return f"wrote {path} ({len(content.splitlines())} lines)"

    def run_tests(self) -> str:
        """Run the project's test suite and return its result and output (long output is trimmed to its head and
        tail)."""
        code, output = self.test_output()
        self.tests = TestState(ran=True, passed=code == 0)
        return f"{'PASSED' if code == 0 else 'FAILED'} (exit {code}): {self.test_cmd}\n{output}"

    def test_output(self, sandbox: Sandbox | None = None) -> tuple[int, str]:
        """The test command's exit status and output, in this worktree's sandbox or another's."""
        if not self.test_cmd:
            raise ToolError("no test command: none was configured (--test-cmd) and none could be detected")
        return self._run(_split(self.test_cmd), sandbox or self.sandbox)

    def run_command(self, command: str) -> str:
        """Run one allowed command (no shell) in the repository and return its exit code and output.

        Args:
            command: the command line, e.g. "git diff"
        """
        argv = _split(command)
        if not any(argv[:len(prefix)] == prefix for prefix in self.allowed):
            raise ToolError(f"run_command: {argv[:1]} is not allowed; allowed: "
                            + ", ".join(" ".join(p) for p in self.allowed))
        code, output = self._run(argv)
        return f"exit {code}\n{output}"

    def finish(self, summary: str, argued: str = "") -> str:
        """Declare the task done once the tests pass; the tests are run again to confirm, then the change's tests
        are checked and the change is reviewed by static analysis.

        Args:
            summary: what was changed and why, for the person reviewing it
            argued: only for review findings you hold are wrong: one line each (rule, path:line, why)
        """
        if not self.tests.ran or self.tests.changed_since or not self.tests.passed:
            result = self.run_tests()
            if not self.tests.passed:
                raise ToolError("finish refused: the tests do not pass yet.\n" + result)
        self.gate(argued)
        self.finished = summary
        return "finished"

    # --- helpers ---

    def _catch_up(self) -> None:
        """The index after the agent's edits: a search or a lookup sees what the agent wrote."""
        if self._stale:
            self.index.refresh()
            self._stale = False

    def _resolve(self, path: str, must_exist: bool = True) -> Path:
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root) or target == self.root:
            raise ToolError(f"{path!r} is outside the repository: use a path relative to its root")
        if must_exist and not target.is_file():
            raise ToolError(f"no file {path!r}: search_code or repo_map show what exists")
        return target

    def _relative(self, path: str) -> str:
        return (self.root / path).resolve().relative_to(self.root).as_posix()

    def _guard(self, path: str, action: str) -> None:
        rel = self._relative(path)
        if ".git" in PurePosixPath(rel).parts:  # git config and hooks run programs: never the model's to change
            raise ToolError(f"{rel} belongs to git itself; the agent never changes git's files")
        if rel in self.protected or is_secret_path(rel):  # secret files, whatever the settings say
            approved = self.approve(f"The agent wants to {action} the protected path {rel}. Allow?")
            self.on_approval(rel, approved)
            if not approved:
                raise ToolError(f"{rel} is a protected path and the {action} was not approved; leave it alone")

    def _changed(self) -> None:
        self.tests.changed_since = True
        self._stale = True

    def _run(self, argv: list[str], sandbox: Sandbox | None = None) -> tuple[int, str]:
        try:
            done = (sandbox or self.sandbox).run(argv, timeout=COMMAND_TIMEOUT, keep=OUTPUT_LIMIT)
        except CodeidxError as exc:
            raise ToolError(str(exc)) from None
        except subprocess.TimeoutExpired:
            raise ToolError(f"{' '.join(argv)} ran past {COMMAND_TIMEOUT} s and was stopped") from None
        return done.code, head_and_tail(done.output.decode("utf-8", errors="replace"), OUTPUT_LIMIT, done.cut, "bytes")


def _split(command: str) -> list[str]:
    try:
        argv = shlex.split(command)
    except ValueError as exc:  # an unclosed quote from a confused model
        raise ToolError(f"cannot parse the command line: {exc}") from None
    if not argv:
        raise ToolError("empty command")
    return argv


# The usual test command of each ecosystem, by the file at the project's root that marks it; the first
# that matches wins. Each is the ecosystem's own runner, never a program the repository ships
# (`gradle`, not `./gradlew`; `phpunit`, not `vendor/bin/phpunit`): what runs is the tool the user
# installed, in the sandbox; a project that needs its own is given `--test-cmd`.
_TEST_COMMANDS = (
    (("package.json",), "npm test"),
    (("go.mod",), "go test ./..."),
    (("Cargo.toml",), "cargo test"),
    (("pytest.ini", "pyproject.toml", "setup.cfg", "tox.ini", "tests", "test_*.py"), "python -m pytest -q"),
    (("tests.py",), "python -m unittest"),  # a Flask or Django app's one module of tests, which pytest does not collect
    (("mix.exs",), "mix test"),
    (("Package.swift",), "swift test"),
    (("pubspec.yaml",), "dart test"),
    (("pom.xml",), "mvn -q test"),
    (("build.gradle", "build.gradle.kts"), "gradle test"),
    (("composer.json",), "phpunit"),
    (("*.sln", "*.csproj"), "dotnet test"),
    ((".rspec",), "bundle exec rspec"),
    (("Gemfile",), "bundle exec rake test"),
    (("build.zig",), "zig build test"),
    (("Project.toml",), "julia --project -e 'using Pkg; Pkg.test()'"),
    (("stack.yaml",), "stack test"),
    (("*.cabal",), "cabal test"),
    (("Makefile.PL", "Build.PL", "cpanfile", "t"), "prove -lr t"),
)


def detect_test_command(root: Path) -> str | None:
    """The usual test command for the project's build files, if any (`_TEST_COMMANDS`)."""
    for markers, command in _TEST_COMMANDS:
        if any(next(root.glob(m), None) is not None for m in markers):
            return command
    return None
