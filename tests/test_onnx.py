"""The torch-free query path: the real default model exported to ONNX (fp32 and int8) and run by the
real onnxruntime, against the real torch path; the export's reuse and atomicity; the setting; and
the real CLI in a subprocess answering a question without importing torch."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy
import pytest
from conftest import make_repo

from codeidx.core.config import Config
from codeidx.core.errors import CodeidxError, IndexMismatchError, ModelLoadError
from codeidx.index import Index
from codeidx.indexer import onnx_export
from codeidx.indexer.embed_cache import cache_key
from codeidx.indexer.embedder import load_embedder, local_model_path, query_embedder
from codeidx.indexer.onnx_embedder import OnnxEmbedder

MODEL = "all-MiniLM-L6-v2"
SOURCES = Path(__file__).resolve().parent.parent
FILES = {
    "shop/cart.py": '''"""The shopping cart."""


class Cart:
    def add_item(self, sku, quantity):
        """Put `quantity` of `sku` in the cart."""
        self.items[sku] = self.items.get(sku, 0) + quantity

    def total_price(self, prices):
        return sum(prices[sku] * n for sku, n in self.items.items())
''',
    "shop/checkout.py": '''from shop.cart import Cart


def checkout(cart: Cart, prices, card):
    """Charge the card for the cart's total and empty the cart."""
    card.charge(cart.total_price(prices))
    cart.items.clear()
''',
    "shop/mail.py": '''def send_receipt(customer, amount):
    customer.mail(f"Thank you: you paid {amount}")
