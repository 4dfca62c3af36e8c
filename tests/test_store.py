"""The `Store` contract, checked the same way against both implementations.

codeidx keeps its vectors either in Qdrant Edge (`EdgeStore`, in-process, the default) or in a
Qdrant server (`ServerStore`, through qdrant-client). The retriever must not be able to tell them
apart, so every test here runs twice: once on an `EdgeStore` in a temporary folder and once on a
`ServerStore` over `QdrantClient(location=":memory:")`, qdrant-client's own local mode (a real
implementation of the server API, not a fake of our code).

The data is real: chunks of small code snippets built the way the chunker builds them, dense
vectors from the default embedder, sparse vectors from `sparse_vector` / `sparse_query`; and the
store is called the way `indexer/builder.py` (upsert, delete, flush) and `retriever/search.py`
(query; retrieve) call it.

Checked: upsert then count; dense-only, sparse-only and hybrid queries put the obviously relevant
chunk first; language, kind and path-glob filters restrict results; the retriever's own fusion of
the single lists ranks as the hybrid query does; retrieve returns full payloads; delete removes points; upserting an existing
id replaces it. The two engines may order ties differently and score differently in detail, so
tests assert on ids and ranks, except for one property: fused hybrid scores are RRF with k =
`RRF_K`, the scale of the retriever's own fusion, to which `search()` adds its other signals.
"""
from __future__ import annotations

import functools
import hashlib
import uuid
from dataclasses import replace
from pathlib import Path

import pytest

from codeidx.core.models import Chunk, SearchFilters
from codeidx.core.ranking import RRF_K
from codeidx.indexer.chunker import CHUNK_NAMESPACE, header
from codeidx.indexer.embedder import load_embedder
from codeidx.indexer.sparse import sparse_query, sparse_vector
from codeidx.indexer.store_edge import UPSERT_BATCH, EdgeStore
from codeidx.indexer.store_server import ServerStore
from codeidx.retriever.search import fuse

# qdrant-client's local mode warns that it ignores payload indexes; the filters still apply.
pytestmark = pytest.mark.filterwarnings("ignore:Payload indexes have no effect:UserWarning")


def make_chunk(path: str, language: str, kind: str, qualified_name: str, text: str, start_line: int = 1,
               docstring: str = "") -> Chunk:
    """A chunk as `chunker._chunk` makes one: context header + text, content hash, uuid5 id."""
    signature = text.splitlines()[0].strip() if kind != "section" else ""
    embed_text = header(path, language, qualified_name, signature) + text
    content_hash = hashlib.sha256(embed_text.encode()).hexdigest()
    key = f"{path}\0{qualified_name}\0{0}\0{start_line}\0{content_hash}"
    return Chunk(id=str(uuid.uuid5(CHUNK_NAMESPACE, key)), path=path, language=language, kind=kind,
                 name=qualified_name.rsplit(".", 1)[-1], qualified_name=qualified_name, signature=signature,
                 docstring=docstring, start_line=start_line, end_line=start_line + text.count("\n"), text=text,
                 embed_text=embed_text, content_hash=content_hash)


CHUNKS = [
    make_chunk("shop/pricing.py", "python", "function", "apply_discount", '''def apply_discount(amount, code):
    """Apply a percentage discount code such as SAVE10."""
    if code and code.startswith("SAVE"):
        return amount * (100 - int(code[4:])) / 100
    return amount''', docstring="Apply a percentage discount code such as SAVE10."),
    make_chunk("shop/cart.py", "python", "class", "Cart", '''class Cart:
    """Holds items and computes totals."""

    def __init__(self):
        self.items = []''', start_line=4, docstring="Holds items and computes totals."),
    make_chunk("shop/cart.py", "python", "method", "Cart.total", '''    def total(self, code=None):
        subtotal = sum(p for _, p in self.items)
        return apply_discount(subtotal, code)''', start_line=14),
    make_chunk("web/server.go", "go", "method", "Handler.ServeHTTP", '''func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Write([]byte("hello " + h.Name))
}''', start_line=9, docstring="ServeHTTP writes a greeting."),
    make_chunk("web/server.go", "go", "struct", "Handler", "type Handler struct{ Name string }", start_line=6,
               docstring="Handler serves the cart page."),
    make_chunk("ui/widget.ts", "typescript", "class", "Button", '''export class Button implements Widget {
  constructor(private label: string) {}
  render(): string { return `<button>${this.label}</button>`; }
}''', start_line=3),
    make_chunk("src/api/auth.py", "python", "function", "verify_password", '''def verify_password(password, stored_hash, salt):
    """Check a password against its stored PBKDF2 hash."""
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, 100_000)
    return hmac.compare_digest(digest, stored_hash)''', docstring="Check a password against its stored PBKDF2 hash."),
    make_chunk("src/app.py", "python", "function", "create_app", '''def create_app(config):
    app = Flask(__name__)
    app.config.update(config)
    app.register_blueprint(api)
    return app'''),
    make_chunk("crypto/checksum.rs", "rust", "function", "crc32", '''pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in data { crc = TABLE[((crc ^ *byte as u32) & 0xFF) as usize] ^ (crc >> 8); }
    !crc
}'''),
    make_chunk("docs/install.md", "markdown", "section", "Installation", '''## Installation

Install the package with pip, then run the setup command once:

    pip install shop-toolkit
    shop-toolkit init''', start_line=5),
    make_chunk("tests/test_cart.py", "python", "function", "test_cart_total", '''def test_cart_total():
    cart = Cart()
    cart.add("book", 20)
    assert cart.total("SAVE10") == 18'''),
]
BY_NAME = {c.qualified_name: c for c in CHUNKS}
ALL = len(CHUNKS)  # a limit that can return every point


