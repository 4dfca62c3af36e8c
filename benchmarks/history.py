"""Localization instances mined from a repository's own history.

Each recent non-merge commit that changes a few existing source files becomes an instance:
the query is its message, the gold answer its changed files, asked at its parent commit.
"""
from __future__ import annotations

from pathlib import Path

from codeidx.agent.workspace import git
from codeidx.benchmarks.corpus import is_candidate
from codeidx.benchmarks.dataset import Instance
from codeidx.core.errors import CodeidxError

MIN_WORDS = 3  # "Fix typo" says nothing a ranker could use


def mine_commits(repo: Path, count: int, extensions: tuple[str, ...], max_files: int = 5,
                 scan: int = 2000) -> list[Instance]:
    """Up to `count` instances from the newest `scan` non-merge commits, newest first."""
    if not (repo / ".git").exists():
        raise CodeidxError(f"{repo} is not a git repository: pass the folder of a git clone")
    log = git(repo, "log", "--no-merges", f"-n{scan}", "--format=%H%x1f%P%x1f%B%x1e", clean=False)
    out: list[Instance] = []
    for record in log.split("\x1e"):
        fields = record.strip("\n").split("\x1f")
        if len(fields) != 3:
            continue
        sha, parents, message = fields
        message = message.strip()
        if len(parents.split()) != 1 or len(message.split()) < MIN_WORDS:
            continue
        parent = parents.strip()
        changed = _changed_candidates(repo, parent, sha, extensions)
        if not 1 <= len(changed) <= max_files:
            continue
        patch = git(repo, "diff", "--no-color", "--no-ext-diff", parent, sha, "--", *changed, clean=False)
        out.append(Instance(sha[:12], repo.name, parent, message, patch))
        if len(out) == count:
            break
    if not out:
        raise CodeidxError(f"no commit in the last {scan} of {repo} changes 1 to {max_files} source files "
                           f"({', '.join(extensions)}): try --lang for another language")
    return out


def _changed_candidates(repo: Path, parent: str, sha: str, extensions: tuple[str, ...]) -> list[str]:
    """Candidate files the commit modifies or deletes (so they exist at the parent)."""
    raw = git(repo, "diff", "--name-status", "--no-renames", parent, sha, clean=False)
    paths = []
    for line in raw.splitlines():
        status, _, path = line.partition("\t")
        if status[:1] in ("M", "D") and is_candidate(path, extensions):
            paths.append(path)
    return paths
