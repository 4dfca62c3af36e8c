"""One working checkout per repository, moved from commit to commit.

The checkout is a `git clone --shared` of the user's clone (no objects copied, and the user's
clone and its work tree are never touched). Reusing it keeps the codeidx index inside it, so
each new commit costs an incremental build rather than a full one.

Git runs as the user's own (`clean=False`: their config, their LFS filters): the history is theirs,
and nothing in it is a model's to plant.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from codeidx.agent.workspace import git
from codeidx.core.errors import CodeidxError
from codeidx.core.git import QUIET_GIT
from codeidx.core.home import remove_tree


def find_clone(repos_dir: Path, repo: str) -> Path:
    """The local clone of "owner/name": REPOS/name or REPOS/owner__name."""
    owner, _, name = repo.rpartition("/")
    for candidate in (repos_dir / name, repos_dir / f"{owner}__{name}"):
        if (candidate / ".git").exists() or (candidate / "HEAD").is_file():
            return candidate
    raise CodeidxError(f"no clone of {repo} in {repos_dir}: git clone https://github.com/{repo} {repos_dir / name}")


class Checkout:
    """A work tree at `path`, made from `source` on first use, that `goto` moves to any commit."""

    def __init__(self, source: Path, path: Path) -> None:
        self.source = source
        self.path = path

    def goto(self, commit: str) -> None:
        if not (self.path / ".git").exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            git(self.path.parent, "clone", "-q", "--shared", "--no-checkout", str(self.source.resolve()),
                self.path.name, clean=False)
            with open(self.path / ".git" / "info" / "exclude", "a") as handle:
                handle.write("/.codeidx*/\n")  # the benchmark's indexes live in the checkout
        if not self.has(commit):
            raise CodeidxError(f"commit {commit[:12]} is not in {self.source}: "
                               f"fetch the full history there (git fetch --unshallow)")
        git(self.path, "checkout", "-q", "-f", "--detach", commit, clean=False)
        # Untracked leftovers would be indexed; ignored files (the index itself) stay.
        git(self.path, "clean", "-q", "-f", "-d", clean=False)

    def commit_time(self, commit: str) -> int:
        return int(git(self.source, "show", "-s", "--format=%ct", commit, clean=False).strip() or 0)

    def has(self, commit: str) -> bool:
        out = subprocess.run(["git", "-C", str(self.path), *QUIET_GIT, "cat-file", "-e", f"{commit}^{{commit}}"],
                             capture_output=True)
        return out.returncode == 0


def copy_repo(source: Path, dest: Path) -> None:
    """A copy of `source` at `dest` to build and change freely: a shared clone at its HEAD, or a
    plain copy (without codeidx's folders) outside git."""
    remove_tree(dest)
    if (source / ".git").exists():
        Checkout(source, dest).goto(git(source, "rev-parse", "HEAD", clean=False).strip())
    else:
        shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".codeidx*"), symlinks=True)
