"""The review stage with the real scanners (ruff, bandit, semgrep) on real git repositories.

Scanners take seconds to start, so one repository holds most cases (a hostile configuration, a
silenced line, a shifted old finding, every shipped semgrep rule firing and not) and is reviewed
once for the module; the tests read that one Review.
"""
from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from codeidx.agent.review import MAX_FILES, Finding, Review, find_scanner, review_change
from codeidx.core.errors import CodeidxError
from tests.conftest import git, make_repo

TOKEN = "Xa9fQ2mLp0zR7tKw"
OLD_SHELL = "import subprocess\n\n\ndef old(cmd):\n    subprocess.run(cmd, shell=True)\n"

# Each shipped semgrep rule: (rule id, file suffix, code it fires on, code it leaves alone).
RULE_CASES = [
    ("codeidx.python.shell-true", "py", "import subprocess\nsubprocess.run('ls ' + name, shell=True)\n",
     "import subprocess\nsubprocess.run(['ls', name])\nsubprocess.run('ls -l', shell=True)\n"),
    ("codeidx.python.os-system", "py", "import os\nos.system('rm ' + name)\n", "import os\nos.system('ls')\n"),
    ("codeidx.python.eval-exec", "py", "eval(expression)\nexec(code)\n", "eval('1 + 1')\n"),
    ("codeidx.python.tls-verify-disabled", "py", "import requests\nrequests.get(url, verify=False, timeout=5)\n",
     "import requests\nrequests.get(url, verify=True, timeout=5)\n"),
    ("codeidx.python.hardcoded-credential", "py", f'db_password = "{TOKEN}"\n',
     'import os\ndb_password = os.environ["DB_PASSWORD"]\npassword = "changeme"\ntoken_type = "bearer-abcdef12"\n'),
    ("codeidx.python.sql-format", "py", 'cur.execute(f"SELECT * FROM users WHERE id = {uid}")\n',
     'cur.execute("SELECT * FROM users WHERE id = %s", (uid,))\n'),
    ("codeidx.js.exec-concat", "js", "const cp = require('child_process');\ncp.exec('ls ' + dir);\n",
     "const cp = require('child_process');\ncp.execFile('ls', [dir]);\nconst m = /a+/.exec(text);\n"),
    ("codeidx.js.eval", "js", "eval(userInput);\nconst f = new Function('a', body);\n",
     "eval('1 + 1');\nconst f = new Function('a', 'return a');\n"),
    ("codeidx.js.tls-reject-unauthorized", "ts", "const agent = new https.Agent({ rejectUnauthorized: false });\n",
     "const agent = new https.Agent({ rejectUnauthorized: true });\n"),
    ("codeidx.js.hardcoded-credential", "ts", f'const apiKey: string = "{TOKEN}";\n',
     "const apiKey = process.env.API_KEY;\n"),
    ("codeidx.js.sql-concat", "js", "db.query(`SELECT * FROM users WHERE id = ${id}`);\n",
     "db.query('SELECT * FROM users WHERE id = $1', [id]);\n"),
    ("codeidx.go.tls-insecure-skip-verify", "go", "package x\n\nvar c = &tls.Config{InsecureSkipVerify: true}\n",
     "package x\n\nvar c = &tls.Config{MinVersion: tls.VersionTLS12}\n"),
    ("codeidx.go.shell-command", "go", 'package x\n\nfunc f(cmd string) { exec.Command("sh", "-c", cmd) }\n',
     'package x\n\nfunc f(arg string) { exec.Command("git", "log", arg) }\n'),
    ("codeidx.go.sql-format", "go",
     'package x\n\nfunc f(id string) { db.Query(fmt.Sprintf("SELECT * FROM t WHERE id = %s", id)) }\n',
     'package x\n\nfunc f(id string) { db.Query("SELECT * FROM t WHERE id = $1", id) }\n'),
    ("codeidx.go.hardcoded-credential", "go", f'package x\n\nconst dbPassword = "{TOKEN}"\n',
     'package x\n\nvar dbPassword = os.Getenv("DB_PASSWORD")\n'),
    ("codeidx.secret.private-key", "txt", "-----BEGIN RSA PRIVATE KEY-----\nMIIEow\n", "-----BEGIN PUBLIC KEY-----\n"),
    ("codeidx.secret.aws-access-key", "yml", "aws_key_id: AKIAZ7Q3XK4PLM2NRT6W\n", "aws_key_id: AKIAIOSFODNN7EXAMPLE\n"),
    ("codeidx.secret.github-token", "env", "GH=ghp_abcdefghijklmnopqrstuvwxyzABCDEFGH12\n", "GH=ghp_short\n"),
]


