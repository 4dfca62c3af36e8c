"""`codeidx bench qa`: natural questions at a pinned commit, scored against the files their answers name."""
from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner
from conftest import git, make_repo

from codeidx.benchmarks.qa import SYSTEMS
from codeidx.cli import cli

FILES = {
    "shop/billing.py": '''"""Invoices and taxes."""


def tax_for(amount, rate):
    """The tax owed on an amount at a rate, rounded to cents."""
    return round(amount * rate, 2)


def invoice_total(lines, rate):
    """The invoice total: every line's price times its quantity, plus tax."""
    subtotal = sum(line.price * line.quantity for line in lines)
    return subtotal + tax_for(subtotal, rate)
''',
    "shop/network.py": '''"""Talking to the payment gateway."""
import socket


def open_connection(host, port, timeout):
    """Connect to the gateway, giving up after timeout seconds."""
    return socket.create_connection((host, port), timeout=timeout)


def send_with_retries(call, attempts):
    """Call again after a dropped connection, up to attempts times."""
    for _ in range(attempts):
        try:
            return call()
        except OSError:
            continue
    raise OSError("the gateway dropped every attempt")
''',
    "tests/test_billing.py": '''from shop.billing import invoice_total, tax_for


def test_tax_for_rounds_to_cents():
    assert tax_for(10.005, 0.2) == 2.0
''',
    "README.md": "# Shop\n\nInvoices add the tax owed on every line; the tax rate is rounded to cents.\n",
}
QUESTIONS = [
    ("q1", "How is the tax owed on an invoice computed and rounded?", ["shop/billing.py"]),
    ("q2", "What happens when the connection to the payment gateway drops?", ["shop/network.py"]),
    # An answer file that is not in the repository: no system can find it, so every hit rate counts it a miss.
    ("q3", "Where are refunds issued?", ["shop/refunds.py"]),
]


def test_bench_qa_scores_each_question_against_its_answer_files(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "clones" / "shop", FILES)
    commit = git(repo, "rev-parse", "HEAD").strip()
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text("".join(json.dumps({"id": i, "repo": "acme/shop", "commit": commit, "question": q,
                                           "answer": "", "gold_files": gold}) + "\n" for i, q, gold in QUESTIONS))
    out = tmp_path / "out"
    result = CliRunner().invoke(cli, ["bench", "qa", "--dataset", str(dataset), "--repos", str(tmp_path / "clones"),
                                      "--work-dir", str(tmp_path / "work"), "--out", str(out), "--json"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    saved = json.loads((out / "results.json").read_text())
    assert saved["scores"] == json.loads(result.stdout)["scores"]
    overall = {s["system"]: s for s in saved["scores"]["overall"]}
    assert set(overall) == {"bm25", *SYSTEMS} and set(saved["scores"]) == {"acme/shop", "overall"}
    answered = {q["id"]: q for q in saved["questions"]}
    # BM25 ranks the three .py files: the README is not among them, the test file only for the tax question.
    assert answered["q1"]["files"]["bm25"][0] == "shop/billing.py"
    assert set(answered["q2"]["files"]["bm25"]) <= {"shop/billing.py", "shop/network.py", "tests/test_billing.py"}
    for system in ("bm25", "full"):
        assert answered["q1"]["files"][system][0] == "shop/billing.py"
        assert answered["q2"]["files"][system][0] == "shop/network.py"
        assert overall[system]["hit"]["hit@1"] == overall[system]["first_hit"] == 2 / 3  # q3 cannot be answered
        assert overall[system]["hit"]["mrr"] == 2 / 3
    assert overall["bm25"]["prose_share"] is None
    # The README shares the tax question's words; `ask` (mode full) shows it, after the code.
    q1_hits = answered["q1"]["hits"]["full"]
    assert "README.md" in q1_hits and q1_hits[-1] == "README.md"
    shown = [p for q in saved["questions"] for p in q["hits"]["full"]]
    assert overall["full"]["prose_share"] == shown.count("README.md") / len(shown)
    assert saved["builds"][0]["commit"] == commit and saved["builds"][0]["files_indexed"] == 4
    report = (out / "report.md").read_text()
    assert "### SWE-QA (qa.jsonl)" in report
    # full and BM25 answer the same two questions first: paired, no difference, and no instance won.
    assert "| bm25 | 3 | +0.000 [+0.000, +0.000] | 0 / 0 | 1 |" in report
    assert git(repo, "status", "--porcelain") == ""  # the user's clone is never touched


def test_bench_qa_adds_a_rerank_row_when_given_a_rerank_model(tmp_path: Path, monkeypatch) -> None:
    from llm_server import ScriptedLLMServer, reply

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    repo = make_repo(tmp_path / "clones" / "shop", FILES)
    commit = git(repo, "rev-parse", "HEAD").strip()
    dataset = tmp_path / "qa.jsonl"
    dataset.write_text("".join(json.dumps({"id": i, "repo": "acme/shop", "commit": commit, "question": q,
                                           "answer": "", "gold_files": gold}) + "\n" for i, q, gold in QUESTIONS[:2]))
    out = tmp_path / "out"
    # The model puts the second candidate first for the first question, and fails on the second.
    with ScriptedLLMServer([reply("2"), 500, 500, 500]) as server:
        result = CliRunner().invoke(cli, ["bench", "qa", "--dataset", str(dataset), "--repos", str(tmp_path / "clones"),
                                          "--work-dir", str(tmp_path / "work"), "--out", str(out),
                                          "--rerank-model", "openai/ranker", "--api-base", server.url],
                                    catch_exceptions=False)
    assert result.exit_code == 0, result.output
    answered = {q["id"]: q["files"] for q in json.loads((out / "results.json").read_text())["questions"]}
    full, reranked = answered["q1"]["full"], answered["q1"]["full+rerank"]
    assert reranked == [full[1], full[0], *full[2:]]
    assert answered["q2"]["full+rerank"] == answered["q2"]["full"]  # a failed call keeps the retrieval order
    assert "Rerank model openai/ranker: 2 calls, 1 failed." in (out / "report.md").read_text()
