"""The lexical view (indexer/sparse.py): code-aware tokens, and sparse vectors that, with the IDF
Qdrant multiplies in, score a chunk as BM25 does. bm25s is the oracle for both."""
from __future__ import annotations

import math
import subprocess
import sys

import bm25s
import pytest

from codeidx.indexer import sparse
from codeidx.indexer.sparse import AVG_TOKENS, K1, STOPWORDS, B, code_tokens, sparse_query, sparse_vector, token_id

PROSE = ("The retry policy decides whether a failed request is sent again. Requests that fail with "
         "server errors 500 or 503 are retried after a backoff of 2 seconds, then 4, then 8; "
         "throttled requests wait longer. This is the policy of the HTTP adapter and its sessions.")

DOCS = [
    "class RetryPolicy:\n    def should_retry(self, attempt, status):\n        return status in (500, 503)\n",
    "class HTTPAdapter:\n    def send(self, request):\n        if self.retries.should_retry(0, 500):\n"
    "            return self.send(request)\n",
    "def prepare_request(method, url):\n    return {'method': method, 'url': url}\n",
    "def slugify(title):\n    return '-'.join(title.lower().split())\n",
    "retry retry retry: the word repeated, to test saturation of the term frequency\n",
]


def test_plain_prose_tokenizes_as_bm25s_does() -> None:
    [expected] = bm25s.tokenize([PROSE], stopwords=sorted(STOPWORDS), return_ids=False, show_progress=False)
    assert code_tokens(PROSE) == expected


@pytest.mark.parametrize("text, tokens", [
    ("HTTPAdapter.send", ["httpadapter.send", "httpadapter", "http", "adapter", "send"]),
    ("get_connection", ["get_connection", "get", "connection"]),
    ("parseURL2", ["parseurl2", "parse", "url"]),
    ("self.max_retries", ["self.max_retries", "max_retries", "max", "retries"]),
    ("__init__", ["init"]),
    ("x = a + 7", []),  # one-character names and digits carry nothing
    ("if the user is in", ["user"]),
])
def test_identifiers_are_kept_whole_and_split_into_their_words(text: str, tokens: list[str]) -> None:
    assert code_tokens(text) == tokens


def test_a_document_vector_saturates_repeated_terms() -> None:
    vector = sparse_vector("retry retry retry policy")
    weights = dict(zip(vector.indices, vector.values))
    assert list(vector.indices) == sorted(set(vector.indices))
    saturation = K1 * (1 - B + B * 4 / AVG_TOKENS)  # four tokens: shorter than the average chunk
    assert weights[token_id("policy")] == pytest.approx((K1 + 1) / (1 + saturation), abs=1e-4)
    assert weights[token_id("retry")] == pytest.approx(3 * (K1 + 1) / (3 + saturation), abs=1e-4)
    assert weights[token_id("retry")] < 3 * weights[token_id("policy")]
    assert sparse_query("retry retry policy") == sparse_query("policy retry")  # a query counts each word once


def test_a_word_counts_less_in_a_longer_chunk() -> None:
    """A class whose header lists forty imports mentions `retry` once among many; a three-line
    function that mentions it once is more about it."""
    short = sparse_vector("def backoff(retry):\n    return 2\n")
    long = sparse_vector("def backoff(retry):\n" + "".join(f"    step_{i} = {i}\n" for i in range(40)) + "    return 2\n")
    weight = {name: dict(zip(v.indices, v.values))[token_id("retry")] for name, v in (("short", short), ("long", long))}
    assert weight["long"] < weight["short"]


def test_token_ids_are_the_same_in_every_process() -> None:
    # Python's hash() is salted per process: ids built from it would not match the stored vectors.
    other = subprocess.run([sys.executable, "-c", "from codeidx.indexer.sparse import token_id; "
                            "print(token_id('retry'))"], capture_output=True, text=True, check=True)
    assert int(other.stdout) == token_id("retry") == 342800722


@pytest.mark.parametrize("query", ["should_retry 500", "HTTPAdapter send request", "retry", "prepare the url"])
def test_sparse_scores_with_idf_match_bm25(query: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Qdrant scores dot(query, document) with each query weight times ln(1 + (N - n + 0.5) / (n + 0.5)):
    Lucene's BM25, which bm25s computes from the same tokens, with the corpus's own average length
    (ours is a constant: given the corpus's here). Lucene (and bm25s) leave out BM25's constant
    factor k1 + 1, which changes no ranking."""
    corpus = [code_tokens(d) for d in DOCS]
    monkeypatch.setattr(sparse, "AVG_TOKENS", sum(map(len, corpus)) / len(corpus))
    oracle = bm25s.BM25(k1=K1, b=B, method="lucene")
    oracle.index(corpus, show_progress=False)
    terms = sorted({t for t in code_tokens(query) if t in oracle.vocab_dict})
    expected = oracle.get_scores(terms)

    q = sparse_query(query)
    docs = [dict(zip(v.indices, v.values)) for v in map(sparse_vector, DOCS)]

    def idf(index: int) -> float:
        n = sum(index in d for d in docs)
        return math.log(1 + (len(docs) - n + 0.5) / (n + 0.5))

    ours = [sum(w * idf(i) * d.get(i, 0.0) for i, w in zip(q.indices, q.values)) for d in docs]
    assert ours == pytest.approx([s * (K1 + 1) for s in expected], abs=1e-3)
    assert max(ours) > 0