def ids(hits) -> list[str]:
    return [h.chunk_id for h in hits]


def ranking(hits) -> list[set[str]]:
    """Ids grouped by equal score, best first: engines may order tied points either way."""
    groups: list[tuple[float, set[str]]] = []
    for h in hits:
        if groups and abs(groups[-1][0] - h.score) < 1e-6:
            groups[-1][1].add(h.chunk_id)
        else:
            groups.append((h.score, {h.chunk_id}))
    return [ids_ for _, ids_ in groups]


def names(hits) -> list[str]:
    by_id = {c.id: c.qualified_name for c in CHUNKS}
    return [by_id.get(h.chunk_id, h.chunk_id) for h in hits]


@pytest.fixture(scope="module")
def embedder():
    return load_embedder("all-MiniLM-L6-v2")


@pytest.fixture(scope="module")
def embed(embedder):
    """`embed_query` (what search() calls), cached: the tests ask few distinct questions, many times."""
    return functools.lru_cache(maxsize=None)(embedder.embed_query)


@pytest.fixture(scope="module")
def dense(embedder) -> list[list[float]]:
    """The chunks' dense vectors, embedded once for the module (as the builder embeds embed_text)."""
    return embedder.embed([c.embed_text for c in CHUNKS])


def open_store(kind: str, folder: Path, dim: int):
    if kind == "edge":
        return EdgeStore(folder / "vectors", dim)
    from qdrant_client import QdrantClient

    return ServerStore(QdrantClient(location=":memory:"), "codeidx-test", dim)


def fill(store, dense) -> None:
    """Write every chunk of CHUNKS the way the builder writes a batch."""
    store.upsert(CHUNKS, dense, [sparse_vector(c.embed_text) for c in CHUNKS])
    store.flush()


@pytest.fixture(params=["edge", "server"])
def store(request, tmp_path: Path, embedder):
    """An empty store of each kind, for tests that write; closed after the test."""
    s = open_store(request.param, tmp_path, embedder.dim)
    yield s
    s.close()


@pytest.fixture
def writable(store, dense):
    """A store of each kind holding CHUNKS, that the test may change."""
    fill(store, dense)
    return store


@pytest.fixture(scope="module", params=["edge", "server"])
def filled(request, tmp_path_factory: pytest.TempPathFactory, embedder, dense):
    """A store of each kind holding CHUNKS, shared by the tests that only read (opening and
    filling an Edge shard costs most of a second)."""
    s = open_store(request.param, tmp_path_factory.mktemp(request.param), embedder.dim)
    fill(s, dense)
    yield s
    s.close()


# Upsert and count

def test_a_new_store_is_empty_and_answers_nothing(store, embed):
    assert store.count() == 0
    assert store.query(embed("discount"), sparse_query("discount"), 10) == []
    assert store.retrieve([CHUNKS[0].id]) == []


def test_upsert_then_count(store, dense):
    fill(store, dense)
    assert store.count() == len(CHUNKS)