def rule_file(n: int, case: str, suffix: str) -> str:
    return f"rules/{case}{n}.{suffix}"


@pytest.fixture(scope="module")
def change(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Review]:
    root = make_repo(tmp_path_factory.mktemp("review") / "repo", {
        "app/shift.py": OLD_SHELL,
        "app/dup.py": OLD_SHELL,
        "lib/moved_from.py": OLD_SHELL,
        "gone.py": OLD_SHELL,
        "README.md": "a project\n",
    })
    base = git(root, "rev-parse", "HEAD").strip()
    # The agent's edits, uncommitted as in its clone: the old finding moves down three lines ...
    (root / "app/shift.py").write_text("# a\n# b\n# c\n" + OLD_SHELL)
    # ... a copy of an old line is one new finding, the original is not ...
    (root / "app/dup.py").write_text(OLD_SHELL + "\n\ndef again(cmd):\n    subprocess.run(cmd, shell=True)\n")
    git(root, "mv", "lib/moved_from.py", "lib/moved_to.py")
    (root / "gone.py").unlink()
    files = {
        "app/new.py": ("import subprocess\n\n\ndef run(user_input):\n    subprocess.run(f'ls {user_input}', shell=True)\n"
                       f'\n\nAPI_TOKEN = "{TOKEN}"\n'),
        # A model cannot silence a finding with a comment.
        "app/silenced.py": ("# ruff: noqa\nimport subprocess\n\n\ndef run(cmd):\n"
                            "    subprocess.run(cmd, shell=True)  # nosec  # noqa: S602  # nosemgrep\n"),
        "app/broken.py": "def f(:\n    pass\n",
        "web/handler.js": "function handle(userInput) {\n  return eval(userInput);\n}\n",
        "svc/client.go": "package svc\n\nvar conf = &tls.Config{InsecureSkipVerify: true}\n",
        # A repository's settings that would switch the scanners off.
        "pyproject.toml": '[tool.ruff]\nignore = ["S", "F"]\n[tool.ruff.lint]\nignore = ["S", "F"]\n'
                          '[tool.bandit]\nskips = ["B602", "B105"]\n',
        ".semgrepignore": "app/\nweb/\nsvc/\nrules/\n*.py\n",
        ".bandit": "[bandit]\nskips: B602,B105\nexclude: app\n",
        "setup.cfg": "[flake8]\nignore = S\n",
        "big.py": "x = 1\n" * 200_000,
    }
    for n, (_, suffix, fires, quiet) in enumerate(RULE_CASES):
        files[rule_file(n, "fire", suffix)] = fires
        files[rule_file(n, "quiet", suffix)] = quiet
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    (root / "blob.bin").write_bytes(b"\x00\x01binary" * 100)
    return root, review_change(root, base)


def found(review: Review, path: str, tool: str | None = None) -> set[tuple[str, str]]:
    return {(f.rule, f.severity) for f in review.findings if f.path == path and tool in (None, f.tool)}


def test_a_shell_injection_and_a_token_the_change_added_are_reported_with_their_severity(change) -> None:
    _, review = change
    assert review.scanners == ("ruff", "bandit", "semgrep")
    semgrep = found(review, "app/new.py", "semgrep")
    assert {("codeidx.python.shell-true", "high"), ("codeidx.python.hardcoded-credential", "high")} <= semgrep
    # ruff's S602 and bandit's B602 are one check: one finding, high.
    python = {(f.tool, f.rule, f.severity, f.line) for f in review.findings
              if f.path == "app/new.py" and f.tool != "semgrep"}
    assert {(rule[1:], severity, line) for _, rule, severity, line in python if rule[1:] == "602"} == {
        ("602", "high", 5)}
    assert any(rule[1:] == "105" and line == 8 for _, rule, _, line in python)
    lines = review.as_tool_result().splitlines()
    assert any(line.startswith("app/new.py:5 high semgrep codeidx.python.shell-true: ") for line in lines)


