"""Count tokens the way the target model will, without importing LiteLLM (seconds to import).

OpenAI-style models are counted exactly with tiktoken, reading the encoding files that LiteLLM
ships in its package (tiktoken would otherwise download them). Other models are estimated
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


def _encoding(name: str):
    try:
        import tiktoken
    except ImportError:
        return None
    spec = importlib.util.find_spec("litellm")  # locates the package without importing it
    if spec is not None and spec.origin and "TIKTOKEN_CACHE_DIR" not in os.environ:
        os.environ["TIKTOKEN_CACHE_DIR"] = os.path.join(os.path.dirname(spec.origin), "litellm_core_utils", "tokenizers")
    try:
        return tiktoken.get_encoding(name)
    except Exception:  # noqa: BLE001 - no file and no network: fall back to an estimate
        return None
