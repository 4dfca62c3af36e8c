"""An `Embedder` over an exported model (indexer/onnx_export.py): tokenizers, onnxruntime and numpy only.

It starts in a fraction of a second where torch and sentence-transformers take seconds, which is
what a cold `codeidx ask` and an MCP server's start pay; its fp32 vectors equal the torch path's.
"""
from __future__ import annotations

import threading
from typing import Sequence

import numpy as np

from codeidx.indexer.onnx_export import Export
from codeidx.indexer.token_counter import TokenCounter

_sessions: dict[str, object] = {}
_sessions_lock = threading.Lock()


def _session(export: Export):
    """One onnxruntime session per exported file and process, shared by every embedder of it."""
    import onnxruntime

    key = str(export.model)
    with _sessions_lock:
        if key not in _sessions:
            _sessions[key] = onnxruntime.InferenceSession(key, providers=["CPUExecutionProvider"])
        return _sessions[key]


class OnnxEmbedder:
    def __init__(self, name: str, export: Export, max_tokens: int, batch_size: int) -> None:
        from tokenizers import Tokenizer

        self.name = name
        self.dim = export.manifest.dim
        self.max_tokens = max_tokens
        self.batch_size = batch_size
        self._inputs = export.manifest.inputs
        self._session = _session(export)
        # Two tokenizers, each configured once and then only read: counting (no window, no padding)
        # runs in the parse thread while embedding runs in the embed thread.
        counting = Tokenizer.from_file(str(export.tokenizer))
        counting.no_truncation()
        counting.no_padding()
        self.counter = TokenCounter(counting)  # parse workers take it along
        self._encoder = Tokenizer.from_file(str(export.tokenizer))
        padding = self._encoder.padding or {}  # the file's own pad token, without its fixed length
        self._encoder.enable_padding(pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]"))
        self._encoder.enable_truncation(min(max_tokens, export.manifest.max_positions))

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Word pieces without the [CLS]/[SEP] markers, as the torch path counts them."""
        return self.counter(texts)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        # Sorting by length keeps similar lengths in a batch: far less padding on CPU.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: list[list[float]] = [[]] * len(texts)
        for start in range(0, len(order), self.batch_size):
            batch = order[start:start + self.batch_size]
            for i, vector in zip(batch, self._run([texts[i] for i in batch])):
                out[i] = vector.tolist()
        return out

    def embed_query(self, text: str) -> list[float]:
        return self.embed([text])[0]

    def _run(self, texts: list[str]) -> np.ndarray:
        encoded = self._encoder.encode_batch(texts)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        feeds = {"input_ids": ids, "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
                 "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64)}
        return self._session.run(["embedding"], {name: feeds[name] for name in self._inputs})[0]