def test_findings_already_at_the_base_are_not_reported_even_when_lines_moved(change) -> None:
    _, review = change
    assert not found(review, "app/shift.py")
    assert not found(review, "lib/moved_to.py")
    # the copied line is new (once for ruff/bandit's check, once for semgrep's); the original stays old
    dup = [f for f in review.findings if f.path == "app/dup.py"]
    assert {f.line for f in dup} == {9} and len(dup) == 2
    assert {f.rule[1:] for f in dup if f.tool != "semgrep"} == {"602"}
    # shift, dup and moved each had one shell=True line at the base, seen by two checks (ruff/bandit and semgrep)
    assert review.preexisting == 6


def test_noqa_nosec_and_nosemgrep_comments_do_not_hide_a_finding(change) -> None:
    _, review = change
    rules = {rule for rule, _ in found(review, "app/silenced.py")}
    assert "codeidx.python.shell-true" in rules
    assert rules & {"S602", "B602"}


def test_the_repositorys_configuration_switches_nothing_off(change) -> None:
    _, review = change
    # pyproject ignores S and F, .bandit skips B602, .semgrepignore lists every folder and *.py
    assert found(review, "app/new.py", "semgrep") and found(review, "web/handler.js", "semgrep")
    assert {f.rule[1:] for f in review.findings if f.path == "app/new.py" and f.tool != "semgrep"} >= {"602", "105"}
    assert "pyproject.toml" in review.scanned and ".semgrepignore" in review.scanned


def test_a_syntax_error_the_change_made_is_a_high_finding(change) -> None:
    _, review = change
    assert found(review, "app/broken.py", "ruff") == {("invalid-syntax", "high")}


def test_javascript_eval_and_go_insecure_tls_are_found_by_semgrep(change) -> None:
    _, review = change
    assert found(review, "web/handler.js") == {("codeidx.js.eval", "high")}
    assert found(review, "svc/client.go") == {("codeidx.go.tls-insecure-skip-verify", "high")}


@pytest.mark.parametrize("n", range(len(RULE_CASES)), ids=[case[0] for case in RULE_CASES])
def test_each_shipped_rule_fires_on_its_case_and_not_on_the_safe_one(change, n: int) -> None:
    _, review = change
    rule, suffix, _, _ = RULE_CASES[n]
    assert rule in {r for r, _ in found(review, rule_file(n, "fire", suffix), "semgrep")}
    assert found(review, rule_file(n, "quiet", suffix), "semgrep") == set()


def test_deleted_binary_and_huge_files_are_skipped_cleanly(change) -> None:
    _, review = change
    assert "gone.py" not in review.scanned and not found(review, "gone.py")
    assert "blob.bin" not in review.scanned and "big.py" not in review.scanned
    assert "blob.bin: a binary file, not scanned" in review.skipped
    assert any(line.startswith("big.py: 1.2 MB, over the 1 MB limit") for line in review.skipped)
    assert "app/new.py" in review.scanned


def test_the_record_round_trips_through_json_and_holds_no_secret(change) -> None:
    _, review = change
    text = json.dumps(review.to_json())
    assert Review.from_json(json.loads(text)) == review
    assert TOKEN not in text and TOKEN not in review.as_tool_result()
    with pytest.raises(CodeidxError, match="not a version 1 review record"):
        Review.from_json({**review.to_json(), "version": 2})


def test_blocking_keeps_the_findings_at_or_above_the_threshold(change) -> None:
    _, review = change
    assert review.blocking("low") == review.findings
    assert {f.severity for f in review.blocking("high")} == {"high"}
    assert set(review.blocking("medium")) >= set(review.blocking("high"))
    with pytest.raises(CodeidxError, match="'severe' is not a severity: choose from low, medium, high"):
        review.blocking("severe")


def test_the_tool_result_lists_findings_and_what_was_not_scanned(change) -> None:
    _, review = change
    result = review.as_tool_result()
    assert result.startswith(f"Review of {len(review.scanned)} changed file(s) by ruff, bandit, semgrep: "
                             f"{len(review.findings)} finding(s) introduced by the change; 6 finding(s) already")
    assert "Not scanned: blob.bin: a binary file, not scanned" in result
    assert "explain in finish" in result


# --- scanners missing or broken, and bad input: each its own small repository ---

