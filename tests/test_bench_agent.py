"""`codeidx bench agent`: tasks made from a real repository's own pytest suite, a run of the agent on them
through LiteLLM against the scripted server, and the report and comparison of runs."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git, make_repo
from llm_server import ScriptedLLMServer, reply, tool_call

from codeidx.benchmarks.agent_eval import _restore_tests
from codeidx.benchmarks.agent_tasks import read_tasks
from codeidx.benchmarks.mutations import RULES, mutations
from codeidx.cli.bench_agent import agent
from codeidx.core.errors import CodeidxError

CALC = '''"""Arithmetic helpers."""


def add(a, b):
    """The sum of a and b."""
    return a + b


def clamp(x, low, high):
    """Limit x to the range from low to high."""
    if x < low:
        return low
    if x > high:
        return high
    return x


def is_even(n):
    return n % 2 == 0
'''
TEST_CALC = '''import unittest

from calc import add, clamp, is_even


def test_add():
    assert add(2, 3) == 5


def test_clamp():
    assert clamp(5, 0, 3) == 3
    assert clamp(-1, 0, 3) == 0
    assert clamp(2, 0, 3) == 2


class TestEven(unittest.TestCase):
    def test_even(self):
        for n in (0, 4):
            with self.subTest(n=n):  # a failed subtest gets no FAILED line of its own
                self.assertTrue(is_even(n))


def test_already_broken():
    assert add(1, 1) == 3
'''
TEST_CMD = f"{sys.executable} -m pytest -q -p no:cacheprovider"
BROKEN = "tests/test_calc.py::test_already_broken"


@pytest.fixture(scope="module")
def calc_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_repo(tmp_path_factory.mktemp("bench-agent") / "calc", {"calc.py": CALC, "tests/test_calc.py": TEST_CALC})


def _make(repo: Path, out: Path, *extra: str) -> dict:
    done = CliRunner().invoke(agent, ["make-tasks", str(repo), "--test-cmd", TEST_CMD, "--count", "2", "--seed", "7",
                                      "--out", str(out), "--json", *extra], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return json.loads(done.output)


@pytest.fixture(scope="module")
def made(calc_repo: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("tasks") / "tasks.jsonl"
    return out, _make(calc_repo, out)


def test_each_python_rule_makes_one_small_bug_that_still_compiles() -> None:
    source = b"def f(a, b):\n    if a < b and not a:\n        return g(a, b, key=1)\n    return True\n"
    found = mutations(source, "python")
    assert [(m.rule, m.description) for m in found] == [
        ("comparison", "`<` -> `>=`"), ("boolean", "`and` -> `or`"), ("not", "`not a` -> `a`"),
        ("return", "`g(a, b, key=1)` -> `None`"), ("swap_args", "arguments of `g` swapped"),
        ("off_by_one", "`1` -> `2`"), ("return", "`True` -> `False`")]
    swapped = next(m for m in found if m.rule == "swap_args").apply(source)
    assert b"return g(b, a, key=1)" in swapped and RULES["python"].compiles(swapped)
    assert not RULES["python"].compiles(b"def f(:\n")


def _pytest(folder: Path, *ids: str) -> int:
    """Our own fixture's tests, run directly: an oracle independent of the sandboxed runner under test."""
    return subprocess.run([*TEST_CMD.split(), *ids], cwd=folder, capture_output=True).returncode


