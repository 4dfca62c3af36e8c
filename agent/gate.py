"""What a green change must pass before the loop may finish: the test stage's evidence, then review.

The Toolbox calls the gate from `finish` once the tests pass. A refusal is a ToolError, so it goes
back to the model as finish's result and the loop goes on; the turns after it count towards the
stage that refused (and use that stage's model, when one is routed).

Review refuses once for each finding it has not shown the model yet. A finding shown before and
still there at the next finish was argued (finish's `argued`) or left as is: at or above the
threshold it needs a person's approval (`--yes` gives it); declined, the run stops with
needs_human and the worktree is kept.
"""
from __future__ import annotations

from typing import Callable

from codeidx.agent.audit import AuditLog
from codeidx.agent.contracts import NeedsHuman, ReviewRecord, TestEvidence, TestRun, as_json, finding_key
from codeidx.agent.evidence import check_change
from codeidx.agent.guard import Approver
from codeidx.agent.review import Finding, Review, review_change
from codeidx.agent.tools import Toolbox, ToolError
from codeidx.agent.workspace import Workspace


class FinishGate:
    def __init__(self, tools: Toolbox, ws: Workspace, audit: AuditLog, enter: Callable[[str], None],
                 baseline: TestRun, threshold: str, approve: Approver) -> None:
        self.tools = tools
        self.ws = ws
        self.audit = audit
        self.enter = enter  # switches the run's stage
        self.baseline = baseline
        self.threshold = threshold
        self.approve = approve
        self.evidence: TestEvidence | None = None
        self.review: ReviewRecord | None = None
        self._introduced: tuple[Finding, ...] | None = None  # what the first review found
        self._shown: set[tuple[str, str, str]] = set()  # findings the model has been told of

    def __call__(self, argued: str) -> None:
        self.enter("test")
        self.evidence = check_change(self.tools, self.ws, self.baseline)
        self.audit.write("test_evidence", record=as_json(self.evidence))
        self.enter("review")
        review = review_change(self.ws.path, self.ws.base)
        self.audit.write("review", record=review.to_json())
        if self._introduced is None:
            self._introduced = review.findings
        unseen = [f for f in review.findings if finding_key(f) not in self._shown]
        self._shown |= {finding_key(f) for f in unseen}
        if unseen:
            raise ToolError("finish refused: review found problems the change introduced; fix them or, if a "
                            "finding is wrong, say why in finish's `argued` field.\n" + review.as_tool_result())
        self.review = self._resolve(review, argued)
        self.review.validate()
        self.audit.write("review_gate", record=as_json(self.review))
        if self.review.resolution == "declined":
            raise NeedsHuman(f"review findings at or above {self.threshold} were not approved: "
                             + "; ".join(f.describe() for f in review.blocking(self.threshold)[:3]))

    def _resolve(self, review: Review, argued: str) -> ReviewRecord:
        blocking = review.blocking(self.threshold)
        if not review.findings:
            resolution = "fixed" if self._introduced else "clear"
        elif not blocking:
            resolution = "below-threshold"
        else:
            listed = "\n".join(f"  {f.describe()}" for f in blocking[:10])
            approved = self.approve(f"Review findings at or above {self.threshold} remain:\n{listed}\n"
                                    f"The model argued: {argued.strip() or '(nothing)'}\nHand the change over anyway?")
            self.audit.write("approval", path="review findings", approved=approved)
            resolution = "approved" if approved else "declined"
        return ReviewRecord(self.threshold, self._introduced, review.findings, argued.strip(), resolution,
                            review.preexisting, review.skipped)