''',
}
QUESTION = "where is the card charged for the cart total?"


def real_texts() -> list[str]:
    """Slices of this repository's own code, of every length up to a full window, and short queries."""
    texts = []
    for path in sorted((SOURCES / "indexer").glob("*.py"))[:8]:
        source = path.read_text()
        texts += [source[i:i + 1200] for i in range(0, min(len(source), 6000), 1200)]
    return texts + ["hi", "how does an incremental build decide which files to re-embed?", "def f(x):\n    return x"]


def cosines(a: list[list[float]], b: list[list[float]]) -> numpy.ndarray:
    x, y = numpy.asarray(a), numpy.asarray(b)
    return (x * y).sum(1) / numpy.linalg.norm(x, axis=1) / numpy.linalg.norm(y, axis=1)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("onnx-cache")


@pytest.fixture(scope="module")
def torch_embedder():
    return load_embedder(MODEL, batch_size=8)


def test_onnx_vectors_and_token_counts_equal_the_torch_paths(cache: Path, torch_embedder) -> None:
    onnx = load_embedder(MODEL, batch_size=8, backend="onnx", cache=cache)
    assert isinstance(onnx, OnnxEmbedder) and (onnx.name, onnx.dim, onnx.max_tokens) == (MODEL, 384, 256)
    texts = real_texts()
    # Batches of 8 over length-sorted texts: padded batches, truncated ones (1200 characters of code
    # exceed 256 tokens) and short ones alike.
    assert cosines(onnx.embed(texts), torch_embedder.embed(texts)).min() >= 0.999
    query = "how does an incremental build decide which files to re-embed?"
    assert cosines([onnx.embed_query(query)], [torch_embedder.embed_query(query)])[0] >= 0.999
    assert onnx.count_tokens(texts) == torch_embedder.count_tokens(texts)


def test_int8_vectors_are_close_but_named_apart(cache: Path, torch_embedder) -> None:
    int8 = load_embedder(MODEL, batch_size=8, backend="int8", cache=cache)
    assert isinstance(int8, OnnxEmbedder) and int8.name == MODEL + "+int8"
    texts = real_texts()
    close = cosines(int8.embed(texts), torch_embedder.embed(texts))
    assert close.min() >= 0.97 and close.mean() >= 0.98
    # Other vectors, so another key: the embedding cache never hands int8 vectors to an fp32 index.
    assert cache_key(int8) != cache_key(torch_embedder)


def test_an_export_is_made_once_and_then_reused(cache: Path) -> None:
    model = Path(local_model_path(MODEL))
    first = onnx_export.ensure_export(model, cache, "fp32")
    assert first is not None and first.folder.name.endswith("-fp32")
    made = first.model.stat().st_mtime_ns
    again = onnx_export.ensure_export(model, cache, "fp32")
    assert again == first and again.model.stat().st_mtime_ns == made
    assert sorted(p.name for p in first.folder.iterdir()) == ["manifest.json", "model.onnx", "tokenizer.json"]
    assert first.manifest == onnx_export.Manifest(dim=384, pooling="mean", normalize=True, max_positions=512,
                                                  inputs=("input_ids", "attention_mask", "token_type_ids"),
                                                  variant="fp32")


def test_a_half_written_export_is_never_read_and_is_cleaned_up(tmp_path: Path) -> None:
    model = Path(local_model_path(MODEL))
    # What an export killed mid-way leaves: its temporary folder, a partial model, no manifest; and the
    # final name is still free.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    final = onnx_export._folder(onnx_export.layout(model), tmp_path, "fp32")
    leftover = final.parent / f"{onnx_export.TMP_PREFIX}{dead.stdout.strip()}-0000-{final.name}"
    leftover.mkdir(parents=True)
    (leftover / "model.onnx").write_bytes(b"\x08\x07 half a model")
    assert onnx_export.find_export(model, tmp_path, "fp32") is None
    export = onnx_export.ensure_export(model, tmp_path, "fp32")
    assert export is not None and export.folder == final
    assert sorted(p.name for p in final.parent.iterdir()) == [final.name]  # the leftover is gone


def test_a_model_the_exporter_does_not_know_keeps_the_torch_path(tmp_path: Path) -> None:
    model = Path(local_model_path(MODEL))
    # The default model without its tokenizer.json: sentence-transformers still loads it (from vocab.txt).
    copy = tmp_path / "no-tokenizer-json"
    copy.mkdir()
    for entry in model.iterdir():
        if entry.name != "tokenizer.json":
            (copy / entry.name).symlink_to(entry)
    assert onnx_export.layout(copy) is None
    embedder = load_embedder(str(copy), backend="onnx", cache=tmp_path / "cache")
    assert not isinstance(embedder, OnnxEmbedder) and len(embedder.embed_query("hello")) == 384
    assert not (tmp_path / "cache" / "onnx").exists()
    # Max pooling is another model, not one to export with mean pooling.
    pooled = tmp_path / "max-pooling"
    (pooled / "1_Pooling").mkdir(parents=True)
    (pooled / "modules.json").write_text((model / "modules.json").read_text())
    (pooled / "tokenizer.json").symlink_to(model / "tokenizer.json")
    (pooled / "model.safetensors").symlink_to(model / "model.safetensors")
    (pooled / "1_Pooling" / "config.json").write_text(json.dumps(
        {"word_embedding_dimension": 384, "pooling_mode_mean_tokens": False, "pooling_mode_max_tokens": True}))
    assert onnx_export.layout(pooled) is None


def test_the_backend_setting_is_checked_in_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Config().embed_backend == "auto"
    monkeypatch.setenv("CODEIDX_EMBED_BACKEND", "fp16")
    with pytest.raises(CodeidxError) as caught:
        Config.load(tmp_path)
    assert str(caught.value) == ("embed_backend = 'fp16' is not a backend: choose from auto, torch, onnx, int8 "
                                 "(set in CODEIDX_EMBED_BACKEND)")
    monkeypatch.setenv("CODEIDX_EMBED_BACKEND", "int8")
    assert Config.load(tmp_path).embed_backend == "int8"
    with pytest.raises(CodeidxError, match="runs on the CPU, not embed_device = 'cuda'") as caught:
        Config.load(tmp_path, embed_device="cuda")
    assert "\n" not in str(caught.value)


def test_a_repository_cannot_choose_the_backend(tmp_path: Path) -> None:
    (tmp_path / ".codeidx.toml").write_text('embed_backend = "int8"\n')
    config = Config.load(tmp_path)
    assert config.embed_backend == "auto" and config.untrusted == ("embed_backend",)


def test_an_int8_index_is_asked_with_int8_whatever_the_backend(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", FILES)
    with Index.open(repo, embed_backend="int8") as index:
        summary = index.build()
        assert summary.model == MODEL + "+int8" and index.status().model == MODEL + "+int8"
    for backend in ("auto", "torch", "onnx"):
        with Index.open(repo, embed_backend=backend) as index:
            assert index.query_embedder.name == MODEL + "+int8"
            assert "shop/checkout.py" in [f.path for f in index.ask(QUESTION, files=True).files[:2]]


def test_auto_queries_an_fp32_index_through_onnx_and_torch_means_torch(tmp_path: Path) -> None:
    config = Config.load(tmp_path)
    assert isinstance(query_embedder(config, MODEL), OnnxEmbedder)
    assert not isinstance(query_embedder(config.replace(embed_backend="torch"), MODEL), OnnxEmbedder)
    with pytest.raises(ModelLoadError):  # a GPU device means torch, which finds no GPU on this machine
        query_embedder(config.replace(embed_device="cuda"), MODEL)


ASK_IN_A_FRESH_PROCESS = """
import json, sys
from codeidx.cli import cli
cli(["ask", sys.argv[1], "--files", "--json", "--repo", sys.argv[2]], standalone_mode=False)
cli(["status", sys.argv[2]], standalone_mode=False)
from codeidx.mcp_server import IndexService
IndexService(sys.argv[2]).warm()  # what `codeidx mcp` does as it starts
print(json.dumps(sorted(m for m in ("torch", "transformers", "sentence_transformers") if m in sys.modules)))
"""


def test_a_cold_ask_status_and_server_start_never_import_torch_and_answer_as_torch_does(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", FILES)
    with Index.open(repo) as index:
        index.build()  # under `auto`: torch embeds, and the model is exported for the queries

    def ask(backend: str) -> tuple[list[str], list[str]]:
        env = {**os.environ, "CODEIDX_EMBED_BACKEND": backend}
        run = subprocess.run([sys.executable, "-c", ASK_IN_A_FRESH_PROCESS, QUESTION, str(repo)], env=env,
                             cwd=tmp_path, capture_output=True, text=True, check=True)
        answer, _, loaded = run.stdout.rpartition("Index of")
        return [f["path"] for f in json.loads(answer)["files"]], json.loads(loaded.strip().splitlines()[-1])

    files, heavy = ask("auto")
    assert heavy == [] and "shop/checkout.py" in files[:2]
    torch_files, torch_heavy = ask("torch")
    assert "torch" in torch_heavy and torch_files == files


def test_an_int8_index_builds_incrementally_and_another_backend_asks_for_a_full_build(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", FILES)
    with Index.open(repo, embed_backend="int8") as index:
        index.build()
    (repo / "shop" / "mail.py").write_text(FILES["shop/mail.py"] + "\n# touched\n")
    with Index.open(repo, embed_backend="int8") as index:
        summary = index.build()
        assert not summary.full and summary.chunks_embedded >= 1 and summary.model == MODEL + "+int8"
    with Index.open(repo) as index, pytest.raises(IndexMismatchError, match=r"model 'all-MiniLM-L6-v2\+int8'"):
        index.build()