def test_tasks_break_tests_that_pass_at_the_base_and_the_patch_applies(made, calc_repo: Path, tmp_path: Path) -> None:
    out, summary = made
    tasks = read_tasks(out)
    assert summary["tasks"] == len(tasks) == 2 and summary["stats"]["kept"] == 2
    assert summary["stats"]["known_failures"] == 1
    assert len({t.id for t in tasks}) == 2 and len({t.patch for t in tasks}) == 2
    assert ("tests/test_calc.py::TestEven::test_even",) in [t.fail_to_pass for t in tasks]  # found by its subtests
    head = git(calc_repo, "rev-parse", "HEAD").strip()
    assert git(calc_repo, "status", "--porcelain") == ""  # the user's checkout is untouched
    for task in tasks:
        assert task.base_commit == head and task.gold_file == "calc.py"
        assert task.gold_function in {"add", "clamp", "is_even"}
        assert task.known_failures == (BROKEN,) and BROKEN not in task.fail_to_pass
        assert task.fail_to_pass and task.pass_to_pass == 3 - len(task.fail_to_pass)
        assert "These tests fail:\n" + task.fail_to_pass[0] in task.task and "assert" in task.task
        clone = tmp_path / task.id
        git(tmp_path, "clone", "-q", str(calc_repo), str(clone))
        assert _pytest(clone, *task.fail_to_pass) == 0
        subprocess.run(["git", "-C", str(clone), "apply", "-"], input=task.patch, text=True, check=True)
        assert git(clone, "diff", "--name-only").split() == ["calc.py"]
        for test in task.fail_to_pass:
            assert _pytest(clone, test) == 1, test


def test_the_same_seed_makes_the_same_tasks_and_issue_style_names_no_file(made, calc_repo: Path, tmp_path: Path) -> None:
    out, _ = made
    _make(calc_repo, tmp_path / "again.jsonl")
    assert (tmp_path / "again.jsonl").read_text() == out.read_text()
    _make(calc_repo, tmp_path / "issue.jsonl", "--style", "issue", "--count", "1")
    task = read_tasks(tmp_path / "issue.jsonl")[0]
    assert task.style == "issue" and "calc" not in task.task and "gives the wrong result" in task.task
    test_name = task.fail_to_pass[0].split("::")[-1]
    assert f"{test_name} fails." in task.task


def test_make_tasks_bad_input_is_one_line(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    done = CliRunner().invoke(agent, ["make-tasks", str(plain), "--test-cmd", TEST_CMD, "--out", str(tmp_path / "t")])
    assert done.exit_code == 1 and done.output.startswith("Error: ") and done.output.count("\n") == 1
    failing = make_repo(tmp_path / "failing", {"calc.py": CALC, "tests/test_calc.py": "import nowhere\n"})
    for test_cmd, why in ((TEST_CMD, "ran no passing test at HEAD"), ("false", "without naming a failing test")):
        done = CliRunner().invoke(agent, ["make-tasks", str(failing), "--test-cmd", test_cmd, "--out", str(tmp_path / "t")])
        assert done.exit_code == 1 and why in done.output and done.output.count("\n") == 1
    assert not (tmp_path / "t").exists()
    done = CliRunner().invoke(agent, ["make-tasks", str(failing), "--test-cmd", TEST_CMD, "--out", str(plain / "no" / "t")])
    assert done.exit_code == 1 and "no folder" in done.output and done.output.count("\n") == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"version": 1, "id": "x"}\n')
    with pytest.raises(CodeidxError, match="is not a task"):
        read_tasks(bad)



