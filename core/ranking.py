"""Constants of ranking that the stores, the retriever and the benchmarks must agree on."""
from __future__ import annotations

RRF_K = 60  # reciprocal rank fusion: 1/(RRF_K + rank); the stores' fusion and the retriever's use the same k
# Retrieval modes, weakest to strongest, each adding to the one before: `full` is
# `hybrid+names+graph` with the code-first lanes (see retriever/lanes.py).
MODES = ("dense", "sparse", "hybrid", "hybrid+names", "hybrid+names+graph", "full")
FILE_POOL = 5  # files are ranked from FILE_POOL times k symbol hits
