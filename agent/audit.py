"""The audit log: one JSON object per line and event, in `<repo>/.codeidx/runs/<id>.jsonl`."""
from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from codeidx.errors import CodeidxError


def runs_dir(repo: Path) -> Path:
    return repo / ".codeidx" / "runs"


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


class AuditLog:
    def __init__(self, repo: Path, run_id: str) -> None:
        self.path = runs_dir(repo) / f"{run_id}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def write(self, event: str, **fields: object) -> None:
        record = {"event": event, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **fields}
        # One line per event, flushed at once: a run that dies still leaves what it did.
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, default=str) + "\n")


@dataclass(frozen=True)
class RunSummary:
    id: str
    started: str
    task: str
    model: str
    branch: str
    status: str  # success | limit | error | no_finish | running
    steps: int
    cost: float


def read_run(repo: Path, run_id: str) -> list[dict]:
    path = runs_dir(repo) / f"{run_id}.jsonl"
    if not path.is_file():
        raise CodeidxError(f"no run {run_id!r} in {runs_dir(repo)}: `codeidx runs` lists them")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def list_runs(repo: Path) -> list[RunSummary]:
    out = []
    for path in sorted(runs_dir(repo).glob("*.jsonl")):
        events = read_run(repo, path.stem)
        start = events[0] if events else {}
        end = next((e for e in reversed(events) if e["event"] == "end"), {})
        out.append(RunSummary(path.stem, start.get("time", ""), start.get("task", ""), start.get("model", ""),
                              start.get("branch", ""), end.get("status", "running"), end.get("steps", 0),
                              end.get("cost", 0.0)))
    return out
