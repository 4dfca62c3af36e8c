"""A local cross-encoder for the second stage (`--rerank-model cross-encoder:NAME_OR_PATH`).

A cross-encoder reads the question and a candidate together, so it can weigh one against the
other, which the index's bi-encoder, embedding each alone, cannot. It is loaded from a folder, or
by name from the model hub where the machine can reach it, and only from the user's settings.
"""
from __future__ import annotations

from codeidx.core.errors import CodeidxError
from codeidx.retriever.rerank import Score

MAX_TOKENS = 512  # of a question and a candidate together; the longer of the two is cut first
BATCH = 16


def load_cross_encoder(name_or_path: str) -> Score:
    """The model's scoring call; a model that cannot be loaded is a one-line error."""
    if not name_or_path.strip():
        raise CodeidxError("name the cross-encoder: --rerank-model cross-encoder:NAME_OR_PATH")
    try:
        from sentence_transformers import CrossEncoder

        model = CrossEncoder(name_or_path, max_length=MAX_TOKENS, trust_remote_code=False)
    except (OSError, ValueError, RuntimeError, ImportError) as exc:
        raise CodeidxError(f"cannot load the cross-encoder {name_or_path!r}: {_first_line(exc)}") from None

    def score(pairs: list[tuple[str, str]]) -> list[float]:
        try:
            return [float(s) for s in model.predict(pairs, batch_size=BATCH, show_progress_bar=False)]
        except (RuntimeError, ValueError) as exc:
            raise CodeidxError(f"the cross-encoder failed: {_first_line(exc)}") from None
    return score


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]