@pytest.fixture
def small(tmp_path: Path) -> tuple[Path, str]:
    root = make_repo(tmp_path / "repo", {"a.py": "x = 1\n"})
    base = git(root, "rev-parse", "HEAD").strip()
    (root / "a.py").write_text("import subprocess\n\n\ndef f(cmd):\n    subprocess.run(cmd, shell=True)\n")
    return root, base


def test_a_missing_scanner_is_reported_once_and_the_others_run(small) -> None:
    root, base = small
    review = review_change(root, base, locate=lambda name: None if name == "semgrep" else find_scanner(name))
    assert review.skipped == ("semgrep: not installed; pip install codeidx[review]",)
    assert review.scanners == ("ruff", "bandit")
    assert [(f.path, f.line, f.severity) for f in review.findings] == [("a.py", 5, "high")]
    assert review.as_tool_result().endswith("Not scanned: semgrep: not installed; pip install codeidx[review]")


def test_a_scanner_that_fails_hangs_or_prints_garbage_is_one_line_in_skipped(small, tmp_path: Path) -> None:
    root, base = small
    fakes = {"ruff": "sleep 30", "bandit": "echo 'not json'", "semgrep": "echo boom >&2; exit 3"}
    for name, body in fakes.items():
        script = tmp_path / name
        script.write_text(f"#!/bin/sh\n{body}\n")
        script.chmod(script.stat().st_mode | stat.S_IXUSR)
    review = review_change(root, base, locate=lambda name: str(tmp_path / name), timeout=1)
    assert review.findings == () and review.scanners == ()
    assert review.skipped[0] == "ruff: ran past 1 s and was stopped"
    assert review.skipped[1].startswith("bandit: unreadable output (")
    assert review.skipped[2] == "semgrep: failed (exit 3: boom)"


def test_given_paths_are_the_only_files_scanned(small) -> None:
    root, base = small
    (root / "b.py").write_text("eval(input())\n")
    only_ruff = lambda name: find_scanner(name) if name == "ruff" else None  # noqa: E731
    review = review_change(root, base, ["b.py"], locate=only_ruff)
    assert review.scanned == ("b.py",)
    assert [(f.tool, f.rule, f.severity) for f in review.findings] == [("ruff", "S307", "high")]
    assert found(review_change(root, base, [], locate=only_ruff), "a.py") == set()


def test_a_change_of_more_files_than_the_limit_is_cut_and_says_so(small) -> None:
    root, base = small
    for n in range(MAX_FILES + 4):
        (root / f"m{n:03}.py").write_text(f"x{n} = {n}\n")
    review = review_change(root, base, locate=lambda name: find_scanner(name) if name == "ruff" else None)
    assert len(review.scanned) == MAX_FILES and review.scanned[0] == "a.py"
    assert review.skipped[0] == f"5 more changed files not scanned: at most {MAX_FILES} a review"


def test_links_and_names_that_are_not_utf8_are_skipped_and_the_rest_scanned(small) -> None:
    root, base = small
    (root / "leak.py").symlink_to("/etc/passwd")
    with open(bytes(root / "odd") + b"\xff.py", "w") as odd:
        odd.write("eval(input())\n")
    review = review_change(root, base, locate=lambda name: find_scanner(name) if name == "ruff" else None)
    assert review.scanned == ("a.py",)
    assert review.skipped[:2] == ("odd\ufffd.py: a file name that is not UTF-8, not scanned",
                                  "leak.py: a symbolic link, not scanned")
    assert [f.path for f in review.findings] == ["a.py"]


def test_nothing_changed_runs_no_scanner(small) -> None:
    root, _ = small
    git(root, "commit", "-qam", "the change")
    review = review_change(root, "HEAD")
    assert (review.findings, review.scanned, review.scanners, review.skipped) == ((), (), (), ())
    assert review.as_tool_result() == "Review of 0 changed file(s) by no scanner: no findings introduced by the change."


def test_bad_input_is_one_clear_error(small, tmp_path: Path) -> None:
    root, base = small
    with pytest.raises(CodeidxError, match="is not a git work tree"):
        review_change(tmp_path / "nowhere", base)
    with pytest.raises(CodeidxError, match="'--output=x' is not a commit"):
        review_change(root, "--output=x")
    with pytest.raises(CodeidxError, match="'../etc/passwd' is outside the repository"):
        review_change(root, base, ["../etc/passwd"])
    assert isinstance(Finding("ruff", "S602", "high", "a.py", 1, "m").describe(), str)
