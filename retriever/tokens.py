"""Count tokens the way the target model will, without importing LiteLLM (seconds to import).

OpenAI-style models are counted exactly with tiktoken, reading the encoding files that LiteLLM
ships in its package once the entry point points TIKTOKEN_CACHE_DIR there (tiktoken would
otherwise download them). Other models are estimated
with cl100k_base, which is close for code; with no encoding at all, four characters a token.
"""
from __future__ import annotations

import importlib.util
import marshal
import os
import uuid
from functools import lru_cache
from pathlib import Path
from typing import Callable


@lru_cache(maxsize=None)
def counter_for(model: str, user_cache: Path | None = None) -> Callable[[str], int]:
    """A counter of `model`'s tokens; `user_cache` keeps the encoding's parsed tables for the next process."""
    encoding = _encoding("o200k_base" if any(m in model for m in ("gpt-4o", "gpt-4.1", "gpt-5", "o1", "o3", "o4"))
                         else "cl100k_base", user_cache)
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


def _encoding(name: str, user_cache: Path | None):
    """tiktoken's encoding. Parsing its BPE file took 0.4 s of every cold `codeidx ask`; the parsed
    tables, kept in the user cache (per tiktoken version), load in 0.04 s (building the encoder
    from them, 0.14 s, remains)."""
    try:
        import tiktoken
    except ImportError:
        return None
    saved = user_cache / "tiktoken" / f"{name}-{tiktoken.__version__}.marshal" if user_cache else None
    if saved is not None and saved.is_file():
        try:
            pat_str, ranks, special = marshal.loads(saved.read_bytes())
            return tiktoken.Encoding(name, pat_str=pat_str, mergeable_ranks=ranks, special_tokens=special)
        except Exception:  # noqa: BLE001 - a damaged or foreign file: parse the original again below
            pass
    try:
        encoding = tiktoken.get_encoding(name)
    except Exception:  # noqa: BLE001 - no file and no network: fall back to an estimate
        return None
    if saved is not None:
        _save(saved, encoding)
    return encoding


def _save(path: Path, encoding) -> None:
    """Written whole or not at all (a temporary file renamed), so a concurrent reader never sees half."""
    try:
        # The constructor's own arguments, kept on the encoding: if a tiktoken release renames them,
        # nothing is saved and every process parses the file as before.
        data = marshal.dumps((encoding._pat_str, encoding._mergeable_ranks, encoding._special_tokens))
    except (AttributeError, ValueError):
        return
    partial = path.with_name(f".{path.name}.{uuid.uuid4().hex}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(data)
        os.replace(partial, path)
    except OSError:  # a read-only cache: every process parses the file, as before
        partial.unlink(missing_ok=True)
