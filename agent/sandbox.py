"""The OS sandbox every command the agent causes runs in (tests, run_command).

Running a repository's tests runs the repository's code, so containment cannot come from
filtering arguments. On Linux, bubblewrap gives each command a private view of the machine:

- writable: the agent's worktree, and fresh in-memory /tmp and home folders that vanish after;
- read-only: the rest of the system, the worktree's own `.git` and `.codeidx` (so a command can
  plant no git config or hook and cannot tamper with the index), the tools PATH and Python need
  where they lie in a hidden folder (pyenv in the home, a venv in /tmp);
- absent: the rest of the home folder (keys, tokens, other projects), the user's checkout and
  /run (daemon sockets: docker, dbus);
- no network unless `allow_network`; an environment with no keys or tokens: only BASE_ENV and the
  names the user lists in `sandbox_env` pass;
- no capabilities, even when codeidx runs as root; one session and pid namespace that dies with
  the command, and a cap on file size.

Where bubblewrap is missing or cannot run, the agent refuses to run commands unless the user
says `--unsafe-no-sandbox`.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from codeidx.core.errors import CodeidxError

BASE_ENV = ("PATH", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TERM", "TZ", "VIRTUAL_ENV", "PYTHONPATH")
DAEMON_DIRS = ("/run", "/var/run")  # daemons' sockets (docker, dbus): a read-only mount still connects to them
MAX_FILE_BYTES = 1 << 30  # no command may write a file (its own output included) past 1 GiB
INSTALL_HINT = ("install bubblewrap (Debian/Ubuntu: apt-get install bubblewrap), "
                "or pass --unsafe-no-sandbox to run commands uncontained")


@dataclass(frozen=True)
class Result:
    code: int
    output: bytes  # stdout and stderr, interleaved; head and tail when it was long
    cut: int  # bytes left out of the middle


@dataclass(frozen=True)
class Sandbox:
    worktree: Path
    network: bool = False
    pass_env: tuple[str, ...] = ()
    frozen: tuple[Path, ...] = ()  # folders inside the worktree kept read-only (its .git, its index)
    shown: tuple[Path, ...] = ()  # folders outside to show read-only (the objects a shared clone borrows)
    hidden: tuple[Path, ...] = ()  # folders to hide besides the home (the user's checkout)
    contained: bool = True  # False only when the user said --unsafe-no-sandbox

    @classmethod
    def check(cls) -> None:
        """Raise, naming the fix, when bubblewrap is missing or cannot make a sandbox here."""
        if not sys.platform.startswith("linux") or shutil.which("bwrap") is None:
            raise CodeidxError(f"no sandbox for the agent's commands on this machine: {INSTALL_HINT}")
        probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-all", "--cap-drop", "ALL", "true"],
                               capture_output=True, text=True)
        if probe.returncode != 0:
            raise CodeidxError(f"bubblewrap cannot make a sandbox here ({probe.stderr.strip()[:200]}): "
                               f"{INSTALL_HINT}")

    def environment(self) -> dict[str, str]:
        names = BASE_ENV + self.pass_env
        env = {name: os.environ[name] for name in names if name in os.environ}
        # No bytecode: __pycache__ folders in the clone would end up in the agent's commit.
        return {**env, "HOME": str(Path.home()), "TMPDIR": "/tmp", "GIT_TERMINAL_PROMPT": "0",
                "PYTHONDONTWRITEBYTECODE": "1"}

    def argv(self, command: list[str]) -> list[str]:
        """`command` wrapped in bubblewrap; mounts apply in order, so hiding comes before showing."""
        if not self.contained:
            return command
        work = self.worktree.resolve()
        daemons = [Path(p) for p in DAEMON_DIRS if Path(p).is_dir() and not Path(p).is_symlink()]
        hidden = [f for f in (Path("/tmp"), *daemons, Path.home().resolve(), *self.hidden) if f != Path("/")]
        args = ["bwrap", "--ro-bind", "/", "/"]
        for folder in hidden:
            args += ["--tmpfs", str(folder)]
        resolver = {Path("/run/systemd/resolve")} if self.network else set()  # where /etc/resolv.conf may point
        for folder in sorted(set(self.shown) | _tool_roots(hidden) | resolver):
            if folder.exists():
                args += ["--ro-bind", str(folder), str(folder)]
        args += ["--bind", str(work), str(work)]
        for own in self.frozen:
            if own.exists():
                args += ["--ro-bind", str(own), str(own)]
        # Run as root, bubblewrap keeps every capability unless told: with them a command could mount
        # the disk read-write.
        args += ["--dev", "/dev", "--proc", "/proc", "--unshare-all", *(["--share-net"] if self.network else []),
                 "--cap-drop", "ALL", "--die-with-parent", "--new-session", "--clearenv"]
        for name, value in self.environment().items():
            args += ["--setenv", name, value]
        return [*args, "--chdir", str(work), *command]

    def run(self, command: list[str], timeout: float, keep: int) -> Result:
        """Run `command` in the worktree; keep the first and last `keep // 2` bytes of its output."""
        env = None if self.contained else self.environment()  # bubblewrap sets its own from a clear slate
        with tempfile.TemporaryFile() as out:
            try:
                proc = subprocess.Popen(self.argv(command), cwd=self.worktree, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, env=env, start_new_session=True,
                                        preexec_fn=_limit_file_size)
            except FileNotFoundError:
                raise CodeidxError(f"{command[0]}: command not found") from None
            try:
                code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                raise
            return _head_and_tail(out, keep, code)


def _tool_roots(hidden: list[Path]) -> set[Path]:
    """The tools commands need (PATH's entries, Python's prefixes) where they lie in a hidden folder
    (pyenv or ~/.local in the home, a venv in /tmp), to show again read-only.

    A tool's root comes along (the parent of its bin/ or shims/: pyenv needs its own files), but
    never a hidden folder itself or one that holds one: `~/bin` shows `~/bin`, not the home."""
    places = [Path(p) for p in os.environ.get("PATH", "").split(os.pathsep) if p]
    roots = set()
    for place in places + [Path(sys.prefix), Path(sys.base_prefix)]:
        place = place.resolve()
        root = place.parent if place.name in ("bin", "sbin", "shims") else place
        if any(folder.is_relative_to(root) for folder in hidden):
            root = place
        if any(root.is_relative_to(folder) for folder in hidden) and not any(f.is_relative_to(root) for f in hidden):
            roots.add(root)
    return roots


def _limit_file_size() -> None:
    resource.setrlimit(resource.RLIMIT_FSIZE, (MAX_FILE_BYTES, MAX_FILE_BYTES))


def _head_and_tail(out, keep: int, code: int) -> Result:
    size = out.seek(0, os.SEEK_END)
    out.seek(0)
    if size <= keep:
        return Result(code, out.read(), 0)
    head = out.read(keep // 2)
    out.seek(size - keep // 2)
    return Result(code, head + out.read(), size - keep)
