"""The agent end to end: LiteLLM talks to a scripted OpenAI-compatible server on 127.0.0.1, the
tools act on a real git worktree, and real pytest runs report real failures."""
from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner
from conftest import git, make_repo
from llm_server import ScriptedLLMServer, reply, tool_call

from codeidx.agent.audit import TEXT_LIMIT, AuditLog, list_runs, read_run, runs_dir, summarize
from codeidx.agent.guard import approver
from codeidx.agent.loop import REPEATED
from codeidx.agent.run import run_agent
from codeidx.cli import cli
from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError

CALC = '''"""Arithmetic helpers."""


def add(a, b):
    """The sum of a and b."""
    return a - b
'''
TEST_CALC = '''from calc import add


def test_add():
    assert add(2, 3) == 5
'''
TEST_CMD = f"{sys.executable} -m pytest -q -p no:cacheprovider"
SPEC_FIELDS = {"goal": "add() returns the sum of its arguments", "acceptance_criteria": "- test_add passes",
               "test_plan": "run tests/test_calc.py", "files": "calc.py"}
SPEC = reply(tool_calls=[tool_call("write_spec", SPEC_FIELDS)])
FIX = [reply(tool_calls=[tool_call("run_tests", {})]),
       reply(tool_calls=[tool_call("edit_file", {"path": "calc.py", "old": "return a - b", "new": "return a + b"})]),
       reply(tool_calls=[tool_call("run_tests", {})]),
       reply(tool_calls=[tool_call("finish", {"summary": "add() subtracted; it adds now"})])]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "calc", {"calc.py": CALC, "tests/test_calc.py": TEST_CALC})


def _run(repo: Path, server: ScriptedLLMServer, task: str = "make test_add pass", yes: bool = False, **config):
    settings = Config.load(repo, **{"model": "openai/gpt-4o-mini", "api_base": server.url, "test_cmd": TEST_CMD, **config})
    return run_agent(repo, task, settings, approver(yes), api_key="sk-test")


def _tool_results(server: ScriptedLLMServer) -> list[str]:
    last = server.chat_requests()[-1]["messages"]
    return [m["content"] for m in last if m["role"] == "tool"]


def test_fixes_a_failing_test_on_its_own_branch(repo: Path) -> None:
    with ScriptedLLMServer(list(FIX), spec_script=[SPEC]) as server:
        result = _run(repo, server)
    assert result.status == "success" and result.reason == "add() subtracted; it adds now"
    assert (repo / "calc.py").read_text() == CALC  # the user's checkout is untouched
    assert git(repo, "show", f"{result.branch}:calc.py").count("return a + b") == 1
    assert "calc.py | 2 +-" in result.diff_stat
    spec_request, first = server.spec_requests[0], server.chat_requests()[0]
    assert "def add(a, b)" in spec_request["messages"][1]["content"] and "- calc.py" in spec_request["messages"][1]["content"]
    assert "def add(a, b)" in first["messages"][1]["content"]  # the index's context, before any tool call
    assert "# Spec\n**Goal.** add() returns the sum of its arguments" in first["messages"][1]["content"]
    schemas = {t["function"]["name"]: t["function"] for t in first["tools"]}
    assert set(schemas) == {"search_code", "get_symbol", "read_file", "repo_map", "edit_file", "write_file",
                            "run_tests", "run_command", "finish"}
    assert "exact occurrence" in schemas["edit_file"]["description"]
    assert schemas["read_file"]["parameters"]["required"] == ["path"]
    results = _tool_results(server)
    assert results[0].startswith("FAILED") and "assert -1 == 5" in results[0]
    assert results[2].startswith("PASSED")
    events = read_run(repo, result.run_id)
    assert [(e.get("stage"), e["event"]) for e in events if e["event"] not in ("model_call", "tool_call")] == [
        (None, "run_start"), ("spec", "stage"), ("spec", "spec"), ("test", "stage"), ("test", "test_baseline"),
        ("implement", "stage"), ("test", "stage"), ("test", "test_evidence"), ("review", "stage"),
        ("review", "review"), ("review", "review_gate"), ("handover", "stage"),
        ("handover", "handover"), ("handover", "end")]
    assert next(e for e in events if e["event"] == "test_baseline")["record"] == {
        "exit_code": 1, "failing": ["tests/test_calc.py::test_add"]}
    assert [e["stage"] for e in events if e["event"] == "model_call"] == ["spec"] + ["implement"] * 4
    calls = [e for e in events if e["event"] == "model_call"]
    assert all(c["prompt_tokens"] == 100 and c["completion_tokens"] == 20 and c["cost"] > 0 for c in calls)
    assert result.cost == pytest.approx(sum(c["cost"] for c in calls))
    assert [e["tool"] for e in events if e["event"] == "tool_call"] == ["run_tests", "edit_file", "run_tests", "finish"]


