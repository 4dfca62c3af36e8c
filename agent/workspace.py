"""The agent's own clone of the repository on a new branch, so the user's checkout is never touched.

A clone rather than a `git worktree`: a worktree's metadata lives in the user's `.git`, where a
command the agent runs could plant config or hooks that the user's next `git status` would run.
The clone borrows the user's objects (`--shared`) and keeps its own `.git`, which the sandbox
shows read-only. Our own git commands in the clone ignore system and global config and run no
hooks, so nothing the repository's content says can make them run a program.
"""
from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from codeidx.core.errors import CodeidxError, first_line
from codeidx.core.git import CLEAN_GIT_ENV, QUIET_GIT
from codeidx.core.home import ensure_home

# Used only where the user has no identity configured: a commit must not fail on that.
DEFAULT_IDENTITY = ("codeidx agent", "agent@codeidx.invalid")


def git(repo: Path, *args: str, check: bool = True, clean: bool = True, stdin: str | None = None) -> str:
    """Run git in `repo`, starting no program the repository's config names (core/git.py). `clean` also
    ignores system and global config: the agent's clone holds what a model and a repository wrote. The
    user's repository and the benchmarks' checkouts pass `clean=False`: the user's git settings."""
    env = {**os.environ, **CLEAN_GIT_ENV} if clean else None
    done = subprocess.run(["git", "-C", str(repo), *QUIET_GIT, *args], input=stdin,
                          capture_output=True, text=True, env=env)
    if check and done.returncode != 0:
        raise CodeidxError(f"git {args[0]} failed in {repo}: {first_line(done.stderr or done.stdout, last=True)}")
    return done.stdout


@dataclass(frozen=True)
class Workspace:
    repo: Path  # the user's repository
    path: Path  # the clone the agent works in
    branch: str
    base: str  # the commit the branch starts from
    identity: tuple[str, str]  # the user's name and email, for the agent's commits

    @classmethod
    def create(cls, repo: Path, run_id: str) -> "Workspace":
        """A clone of `repo` at HEAD in `.codeidx/worktrees/<run_id>`, on branch codeidx/agent-<run_id>."""
        repo = cls.toplevel(repo)
        base = git(repo, "rev-parse", "HEAD", clean=False).strip()
        branch = f"codeidx/agent-{run_id}"
        path = ensure_home(repo / ".codeidx") / "worktrees" / run_id
        git(repo, "clone", "-q", "--shared", "--no-checkout", str(repo), str(path))
        git(path, "checkout", "-q", "-b", branch, base)
        identity = tuple(git(repo, "config", key, check=False, clean=False).strip() or fallback
                         for key, fallback in zip(("user.name", "user.email"), DEFAULT_IDENTITY))
        return cls(repo, path, branch, base, identity)

    @staticmethod
    def toplevel(repo: Path) -> Path:
        """The root of the git repository `repo` is in; an error naming the fix when it has no commit to branch from."""
        repo = repo.resolve()
        inside = subprocess.run(["git", "-C", str(repo), *QUIET_GIT, "rev-parse", "--show-toplevel"],
                                capture_output=True, text=True)
        if inside.returncode != 0:
            raise CodeidxError(f"{repo} is not a git repository: the agent works on a branch of one (git init)")
        repo = Path(inside.stdout.strip())
        if not git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False, clean=False).strip():
            raise CodeidxError(f"{repo} has no commit yet: commit once so the agent can branch from it")
        return repo

    @property
    def borrowed(self) -> tuple[Path, ...]:
        """The object folders the clone reads from the user's repository."""
        alternates = self.path / ".git" / "objects" / "info" / "alternates"
        lines = alternates.read_text().splitlines() if alternates.is_file() else []
        return tuple(Path(line).resolve() for line in lines if line.strip())

    def commit(self, message: str) -> bool:
        """Commit everything the agent changed; False when there is nothing to commit."""
        git(self.path, "add", "-A")
        if not git(self.path, "status", "--porcelain").strip():
            return False
        name, email = self.identity
        git(self.path, "-c", f"user.name={name}", "-c", f"user.email={email}", "commit", "-q", "--no-verify",
            "-m", message)
        return True

    def changed_paths(self) -> tuple[str, ...]:
        """Files the agent added, edited or deleted since the base, committed or not."""
        tracked = git(self.path, "diff", "--name-only", "--no-renames", self.base).splitlines()
        added = git(self.path, "ls-files", "--others", "--exclude-standard").splitlines()
        return tuple(sorted(set(tracked + added)))

    def base_copy(self) -> Path:
        """A fresh clone of the base commit beside the agent's (borrowing the same objects), for checks
        that need the code before the change; the caller deletes it."""
        copy = self.path.with_name(self.path.name + "-base")
        git(self.repo, "clone", "-q", "--shared", "--no-checkout", str(self.repo), str(copy))
        git(copy, "checkout", "-q", "--detach", self.base)
        return copy

    def diff_stat(self) -> str:
        return git(self.path, "diff", "--stat", self.base, "HEAD").strip()

    def hand_over(self) -> None:
        """Give the user's repository the branch (the clone's objects come along)."""
        git(self.repo, "fetch", "-q", "--no-tags", str(self.path),
            f"+refs/heads/{self.branch}:refs/heads/{self.branch}", clean=False)

    def apply_to_checkout(self) -> None:
        """Bring the branch's change into the user's working tree, as uncommitted edits."""
        patch = git(self.path, "diff", "--binary", "--no-ext-diff", "--no-textconv", self.base, "HEAD")
        done = subprocess.run(["git", "-C", str(self.repo), *QUIET_GIT, "apply", "-"], input=patch,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise CodeidxError(f"could not apply the change to {self.repo} ({first_line(done.stderr, last=True)}); "
                               f"it stays on branch {self.branch}")
