"""The records the pipeline's stages hand each other: frozen, versioned, JSON-serialisable.

Each stage returns one of these and the orchestrator calls its `validate()` before the next stage
starts, so a run is a chain of checked hand-offs. `validate()` raises ContractError with one line
that says what is wrong; that line goes back to the model when a stage is retried.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

from codeidx.agent.review import Finding
from codeidx.core.config import SEVERITIES
from codeidx.core.errors import CodeidxError

STAGES = ("spec", "implement", "test", "review", "handover")


class ContractError(CodeidxError):
    """A stage's record does not hold what the next stage needs."""


class NeedsHuman(CodeidxError):
    """A stage cannot go on without a person: the run stops with status needs_human, the worktree kept."""


def as_json(record: object) -> dict:
    """A record as plain JSON values (tuples become lists), for the audit log and the summary."""
    return dataclasses.asdict(record)


@dataclass(frozen=True)
class Spec:
    """What the change is for and how it will be judged, written before any code."""
    goal: str
    acceptance_criteria: tuple[str, ...]
    files: tuple[str, ...]  # repository paths involved: the index's hits, and any the model added
    symbols: tuple[str, ...]  # qualified names, from the index's hits
    test_plan: str
    source: str  # task | task-file | openapi <file> <operation id>
    version: int = 1

    def validate(self, root: Path) -> None:
        if not self.goal.strip():
            raise ContractError("the spec has no goal")
        if not [c for c in self.acceptance_criteria if c.strip()]:
            raise ContractError("the spec has no acceptance criteria: list at least one checkable criterion")
        if not self.test_plan.strip():
            raise ContractError("the spec has no test plan")
        unknown = [f for f in self.files if not _inside_file(root, f)]
        if unknown:
            raise ContractError(f"the spec names files that do not exist in the repository: {', '.join(unknown)}; "
                                f"list only existing files (new files belong in the test plan or criteria)")

    def markdown(self) -> str:
        criteria = "\n".join(f"- {c}" for c in self.acceptance_criteria)
        files = ", ".join(f"`{f}`" for f in self.files) or "(none found)"
        symbols = ", ".join(f"`{s}`" for s in self.symbols) or "(none found)"
        return (f"**Goal.** {self.goal}\n\n**Acceptance criteria**\n{criteria}\n\n**Files.** {files}\n\n"
                f"**Symbols.** {symbols}\n\n**Test plan.** {self.test_plan}")


def _inside_file(root: Path, path: str) -> bool:
    target = (root / path).resolve()
    return target.is_relative_to(root.resolve()) and target.is_file()


@dataclass(frozen=True)
class TestRun:
    """One run of the test command."""
    exit_code: int
    failing: tuple[str, ...]  # test ids (pytest's `FAILED path::name` lines); empty for other runners

    @property
    def passed(self) -> bool:
        return self.exit_code == 0


@dataclass(frozen=True)
class TestEvidence:
    """That the change is tested: the suite at the base, the change's own tests on the base, and after."""
    command: str
    base: TestRun
    test_files: tuple[str, ...]  # the test files the change adds or edits
    code_files: tuple[str, ...]  # the source files it changes besides tests (documentation is not code)
    tests_on_base: TestRun | None  # the base with only the test files applied; None when not needed
    after: TestRun
    version: int = 1

    def validate(self) -> None:
        if not self.after.passed:
            raise ContractError(f"the tests do not pass after the change (exit {self.after.exit_code})")
        if self.base.passed and self.code_files and (self.tests_on_base is None or self.tests_on_base.passed):
            raise ContractError("no test fails on the base and passes after the change: add one that shows "
                                "what the change does")


def finding_key(f: Finding) -> tuple[str, str, str]:
    """A finding by what and where, not its line: edits above it move it."""
    return f.tool, f.rule, f.path


RESOLUTIONS = ("clear", "fixed", "below-threshold", "approved", "declined")


@dataclass(frozen=True)
class ReviewRecord:
    """What review found in the change, and what became of it."""
    threshold: str  # findings at or above it block hand-over unless a person approves
    introduced: tuple[Finding, ...]  # what the first review of the green change found
    remaining: tuple[Finding, ...]  # what is still there at the last review: argued, or left unfixed
    argued: str  # the model's case for the remaining ones, from finish
    resolution: str  # clear | fixed | below-threshold | approved | declined
    preexisting: int  # findings the base already had: not the change's
    skipped: tuple[str, ...]  # scanners not installed or not run, files not scanned, and why
    version: int = 1

    def validate(self) -> None:
        if self.threshold not in SEVERITIES or self.resolution not in RESOLUTIONS:
            raise ContractError(f"review record: threshold {self.threshold!r} or resolution {self.resolution!r} "
                                f"unknown")
        if self.remaining and self.resolution in ("clear", "fixed"):
            raise ContractError(f"review record: {len(self.remaining)} finding(s) remain, yet it says "
                                f"{self.resolution}")


@dataclass(frozen=True)
class StageUsage:
    """Model use of one stage."""
    stage: str
    model: str
    tokens: int
    cost: float  # USD
    version: int = 1


@dataclass(frozen=True)
class Handover:
    """What the run hands over: its outcome and every stage's record; its Markdown is the run's summary."""
    run_id: str
    task: str
    status: str  # success | limit | no_finish | needs_human | error
    reason: str
    branch: str
    spec: Spec | None  # None when the run stopped before the spec was accepted
    evidence: TestEvidence | None  # None unless the model finished
    review: ReviewRecord | None  # None unless the change reached review
    usage: tuple[StageUsage, ...]
    diff_stat: str
    version: int = 1

    def validate(self) -> None:
        if self.status != "success":
            return
        if self.spec is None or self.evidence is None or self.review is None or not self.diff_stat:
            raise ContractError("a successful run hands over a spec, test evidence, a review and a committed change")
        if self.review.resolution == "declined":
            raise ContractError("a change whose review findings were declined is not handed over")
