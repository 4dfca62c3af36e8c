"""Localization instances: SWE-bench records (JSON or JSONL), or commits mined from git history."""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from codeidx.core.errors import CodeidxError

REQUIRED = ("instance_id", "repo", "base_commit", "patch", "problem_statement")


@dataclass(frozen=True)
class Instance:
    instance_id: str
    repo: str  # "owner/name" for SWE-bench, a local path for history
    base_commit: str  # the commit whose files the query is asked against
    query: str  # the issue text (or commit message)
    patch: str  # the gold change, a unified diff against base_commit


def load_instances(path: str | Path, repos: Iterable[str] = (), limit: int | None = None) -> list[Instance]:
    """Read a SWE-bench file (a JSON list, or JSON Lines); `repos` keeps only those repositories."""
    path = Path(path)
    records = read_records(path)
    wanted = set(repos)
    out: list[Instance] = []
    for n, rec in enumerate(records, 1):
        missing = [k for k in REQUIRED if not isinstance(rec, dict) or k not in rec]
        if missing:
            raise CodeidxError(f"{path}: record {n} lacks {', '.join(missing)}: it is not in SWE-bench format")
        if wanted and rec["repo"] not in wanted:
            continue
        out.append(Instance(rec["instance_id"], rec["repo"], rec["base_commit"], rec["problem_statement"],
                            rec["patch"]))
    if not out:
        raise CodeidxError(f"{path} has no instances" + (f" for {', '.join(sorted(wanted))}" if wanted else ""))
    return out[:limit] if limit else out


def read_records(path: Path) -> list:
    """The records of a SWE-bench file: a JSON list, or JSON Lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CodeidxError(f"cannot read dataset {path}: {exc.strerror}; "
                           f"pass an existing SWE-bench JSON or JSONL file") from exc
    stripped = text.lstrip()
    try:
        if stripped.startswith("["):
            return json.loads(stripped)
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as exc:
        raise CodeidxError(f"{path} is not JSON or JSON Lines (line {exc.lineno}): "
                           f"pass a SWE-bench dataset file") from exc


def json_lines(path: Path, what: str) -> list[tuple[int, object]]:
    """(line number, record) for each non-blank line of a JSON Lines file; a file that cannot be read or a
    line that is not JSON is one error, ending with `what` (how to get a good file)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CodeidxError(f"cannot read {path}: {exc.strerror}; {what}") from exc
    records = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                records.append((n, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise CodeidxError(f"{path}: line {n} is not JSON: {what}") from exc
    return records