def test_run_agent_drives_the_model_it_is_given(repo: Path) -> None:
    calls = iter([("write_spec", SPEC_FIELDS),
                  ("edit_file", {"path": "calc.py", "old": "return a - b", "new": "return a + b"}),
                  ("finish", {"summary": "add() adds"})])

    class ScriptedModel:  # what the Model protocol asks, and no more: no LiteLLM, no server
        cost, tokens, steps = 0.0, 0, 0

        def complete(self, messages: list[dict], tools: list[dict], step: int) -> SimpleNamespace:
            self.steps = step
            name, arguments = next(calls)
            call = SimpleNamespace(id=str(step), function=SimpleNamespace(name=name, arguments=json.dumps(arguments)))
            return SimpleNamespace(content=None, tool_calls=[call],
                                   model_dump=lambda **_: {"role": "assistant", "content": name})

        def condense(self, text: str, step: int) -> str:
            return text

    result = run_agent(repo, "make test_add pass", Config.load(repo, test_cmd=TEST_CMD), approver(False),
                       model=ScriptedModel())
    assert result.status == "success" and result.steps == 2 and result.reason == "add() adds"
    assert git(repo, "show", f"{result.branch}:calc.py").count("return a + b") == 1


def test_searches_see_the_agents_edits(repo: Path) -> None:
    script = [reply(tool_calls=[tool_call("write_file", {"path": "geometry.py",
                                                         "content": "def hypotenuse(a, b):\n    return (a * a + b * b) ** 0.5\n"})]),
              reply(tool_calls=[tool_call("search_code", {"query": "hypotenuse"})])]
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server, max_steps=2)
    assert result.status == "limit"
    search = [e for e in read_run(repo, result.run_id) if e["event"] == "tool_call"][-1]
    assert search["tool"] == "search_code" and search["result"].startswith("geometry.py:1-2 function hypotenuse")


def test_get_symbol_reads_a_definition_the_agent_just_wrote(repo: Path) -> None:
    script = [reply(tool_calls=[tool_call("write_file", {"path": "geometry.py",
                                                         "content": "def hypotenuse(a, b):\n    return (a * a + b * b) ** 0.5\n"})]),
              reply(tool_calls=[tool_call("get_symbol", {"name": "hypotenuse"})]),
              reply(tool_calls=[tool_call("get_symbol", {"name": "no_such_function"})])]
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server, max_steps=3)
    looked_up, missing = [e for e in read_run(repo, result.run_id) if e["event"] == "tool_call"][-2:]
    assert looked_up["ok"] and looked_up["result"].startswith("# hypotenuse (function)\ngeometry.py:1-2")
    assert "return (a * a + b * b) ** 0.5" in looked_up["result"]
    assert not missing["ok"] and missing["result"] == "error: no symbol named 'no_such_function' in the index"


def test_protected_path_is_refused_without_approval_and_allowed_with_yes(repo: Path) -> None:
    write = tool_call("write_file", {"path": ".github/workflows/ci.yml", "content": "on: push\n"})
    with ScriptedLLMServer([reply(tool_calls=[write])]) as server:
        refused = _run(repo, server, max_steps=2)  # no TTY here: nobody can approve
    assert "protected path and the write was not approved" in _tool_results(server)[0]
    assert not (Path(refused.worktree) / ".github").exists()
    assert {"event": "approval", "path": ".github/workflows/ci.yml", "approved": False}.items() <= \
        next(e for e in read_run(repo, refused.run_id) if e["event"] == "approval").items()
    with ScriptedLLMServer([reply(tool_calls=[write])]) as server:
        allowed = _run(repo, server, yes=True, max_steps=2)
    assert (Path(allowed.worktree) / ".github/workflows/ci.yml").read_text() == "on: push\n"


