"""Security suite, the agent: a scripted adversarial model and hostile repositories try to escape.

Each test is one attack from issue #11's list (or a close variant); the model's calls go through
LiteLLM to a scripted server on 127.0.0.1, commands run in the real bubblewrap sandbox, and the
assertions read the real files the attack aimed at.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git, make_repo
from llm_server import ScriptedLLMServer, reply, tool_call

from codeidx.agent.audit import read_run
from codeidx.agent.guard import approver
from codeidx.agent.run import run_agent
from codeidx.cli import cli
from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError

CALC = "def add(a, b):\n    return a + b\n"
TEST_CALC = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
PYTEST = f"{sys.executable} -m pytest"
ALLOWED = (PYTEST, "git log", "git diff", "git status")
SECRET = "AKIAIOSFODNN7EXAMPLE-not-for-the-model"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "calc", {"calc.py": CALC, "tests/test_calc.py": TEST_CALC})


@pytest.fixture
def home_secret() -> Path:
    """A key in the user's home folder (the autouse fixture points HOME at tmp_path/home)."""
    path = Path.home() / ".ssh" / "id_ed25519"
    path.parent.mkdir(parents=True)
    path.write_text(SECRET)
    return path


def _run(repo: Path, server: ScriptedLLMServer, script_steps: int, yes: bool = False, **settings) -> object:
    config = Config.load(repo, **{"model": "openai/gpt-4o-mini", "api_base": server.url, "test_cmd": f"{PYTEST} -q",
                                  "allowed_commands": ALLOWED, "max_steps": script_steps, **settings})
    return run_agent(repo, "make the tests pass", config, approver(yes), api_key="sk-test")


def _commands(repo: Path, *commands: str, **settings) -> list[str]:
    """The results the model read after asking for each command in turn."""
    script = [reply(tool_calls=[tool_call("run_command", {"command": c})]) for c in commands] + [reply("done")]
    with ScriptedLLMServer(script) as server:
        _run(repo, server, len(commands) + 1, **settings)
    return [m["content"] for m in server.chat_requests()[-1]["messages"] if m["role"] == "tool"]


def test_git_log_output_cannot_overwrite_the_users_checkout_or_git_config(repo: Path) -> None:
    config_before = (repo / ".git" / "config").read_text()
    results = _commands(repo, "git log --output=../../../calc.py", "git log --output=../../../.git/config",
                        "git log --output=.git/config", "git log --output=.git/hooks/pre-commit")
    assert (repo / "calc.py").read_text() == CALC
    assert (repo / ".git" / "config").read_text() == config_before
    assert "Read-only file system" in results[2] and "Read-only file system" in results[3]
    status = subprocess.run(["git", "-C", str(repo), "status", "--porcelain"], capture_output=True, text=True)
    assert status.returncode == 0 and status.stdout == ""  # nothing planted, nothing left untracked


def test_commands_cannot_read_the_home_folder_or_the_users_checkout(repo: Path, home_secret: Path) -> None:
    (repo / "notes.txt").write_text("untracked notes of the user\n")
    results = _commands(repo, f"git diff --no-index {home_secret} calc.py", f"git diff --no-index {repo}/notes.txt calc.py")
    assert SECRET not in results[0] and "Could not access" in results[0]
    assert "untracked notes" not in results[1]


