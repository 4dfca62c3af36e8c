"""Text shortened for a reader (a model, a log) that cannot take all of it."""
from __future__ import annotations


def head_and_tail(text: str, limit: int, cut: int = 0, unit: str = "characters") -> str:
    """`text` if it fits in `limit` and nothing is missing, else its first and last halves around a line
    saying how much was cut. The head says what was asked and the tail how it ended (a test run's
    summary, a stack trace's innermost frame), so the middle is what goes.

    `cut` counts what the caller already left out of the middle of `text`, in `unit`s: the sandbox keeps
    only the head and tail bytes of a command's output."""
    if len(text) > limit:
        half = limit // 2
        text, cut = text[:half] + text[len(text) - half:], cut + len(text) - 2 * half
    if not cut:
        return text
    middle = len(text) // 2
    return f"{text[:middle]}\n... [{cut} {unit} cut] ...\n{text[middle:]}"