def test_malformed_and_bad_tool_calls_go_back_to_the_model(repo: Path) -> None:
    script = [reply(tool_calls=[tool_call("edit_file", "{not json")]),
              reply(tool_calls=[tool_call("edit_file", {"path": "calc.py", "old": "no such text", "new": "x"})]),
              reply(tool_calls=[tool_call("read_file", {"path": "../outside.txt"})]),
              reply(tool_calls=[tool_call("run_command", {"command": "rm -rf /"})]),
              reply(tool_calls=[tool_call("teleport", {})]),
              reply("I think I am done.")] + list(FIX)
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server)
    assert result.status == "success"
    results = _tool_results(server)
    assert "not valid JSON" in results[0]
    assert "was not found in calc.py" in results[1]
    assert "outside the repository" in results[2]
    assert "is not allowed" in results[3]
    assert "unknown tool 'teleport'" in results[4]
    nudged = server.chat_requests()[6]["messages"][-1]
    assert nudged["role"] == "user" and "call finish" in nudged["content"]


def test_a_call_repeated_word_for_word_is_not_run_again(repo: Path) -> None:
    search = tool_call("search_code", {"query": "add", "k": 1})
    script = [reply(tool_calls=[search]), reply(tool_calls=[search]), reply(tool_calls=[search])] + list(FIX)
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server)
    assert result.status == "success"
    results = _tool_results(server)
    assert "def add" in results[0] and results[1] == results[2] == "error: " + REPEATED
    calls = [e for e in read_run(repo, result.run_id) if e["event"] == "tool_call"]
    assert [c["ok"] for c in calls[:3]] == [True, False, False]  # audited, not run
    assert sum(c["tool"] == "run_tests" and c["ok"] for c in calls) == 2  # the same call after an edit runs


def test_cheap_model_condenses_long_tool_output(repo: Path) -> None:
    (repo / "table.py").write_text("".join(f"ROW_{n} = {n}\n" for n in range(600)))
    git(repo, "add", "table.py")
    git(repo, "commit", "-qm", "a long file")
    script = [reply(tool_calls=[tool_call("read_file", {"path": "table.py"})]),
              reply("table.py defines ROW_0 to ROW_599, one integer constant per line.")]
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server, max_steps=2, cheap_model="openai/gpt-4o-mini-cheap")
    requests = server.chat_requests()
    assert server.spec_requests[0]["model"] == "gpt-4o-mini-cheap"  # the cheap model writes the spec
    assert requests[1]["model"] == "gpt-4o-mini-cheap" and "ROW_599" in requests[1]["messages"][0]["content"]
    assert requests[2]["model"] == "gpt-4o-mini"
    assert requests[2]["messages"][-1]["content"] == ("[condensed by the cheap model]\n"
                                                      "table.py defines ROW_0 to ROW_599, one integer constant per line.")
    roles = [e["role"] for e in read_run(repo, result.run_id) if e["event"] == "model_call"]
    assert roles == ["cheap", "main", "cheap", "main"]


def test_finish_is_refused_while_tests_fail(repo: Path) -> None:
    with ScriptedLLMServer([reply(tool_calls=[tool_call("finish", {"summary": "done"})])]) as server:
        result = _run(repo, server, max_steps=2)
    assert result.status == "limit"
    assert _tool_results(server)[0].startswith("error: finish refused: the tests do not pass yet")
    assert git(Path(result.worktree), "log", "--oneline", result.branch).count("\n") == 1  # nothing committed
    assert not git(repo, "branch", "--list", result.branch)  # the user's repository gets a branch only on success