def test_pytest_options_cannot_write_or_delete_outside(repo: Path, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    (outside / "keep").mkdir(parents=True)
    (outside / "keep" / "data.txt").write_text("precious")
    _commands(repo, f"{PYTEST} -q --basetemp={outside}", f"{PYTEST} -q --junitxml={outside}/report.xml",
              f"{PYTEST} -q -o cache_dir={outside}/cache", f"{PYTEST} -q --rootdir=/ -p no:cacheprovider")
    assert (outside / "keep" / "data.txt").read_text() == "precious"
    assert sorted(p.name for p in outside.iterdir()) == ["keep"]


HOSTILE_CONFTEST = '''import json, os, pathlib, socket

report = {{}}


def attempt(name, action):
    try:
        action()
        report[name] = "done"
    except Exception as exc:
        report[name] = type(exc).__name__


attempt("write_checkout", lambda: pathlib.Path({checkout!r}, "calc.py").write_text("pwned"))
attempt("write_outside", lambda: pathlib.Path({outside!r}).write_text("pwned"))
attempt("read_home_key", lambda: pathlib.Path({key!r}).read_text())
attempt("plant_git_config", lambda: open(".git/config", "a").write("[core]\\n\\tfsmonitor = touch {planted}\\n"))
attempt("plant_hook", lambda: pathlib.Path(".git/hooks/pre-commit").write_text("#!/bin/sh\\ntouch {planted}\\n"))
attempt("tamper_index", lambda: pathlib.Path(".codeidx/index/index.db").write_bytes(b"garbage"))
attempt("network", lambda: socket.create_connection(("127.0.0.1", {port}), timeout=3).close())
attempt("write_tmp", lambda: pathlib.Path("/tmp/scratch.txt").write_text("fine"))
report["capabilities"] = [l.split()[1] for l in open("/proc/self/status") if l.startswith("CapEff")][0]
report["run"] = os.listdir("/run")
report["secret_env"] = sorted(k for k in os.environ if k.endswith(("_KEY", "_TOKEN")) or "SECRET" in k)
print("REPORT" + json.dumps(report) + "END")
'''


def _hostile_repo(tmp_path: Path, server: ScriptedLLMServer, key: Path) -> Path:
    outside = tmp_path / "outside.txt"
    planted = tmp_path / "planted"
    conftest = HOSTILE_CONFTEST.format(checkout=str(tmp_path / "hostile"), outside=str(outside), key=str(key),
                                       planted=str(planted), port=int(server.url.rsplit(":", 1)[1].split("/")[0]))
    return make_repo(tmp_path / "hostile", {"calc.py": CALC, "tests/test_calc.py": TEST_CALC, "conftest.py": conftest})


def _report(results: list[str]) -> dict:
    text = next(r for r in results if "REPORT" in r)
    return json.loads(text.split("REPORT", 1)[1].split("END", 1)[0])


FIX_AND_FINISH = [reply(tool_calls=[tool_call("run_tests", {})]),
                  reply(tool_calls=[tool_call("write_file", {"path": "NOTES.md", "content": "checked\n"})]),
                  reply(tool_calls=[tool_call("finish", {"summary": "checked"})])]


def test_a_hostile_repositorys_tests_run_contained(tmp_path: Path, home_secret: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-key")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_user_token")
    with ScriptedLLMServer(list(FIX_AND_FINISH)) as server:
        hostile = _hostile_repo(tmp_path, server, home_secret)
        result = _run(hostile, server, 3, test_cmd=f"{PYTEST} -q -s")
        results = [m["content"] for m in server.chat_requests()[-1]["messages"] if m["role"] == "tool"]
    report = _report(results)
    assert result.status == "success"
    assert (hostile / "calc.py").read_text() == CALC and not (tmp_path / "outside.txt").exists()
    assert report["read_home_key"] == "FileNotFoundError" and SECRET not in json.dumps(results)
    assert report["plant_git_config"] == "OSError" and report["plant_hook"] == "OSError"
    assert report["tamper_index"] == "OSError"
    assert report["network"] in ("ConnectionRefusedError", "OSError", "TimeoutError")
    assert report["write_tmp"] == "done"  # a private /tmp works, and vanishes
    assert report["secret_env"] == []
    assert report["capabilities"] == "0000000000000000" and report["run"] == []  # no way to remount, no daemon sockets
    assert not (tmp_path / "planted").exists()  # our own commit ran no planted hook or fsmonitor
    assert git(hostile, "show", f"{result.branch}:NOTES.md") == "checked\n"


def test_network_and_named_variables_are_the_users_to_open(tmp_path: Path, home_secret: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_INDEX_TOKEN", "wanted-here")
    with ScriptedLLMServer(list(FIX_AND_FINISH)) as server:
        hostile = _hostile_repo(tmp_path, server, home_secret)
        _run(hostile, server, 3, test_cmd=f"{PYTEST} -q -s", allow_network=True, sandbox_env=("PIP_INDEX_TOKEN",))
        results = [m["content"] for m in server.chat_requests()[-1]["messages"] if m["role"] == "tool"]
    report = _report(results)
    assert report["network"] == "done" and report["secret_env"] == ["PIP_INDEX_TOKEN"]


def test_git_files_are_never_the_models_to_change_even_with_yes(repo: Path) -> None:
    script = [reply(tool_calls=[tool_call("write_file", {"path": ".git/config", "content": "[core]\n\tfsmonitor=x\n"})]),
              reply(tool_calls=[tool_call("write_file", {"path": "vendor/lib/.git/config", "content": "[core]\n"})]),
              reply(tool_calls=[tool_call("edit_file", {"path": ".git/HEAD", "old": "ref", "new": "x"})])]
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server, 3, yes=True)
        results = [m["content"] for m in server.chat_requests()[-1]["messages"] if m["role"] == "tool"]
    assert all("belongs to git itself" in r for r in results)
    assert "fsmonitor" not in (Path(result.worktree) / ".git" / "config").read_text()
    assert not (Path(result.worktree) / "vendor").exists()


def test_secret_files_are_read_only_with_approval_and_reads_are_bounded(tmp_path: Path) -> None:
    big = "".join(f"value_{n} = {n}\n" for n in range(400_000))  # about 6.9 MB
    repo = make_repo(tmp_path / "r", {".env": f"OPENAI_API_KEY={SECRET}\n", "id_rsa": SECRET, "data.py": big,
                                      "calc.py": CALC})
    script = [reply(tool_calls=[tool_call("read_file", {"path": ".env"})]),
              reply(tool_calls=[tool_call("read_file", {"path": "id_rsa"})]),
              reply(tool_calls=[tool_call("read_file", {"path": "data.py"})]), reply("done")]
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server, 4)
        results = [m["content"] for m in server.chat_requests()[-1]["messages"] if m["role"] == "tool"]
    assert "protected path and the read was not approved" in results[0] and SECRET not in results[0]
    assert "protected path and the read was not approved" in results[1]
    assert len(results[2]) < 45_000 and "read on with start=" in results[2]
    log = Path(result.audit_log).read_text()
    assert SECRET not in log
    approvals = [e for e in read_run(repo, result.run_id) if e["event"] == "approval"]
    assert [(e["path"], e["approved"]) for e in approvals] == [(".env", False), ("id_rsa", False)]


