"""The repository's own past commits: what each said and which files it changed.

A question or a report often resembles an earlier commit's message, and the files that commit
changed are evidence for where the answer lives (bug localization's "similar reports"). Read at
build time from the git history of HEAD, bounded, and kept beside the symbol graph.

Only `git rev-parse` and `git log` run here, with the settings that would start a program switched
off (core/git.py), and with no patch text asked for, so no diff driver runs.
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from codeidx.core.git import QUIET_GIT
from codeidx.core.secrets import redact
from codeidx.indexer.sparse import code_tokens

MAX_COMMITS = 5000  # the newest non-merge commits read
MAX_FILES = 20  # a commit changing more is a sweep (a rename, a reformat): it says nothing about where one thing lives
MAX_MESSAGE_CHARS = 2000
SUBJECT_CHARS = 200
GIT_TIMEOUT_S = 60
_RECORD, _FIELD = "\x1e", "\x1f"
# `Co-authored-by: Name <email>`, `Signed-off-by: ...`: who, not what; their names would match any query naming them.
_TRAILER = re.compile(r"^[A-Za-z]+(?:-[A-Za-z]+)+: .*$", re.MULTILINE)


@dataclass(frozen=True)
class CommitRecord:
    sha: str
    subject: str  # the message's first line, redacted: shown as the reason a file was found
    words: str  # the message's code tokens, space-separated: what a query is matched against
    paths: tuple[str, ...]  # the files it added, changed or deleted, as paths of that commit


def head_commit(root: Path) -> str | None:
    """HEAD's sha, or None when `root` is not in a git work tree with a commit."""
    out = _git(root, "rev-parse", "--verify", "-q", "HEAD")
    return out.strip() or None if out is not None else None


def recent_commits(root: Path, limit: int = MAX_COMMITS) -> list[CommitRecord]:
    """The newest `limit` non-merge commits of HEAD that change 1 to `MAX_FILES` files under `root`,
    newest first, with paths relative to `root` (which may be a folder of the repository)."""
    out = _git(root, "log", "--no-merges", "--no-renames", "--name-only", "--relative", "--no-show-signature",
               f"-n{limit}", f"--format={_RECORD}%H{_FIELD}%B{_FIELD}", "HEAD")
    records = []
    for record in (out or "").split(_RECORD)[1:]:
        fields = record.split(_FIELD)
        if len(fields) != 3:
            continue
        sha, message, names = fields
        paths = tuple(p for p in names.splitlines() if p)
        if not 1 <= len(paths) <= MAX_FILES:
            continue
        message = redact(_TRAILER.sub("", message).strip()[:MAX_MESSAGE_CHARS])
        records.append(CommitRecord(sha, message.split("\n", 1)[0][:SUBJECT_CHARS],
                                    " ".join(code_tokens(message)), paths))
    return records


def _git(root: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(root), *QUIET_GIT, "-c", "core.quotepath=off", *args],
                              capture_output=True, timeout=GIT_TIMEOUT_S, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.decode("utf-8", "replace")