def test_step_and_cost_limits_stop_the_run_and_keep_the_work(repo: Path) -> None:
    edit = tool_call("edit_file", {"path": "calc.py", "old": "return a - b", "new": "return a * b"})
    with ScriptedLLMServer([reply(tool_calls=[edit]), reply(tool_calls=[tool_call("run_tests", {})])]) as server:
        steps = _run(repo, server, max_steps=2)
    assert steps.status == "limit" and steps.reason == "step limit reached: 2 steps without finishing"
    assert "return a * b" in (Path(steps.worktree) / "calc.py").read_text()  # kept for inspection
    with ScriptedLLMServer([reply(tool_calls=[tool_call("run_tests", {})])] * 5) as server:
        cost = _run(repo, server, max_cost=0.00008)  # one scripted call costs $0.000027; the spec's counts
    assert cost.status == "limit" and cost.reason.startswith("cost limit reached") and cost.steps == 2
    assert len(server.chat_requests()) == 2
    with ScriptedLLMServer([reply(tool_calls=[tool_call("run_tests", {})])] * 5) as server:
        tokens = _run(repo, server, max_tokens=300)  # one scripted call uses 120 tokens
    assert tokens.status == "limit" and tokens.reason == "token limit reached: 360 tokens, limit 300"


def test_model_errors_are_retried_then_end_the_run_in_one_line(repo: Path) -> None:
    with ScriptedLLMServer([500] + list(FIX)) as server:
        recovered = _run(repo, server)
    assert recovered.status == "success"
    with ScriptedLLMServer([], spec_script=[500, 500, 500]) as server:  # the spec's call, before any test runs
        failed = _run(repo, server)
    assert failed.status == "error" and len(server.spec_requests) == 3  # the first try and two retries
    assert failed.reason.startswith("model call failed after retries (InternalServerError)")
    assert "\n" not in failed.reason and Path(failed.worktree).is_dir() and failed.steps == 0
    assert read_run(repo, failed.run_id)[-1]["status"] == "error"


def test_a_model_slower_than_model_timeout_fails_and_a_longer_timeout_waits_for_it(repo: Path) -> None:
    with ScriptedLLMServer([], spec_script=[SPEC] * 3, delay=2.0) as server:
        failed = _run(repo, server, model_timeout=1)
    assert failed.status == "error" and "Timeout" in failed.reason and len(server.spec_requests) == 3
    with ScriptedLLMServer(list(FIX), spec_script=[SPEC], delay=2.0) as server:
        assert _run(repo, server, model_timeout=30).status == "success"


def test_a_refused_key_ends_the_run_at_once_naming_the_variable_to_set(repo: Path, monkeypatch) -> None:
    # One request: no retry, and no fallback to the cheap model (which wrote the spec).
    with ScriptedLLMServer([401] + list(FIX)) as server:
        refused = CliRunner().invoke(cli, ["agent", "make test_add pass", "--repo", str(repo), "--test-cmd", TEST_CMD,
                                           "--model", "openai/gpt-4o-mini", "--cheap-model", "openai/gpt-4o-mini-cheap",
                                           "--api-base", server.url])
    assert refused.exit_code == 1 and len(server.chat_requests()) == 1
    assert refused.stdout.startswith(f"Stopped: openai/gpt-4o-mini at {server.url} refused the key (HTTP 401): "
                                     "set CODEIDX_API_KEY and run again\nThe work so far is kept in ")
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    missing = CliRunner().invoke(cli, ["agent", "make test_add pass", "--repo", str(repo), "--test-cmd", TEST_CMD,
                                       "--model", "openai/gpt-4o-mini"])
    # Found before anything is made: one line, no clone.
    assert missing.exit_code == 1 and missing.output == "Error: openai/gpt-4o-mini has no key: set OPENAI_API_KEY and run again\n"
    assert len(list((repo / ".codeidx" / "worktrees").iterdir())) == 1  # the refused run's clone only


def test_a_model_that_stops_calling_tools_ends_the_run_after_one_nudge(repo: Path) -> None:
    with ScriptedLLMServer([reply("It should work now."), reply("Nothing more to do.")]) as server:
        result = _run(repo, server)
    assert result.status == "no_finish" and result.steps == 2
    assert result.reason == "the model stopped without calling finish; it said: Nothing more to do."
    assert len(server.chat_requests()) == 2