def test_a_run_scores_each_task_by_its_tests_and_the_report_adds_up(made, tmp_path: Path, monkeypatch) -> None:
    out_file, _ = made
    tasks = read_tasks(out_file)
    # The loops' replies, two steps a run (the scripted server writes the specs). The runs go in parallel
    # and take replies in any order: whichever gets the write_file puts calc.py back whole and is fixed,
    # the other runs the tests twice and changes nothing.
    script = [reply(tool_calls=[tool_call("write_file", {"path": "calc.py", "content": CALC})]),
              *[reply(tool_calls=[tool_call("run_tests", {})])] * 3]
    out = tmp_path / "run"
    monkeypatch.chdir(tmp_path)  # a relative --out: git runs in other folders
    args = ["run", str(out_file), "--model", "openai/gpt-4o-mini", "--out", "run", "--max-steps", "2", "--json"]
    with ScriptedLLMServer(script) as server:
        done = CliRunner().invoke(agent, [*args, "--api-base", server.url, "--jobs", "2"], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        assert len(server.chat_requests()) == 4
        again = CliRunner().invoke(agent, [*args, "--api-base", server.url], catch_exceptions=False)
        assert again.exit_code == 0 and len(server.chat_requests()) == 4  # finished pairs are not run again
    rows = json.loads((out / "results.json").read_text())["results"]
    assert [r["task_id"] for r in rows] == [t.id for t in tasks]
    fixed = next(r for r in rows if r["tool_calls"] == {"run_tests": 1, "write_file": 1})
    unfixed = next(r for r in rows if r["tool_calls"] == {"run_tests": 2})
    assert (fixed["resolved"], fixed["fail_to_pass_ok"], fixed["suite_green"]) == (True, True, True)
    assert (unfixed["resolved"], unfixed["fail_to_pass_ok"], unfixed["suite_green"]) == (False, False, False)
    assert all(r["status"] == "limit" and r["steps"] == 2 and r["prompt_tokens"] == 300  # the spec's call and two steps
               and r["completion_tokens"] == 60 and r["cost"] > 0 and r["context_file"] for r in rows)
    assert all((out / r["audit_log"]).is_file() and r["tests_edited"] == [] for r in rows)
    score = json.loads(done.output)["scores"][0]
    assert score["resolve_rate"] == 0.5 and score["mean_steps"] == 2 and score["mean_prompt_tokens"] == 300
    assert score["cost"] == pytest.approx(sum(r["cost"] for r in rows))
    report = (out / "report.md").read_text()
    assert "| openai/gpt-4o-mini | 2 | 1 | 0.500 |" in report and (out / "resolve_vs_cost.png").stat().st_size > 0
    assert not (out / "work").exists()  # the clones go once scored

    later = tmp_path / "later"
    later.mkdir()
    flipped = [{**r, "resolved": not r["resolved"], "steps": 4} for r in rows]
    (later / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in flipped))
    compared = CliRunner().invoke(agent, ["compare", str(out), str(later), "--json"], catch_exceptions=False)
    result = json.loads(compared.output)
    assert result["regressed"] == [f"{fixed['task_id']} openai/gpt-4o-mini"] and result["improved"] == [
        f"{unfixed['task_id']} openai/gpt-4o-mini"]
    assert result["resolve_rate"] == [0.5, 0.5] and result["mean_steps"] == [2, 4]


