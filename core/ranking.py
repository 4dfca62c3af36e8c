"""Constants of ranking that the stores, the retriever and the benchmarks must agree on."""
from __future__ import annotations

RRF_K = 60  # reciprocal rank fusion: 1/(RRF_K + rank); the stores' fusion and the retriever's use the same k
MODES = ("dense", "sparse", "hybrid", "hybrid+names", "full")  # retrieval modes, weakest to strongest
FILE_POOL = 5  # files are ranked from FILE_POOL times k symbol hits
