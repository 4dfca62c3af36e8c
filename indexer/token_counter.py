"""Counting tokens with a Rust tokenizer, in a form that crosses into a worker process."""
from __future__ import annotations

from typing import Sequence


class TokenCounter:
    """Word pieces of each text without the [CLS]/[SEP] markers. Picklable (the tokenizer travels as
    its JSON), so parse workers count exactly as the embedder's own tokenizer does."""

    def __init__(self, tokenizer) -> None:
        self.tokenizer = tokenizer  # a `tokenizers.Tokenizer` with truncation and padding off

    def __call__(self, texts: Sequence[str]) -> list[int]:
        return [len(e.ids) for e in self.tokenizer.encode_batch(list(texts), add_special_tokens=False)]