def test_scoring_puts_back_the_tests_the_agent_changed_and_keeps_its_code(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "calc", {"calc.py": CALC, "tests/test_calc.py": TEST_CALC, "tests/test_more.py": "x = 1\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "calc.py").write_text(CALC.replace("a + b", "b + a"))
    (repo / "tests/test_calc.py").write_text("def test_add():\n    pass\n")
    (repo / "tests/test_more.py").unlink()
    (repo / "tests/test_new.py").write_text("def test_new():\n    pass\n")
    assert _restore_tests(repo, base) == ("tests/test_calc.py", "tests/test_more.py")
    assert (repo / "tests/test_calc.py").read_text() == TEST_CALC and (repo / "tests/test_more.py").is_file()
    assert "b + a" in (repo / "calc.py").read_text() and (repo / "tests/test_new.py").is_file()


def test_a_hostile_task_file_is_refused_before_anything_runs(made, tmp_path: Path) -> None:
    """A task file may come from anyone: its id names the folders a run makes and removes."""
    out_file, _ = made
    good = json.loads(Path(out_file).read_text().splitlines()[0])
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "keep.txt").write_text("mine")
    out = tmp_path / "out"
    hostile = [({"id": "../../victim"}, "is not a plain name"), ({"id": "x/../../victim"}, "is not a plain name"),
               ({"base_commit": "HEAD; rm -rf ~"}, "is not a commit hash"),
               ({"fail_to_pass": ["--rootdir=/"]}, "test ids"), ({"patch": "x" * 1_000_001}, "at most")]
    for change, why in hostile:
        tasks = tmp_path / "hostile.jsonl"
        tasks.write_text(json.dumps({**good, **change}) + "\n")
        done = CliRunner().invoke(agent, ["run", str(tasks), "--model", "openai/scripted", "--out", str(out)])
        assert done.exit_code == 1 and why in done.output and done.output.count("\n") == 1, done.output
    assert [p.name for p in victim.iterdir()] == ["keep.txt"] and not (out / "work").exists()


def _diff(repo: Path, files: dict[str, str]) -> str:
    """The unified diff that writes `files` over the repository's HEAD (the work tree is left at HEAD)."""
    for rel, text in files.items():
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    patch = git(repo, "diff", "--cached")
    git(repo, "reset", "-q", "--hard")
    return patch


def test_swe_bench_instances_run_where_their_tests_can_and_say_why_not_elsewhere(tmp_path: Path) -> None:
    buggy = CALC.replace("    if x > high:\n        return high", "    if x > high:\n        return x")
    repo = make_repo(tmp_path / "clones" / "calc", {"calc.py": buggy, "tests/test_calc.py": "from calc import add\n\n\n"
                                                   "def test_add():\n    assert add(2, 3) == 5\n"})
    base = git(repo, "rev-parse", "HEAD").strip()
    gold = _diff(repo, {"calc.py": CALC})
    catches = _diff(repo, {"tests/test_high.py": "from calc import clamp\n\n\ndef test_high():\n"
                                                 "    assert clamp(5, 0, 3) == 3\n"})
    needs = _diff(repo, {"tests/test_env.py": "import not_installed_here\n\n\ndef test_env():\n    assert True\n"})
    instance = {"repo": "acme/calc", "base_commit": base, "patch": gold, "problem_statement": "clamp lets values "
                "above the range through", "PASS_TO_PASS": json.dumps(["tests/test_calc.py::test_add"])}
    dataset = tmp_path / "swe.json"
    dataset.write_text(json.dumps([
        {**instance, "instance_id": "acme__calc-1", "test_patch": catches,
         "FAIL_TO_PASS": json.dumps(["tests/test_high.py::test_high"])},
        {**instance, "instance_id": "acme__calc-2", "test_patch": needs,
         "FAIL_TO_PASS": json.dumps(["tests/test_env.py::test_env"])}]))
    out = tmp_path / "run"
    script = [reply(tool_calls=[tool_call("write_file", {"path": "calc.py", "content": CALC})]),
              reply(tool_calls=[tool_call("run_tests", {})])]
    args = ["run", str(dataset), "--model", "openai/gpt-4o-mini", "--out", str(out), "--max-steps", "2", "--json"]
    missing = CliRunner().invoke(agent, args)
    assert missing.exit_code == 1 and "--repos" in missing.output and missing.output.count("\n") == 1
    with ScriptedLLMServer(script) as server:
        done = CliRunner().invoke(agent, [*args, "--repos", str(tmp_path / "clones"), "--test-cmd", TEST_CMD,
                                          "--api-base", server.url], catch_exceptions=False)
        assert done.exit_code == 0, done.output
    rows = {r["task_id"]: r for r in json.loads((out / "results.json").read_text())["results"]}
    # The agent never saw the test that judged it: the test patch came after, and so did the verdict.
    assert rows["acme__calc-1"]["resolved"] and rows["acme__calc-1"]["context_file"]
    assert rows["acme__calc-2"]["status"] == "not_run" and "gold patch" in rows["acme__calc-2"]["reason"]
    assert rows["acme__calc-2"]["steps"] == 0  # no model call for a task this machine cannot judge
    score = json.loads(done.output)["scores"][0]
    assert score["tasks"] == 1 and score["resolve_rate"] == 1.0
    report = (out / "report.md").read_text()
    assert "1 tasks could not run here" in report and "acme__calc-2" in report