def test_a_repository_with_nothing_to_index_still_gets_its_task_done(tmp_path: Path) -> None:
    empty = make_repo(tmp_path / "empty", {".gitkeep": ""})
    script = [reply(tool_calls=[tool_call("write_file", {"path": "hello.py", "content": "def hello():\n    return 'hi'\n"})]),
              reply(tool_calls=[tool_call("finish", {"summary": "added hello"})])]
    with ScriptedLLMServer(script) as server:
        result = _run(empty, server, test_cmd=f"{sys.executable} -c 'import hello'")
    assert result.status == "success"
    assert "no context from the index: the index is empty" in server.chat_requests()[0]["messages"][1]["content"]
    assert "def hello" in git(empty, "show", f"{result.branch}:hello.py")


def test_not_a_git_repository(tmp_path: Path) -> None:
    with pytest.raises(CodeidxError, match="is not a git repository"):
        run_agent(tmp_path, "task", Config.load(tmp_path), approver(False))


def test_cli_end_to_end_with_apply_on_success_and_runs(repo: Path, tmp_path: Path) -> None:
    marker = tmp_path / "handed-over"
    on_success = (f"{sys.executable} -c \"import os, pathlib; pathlib.Path({str(marker)!r}).write_text("
                  f"os.environ['CODEIDX_BRANCH'] + ' ' + os.environ['CODEIDX_SUMMARY'])\"")
    with ScriptedLLMServer(list(FIX), spec_script=[SPEC]) as server:
        # In-process (the entry point's own function), with no key at all: a keyless local server just works.
        done = CliRunner().invoke(
            cli, ["agent", "make test_add pass", "--repo", str(repo), "--model", "openai/gpt-4o-mini",
                  "--api-base", server.url, "--test-cmd", TEST_CMD, "--apply", "--on-success", on_success, "--json"],
            env={"CODEIDX_API_KEY": None, "OPENAI_API_KEY": None})
    assert done.exit_code == 0, done.output
    assert set(server.authorizations + server.spec_authorizations) == {"Bearer codeidx-no-key"}
    summary = json.loads(done.stdout)
    assert summary["status"] == "success" and summary["applied"] is True
    assert "return a + b" in (repo / "calc.py").read_text()  # --apply brought the change in
    assert marker.read_text() == f"{summary['branch']} {summary['summary']}"
    assert summary["summary"] == str(runs_dir(repo) / f"{summary['run_id']}.md")

    runner = CliRunner()
    listed = runner.invoke(cli, ["runs", "--repo", str(repo), "--json"])
    assert [r["id"] for r in json.loads(listed.output)] == [summary["run_id"]]
    assert [r.status for r in list_runs(repo)] == ["success"]
    shown = runner.invoke(cli, ["runs", "--repo", str(repo), "show", summary["run_id"]])
    assert shown.exit_code == 0
    assert "implement tool    edit_file(" in shown.output and "handover  end     success" in shown.output
    assert "spec      spec  {\"goal\": \"add() returns the sum" in shown.output
    missing = runner.invoke(cli, ["runs", "--repo", str(repo), "show", "nope"])
    assert missing.exit_code == 1 and "no run 'nope'" in missing.output


def test_cli_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    empty = runner.invoke(cli, ["agent", "  ", "--repo", str(tmp_path)])
    assert empty.exit_code == 1 and "no task" in empty.output
    plain = runner.invoke(cli, ["agent", "do it", "--repo", str(tmp_path)])
    assert plain.exit_code == 1 and "is not a git repository" in plain.output


def _cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codeidx", *args], capture_output=True, text=True)


