"""The agent as a pipeline (issue #13): spec, implement, test, review, hand-over, driven end to end by
the scripted model server through LiteLLM, on real git repositories, in the real sandbox."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git, make_repo
from llm_server import ScriptedLLMServer, reply, tool_call

from codeidx.agent.audit import read_run
from codeidx.agent.evidence import failing_tests
from codeidx.agent.guard import approver
from codeidx.agent.run import run_agent
from codeidx.cli import cli
from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError
from codeidx.core.paths import is_test_path

TEST_CMD = f"{sys.executable} -m pytest -q -p no:cacheprovider"
CALC = "def add(a, b):\n    return a - b\n"
TEST_CALC = "from calc import add\n\n\ndef test_add():\n    assert add(2, 3) == 5\n"
GOOD_CALC = "def add(a, b):\n    return a + b\n"
SPEC_FIELDS = {"goal": "add() adds", "acceptance_criteria": "test_add passes", "test_plan": "run the tests",
               "files": "calc.py"}


def call(name: str, **arguments) -> dict:
    return reply(tool_calls=[tool_call(name, arguments)])


SPEC = call("write_spec", **SPEC_FIELDS)


def run(repo: Path, server: ScriptedLLMServer, task: str = "make test_add pass", yes: bool = False, **settings):
    config = Config.load(repo, **{"model": "openai/gpt-4o-mini", "api_base": server.url, "test_cmd": TEST_CMD,
                                  **settings})
    return run_agent(repo, task, config, approver(yes))


def tool_results(server: ScriptedLLMServer) -> list[str]:
    return [m["content"] for m in server.chat_requests()[-1]["messages"] if m["role"] == "tool"]


@pytest.fixture
def failing(tmp_path: Path) -> Path:
    """A repository whose one test fails at the base."""
    return make_repo(tmp_path / "calc", {"calc.py": CALC, "tests/test_calc.py": TEST_CALC})


@pytest.fixture
def passing(tmp_path: Path) -> Path:
    """A repository whose tests all pass at the base."""
    return make_repo(tmp_path / "calc", {"calc.py": GOOD_CALC, "tests/test_calc.py": TEST_CALC})


def test_a_spec_that_fails_validation_is_retried_once_then_the_run_stops_for_a_person(failing: Path) -> None:
    unknown = call("write_spec", **{**SPEC_FIELDS, "files": "calc.py\nsrc/nowhere.py"})
    empty = call("write_spec", goal="add() adds", acceptance_criteria="", test_plan="x")
    with ScriptedLLMServer([call("finish", summary="nothing")], spec_script=[empty, SPEC]) as server:
        retried = run(failing, server, max_steps=1)
    assert retried.status == "limit"  # the second spec passed; the loop ran out of steps
    second = server.spec_requests[1]["messages"][-1]
    assert second["role"] == "tool" and second["content"].startswith("The spec was rejected: the spec has no "
                                                                     "acceptance criteria")
    with ScriptedLLMServer([], spec_script=[unknown, unknown]) as server:
        stopped = run(failing, server)
    assert stopped.status == "needs_human" and len(server.spec_requests) == 2 and server.chat_requests() == []
    assert stopped.reason == ("the spec failed validation twice: the spec names files that do not exist in the "
                              "repository: src/nowhere.py; list only existing files (new files belong in the test "
                              "plan or criteria)")
    assert Path(stopped.worktree).is_dir()
    events = read_run(failing, stopped.run_id)
    assert [e["attempt"] for e in events if e["event"] == "spec_rejected"] == [1, 2]
    assert all(e.get("stage") == "spec" for e in events if e["event"] in ("model_call", "spec_rejected"))
    summary = Path(stopped.summary).read_text()
    assert "**needs_human**" in summary and "No spec was accepted." in summary


def test_a_spec_may_list_its_files_and_symbols_on_one_line(failing: Path) -> None:
    one_line = call("write_spec", **{**SPEC_FIELDS, "files": "calc.py, `tests/test_calc.py`", "symbols": "add, sub"})
    with ScriptedLLMServer([call("finish", summary="nothing")], spec_script=[one_line]) as server:
        done = run(failing, server, max_steps=1)
    assert done.status == "limit" and len(server.spec_requests) == 1  # accepted at once
    spec = next(e for e in read_run(failing, done.run_id) if e["event"] == "spec")["record"]
    assert {"calc.py", "tests/test_calc.py"} <= set(spec["files"]) and {"add", "sub"} <= set(spec["symbols"])


def test_an_openapi_operation_is_the_task(failing: Path, tmp_path: Path) -> None:
    api = tmp_path / "openapi.yaml"
    api.write_text("openapi: 3.0.0\ninfo: {title: pets, version: '1'}\npaths:\n  /pets:\n"
                   "    get: {operationId: listPets, summary: List the pets}\n"
                   "    post:\n      operationId: createPet\n      summary: Create a pet\n"
                   "      requestBody: {content: {application/json: {schema: {type: object}}}}\n")
    runner = CliRunner()
    with ScriptedLLMServer([], spec_script=[SPEC]) as server:
        done = runner.invoke(cli, ["agent", "--spec", str(api), "--operation", "createPet", "--repo", str(failing),
                                   "--model", "openai/gpt-4o-mini", "--api-base", server.url, "--test-cmd", TEST_CMD,
                                   "--max-steps", "1", "--json"])
    assert done.exit_code == 2, done.output  # the step limit: the spec was written and accepted
    prompt = server.spec_requests[0]["messages"][1]["content"]
    assert "Implement the API operation createPet: POST /pets" in prompt and '"requestBody"' in prompt
    spec = next(e for e in read_run(failing, json.loads(done.stdout)["run_id"]) if e["event"] == "spec")
    assert spec["record"]["source"] == f"openapi {api} createPet" and spec["record"]["version"] == 1

    missing = runner.invoke(cli, ["agent", "--spec", str(api), "--operation", "deletePet", "--repo", str(failing)])
    assert missing.exit_code == 1
    assert missing.output == f"Error: no operation 'deletePet' in {api}; it has: createPet, listPets\n"
    ticket = tmp_path / "ticket.md"
    ticket.write_bytes(b"\xff\xfe# a ticket in UTF-16\n")
    binary = runner.invoke(cli, ["agent", "--task-file", str(ticket), "--repo", str(failing)])
    assert binary.exit_code == 1 and binary.output == f"Error: {ticket} is not UTF-8 text: a task file is Markdown or plain text\n"
    alone = runner.invoke(cli, ["agent", "--spec", str(api), "--repo", str(failing)])
    assert alone.exit_code == 1 and "--spec and --operation go together" in alone.output
    laughs = tmp_path / "laughs.yaml"  # nine levels of ten aliases: a billion strings once printed
    laughs.write_text("a: &a [lol, lol]\n" + "".join(f"{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 10)}]\n"
                                                     for n in range(9)) + "paths: {}\n")
    bomb = runner.invoke(cli, ["agent", "--spec", str(laughs), "--operation", "x", "--repo", str(failing)])
    assert bomb.exit_code == 1 and bomb.output == (f"Error: cannot read {laughs} as YAML or JSON: YAML aliases (*name) "
                                                   "are not accepted in an OpenAPI document; use $ref\n")


def test_the_test_stage_refuses_test_only_changes_and_skipped_failing_tests(failing: Path) -> None:
    script = [call("edit_file", path="tests/test_calc.py", old="== 5", new="== -1"),
              call("finish", summary="the test was wrong"),
              call("edit_file", path="tests/test_calc.py", old="== -1", new="== 5"),
              call("edit_file", path="tests/test_calc.py", old="def test_add", new="@pytest.mark.skip\ndef test_add"),
              call("edit_file", path="tests/test_calc.py", old="from calc", new="import pytest\nfrom calc"),
              call("edit_file", path="calc.py", old="def add", new="# sums\ndef add"),
              call("finish", summary="skipped the flaky test")]
    with ScriptedLLMServer(script) as server:
        result = run(failing, server, max_steps=7)
    assert result.status == "limit"
    events = read_run(failing, result.run_id)
    finishes = [e["result"] for e in events if e["event"] == "tool_call" and e["tool"] == "finish"]
    assert finishes[0] == ("error: finish refused: the change edits only tests (tests/test_calc.py); change the "
                           "code the task is about, not the tests that check it")
    assert finishes[1].startswith("error: finish refused: the change deletes or skips tests that were failing "
                                  "(tests/test_calc.py: @pytest.mark.skip)")
    # The turns after the test stage's refusal are that stage's (and go to its model, when one is routed).
    calls = [e["stage"] for e in events if e["event"] == "model_call"]
    assert calls == ["spec", "implement", "implement", "test", "test", "test", "test", "test"]


def test_a_change_must_bring_a_test_that_fails_on_the_base(passing: Path) -> None:
    mul = "def mul(a, b):\n    return a * b\n"
    test_mul = "from calc import mul\n\n\ndef test_mul():\n    assert mul(2, 3) == 6\n"
    script = [call("edit_file", path="calc.py", old="    return a + b\n", new="    return a + b\n\n\n" + mul),
              call("finish", summary="mul"),
              call("write_file", path="tests/test_mul.py", content=test_mul),
              call("finish", summary="mul, tested")]
    with ScriptedLLMServer(script) as server:
        result = run(passing, server, stage_models=("implement=openai/gpt-4o-mini-impl",
                                                    "test=openai/gpt-4o-mini-test"))
    assert result.status == "success", result.reason
    assert tool_results(server)[1] == ("error: finish refused: no test fails on the base and passes after the "
                                       "change: add one that shows what the change does")
    assert server.spec_requests[0]["model"] == "gpt-4o-mini"
    assert [r["model"] for r in server.chat_requests()] == ["gpt-4o-mini-impl", "gpt-4o-mini-impl",
                                                            "gpt-4o-mini-test", "gpt-4o-mini-test"]
    events = read_run(passing, result.run_id)
    evidence = next(e for e in events if e["event"] == "test_evidence")["record"]
    assert evidence == {"command": TEST_CMD, "base": {"exit_code": 0, "failing": []},
                        "test_files": ["tests/test_mul.py"], "code_files": ["calc.py"],
                        "tests_on_base": {"exit_code": 2, "failing": ["tests/test_mul.py"]},
                        "after": {"exit_code": 0, "failing": []}, "version": 1}
    assert not Path(result.worktree + "-base").exists()  # the base copy is gone
    summary = Path(result.summary).read_text()
    assert "| the change's tests on the base | 2 | `tests/test_mul.py` |" in summary
    assert "| implement | openai/gpt-4o-mini-impl | 240 | " in summary and "| test | openai/gpt-4o-mini-test | 240 |" \
        in summary and "| spec | openai/gpt-4o-mini | 120 |" in summary
    assert "calc.py" in summary and "tests/test_mul.py" in summary  # the diff stat
    assert git(passing, "show", f"{result.branch}:tests/test_mul.py") == test_mul


def test_stage_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(CodeidxError, match=r"stage_models entry 'deploy=openai/x' is not STAGE=MODEL"):
        Config.load(None, stage_models=("deploy=openai/x",))
    flag = CliRunner().invoke(cli, ["agent", "task", "--repo", str(tmp_path), "--stage-model", "review=openai/mini",
                                    "--stage-model", "deploy=openai/x"])
    assert flag.exit_code == 1 and flag.output == (
        "Error: stage_models entry 'deploy=openai/x' is not STAGE=MODEL with STAGE one of spec, implement, test, "
        "review (set in the command line)\n")
    with pytest.raises(CodeidxError, match=r"review_threshold = 'urgent' is not a severity: choose from low, "):
        Config.load(None, review_threshold="urgent")
    assert Config.load(None, stage_models=("review = openai/mini",)).stage_model == {"review": "openai/mini"}


def test_what_counts_as_a_test_and_a_failing_test() -> None:
    assert all(map(is_test_path, ["tests/test_a.py", "pkg/a_test.go", "web/a.spec.ts", "conftest.py",
                                  "src/__tests__/a.js"]))
    assert not any(map(is_test_path, ["calc.py", "src/testing_utils.rs", "docs/contest.md"]))
    # A package's own test support is implementation; a tests folder, or one at the top, holds tests.
    assert not any(map(is_test_path, ["django/test/client.py", "sphinx/testing/util.py", "src/pkg/testing/a.py"]))
    assert all(map(is_test_path, ["testing/helpers.py", "src/test/helpers.py", "Lib/test/support/a.py",
                                  "pkg/tests/helpers.py", "pkg/test/a.js", "sympy/testing/tests/test_a.py"]))
    output = ("F.E\nFAILED tests/test_a.py::test_x - assert 1 == 2\nERROR tests/test_b.py::test_y[a-b]\n"
              "FAILED tests/test_a.py::test_x - again\n1 failed, 1 error")
    assert failing_tests(output) == ("tests/test_a.py::test_x", "tests/test_b.py::test_y[a-b]")
    # A unittest test whose subtests failed has a SUBFAILED line and no FAILED line of its own.
    subtests = "SUBFAILED[case 2] (i=2) tests/test_c.py::TestC::test_z - AssertionError\n1 failed"
    assert failing_tests(subtests) == ("tests/test_c.py::TestC::test_z",)


# --- review: the real scanners on the agent's change ---

GREET = 'def greet(name):\n    return "hi " + name\n'
TEST_GREET = 'from tools import greet\n\n\ndef test_greet():\n    assert greet("ann") == "hello ann"\n'
INSECURE = '''import subprocess

API_TOKEN = "tok-4f9a8b7c6d5e4f3a2b1c"


def greet(name):
    return "hello " + name


def run(command):
    return subprocess.run(command, shell=True, capture_output=True, text=True).stdout
'''
SAFE = '''import os
import subprocess


def api_token():
    return os.environ["API_TOKEN"]


def greet(name):
    return "hello " + name


def run(arguments):
    return subprocess.run(list(arguments), capture_output=True, text=True).stdout
'''
FLAGGED = {"tools.py:3", "tools.py:11"}  # the hard-coded token, and shell=True on the caller's input


def installed_scanners() -> list[str]:
    from codeidx.agent.review import SCANNERS, find_scanner

    found = [name for name in SCANNERS if find_scanner(name)]
    if not found:
        pytest.skip("no scanner installed (ruff, bandit, semgrep): pip install codeidx[review]")
    return found


@pytest.fixture
def service(tmp_path: Path) -> Path:
    installed_scanners()
    return make_repo(tmp_path / "service", {"tools.py": GREET, "tests/test_greet.py": TEST_GREET})


def flagged(text: str) -> set[str]:
    """The `path:line` of each finding line in a review's text."""
    return {line.split()[0] for line in text.splitlines() if line.startswith("tools.py:")}


