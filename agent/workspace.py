"""The agent's own git worktree on a new branch, so the user's checkout is never touched."""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

from codeidx.errors import CodeidxError

# Used only where the repository has no identity configured: a commit must not fail on that.
IDENTITY = ("-c", "user.name=codeidx agent", "-c", "user.email=agent@codeidx.invalid")


def git(repo: Path, *args: str, check: bool = True) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise CodeidxError(f"git {args[0]} failed: {(done.stderr or done.stdout).strip().splitlines()[-1:]}")
    return done.stdout


@dataclass(frozen=True)
class Workspace:
    repo: Path  # the user's repository
    path: Path  # the worktree the agent works in
    branch: str
    base: str  # the commit the branch starts from

    @classmethod
    def create(cls, repo: Path, run_id: str) -> "Workspace":
        repo = repo.resolve()
        inside = subprocess.run(["git", "-C", str(repo), "rev-parse", "--show-toplevel"], capture_output=True, text=True)
        if inside.returncode != 0:
            raise CodeidxError(f"{repo} is not a git repository: the agent works on a branch of one (git init)")
        repo = Path(inside.stdout.strip())
        if not git(repo, "rev-parse", "--verify", "-q", "HEAD", check=False).strip():
            raise CodeidxError(f"{repo} has no commit yet: commit once so the agent can branch from it")
        base = git(repo, "rev-parse", "HEAD").strip()
        branch = f"codeidx/agent-{run_id}"
        path = repo / ".codeidx" / "worktrees" / run_id
        git(repo, "worktree", "add", "-q", "-b", branch, str(path), base)
        return cls(repo, path, branch, base)

    def commit(self, message: str) -> bool:
        """Commit everything the agent changed; False when there is nothing to commit."""
        git(self.path, "add", "-A")
        if not git(self.path, "status", "--porcelain").strip():
            return False
        identity = () if git(self.path, "config", "user.email", check=False).strip() else IDENTITY
        git(self.path, *identity, "commit", "-q", "-m", message)
        return True

    def diff_stat(self) -> str:
        return git(self.path, "diff", "--stat", self.base, "HEAD").strip()

    def apply_to_checkout(self) -> None:
        """Bring the branch's change into the user's working tree, as uncommitted edits."""
        patch = git(self.path, "diff", "--binary", self.base, "HEAD")
        done = subprocess.run(["git", "-C", str(self.repo), "apply", "-"], input=patch,
                              capture_output=True, text=True)
        if done.returncode != 0:
            raise CodeidxError(f"could not apply the change to {self.repo} ({done.stderr.strip().splitlines()[-1:]}); "
                               f"it stays on branch {self.branch}")
