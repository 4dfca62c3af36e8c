"""What a green change must pass before the loop may finish: the test stage's evidence, then review.

The Toolbox calls the gate from `finish` once the tests pass. A refusal is a ToolError, so it goes
back to the model as finish's result and the loop goes on; the turns after it count towards the
stage that refused (and use that stage's model, when one is routed). A refusal only a person can
overrule raises NeedsHuman and ends the run.
"""
from __future__ import annotations

from typing import Callable

from codeidx.agent.audit import AuditLog
from codeidx.agent.contracts import TestEvidence, TestRun, as_json
from codeidx.agent.evidence import check_change
from codeidx.agent.tools import Toolbox
from codeidx.agent.workspace import Workspace


class FinishGate:
    def __init__(self, tools: Toolbox, ws: Workspace, audit: AuditLog, enter: Callable[[str], None],
                 baseline: TestRun) -> None:
        self.tools = tools
        self.ws = ws
        self.audit = audit
        self.enter = enter  # switches the run's stage
        self.baseline = baseline
        self.evidence: TestEvidence | None = None

    def __call__(self, argued: str) -> None:
        self.enter("test")
        self.evidence = check_change(self.tools, self.ws, self.baseline)
        self.audit.write("test_evidence", record=as_json(self.evidence))