def test_runs_survive_a_log_whose_last_line_was_cut_off(repo: Path) -> None:
    done = AuditLog(repo, "20250101-100000-aaaa")
    done.write("run_start", task="make test_add pass", model="openai/gpt-4o-mini", branch="codeidx/agent-a")
    done.write("end", status="success", reason="fixed", steps=4, cost=0.0001)
    killed = AuditLog(repo, "20250101-110000-bbbb")
    killed.write("run_start", task="rename add to plus", model="openai/gpt-4o-mini", branch="codeidx/agent-b")
    killed.write("tool_call", step=1, tool="run_tests", arguments={}, ok=True, result="FAILED", duration_ms=1.0)
    with open(killed.path, "a", encoding="utf-8") as handle:  # what a kill in the middle of a write leaves
        handle.write('{"event": "tool_call", "time": "2025-01-01T11:00:05+0000", "step": 2, "tool": "edit_f')
    (runs_dir(repo) / "20250101-120000-cccc.jsonl").write_text('{"event": "run_st')  # died in its first write

    listed = _cli("runs", "--repo", str(repo))
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.splitlines()
    assert lines[0].startswith("20250101-100000-aaaa  success     4 steps") and "make test_add pass" in lines[0]
    assert lines[1].startswith("20250101-110000-bbbb  running") and lines[1].endswith("(1 unreadable line)")
    assert lines[2].startswith("20250101-120000-cccc  running") and "(no task recorded)" in lines[2]
    as_json = json.loads(_cli("runs", "--repo", str(repo), "--json").stdout)
    assert [(r["id"], r["unreadable"]) for r in as_json] == [("20250101-100000-aaaa", 0), ("20250101-110000-bbbb", 1),
                                                            ("20250101-120000-cccc", 1)]

    shown = _cli("runs", "--repo", str(repo), "show", "20250101-110000-bbbb")
    assert shown.returncode == 0, shown.stderr
    assert "start   openai/gpt-4o-mini on codeidx/agent-b" in shown.stdout and "tool    run_tests({})" in shown.stdout
    assert "1 line(s) of this run's log could not be read" in shown.stderr and "Traceback" not in shown.stderr
    raw = _cli("runs", "--repo", str(repo), "show", "20250101-110000-bbbb", "--json")
    assert [e["event"] for e in json.loads(raw.stdout)] == ["run_start", "tool_call"]

    # The run goes on after the torn write (Ctrl-C closes the log): its end starts a fresh line, not lost.
    killed.write("end", status="error", reason="interrupted", steps=1, cost=0.0)
    assert [r.status for r in list_runs(repo)] == ["success", "error", "running"]
    assert [e["event"] for e in read_run(repo, "20250101-110000-bbbb")] == ["run_start", "tool_call", "end"]


