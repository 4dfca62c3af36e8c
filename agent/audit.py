"""The audit log: one JSON object per line and event, in `<repo>/.codeidx/runs/<id>.jsonl`."""
from __future__ import annotations

import json
import os
import secrets
import socket
import time
from dataclasses import dataclass
from pathlib import Path

from codeidx.core.errors import CodeidxError
from codeidx.core.secrets import redact
from codeidx.core.text import head_and_tail

# Characters kept of any one text field (a tool's result, an argument, an error): enough for a reviewer to
# see what the model saw (a whole trimmed command output of 6000 fits), small enough that a long run's log
# stays a few hundred KB. Longer texts keep their head and tail (core/text.py), as command output does.
TEXT_LIMIT = 8000


def runs_dir(repo: Path) -> Path:
    return repo / ".codeidx" / "runs"


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def summarize(text: str, limit: int = TEXT_LIMIT) -> str:
    return head_and_tail(text, limit)


def _bounded(value: object) -> object:
    """Every text inside `value` redacted and summarized, whatever a caller passes: the log never holds a
    secret, and one event cannot bloat it. Redacted first, so a cut cannot leave half a secret unrecognised."""
    if isinstance(value, str):
        return summarize(redact(value))
    if isinstance(value, dict):
        return {k: _bounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_bounded(v) for v in value]
    return value


class AuditLog:
    def __init__(self, repo: Path, run_id: str) -> None:
        self.path = runs_dir(repo) / f"{run_id}.jsonl"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.stage: str | None = None  # the pipeline stage the run is in: every event names it

    def write(self, event: str, **fields: object) -> None:
        stage = {"stage": self.stage} if self.stage else {}
        record = {"event": event, "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"), **stage, **fields}
        line = json.dumps(_bounded(record), default=lambda o: _bounded(str(o))) + "\n"
        # A write cut short (a kill, a full disk) leaves a line without its newline: start on a fresh
        # line, or the next event would be glued to the torn one and lost with it.
        if _ends_mid_line(self.path):
            line = "\n" + line
        # One line per event, flushed at once: a run that dies still leaves what it did.
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)


def _ends_mid_line(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            handle.seek(-1, 2)
            return handle.read(1) != b"\n"
    except OSError:  # no file yet, or an empty one
        return False


@dataclass(frozen=True)
class RunLog:
    events: list[dict]
    unreadable: int  # lines that are not a whole event: most often the last one, cut off by a crash or a kill


@dataclass(frozen=True)
class RunSummary:
    id: str
    started: str
    task: str
    model: str
    branch: str
    status: str  # success | limit | no_finish | needs_human | error | running | killed (no end event, process gone)
    steps: int
    cost: float
    unreadable: int = 0


def load_run(repo: Path, run_id: str) -> RunLog:
    """One run's events; lines that cannot be read are counted and skipped, so one torn line costs one event."""
    path = runs_dir(repo) / f"{run_id}.jsonl"
    if not path.is_file():
        raise CodeidxError(f"no run {run_id!r} in {runs_dir(repo)}: `codeidx runs` lists them")
    events, unreadable = [], 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        event = _parse(line)
        if event is None:
            unreadable += 1
        else:
            events.append(event)
    return RunLog(events, unreadable)


def _parse(line: str) -> dict | None:
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and isinstance(event.get("event"), str) else None


def read_run(repo: Path, run_id: str) -> list[dict]:
    return load_run(repo, run_id).events


def list_runs(repo: Path) -> list[RunSummary]:
    out = []
    for path in sorted(p for p in runs_dir(repo).glob("*.jsonl") if p.is_file()):
        log = load_run(repo, path.stem)
        start = next((e for e in log.events if e["event"] == "run_start"), {})
        end = next((e for e in reversed(log.events) if e["event"] == "end"), {})
        out.append(RunSummary(path.stem, str(start.get("time", "")), str(start.get("task", "")),
                              str(start.get("model", "")), str(start.get("branch", "")),
                              str(end.get("status") or _unfinished(start)), _number(end.get("steps"), int),
                              _number(end.get("cost"), float), log.unreadable))
    return out


def _unfinished(start: dict) -> str:
    """A run with no end event is still going, unless the process that wrote it is gone from this host."""
    pid = start.get("pid")
    if not isinstance(pid, int) or start.get("host") != socket.gethostname():
        return "running"
    try:
        os.kill(pid, 0)  # signal 0 only asks whether the process exists
    except ProcessLookupError:
        return "killed"
    except PermissionError:  # it exists, under another user
        pass
    return "running"


def _number(value: object, kind: type) -> int | float:
    """A count from the log, or 0: a hand-edited or damaged line must not stop the listing."""
    try:
        return kind(value)
    except (TypeError, ValueError, OverflowError):
        return kind(0)