def test_review_sends_findings_back_and_the_fixed_change_is_handed_over(service: Path) -> None:
    script = [call("write_file", path="tools.py", content=INSECURE), call("finish", summary="greets"),
              call("write_file", path="tools.py", content=SAFE), call("finish", summary="greets, safely")]
    with ScriptedLLMServer(script) as server:
        result = run(service, server, task="greet with hello, and add a helper that runs a command")
    assert result.status == "success", result.reason
    refusal = tool_results(server)[1]
    assert refusal.startswith("error: finish refused: review found problems the change introduced; fix them or, "
                              "if a finding is wrong, say why in finish's `argued` field.")
    assert flagged(refusal) == FLAGGED
    assert git(service, "show", f"{result.branch}:tools.py") == SAFE
    events = read_run(service, result.run_id)
    reviews = [e["record"] for e in events if e["event"] == "review"]
    assert len(reviews) == 2 and reviews[1]["findings"] == [] and set(reviews[0]["scanners"]) == set(
        installed_scanners())
    gate = next(e for e in events if e["event"] == "review_gate")
    assert gate["stage"] == "review" and gate["record"]["resolution"] == "fixed"
    assert {f"{f['path']}:{f['line']}" for f in gate["record"]["introduced"]} == FLAGGED
    stages = [e["name"] for e in events if e["event"] == "stage"]
    assert stages == ["spec", "test", "implement", "test", "review", "test", "review", "handover"]
    summary = Path(result.summary).read_text()
    for heading in ("## Spec", "## Test evidence", "## Review", "## Cost", "## Change"):
        assert heading in summary
    assert "Threshold: medium. Outcome: **fixed** (every finding fixed)" in summary
    assert "| remains |" not in summary and "| `tools.py:11` | fixed |" in summary
    assert "| review | openai/gpt-4o-mini | 240 |" in summary  # the two turns after review's refusal
    assert "tok-4f9a8b7c6d5e4f3a2b1c" not in summary  # findings quote no secret


