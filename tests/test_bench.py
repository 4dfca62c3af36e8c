"""Benchmarks: gold answers from patches, metrics, the BM25 baseline, and the three commands end to end."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import git, make_repo

from codeidx.benchmarks.bm25 import FileBM25
from codeidx.benchmarks.corpus import candidate_files, index_excludes, is_excluded_test
from codeidx.benchmarks.dataset import load_instances
from codeidx.benchmarks.history import mine_commits
from codeidx.benchmarks.metrics import evaluate, percentile
from codeidx.benchmarks.patches import enclosing_functions, gold_files, parse_patch
from codeidx.cli import cli
from codeidx.core.errors import CodeidxError
from codeidx.index import Index
from codeidx.indexer.parser import parse_file

BILLING = '''"""Invoices and taxes."""


def tax_for(amount, rate):
    """The tax owed on an amount at a rate."""
    return round(amount * rate, 2)


def invoice_total(lines, rate):
    subtotal = sum(line.price * line.quantity for line in lines)
    return subtotal + tax_for(subtotal, rate)
'''
NETWORK = '''"""Talking to remote servers."""
import socket


def open_connection(host, port, timeout):
    """Connect to host:port, giving up after timeout seconds."""
    return socket.create_connection((host, port), timeout=timeout)


def retry(call, attempts):
    for _ in range(attempts):
        try:
            return call()
        except OSError:
            continue
    raise OSError("all attempts failed")
'''
STORAGE = '''"""Files on disk."""
import json


def save_settings(path, settings):
    with open(path, "w") as handle:
        json.dump(settings, handle)


def load_settings(path):
    with open(path) as handle:
        return json.load(handle)
'''


def _shop(root: Path) -> Path:
    """A repository whose history has commits with telling messages, each changing one file."""
    repo = make_repo(root, {"shop/billing.py": BILLING, "shop/network.py": NETWORK, "shop/storage.py": STORAGE,
                            "tests/test_billing.py": "from shop.billing import tax_for\n\n\ndef test_tax():\n"
                                                     "    assert tax_for(10, 0.5) == 5\n"})
    edits = [("shop/billing.py", "round(amount * rate, 2)", "round(amount * rate + 1e-9, 2)",
              "Round the tax on invoice amounts half up instead of to even"),
             ("shop/network.py", "for _ in range(attempts):", "for _ in range(max(1, attempts)):",
              "Retry a failed connection at least once when attempts is zero"),
             ("shop/storage.py", 'json.dump(settings, handle)', 'json.dump(settings, handle, indent=2)',
              "Save settings files as indented JSON so people can edit them")]
    for path, old, new, message in edits:
        file = repo / path
        file.write_text(file.read_text().replace(old, new))
        git(repo, "commit", "-qam", message)
    return repo


def _codeidx(*args: str) -> subprocess.CompletedProcess:
    """The CLI run in this process, so the embedding model loads once for the session; `sys.argv` is what a
    real start sets, because the benchmarks print their own command line. (`bench mcp` and `bench perf`
    still start real `codeidx` processes: the server and the cold `ask` they time.)"""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sys, "argv", ["codeidx", *args])
        result = CliRunner().invoke(cli, list(args))
    return subprocess.CompletedProcess(list(args), result.exit_code, result.stdout, result.stderr)


# --- gold answers and metrics ---

def test_patch_gives_gold_files_and_the_functions_it_changes(tmp_path: Path) -> None:
    repo = _shop(tmp_path / "shop")
    patch = git(repo, "diff", "HEAD~3", "HEAD~2")  # the billing fix
    changes = parse_patch(patch)
    assert [(c.old_path, c.new_path) for c in changes] == [("shop/billing.py", "shop/billing.py")]
    assert changes[0].removed == (6,)
    before = git(repo, "show", "HEAD~3:shop/billing.py").encode()
    symbols = parse_file("shop/billing.py", before, "python").symbols
    assert enclosing_functions(changes[0], symbols) == ("tax_for",)
    assert gold_files(changes, lambda p: not is_excluded_test(p)) == ("shop/billing.py",)


def test_new_and_test_files_are_not_gold() -> None:
    patch = ("--- /dev/null\n+++ b/pkg/new.py\n@@ -0,0 +1 @@\n+x = 1\n"
             "--- a/tests/test_x.py\n+++ b/tests/test_x.py\n@@ -1 +1 @@\n-a\n+b\n"
             "--- a/pkg/old.py\n+++ b/pkg/old.py\n@@ -3,0 +4 @@\n+y = 2\n")
    changes = parse_patch(patch)
    assert [c.old_path for c in changes] == [None, "tests/test_x.py", "pkg/old.py"]
    assert changes[2].inserted_after == (3,) and changes[2].removed == ()
    assert gold_files(changes, lambda p: not is_excluded_test(p)) == ("pkg/old.py",)


def test_metrics() -> None:
    ranked = ["a.py", "b.py", "c.py", "d.py"]
    m = evaluate(ranked, {"b.py", "d.py"}, ks=(1, 2, 4))
    assert (m["acc@1"], m["acc@2"], m["acc@4"]) == (0.0, 0.0, 1.0)
    assert (m["recall@1"], m["recall@2"], m["recall@4"]) == (0.0, 0.5, 1.0)
    assert m["mrr"] == 0.5
    assert evaluate(ranked, {"z.py"}, ks=(4,))["mrr"] == 0.0
    assert (percentile([5, 1, 3, 2, 4], 50), percentile([5, 1, 3, 2, 4], 95)) == (3, 5)


def test_bm25_ranks_the_file_that_shares_the_words(tmp_path: Path) -> None:
    repo = _shop(tmp_path / "shop")
    paths = candidate_files(repo, (".py",))
    assert paths == ["shop/billing.py", "shop/network.py", "shop/storage.py"]
    bm25 = FileBM25.from_files(repo, paths)
    assert bm25.rank("open_connection times out", 3)[0][0] == "shop/network.py"
    assert bm25.rank("invoice tax", 1)[0][0] == "shop/billing.py"
    assert bm25.rank("nothing matches zzz", 3)[0][1] == 0.0


def test_index_excludes_leave_exactly_the_candidates(tmp_path: Path) -> None:
    repo = _shop(tmp_path / "shop")
    (repo / "README.md").write_text("# Shop\n")
    (repo / "shop" / "conftest.py").write_text("import pytest\n")
    # Tests by every convention core/paths.py knows: a Gradle source set, a .NET test project, behave's steps.
    for path in ("shop/src/jvmTest/check.py", "Shop.Tests/check.py", "features/steps/cart.py",
                 "features/environment.py", "shop/features/cart.py"):
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text("x = 1\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "tests of other conventions")
    with Index.open(repo, exclude=index_excludes((".py",))) as index:
        index.build()
        assert sorted(index.graph.file_paths()) == candidate_files(repo, (".py",))
    assert candidate_files(repo, (".py",)) == ["shop/billing.py", "shop/features/cart.py", "shop/network.py",
                                                "shop/storage.py"]
    # A link git tracks to a file that is not there at this commit (aeson's, in its history) is no candidate.
    os.symlink("../gone/word8.py", repo / "shop" / "word8.py")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "a link to nothing")
    assert "shop/word8.py" not in candidate_files(repo, (".py",))


# --- datasets ---

def test_dataset_loads_json_and_jsonl_and_rejects_other_input(tmp_path: Path) -> None:
    record = {"instance_id": "o__r-1", "repo": "o/r", "base_commit": "abc", "patch": "", "problem_statement": "q"}
    (tmp_path / "d.json").write_text(json.dumps([record, {**record, "repo": "o/s"}]))
    (tmp_path / "d.jsonl").write_text(json.dumps(record) + "\n\n" + json.dumps(record) + "\n")
    assert [i.repo for i in load_instances(tmp_path / "d.json")] == ["o/r", "o/s"]
    assert [i.repo for i in load_instances(tmp_path / "d.json", repos=["o/s"])] == ["o/s"]
    assert len(load_instances(tmp_path / "d.jsonl")) == 2
    (tmp_path / "bad.json").write_text('[{"repo": "o/r"}]')
    with pytest.raises(CodeidxError, match="not in SWE-bench format"):
        load_instances(tmp_path / "bad.json")
    (tmp_path / "junk.json").write_text("{not json")
    with pytest.raises(CodeidxError, match="not JSON"):
        load_instances(tmp_path / "junk.json")
    with pytest.raises(CodeidxError, match="cannot read dataset"):
        load_instances(tmp_path / "missing.json")


def test_history_mines_commits_that_change_source_files(tmp_path: Path) -> None:
    repo = _shop(tmp_path / "shop")
    (repo / "notes.md").write_text("notes\n")
    git(repo, "add", "notes.md")
    git(repo, "commit", "-qm", "Add notes about the project")  # no source file: not an instance
    instances = mine_commits(repo, 10, (".py",))
    assert [i.query for i in instances] == ["Save settings files as indented JSON so people can edit them",
                                            "Retry a failed connection at least once when attempts is zero",
                                            "Round the tax on invoice amounts half up instead of to even"]
    assert instances[0].base_commit == git(repo, "rev-parse", "HEAD~2").strip()
    assert [c.old_path for c in parse_patch(instances[0].patch)] == ["shop/storage.py"]


# --- the commands ---

def test_bench_history_end_to_end(tmp_path: Path) -> None:
    repo = _shop(tmp_path / "shop")
    out = tmp_path / "out"
    done = _codeidx("bench", "history", str(repo), "--count", "3", "--modes", "sparse,full",
                    "--work-dir", str(tmp_path / "work"), "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "| bm25 | 3 |" in done.stdout and "| full | 3 |" in done.stdout and "| sparse | 3 |" in done.stdout
    assert "Command: `codeidx bench history" in done.stdout and "Machine: " in done.stdout
    assert "`full` paired with each other system" in done.stdout and "| sparse | 3 | " in done.stdout
    assert "; embedder all-MiniLM-L6-v2 (auto)" in done.stdout  # which model made these numbers
    results = json.loads((out / "results.json").read_text())
    full = next(s for s in results["scores"] if s["system"] == "full")
    # Each message names its file's subject in other words; the semantic ranker finds all three first.
    assert full["files"]["acc@1"] == 1.0
    assert all(set(i["files"]) == {"bm25", "sparse", "full"} for i in results["instances"])
    assert (out / "recall.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "![file recall@k](recall.png)" in (out / "report.md").read_text()
    assert git(repo, "status", "--porcelain") == ""  # the user's checkout is never touched

    whole = _codeidx("bench", "history", str(repo), "--count", "3", "--modes", "full", "--whole-repo",
                     "--work-dir", str(tmp_path / "work"), "--out", str(tmp_path / "whole"))
    assert whole.returncode == 0, whole.stderr
    assert "history of shop (3 commits, whole repository)" in whole.stdout and "besides the code" in whole.stdout
    ranked = [i["files"]["full"] for i in json.loads((tmp_path / "whole" / "results.json").read_text())["instances"]]
    assert any("tests/test_billing.py" in files for files in ranked)  # indexed, and ranked below its module
    assert [files[0] for files in ranked] == ["shop/storage.py", "shop/network.py", "shop/billing.py"]

    # The two runs' rankings, paired by commit: in one run against BM25, then across the runs.
    against_bm25 = _codeidx("bench", "compare", str(out), "--json")
    assert against_bm25.returncode == 0, against_bm25.stderr
    rows = {r["metric"]: r for r in json.loads(against_bm25.stdout)["rows"]}
    bm25 = next(s for s in results["scores"] if s["system"] == "bm25")
    assert rows["Acc@1"]["system"] == full["files"]["acc@1"] and rows["Acc@1"]["baseline"] == bm25["files"]["acc@1"]
    assert rows["MRR"]["n"] == 3 and set(rows) == {"Acc@1", "Acc@5", "Acc@10", "MRR"}
    assert rows["Acc@1"]["difference"] == pytest.approx(rows["Acc@1"]["system"] - rows["Acc@1"]["baseline"])
    across = _codeidx("bench", "compare", str(tmp_path / "whole" / "results.json"), "--before", str(out))
    assert across.returncode == 0, across.stderr
    assert "whole/results.json:full against " in across.stdout and "out:full, 3 instances paired" in across.stdout
    assert "| Acc@1 | 1.000 | 1.000 | +0.000 | +0.000 to +0.000 | 0 / 0 | 1 |" in across.stdout
    unpaired = _codeidx("bench", "compare", str(out), "--before", str(out), "--before", str(out))
    assert unpaired.returncode == 1 and "give one --before for each run" in unpaired.stderr


def test_bench_history_skips_a_commit_it_cannot_check_out(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", {"shop/billing.py": BILLING, "shop/network.py": NETWORK, "logo.bin": "logo"})
    logo = git(repo, "rev-parse", "HEAD:logo.bin").strip()
    git(repo, "rm", "-q", "logo.bin")
    for path, old, new, message in [
            ("shop/billing.py", "round(amount * rate, 2)", "round(amount * rate + 1e-9, 2)",
             "Round the tax on invoice amounts half up instead of to even"),
            ("shop/network.py", "for _ in range(attempts):", "for _ in range(max(1, attempts)):",
             "Retry a failed connection at least once when attempts is zero")]:
        file = repo / path
        file.write_text(file.read_text().replace(old, new))
        git(repo, "commit", "-qam", message)
    # As a partial clone, or a mirror that left a large file out, has it: the first commit cannot be checked out.
    (repo / ".git" / "objects" / logo[:2] / logo[2:]).unlink()
    done = _codeidx("bench", "history", str(repo), "--count", "2", "--modes", "sparse",
                    "--work-dir", str(tmp_path / "work"))
    assert done.returncode == 0, done.stderr
    assert "skipped, its base commit cannot be checked out" in done.stderr
    assert "| bm25 | 1 |" in done.stdout and "| sparse | 1 |" in done.stdout


def _billing_issue(tmp_path: Path, problem: str) -> Path:
    """A SWE-bench file of one instance: the billing fix of `_shop`, asked about in `problem`."""
    repo = _shop(tmp_path / "clones" / "shop")
    record = {"instance_id": "acme__shop-1", "repo": "acme/shop", "base_commit": git(repo, "rev-parse", "HEAD~3").strip(),
              "patch": git(repo, "diff", "HEAD~3", "HEAD~2"), "test_patch": "", "problem_statement": problem}
    (tmp_path / "lite.jsonl").write_text(json.dumps(record) + "\n")
    return tmp_path / "lite.jsonl"


def test_bench_localize_on_a_swe_bench_file(tmp_path: Path) -> None:
    _billing_issue(tmp_path, "Invoice totals are a cent off: the tax on an amount rounds the wrong way")
    done = _codeidx("bench", "localize", "--dataset", str(tmp_path / "lite.jsonl"), "--repos",
                    str(tmp_path / "clones"), "--tokens", "128", "--tokens", "256", "--modes", "full", "--json")
    assert done.returncode == 0, done.stderr
    scores = {s["system"]: s for s in json.loads(done.stdout)["scores"]}
    assert set(scores) == {"bm25", "full@128", "full@256"}
    assert scores["full@256"]["files"]["acc@1"] == 1.0
    assert scores["full@256"]["function_instances"] == 1  # tax_for is known from the patch's hunk
    assert scores["full@256"]["functions"]["acc@5"] == 1.0


def test_bench_localize_whole_repo_ranks_what_ask_files_shows(tmp_path: Path) -> None:
    """By default only the candidate source files are indexed; with --whole-repo the tests are too, as
    `codeidx build` indexes them, so a test can stand in the ranking beside the gold file."""
    _billing_issue(tmp_path, "tax_for(10, 0.5) is off: the tax on an amount rounds the wrong way")
    ranked = {}
    for flags in ((), ("--whole-repo",)):
        out = tmp_path / ("out" + "".join(flags))
        done = _codeidx("bench", "localize", "--dataset", str(tmp_path / "lite.jsonl"), "--repos",
                        str(tmp_path / "clones"), "--modes", "full", "--out", str(out), *flags)
        assert done.returncode == 0, done.stderr
        ranked[flags] = json.loads((out / "results.json").read_text())["instances"][0]["files"]["full"]
    whole = (tmp_path / "out--whole-repo" / "report.md").read_text()
    assert "whole repositories" in whole
    # Of the shop's four files, BM25 ranks the three candidates; the test is one of codeidx's four.
    assert "| bm25 | 3 | 0.000 | 0.000 |" in whole and "| full | 4 | 0.250 | 0.000 |" in whole
    assert "besides the code" not in (tmp_path / "out" / "report.md").read_text()
    assert ranked[()][0] == ranked[("--whole-repo",)][0] == "shop/billing.py"
    assert "tests/test_billing.py" not in ranked[()]
    assert "tests/test_billing.py" in ranked[("--whole-repo",)]


def test_bench_bad_input_is_one_line(tmp_path: Path) -> None:
    missing = _codeidx("bench", "localize", "--dataset", str(tmp_path / "none.json"), "--repos", str(tmp_path))
    assert missing.returncode == 1 and missing.stderr.strip().startswith("Error: cannot read dataset")
    repo = _shop(tmp_path / "shop")
    mode = _codeidx("bench", "history", str(repo), "--modes", "magic")
    assert mode.returncode == 1 and "unknown mode magic" in mode.stderr and "Traceback" not in mode.stderr
    record = {"instance_id": "x-1", "repo": "acme/absent", "base_commit": "0" * 40, "patch": "", "problem_statement": "q"}
    (tmp_path / "d.json").write_text(json.dumps([record]))
    clone = _codeidx("bench", "localize", "--dataset", str(tmp_path / "d.json"), "--repos", str(tmp_path))
    assert clone.returncode == 1 and "no clone of acme/absent" in clone.stderr


def test_bench_perf_measures_a_copy(tmp_path: Path) -> None:
    repo = _shop(tmp_path / "shop")
    done = _codeidx("bench", "perf", str(repo), "--cache-dir", str(tmp_path / "cache"), "--cli-runs", "1",
                    "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["result"]
    assert result["files"] == 4 and result["chunks"] >= 8
    assert result["tokens_embedded"] > 0 and result["raw_tokens_per_s"] > 0 and result["efficiency"] > 0
    assert (tmp_path / "cache" / "embeddings.sqlite").exists() and result["stage_seconds"]["embed"] > 0
    assert result["touched_files"] == 1 and result["incremental_chunks_embedded"] >= 1
    assert result["queries"] >= 4 and result["search_p50_ms"] > 0  # percentiles on known numbers: test_metrics
    assert git(repo, "status", "--porcelain") == "" and not (repo / ".codeidx").exists()


def test_bench_mcp_times_tool_calls_over_stdio(tmp_path: Path) -> None:
    repo = _shop(tmp_path / "shop")
    unbuilt = _codeidx("bench", "mcp", str(repo))
    assert unbuilt.returncode == 1 and "no index in" in unbuilt.stderr and "codeidx build" in unbuilt.stderr
    with Index.open(repo) as index:
        index.build()
    done = _codeidx("bench", "mcp", str(repo), "--runs", "1", "--json")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)["result"]
    assert result["calls_per_tool"] >= 4 and isinstance(result["startup_s"], float)
    for tool in ("search_code", "get_context"):
        assert result[tool]["p50_ms"] > 0  # answered calls were timed; the percentiles themselves: test_metrics


def test_perf_touch_keeps_every_kind_of_file_valid(tmp_path: Path) -> None:
    import configparser
    from types import SimpleNamespace

    import tomllib
    import yaml

    from codeidx.benchmarks.perf import _touch
    from codeidx.indexer.languages import language_for, parser_for

    files = {"app.py": "def f():\n    return 1\n", "web/app.js": "export function f() { return 1 }\n",
             "pyproject.toml": "[tool.x]\na = 1\n", "ci.yml": "jobs:\n  test: {}\n", "setup.cfg": "[metadata]\nname = x\n",
             "package.json": '{"name": "x"}\n', "README.md": "# Title\n"}
    for rel, text in files.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    index = SimpleNamespace(graph=SimpleNamespace(files=lambda: {
        rel: SimpleNamespace(language=language_for(rel)) for rel in files}))
    touched = _touch(tmp_path, index, share=1.0)
    assert sorted(touched) == sorted(set(files) - {"package.json"})  # JSON has no comment to add
    read = lambda rel: (tmp_path / rel).read_text()  # noqa: E731
    assert all(read(rel) != files[rel] for rel in touched)
    compile(read("app.py"), "app.py", "exec")
    assert not parser_for("javascript").parse(read("web/app.js").encode()).root_node.has_error
    assert tomllib.loads(read("pyproject.toml")) == {"tool": {"x": {"a": 1}}}
    assert yaml.safe_load(read("ci.yml")) == {"jobs": {"test": {}}}
    configparser.ConfigParser().read_string(read("setup.cfg"))
    assert json.loads(read("package.json")) == {"name": "x"}


def test_perf_touch_knows_every_language_the_indexer_produces() -> None:
    from codeidx.benchmarks.perf import COMMENT
    from codeidx.indexer.languages import LANGUAGES

    assert sorted(COMMENT) == sorted(lang.name for lang in LANGUAGES)


def test_bench_agent_is_a_bench_command() -> None:
    done = _codeidx("bench", "agent", "make-tasks", "--help")
    assert done.returncode == 0 and "--test-cmd" in done.stdout and "--seed" in done.stdout


def test_a_report_names_the_embedder_and_its_prefixes() -> None:
    from codeidx.benchmarks.machine import as_line, describe
    from codeidx.core.config import Config

    config = Config.load(None, embed_model="/models/code-embedder", embed_query_prefix="Represent this query: ")
    line = as_line(describe(config))
    assert line.endswith("; embedder /models/code-embedder (auto), query prefix 'Represent this query: '")
