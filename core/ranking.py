"""Constants of ranking that the stores, the retriever and the benchmarks must agree on."""
from __future__ import annotations

RRF_K = 60  # reciprocal rank fusion: 1/(RRF_K + rank); the stores' fusion and the retriever's use the same k
# Retrieval modes, weakest to strongest: `hybrid+names+graph` is what `full` was before its
# file-level levers; each `full-no-<lever>` is `full` without one lever (the benchmarks' ablations).
LEVERS = ("lanes", "file-lexical", "file-names")
MODES = ("dense", "sparse", "hybrid", "hybrid+names", "hybrid+names+graph", "full",
         *(f"full-no-{lever}" for lever in LEVERS))
FILE_POOL = 5  # files are ranked from FILE_POOL times k symbol hits
