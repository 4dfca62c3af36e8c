"""The settings that make git run a program, switched off for every git command codeidx runs.

A repository may come with its own `.git/config` (an archive, a shared folder, a checkout someone
else prepared), and that file can name programs for git to run: `core.fsmonitor` on a listing of
untracked files (`git ls-files --others`, which the walker runs), `gpg.program` behind
`log.showSignature` on `git log` (`bench history`), a pager, an external diff, hooks. Reading a
repository must run none of them; the agent's clone must not either.
"""
from __future__ import annotations

import os

QUIET_GIT = ("-c", "core.hooksPath=/dev/null", "-c", "core.fsmonitor=false", "-c", "diff.external=",
             "-c", "core.pager=cat", "-c", "log.showSignature=false")
# For commands in the agent's clone, which holds what a model and a repository wrote: no system or
# global config either, and never a prompt.
CLEAN_GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}