def test_upsert_and_delete_span_several_batches(store, dense):
    """More points than one write batch: none is lost, and all of them can be deleted again."""
    copies = [replace(c, id=str(uuid.uuid5(CHUNK_NAMESPACE, f"copy{n}/{c.id}")), path=f"copies/{n}/{c.path}")
              for n in range(UPSERT_BATCH // len(CHUNKS) + 2) for c in CHUNKS]
    assert len(copies) > UPSERT_BATCH
    store.upsert(copies, dense * (len(copies) // len(CHUNKS)), [sparse_vector(c.embed_text) for c in copies])
    store.flush()
    assert store.count() == len(copies)
    store.delete([c.id for c in copies])
    store.flush()
    assert store.count() == 0


# Queries: the obviously relevant chunk comes first

@pytest.mark.parametrize("query, expected", [
    ("reduce the price with a percentage coupon", "apply_discount"),
    ("check a user's password against the stored hash", "verify_password"),
    ("cyclic redundancy check of a byte slice", "crc32"),
    ("how do I install the package", "Installation"),
])
def test_dense_only_query_ranks_the_relevant_chunk_first(filled, embed, query, expected):
    hits = filled.query(embed(query), None, 5)
    assert names(hits)[0] == expected
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


@pytest.mark.parametrize("query, expected", [
    ("ServeHTTP", "Handler.ServeHTTP"),
    ("verify_password", "verify_password"),
    ("pbkdf2_hmac compare_digest", "verify_password"),
    ("register_blueprint Flask", "create_app"),
])
def test_sparse_only_query_ranks_the_relevant_chunk_first(filled, query, expected):
    hits = filled.query(None, sparse_query(query), 5)
    assert names(hits)[0] == expected
    scores = [h.score for h in hits]
    assert scores == sorted(scores, reverse=True)


def test_sparse_query_only_finds_chunks_sharing_a_token(filled):
    hits = filled.query(None, sparse_query("crc"), ALL)
    assert names(hits) == ["crc32"]


@pytest.mark.parametrize("query, expected", [
    ("apply_discount percentage code", "apply_discount"),
    ("Handler ServeHTTP writes a greeting", "Handler.ServeHTTP"),
    ("verify the password hash", "verify_password"),
    ("Button render label", "Button"),
])
def test_hybrid_query_ranks_the_relevant_chunk_first(filled, embed, query, expected):
    hits = filled.query(embed(query), sparse_query(query), 5)
    assert names(hits)[0] == expected
    assert len(set(ids(hits))) == len(hits)  # fusion lists each chunk once


def test_hybrid_scores_are_rrf_with_the_search_layers_k(filled, embed):
    """Both stores fuse at the retriever's own scale (`fuse`, to which `search()` adds its
    1/(RRF_K + rank) signals): a point first in both lists scores 2/RRF_K, and none can score more."""
    query = "apply_discount percentage code"
    hits = filled.query(embed(query), sparse_query(query), ALL)
    assert hits[0].score == pytest.approx(2 / RRF_K, rel=0.02)
    assert all(0 < h.score <= 2 / RRF_K * 1.001 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_a_query_without_usable_vectors_finds_nothing(filled):
    assert filled.query(None, None, 10) == []
    assert filled.query(None, sparse_query("the and of"), 10) == []  # stop words only: no sparse terms


def test_hits_carry_the_payload(filled, embed):
    hit = filled.query(embed("percentage discount code"), sparse_query("percentage discount code"), 1)[0]
    assert hit.payload["path"] == "shop/pricing.py"
    assert hit.payload["qualified_name"] == "apply_discount"
    assert hit.payload["text"] == BY_NAME["apply_discount"].text


def test_limit_caps_the_hits(filled, embed):
    query = "shopping cart total"
    for limit in (1, 3):
        assert len(filled.query(embed(query), sparse_query(query), limit)) == limit
        assert len(filled.query(embed(query), None, limit)) == limit


# Filters

def expected_ids(**where) -> set[str]:
    return {c.id for c in CHUNKS if all(getattr(c, k) == v for k, v in where.items())}


@pytest.mark.parametrize("mode", ["dense", "hybrid"])
@pytest.mark.parametrize("filters, where", [
    (SearchFilters(language="go"), {"language": "go"}),
    (SearchFilters(language="python"), {"language": "python"}),
    (SearchFilters(kind="class"), {"kind": "class"}),
    (SearchFilters(language="python", kind="method"), {"language": "python", "kind": "method"}),
    (SearchFilters(language="cobol"), {"language": "cobol"}),
])
def test_language_and_kind_filters_restrict_results(filled, embed, mode, filters, where):
    """With a limit above the store's size, a dense side returns exactly the chunks the filter allows."""
    query = "shopping cart total"
    sparse = sparse_query(query) if mode == "hybrid" else None
    hits = filled.query(embed(query), sparse, ALL, filters)
    assert set(ids(hits)) == expected_ids(**where)
    assert all(all(h.payload[k] == v for k, v in where.items()) for h in hits)


def test_a_filter_applies_to_a_sparse_query_too(filled):
    hits = filled.query(None, sparse_query("Cart total apply_discount"), ALL, SearchFilters(kind="method"))
    assert names(hits) == ["Cart.total"]


@pytest.mark.parametrize("glob, paths", [
    ("shop/*.py", {"shop/pricing.py", "shop/cart.py"}),
    ("shop/ca*", {"shop/cart.py"}),  # the glob's literal prefix ends inside a file name
    ("src/**/*.py", {"src/app.py", "src/api/auth.py"}),  # `**/` also matches no folder
    ("src/api/auth*.py", {"src/api/auth.py"}),
    ("tests/test_*.py", {"tests/test_cart.py"}),
    ("*.md", {"docs/install.md"}),
    ("web/server.go", {"web/server.go"}),  # no wildcard: one file
    ("nowhere/*", set()),
])
@pytest.mark.parametrize("mode", ["dense", "sparse", "hybrid"])
def test_path_glob_filter_restricts_results(filled, embed, glob, paths, mode):
    query = "shopping cart total"
    dense = embed(query) if mode != "sparse" else None
    sparse = sparse_query(query) if mode != "dense" else None
    hits = filled.query(dense, sparse, ALL, SearchFilters(path_glob=glob))
    assert {h.payload["path"] for h in hits} <= paths
    if mode != "sparse":  # the dense side sees every point, so every allowed path shows up
        assert {h.payload["path"] for h in hits} == paths


def test_a_query_leaves_out_the_docs_lane_in_the_store(filled, embed):
    query = "install the package with pip"
    everything = filled.query(embed(query), sparse_query(query), ALL)
    code = filled.query(embed(query), sparse_query(query), ALL, SearchFilters(left_out=("context",)))
    assert everything[0].payload["path"] == "docs/install.md"
    docs = {c.id for c in CHUNKS if c.path == "docs/install.md"}
    assert set(ids(code)) == {h.chunk_id for h in everything} - docs and len(code) == ALL - len(docs)
    # The store filters on the payload's lane, so a whole list of code comes back, not what is left of one.
    assert len(filled.query(embed(query), None, 3, SearchFilters(left_out=("context",)))) == 3


def test_set_lane_moves_points_between_the_lanes_a_query_sees(writable, embed):
    query = embed("install the package with pip")
    docs = [c.id for c in CHUNKS if c.path == "docs/install.md"]
    writable.set_lane(docs, "")  # as an index stored before lanes: the store cannot tell the docs apart
    assert writable.query(query, None, 1, SearchFilters(left_out=("context",))) == []  # its one candidate was the docs'
    writable.set_lane(docs, "code")  # the payload's lane is the one the store and the filters follow
    [hit] = writable.query(query, None, 1, SearchFilters(left_out=("context",)))
    assert hit.payload["path"] == "docs/install.md"
    writable.set_lane(docs, "context")
    [hit] = writable.query(query, None, 1, SearchFilters(left_out=("context",)))
    assert hit.payload["path"] != "docs/install.md" and hit.payload["lane"] == "code"


def test_glob_and_language_filters_combine(filled, embed):
    hits = filled.query(embed("cart"), None, ALL, SearchFilters(path_glob="*", language="go"))
    assert set(ids(hits)) == expected_ids(language="go")


# The retriever fuses the single lists itself, which also tell it who found what

@pytest.mark.parametrize("filters", [SearchFilters(), SearchFilters(language="python"),
                                     SearchFilters(path_glob="shop/*.py"), SearchFilters(left_out=("context",))])
def test_the_retrievers_fusion_is_the_stores_hybrid_query(filled, embed, filters):
    query = "Cart total with a discount code"
    dense, sparse = embed(query), sparse_query(query)
    hybrid = filled.query(dense, sparse, ALL, filters)
    fused = fuse([filled.query(dense, None, ALL, filters), filled.query(None, sparse, ALL, filters)], ALL)
    assert hybrid and ranking(fused) == ranking(hybrid)
    assert [h.score for h in fused] == pytest.approx([h.score for h in hybrid], rel=0.02)
    assert all(h.payload["path"] for h in fused)


# Retrieve

def test_retrieve_returns_full_payloads(filled):
    wanted = [BY_NAME["Cart.total"], BY_NAME["crc32"]]
    hits = filled.retrieve([c.id for c in wanted])
    assert sorted(ids(hits)) == sorted(c.id for c in wanted)
    for hit in hits:
        chunk = next(c for c in wanted if c.id == hit.chunk_id)
        for field in ("path", "language", "kind", "name", "qualified_name", "signature", "docstring",
                      "start_line", "end_line", "part", "content_hash", "text"):
            assert hit.payload[field] == getattr(chunk, field), field


def test_retrieve_skips_unknown_ids_and_accepts_none(filled):
    unknown = str(uuid.uuid5(CHUNK_NAMESPACE, "never stored"))
    assert ids(filled.retrieve([unknown, CHUNKS[0].id])) == [CHUNKS[0].id]
    assert filled.retrieve([]) == []


# Delete and replace

def test_delete_removes_points(writable, embed):
    gone = [BY_NAME["apply_discount"].id, BY_NAME["Handler.ServeHTTP"].id]
    writable.delete(gone)
    writable.flush()
    assert writable.count() == len(CHUNKS) - 2
    assert writable.retrieve(gone) == []
    query = "apply_discount ServeHTTP"
    for dense, sparse in [(embed(query), None), (None, sparse_query(query)),
                          (embed(query), sparse_query(query))]:
        assert not set(gone) & set(ids(writable.query(dense, sparse, ALL)))


def test_delete_of_nothing_or_unknown_ids_is_harmless(writable):
    writable.delete([])
    writable.delete([str(uuid.uuid5(CHUNK_NAMESPACE, "never stored"))])
    writable.flush()
    assert writable.count() == len(CHUNKS)


def test_upserting_an_existing_id_replaces_the_point(writable, embedder):
    old = BY_NAME["apply_discount"]
    new = replace(old, text="def apply_discount(amount, voucher):\n    return round(amount * voucher.ratio, 2)",
                  docstring="", content_hash="rewritten")
    new = replace(new, embed_text=header(new.path, new.language, new.qualified_name, new.signature) + new.text)
    writable.upsert([new], embedder.embed([new.embed_text]), [sparse_vector(new.embed_text)])
    writable.flush()
    assert writable.count() == len(CHUNKS)
    [hit] = writable.retrieve([old.id])
    assert hit.payload["text"] == new.text and hit.payload["content_hash"] == "rewritten"
    assert names(writable.query(None, sparse_query("voucher ratio"), ALL)) == ["apply_discount"]
    # the old text's own words no longer find it: its sparse vector was replaced too
    assert old.id not in ids(writable.query(None, sparse_query("SAVE10 startswith"), ALL))


def test_upserting_the_same_chunks_again_changes_nothing(writable, dense):
    fill(writable, dense)
    assert writable.count() == len(CHUNKS)


# Keyword vectors first, dense vectors after (how a build makes an index searchable in seconds)

def test_points_stored_without_dense_vectors_answer_keywords_and_get_them_later(store, dense, embed):
    store.upsert(CHUNKS, [None] * len(CHUNKS), [sparse_vector(c.embed_text) for c in CHUNKS])
    store.flush()
    assert store.count() == len(CHUNKS)
    assert store.query(embed("discount"), None, ALL) == []
    assert names(store.query(None, sparse_query("apply_discount"), 3))[0] == "apply_discount"
    # A hybrid query fuses what exists: the keyword side alone.
    assert names(store.query(embed("apply a discount"), sparse_query("apply_discount"), 3))[0] == "apply_discount"
    half = len(CHUNKS) // 2
    store.set_dense([c.id for c in CHUNKS[:half]], dense[:half])
    store.flush()
    assert set(ids(store.query(embed("discount"), None, ALL))) == {c.id for c in CHUNKS[:half]}
    # Adding the dense vector keeps the point's keyword vector and payload.
    assert names(store.query(None, sparse_query("apply_discount"), 3))[0] == "apply_discount"
    assert store.retrieve([CHUNKS[0].id])[0].payload["path"] == CHUNKS[0].path


def test_a_released_store_reopens_on_its_next_call(store, dense):
    fill(store, dense)
    store.release()
    assert store.count() == len(CHUNKS)
    store.release()
    store.delete([CHUNKS[0].id])
    store.release()
    assert store.count() == len(CHUNKS) - 1


# The nearest vectors, all of them

def test_dense_search_finds_the_true_nearest_where_hnsw_would_miss_some(tmp_path: Path):
    """Once a shard is optimised, Qdrant answers from an HNSW graph, which can leave out some of the
    nearest vectors (and other ones after each build). A repository's index is small enough to be
    searched exactly: the store's answer is the brute-force one."""
    import numpy as np
    import qdrant_edge

    rng = np.random.default_rng(0)
    dim, count = 512, 6000  # large enough for Edge to build its HNSW graph
    vectors = rng.normal(size=(count, dim)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    chunks = [replace(CHUNKS[0], id=str(uuid.uuid5(CHUNK_NAMESPACE, str(n))), path=f"m{n}.py") for n in range(count)]
    store = open_store("edge", tmp_path, dim)
    try:
        store.upsert(chunks, vectors.tolist(), [sparse_vector("x")] * count)
        store.flush()
        store.optimize()
        query = rng.normal(size=dim).astype(np.float32)
        nearest = [chunks[n].id for n in np.argsort(-(vectors @ query))[:100]]
        assert ids(store.query(query.tolist(), None, 100)) == nearest
        graph = store.shard.query(qdrant_edge.QueryRequest(
            limit=100, query=qdrant_edge.Query.Nearest(query.tolist(), using="dense")))
        assert len(set(nearest) - {str(p.id) for p in graph}) > 10  # what the HNSW search left out
    finally:
        store.close()



def test_an_updated_edge_store_weighs_keywords_as_a_fresh_one_once_optimized(tmp_path: Path):
    """Qdrant's keyword weights (IDF) count the old versions an update leaves in an optimized segment
    until it is vacuumed, at Qdrant's defaults only once a fifth of it is. The store vacuums whatever
    is left when it optimizes, so an index updated build after build ranks keywords as a fresh build
    of the same files does."""
    import numpy as np

    count, dim = 6000, 512  # enough vectors for Edge to index the segment, which updates leave as it was
    words = ("alpha", "beta", "gamma", "delta")
    chunks = [replace(CHUNKS[0], id=str(uuid.uuid5(CHUNK_NAMESPACE, str(n))), path=f"m{n}.py",
                      embed_text=f"{words[n % 4]} item{n}") for n in range(count)]
    vectors = np.random.default_rng(0).normal(size=(count, dim)).astype(np.float32).tolist()
    sparse = [sparse_vector(c.embed_text) for c in chunks]
    query = sparse_query("alpha beta")
    stores = []
    for name in ("fresh", "updated"):
        (tmp_path / name).mkdir()
        store = open_store("edge", tmp_path / name, dim)
        stores.append(store)
        store.upsert(chunks, vectors, sparse)
        store.flush()
        store.optimize()
    fresh, updated = stores
    try:
        edited = range(0, count, 20)  # one file in twenty written again by the next build
        updated.upsert([chunks[n] for n in edited], [vectors[n] for n in edited], [sparse[n] for n in edited])
        updated.flush()

        def scores(store) -> list[float]:
            return sorted(round(h.score, 4) for h in store.query(None, query, 20))

        assert scores(updated) != scores(fresh)  # the edited chunks' words counted twice
        updated.optimize()
        assert scores(updated) == scores(fresh)
    finally:
        for store in stores:
            store.close()


def test_a_shard_made_before_the_vacuum_setting_gets_it_when_opened(tmp_path: Path):
    import json

    import qdrant_edge as q

    from codeidx.indexer.store_edge import VACUUM

    (tmp_path / "old").mkdir()
    old = q.EdgeShard.create(str(tmp_path / "old" / "vectors"), q.EdgeConfig(
        vectors={"dense": q.EdgeVectorParams(size=4, distance=q.Distance.Cosine)},
        sparse_vectors={"sparse": q.EdgeSparseVectorParams(modifier=q.Modifier.Idf)}))
    old.close()
    store = open_store("edge", tmp_path / "old", 4)
    try:
        store.upsert(CHUNKS[:1], [[1.0, 0.0, 0.0, 0.0]], [sparse_vector(CHUNKS[0].embed_text)])
        store.flush()
        assert store.count() == 1
    finally:
        store.close()
    optimizers = json.loads((tmp_path / "old" / "vectors" / "edge_config.json").read_text())["optimizers"]
    assert {key: optimizers[key] for key in VACUUM} == VACUUM
