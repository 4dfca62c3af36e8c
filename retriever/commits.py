"""The files that past commits like the query changed: evidence for a file ranking (indexer/commits.py).

A report or a question often resembles an earlier commit's message, and that commit's files are
where such things live (bug localization's "similar reports"). Each commit's score is shared among
the files it changed: a commit of one file points at it, one of twenty at none in particular.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from codeidx.indexer.sparse import code_tokens
from codeidx.retriever.parts import Parts

COMMITS_READ = 20  # the past commits most like the query that vote
QUERY_WORDS = 128  # a pasted issue's distinct words beyond these add little and slow the match


def files_changed_alike(parts: Parts, query: str, paths: Iterable[str]) -> tuple[str, ...]:
    """Those of `paths` that the past commits most like `query` changed, the most supported first."""
    among = set(paths)
    words = list(dict.fromkeys(code_tokens(query)))[:QUERY_WORDS]
    scores: dict[str, float] = defaultdict(float)
    for score, _, changed in parts.graph.commits_like(words, COMMITS_READ):
        for path in changed:
            if path in among:
                scores[path] += score / len(changed)
    return tuple(sorted(scores, key=lambda p: (-scores[p], p)))