def test_command_output_is_bounded_and_a_hung_command_is_stopped(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("codeidx.agent.tools.COMMAND_TIMEOUT", 3)
    flood = f"{sys.executable} -c \"print('x' * 50_000_000)\""
    hang = f"{sys.executable} -c \"import time; time.sleep(60)\""
    results = _commands(repo, flood, hang, allowed_commands=(sys.executable,))
    assert len(results[0]) < 10_000 and "bytes cut" in results[0]
    assert "ran past 3 s and was stopped" in results[1]


def test_no_sandbox_means_no_run_unless_the_user_says_so(repo: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in ("git", "sh"):
        (bare / tool).symlink_to(shutil.which(tool))
    monkeypatch.setenv("PATH", str(bare))  # a machine without bubblewrap
    with pytest.raises(CodeidxError, match="bubblewrap"):
        run_agent(repo, "task", Config.load(repo, test_cmd=f"{PYTEST} -q"), approver(False))
    assert not (repo / ".codeidx").exists()  # refused before anything was made

    with ScriptedLLMServer([reply(tool_calls=[tool_call("run_tests", {})])]) as server:
        done = CliRunner().invoke(cli, ["agent", "run the tests", "--repo", str(repo), "--model", "openai/gpt-4o-mini",
                                        "--api-base", server.url, "--test-cmd", f"{PYTEST} -q", "--max-steps", "1",
                                        "--unsafe-no-sandbox"], env={"CODEIDX_API_KEY": "sk-test"})
    assert "WARNING: --unsafe-no-sandbox" in done.output
    events = read_run(repo, next((repo / ".codeidx" / "runs").iterdir()).stem)
    assert events[0]["sandbox"] == "none"
    assert "1 passed" in next(e for e in events if e["event"] == "tool_call")["result"]


def test_an_agent_run_leaves_the_users_repository_clean(repo: Path) -> None:
    with ScriptedLLMServer([reply(tool_calls=[tool_call("run_tests", {})])]) as server:
        _run(repo, server, 1)
    assert git(repo, "status", "--porcelain") == ""
    assert git(repo, "worktree", "list").count("\n") == 1  # no worktree registered in the user's .git


def test_a_server_the_user_names_never_gets_the_providers_key(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A keyless local server works with no CODEIDX_API_KEY, and OPENAI_API_KEY stays with OpenAI."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-user-openai-key")
    monkeypatch.delenv("CODEIDX_API_KEY", raising=False)
    with ScriptedLLMServer([reply(tool_calls=[tool_call("run_tests", {})]), reply("done")]) as server:
        done = CliRunner().invoke(cli, ["agent", "run the tests", "--repo", str(repo), "--model", "openai/local",
                                        "--api-base", server.url, "--test-cmd", f"{PYTEST} -q", "--max-steps", "2",
                                        "--json"])
    assert json.loads(done.output)["steps"] == 2  # the server was reached, twice
    assert server.authorizations == ["Bearer codeidx-no-key"] * 2
