"""Guardrails: which paths need a person's approval, and how that approval is asked."""
from __future__ import annotations

import sys
from pathlib import PurePosixPath
from typing import Callable

from codeidx.core.paths import ignore_patterns

Approver = Callable[[str], bool]


class ProtectedPaths:
    """Gitignore-style globs (`.github/**`, `.env*`, `**/*.pem`) naming paths that need approval."""

    def __init__(self, globs: tuple[str, ...]) -> None:
        self._spec = ignore_patterns(globs)

    def __contains__(self, path: str) -> bool:
        return self._spec.match_file(str(PurePosixPath(path)))


def approver(assume_yes: bool) -> Approver:
    """Yes with --yes; a prompt when a person is at the terminal; otherwise no."""
    if assume_yes:
        return lambda question: True
    if sys.stdin.isatty():
        import click

        return lambda question: click.confirm(question, default=False, err=True)
    return lambda question: False