def test_a_run_whose_process_is_gone_lists_as_killed(repo: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    for run_id, pid in (("20250101-100000-eeee", int(gone.stdout)), ("20250101-110000-ffff", os.getpid())):
        AuditLog(repo, run_id).write("run_start", task="t", model="m", branch="b", pid=pid, host=socket.gethostname())
    # A log from another machine (a shared checkout) cannot be checked, so it stays "running".
    AuditLog(repo, "20250101-120000-gggg").write("run_start", task="t", model="m", branch="b", pid=1, host="elsewhere")
    assert [(r.id, r.status) for r in list_runs(repo)] == [
        ("20250101-100000-eeee", "killed"), ("20250101-110000-ffff", "running"), ("20250101-120000-gggg", "running")]


def test_audit_log_keeps_the_head_and_tail_of_long_texts_and_stays_bounded(repo: Path) -> None:
    log = AuditLog(repo, "20250101-100000-dddd")
    output = "".join(f"line {n}: {'.' * 40}\n" for n in range(2000))  # about 100 KB of test output
    content = "x" * 50_000
    log.write("tool_call", step=1, tool="write_file", arguments={"path": "big.py", "content": content}, ok=True,
              result=output, duration_ms=1.0)
    log.write("tool_call", step=2, tool="run_tests", arguments={}, ok=True, result="PASSED: 1 passed", duration_ms=1.0)
    assert log.path.stat().st_size < 3 * TEXT_LIMIT
    long, short = read_run(repo, "20250101-100000-dddd")
    assert long["result"].startswith("line 0: ") and long["result"].endswith("line 1999: " + "." * 40 + "\n")
    assert f"... [{len(output) - TEXT_LIMIT} characters cut] ..." in long["result"]
    assert len(long["result"]) < TEXT_LIMIT + 50 and len(long["result"]) > 300  # what the model saw, not 300 chars
    assert long["arguments"]["path"] == "big.py" and f"[{50_000 - TEXT_LIMIT} characters cut]" in long["arguments"]["content"]
    assert short["result"] == "PASSED: 1 passed"
    assert summarize("short") == "short" and len(summarize("y" * 10_001, limit=100)) < 150


def test_the_audit_log_keeps_what_the_model_saw_of_a_tool_result(repo: Path) -> None:
    (repo / "table.py").write_text("".join(f"ROW_{n} = {n}\n" for n in range(300)))
    git(repo, "add", "table.py")
    git(repo, "commit", "-qm", "a long file")
    script = [reply(tool_calls=[tool_call("read_file", {"path": "table.py"})]), reply("table.py holds 300 rows.")]
    with ScriptedLLMServer(script) as server:
        result = _run(repo, server, max_steps=2)
    logged = next(e for e in read_run(repo, result.run_id) if e["event"] == "tool_call")["result"]
    assert len(logged) > 300 and logged == _tool_results(server)[0]  # all 5 KB of it, as the model read it


@pytest.mark.parametrize(("files", "command"), [
    ({"package.json": "{}", "tests/x.py": ""}, "npm test"),  # the first marker in the table wins
    ({"pyproject.toml": ""}, "python -m pytest -q"),
    ({"test_calc.py": ""}, "python -m pytest -q"),
    ({"tests.py": "", "app/__init__.py": ""}, "python -m unittest"),
    ({"mix.exs": ""}, "mix test"),
    ({"Package.swift": ""}, "swift test"),
    ({"build.gradle.kts": "", "gradlew": ""}, "gradle test"),  # the installed tool, not the repository's wrapper
    ({"Shop.sln": ""}, "dotnet test"),
    ({"Gemfile": "", ".rspec": ""}, "bundle exec rspec"),
    ({"Gemfile": ""}, "bundle exec rake test"),
    ({"shop.cabal": ""}, "cabal test"),
    ({"t/basic.t": ""}, "prove -lr t"),
    ({"README.md": ""}, None),
])
def test_the_test_command_is_the_ecosystems_own(tmp_path: Path, files: dict[str, str], command: str | None) -> None:
    from codeidx.agent.tools import detect_test_command
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    assert detect_test_command(tmp_path) == command


def _fixed_with_detected_tests(repo: Path, edit: dict[str, str]) -> list[str]:
    """The tool results of a run with no test command set: the tests, `edit`, the tests again, finish."""
    script = [reply(tool_calls=[tool_call("run_tests", {})]), reply(tool_calls=[tool_call("edit_file", edit)]),
              reply(tool_calls=[tool_call("run_tests", {})]),
              reply(tool_calls=[tool_call("finish", {"summary": "add() adds"})])]
    with ScriptedLLMServer(script, spec_script=[SPEC]) as server:
        _run(repo, server, test_cmd=None)
    return _tool_results(server)


def test_a_python_apps_tests_py_runs_with_unittest_when_no_command_is_set(tmp_path: Path) -> None:
    """microblog keeps its tests in one `tests.py`, which pytest does not collect."""
    repo = make_repo(tmp_path / "app", {
        "calc.py": "def add(a, b):\n    return a - b\n",
        "tests.py": "import unittest\n\nfrom calc import add\n\n\nclass AddTest(unittest.TestCase):\n"
                    "    def test_add(self):\n        self.assertEqual(add(2, 3), 5)\n"})
    results = _fixed_with_detected_tests(repo, {"path": "calc.py", "old": "a - b", "new": "a + b"})
    assert results[0].startswith("FAILED (exit 1): python -m unittest") and "AssertionError: -1 != 5" in results[0]
    assert results[2].startswith("PASSED (exit 0): python -m unittest") and "Ran 1 test" in results[2]


PERL_CALC = "package Calc;\nsub add { my ($a, $b) = @_; return $a - $b; }\n1;\n"
PERL_TEST = "use strict;\nuse Test::More tests => 1;\nuse Calc;\nis(Calc::add(2, 3), 5, 'add');\n"


def test_a_perl_projects_tests_run_with_prove_when_no_command_is_set(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "calc", {"lib/Calc.pm": PERL_CALC, "t/add.t": PERL_TEST})
    results = _fixed_with_detected_tests(repo, {"path": "lib/Calc.pm", "old": "$a - $b", "new": "$a + $b"})
    assert results[0].startswith("FAILED (exit 1): prove -lr t") and "got: '-1'" in results[0]
    assert results[2].startswith("PASSED (exit 0): prove -lr t")
