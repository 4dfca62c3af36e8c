"""Count tokens the way the target model will, without importing LiteLLM (seconds to import).

OpenAI-style models are counted exactly with tiktoken, reading the encoding files that LiteLLM
ships in its package once the entry point points TIKTOKEN_CACHE_DIR there (tiktoken would
otherwise download them). Other models are estimated
with cl100k_base, which is close for code; with no encoding at all, four characters a token.
"""
from __future__ import annotations

import importlib.util
import os
from functools import lru_cache
from typing import Callable


@lru_cache(maxsize=None)
def counter_for(model: str) -> Callable[[str], int]:
    encoding = _encoding("o200k_base" if any(m in model for m in ("gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4"))
                         else "cl100k_base")
    if encoding is None:
        return lambda text: (len(text) + 3) // 4
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def bundled_encodings() -> str | None:
    """The folder of tiktoken encoding files that LiteLLM ships, for TIKTOKEN_CACHE_DIR (which the entry
    point sets: it is the process's), or None without LiteLLM."""
    spec = importlib.util.find_spec("litellm")  # locates the package without importing it
    if spec is None or not spec.origin:
        return None
    return os.path.join(os.path.dirname(spec.origin), "litellm_core_utils", "tokenizers")


def _encoding(name: str):
    try:
        import tiktoken
    except ImportError:
        return None
    try:
        return tiktoken.get_encoding(name)
    except Exception:  # noqa: BLE001 - no file and no network: fall back to an estimate
        return None
