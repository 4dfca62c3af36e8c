"""Constants of ranking that the stores, the retriever and the benchmarks must agree on."""
from __future__ import annotations

RRF_K = 60  # reciprocal rank fusion: 1/(RRF_K + rank); the stores' fusion and the retriever's use the same k
# What `full` adds to `hybrid+names+graph`: the code-first lanes (retriever/lanes.py), the code's
# own candidate list from the store (`code-lane`), and the implementation's own before it, unless tests
# are asked for (`impl-lane`), file ranking normalised by file length
# (retriever/search.py `rank_files`), `ask`'s hits led by the file with the most evidence, each
# hit's rank fused with its file's (`file-first`, retriever/ask.py), and what the query quotes found
# verbatim in the code (`quotes`, retriever/quotes.py), the sentences it pastes from the program's strings (`pasted`,
# retriever/quotes.py), the names it spells out in words (`described`, retriever/described.py), and the
# modules the tests it finds are named for (`tested`, retriever/tested.py); the lanes keep a file that defines
# what the query names with the code (`named`, retriever/ask.py).
# A `full-no-<lever>` mode turns one off: the benchmarks' ablations.
LEVERS = ("lanes", "code-lane", "impl-lane", "file-length", "file-first", "quotes", "pasted", "described", "tested",
          "named")
# Retrieval modes, weakest to strongest, each adding to the one before (the ablations too).
MODES = ("dense", "sparse", "hybrid", "hybrid+names", "hybrid+names+graph", "full",
         *(f"full-no-{lever}" for lever in LEVERS))
FILE_POOL = 5  # files are ranked from FILE_POOL times k symbol hits


def levers(mode: str) -> frozenset[str]:
    """The levers a mode turns on: all of them for `full`, all but one for `full-no-<lever>`."""
    if mode == "full" or mode.startswith("full-no-"):
        return frozenset(LEVERS) - {mode.removeprefix("full-no-")}
    return frozenset()