def test_an_unfixed_finding_stops_at_the_gate_unless_approved(service: Path) -> None:
    argued = "tools.py:11 the command comes from our own config file, never from a user"
    script = [call("write_file", path="tools.py", content=INSECURE), call("finish", summary="greets"),
              call("finish", summary="greets", argued=argued)]
    with ScriptedLLMServer(list(script)) as server:
        stopped = run(service, server)
    assert stopped.status == "needs_human" and stopped.reason.startswith(
        "review findings at or above medium were not approved: tools.py:")
    assert (Path(stopped.worktree) / "tools.py").read_text() == INSECURE  # kept for a person
    assert not git(service, "branch", "--list", stopped.branch)
    summary = Path(stopped.summary).read_text()
    assert "Outcome: **declined**" in summary and f"> {argued}" in summary and "| remains |" in summary
    with ScriptedLLMServer(list(script)) as server:
        done = CliRunner().invoke(cli, ["agent", "greet with hello", "--repo", str(service), "--yes", "--json",
                                        "--model", "openai/gpt-4o-mini", "--api-base", server.url,
                                        "--test-cmd", TEST_CMD])
    assert done.exit_code == 0, done.output
    approved = json.loads(done.stdout)
    assert git(service, "show", f"{approved['branch']}:tools.py") == INSECURE
    assert "Outcome: **approved** (findings remain, approved by a person)" in Path(approved["summary"]).read_text()
    shown = CliRunner().invoke(cli, ["runs", "--repo", str(service), "show", approved["run_id"]])
    assert "review    approve review findings: approved" in shown.output
