"""The repository map's PageRank against networkx's, the reference it replaces, on a real reference graph."""
from __future__ import annotations

import networkx as nx
import pytest
from conftest import built_index

from codeidx.retriever.pagerank import WeightedGraph, pagerank
from codeidx.retriever.repomap import _reference_graph

FILES = {
    "shop/__init__.py": "",
    "shop/pricing.py": "def apply_discount(amount, percent):\n    return amount - amount * percent / 100\n\n\n"
                       "def round_price(amount):\n    return round(amount, 2)\n",
    "shop/cart.py": "from shop.pricing import apply_discount, round_price\n\n\nclass Cart:\n"
                    "    def total(self, coupon):\n        return round_price(apply_discount(self.sum(), coupon))\n\n"
                    "    def sum(self):\n        return 0\n",
    "shop/checkout.py": "from shop.cart import Cart\n\n\ndef checkout(cart: Cart):\n    return cart.total(0)\n",
    "shop/report.py": "from shop.cart import Cart\nfrom shop.pricing import round_price\n\n\n"
                      "def report(cart: Cart):\n    return round_price(cart.total(5))\n",
    "shop/orphan.py": "def alone():\n    return 1\n",
}


@pytest.fixture(scope="module")
def index(tmp_path_factory):
    yield from built_index(tmp_path_factory, "pagerank", FILES)


def reference(graph: WeightedGraph, personalization=None) -> dict[str, float]:
    g = nx.DiGraph()
    g.add_nodes_from(graph.nodes)
    for s, t, share in zip(graph.source, graph.target, graph.share):
        g.add_edge(graph.nodes[s], graph.nodes[t], weight=float(share))
    return nx.pagerank(g, weight="weight", personalization=personalization)


@pytest.mark.parametrize("personal", [None, {"shop/checkout.py": 1.0}, {"shop/orphan.py": 1.0, "shop/cart.py": 2.0}])
def test_ranks_equal_networkx_on_a_real_reference_graph(index, personal) -> None:
    files = _reference_graph(index.graph).files
    assert len(files.source) >= 4  # the imports and calls made edges, and orphan.py dangles
    ours, theirs = pagerank(files, personal), reference(files, personal)
    assert ours.keys() == theirs.keys()
    assert all(abs(ours[n] - theirs[n]) < 1e-6 for n in ours), (ours, theirs)
    assert sorted(ours, key=ours.get) == sorted(theirs, key=theirs.get)


def test_raw_weights_are_shared_out_as_networkx_shares_them() -> None:
    edges = {("a", "b"): 3.0, ("a", "c"): 1.0, ("c", "a"): 2.0, ("d", "a"): 0.5}
    g = nx.DiGraph()
    g.add_nodes_from("abcde")
    g.add_weighted_edges_from((s, t, w) for (s, t), w in edges.items())
    ours = pagerank(WeightedGraph.of(list("abcde"), edges), {"d": 1.0})
    theirs = nx.pagerank(g, weight="weight", personalization={"d": 1.0})
    assert all(abs(ours[n] - theirs[n]) < 1e-6 for n in ours), (ours, theirs)
    assert pagerank(WeightedGraph.of([], {})) == {}
