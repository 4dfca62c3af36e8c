"""Embedders: one loaded local model per process, shared by every index; and a hosted embedder
through LiteLLM (here the scripted OpenAI-compatible server on loopback) building a real index."""
from __future__ import annotations

import threading
from pathlib import Path

import numpy
import pytest
from conftest import make_repo
from llm_server import ScriptedLLMServer

from codeidx.core.errors import IndexMismatchError, ModelLoadError
from codeidx.index import Index
from codeidx.indexer import embedder as embedder_module
from codeidx.indexer.embedder import load_embedder

FILES = {
    "billing/invoice.py": '''"""Invoices."""


def compute_invoice_total(lines, tax_rate):
    """Sum the invoice lines and add the tax."""
    subtotal = sum(line.amount for line in lines)
    return subtotal * (1 + tax_rate)
''',
    "billing/mail.py": '''from billing.invoice import compute_invoice_total


def send_invoice(customer, lines):
    total = compute_invoice_total(lines, 0.2)
    customer.mail(f"You owe {total}")
''',
}


def test_every_index_of_a_process_shares_one_loaded_model(tmp_path: Path) -> None:
    first = load_embedder("all-MiniLM-L6-v2")
    loads = embedder_module.load_count
    with Index.open(make_repo(tmp_path / "a", FILES)) as a, Index.open(make_repo(tmp_path / "b", FILES)) as b:
        assert a.embedder is not b.embedder  # each index keeps its own settings (batch size)...
        assert a.embedder.torch._model is b.embedder.torch._model is first._model  # ...over the one model
    assert embedder_module.load_count == loads


def test_another_window_is_another_model_and_leaves_the_first_alone() -> None:
    wide = load_embedder("all-MiniLM-L6-v2", max_tokens=256)
    narrow = load_embedder("all-MiniLM-L6-v2", max_tokens=128)
    assert narrow._model is not wide._model
    assert (wide._model.max_seq_length, narrow._model.max_seq_length) == (256, 128)
    assert load_embedder("all-MiniLM-L6-v2", max_tokens=128)._model is narrow._model


def test_indexes_embedding_at_once_from_two_threads_get_the_same_vectors() -> None:
    texts = [f"def handler_{i}(request):\n    return request.reply({i} * 'x' * {i})" for i in range(24)]
    one, two = load_embedder("all-MiniLM-L6-v2", batch_size=4), load_embedder("all-MiniLM-L6-v2", batch_size=7)
    expected = one.embed(texts)
    results: list[list[list[float]]] = []
    threads = [threading.Thread(target=lambda e=e: results.append(e.embed(texts))) for e in (one, two, one, two)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    for vectors in results:
        assert numpy.allclose(vectors, expected, atol=1e-4)


def test_a_model_that_fails_to_load_is_not_remembered(tmp_path: Path) -> None:
    for _ in range(2):
        with pytest.raises(ModelLoadError, match="no such folder"):
            load_embedder(str(tmp_path / "no-model"))
    assert not any(str(tmp_path) in key[0] for key in embedder_module._models)


@pytest.fixture()
def hosted(monkeypatch: pytest.MonkeyPatch):
    with ScriptedLLMServer(embedding_dim=16) as server:
        monkeypatch.setenv("CODEIDX_EMBED_API_BASE", server.url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
        yield server


def test_a_litellm_embedder_builds_and_answers_a_real_index(tmp_path: Path, hosted: ScriptedLLMServer) -> None:
    repo = make_repo(tmp_path / "billing", FILES)
    model = "litellm/openai/text-embedding-3-small"
    with Index.open(repo, embed_model=model) as index:
        summary = index.build()
        assert summary.chunks >= 2 and summary.chunks_embedded == summary.chunks
        assert index.graph.meta()["dim"] == "16" and index.graph.meta()["model"] == model
        embedded = [t for r in hosted.requests if "input" in r for t in r["input"]]
        assert any("compute_invoice_total" in t and "billing/invoice.py" in t for t in embedded)
        assert {r["model"] for r in hosted.requests} == {"text-embedding-3-small"}

        hits = index.search("where is compute_invoice_total defined?", k=3)
        assert hits[0].qualified_name == "compute_invoice_total" and "name" in hits[0].reasons
        result = index.ask("compute_invoice_total", k=1, budget=2000)
        assert ("send_invoice", "called by") in {(r.qualified_name, r.relation) for r in result.related}
        # The question itself went to the hosted model too.
        assert "where is compute_invoice_total defined?" in hosted.requests[-2]["input"] + hosted.requests[-1]["input"]


def test_instruction_prefixes_reach_the_model_and_the_document_prefix_is_part_of_the_index(
        tmp_path: Path, hosted: ScriptedLLMServer) -> None:
    repo = make_repo(tmp_path / "billing", FILES)
    model = "litellm/openai/text-embedding-3-small"
    prefixes = {"embed_query_prefix": "search_query: ", "embed_document_prefix": "search_document: "}
    with Index.open(repo, embed_model=model, **prefixes) as index:
        index.build()
        chunks = [t for r in hosted.requests if "input" in r for t in r["input"] if "billing/" in t]
        assert chunks and all(t.startswith("search_document: # billing/") for t in chunks)
        assert index.graph.meta()["model"].startswith(model + "+prefix:")
        index.search("where is compute_invoice_total defined?", k=3)
        assert hosted.requests[-1]["input"] == ["search_query: where is compute_invoice_total defined?"]
    # Another query prefix reads and updates the same index; another document prefix would mix other vectors in.
    with Index.open(repo, embed_model=model, **{**prefixes, "embed_query_prefix": "query: "}) as index:
        assert index.build().files_indexed == 0
        assert index.search("compute_invoice_total", k=1)[0].qualified_name == "compute_invoice_total"
    with Index.open(repo, embed_model=model, embed_document_prefix="passage: ") as index:
        with pytest.raises(IndexMismatchError, match="build --full"):
            index.build()


def test_the_local_model_embeds_a_query_with_its_prefix(tmp_path: Path) -> None:
    with Index.open(make_repo(tmp_path / "billing", FILES), embed_query_prefix="query: ") as index:
        index.build()
        prefixed = index.query_embedder.embed_query("invoice totals")
    plain = load_embedder("all-MiniLM-L6-v2")
    assert numpy.allclose(prefixed, plain.embed_query("query: invoice totals"), atol=1e-4)
    assert not numpy.allclose(prefixed, plain.embed_query("invoice totals"), atol=1e-2)


def test_an_unreachable_hosted_embedder_is_one_line_naming_the_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    with pytest.raises(ModelLoadError, match="embedding model 'litellm/openai/text-embedding-3-small' failed") as caught:
        load_embedder("litellm/openai/text-embedding-3-small", api_base="http://127.0.0.1:9/v1")
    assert "\n" not in str(caught.value)
