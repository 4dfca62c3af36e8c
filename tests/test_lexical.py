"""Whole-file words as a tie-break (`lexical`): BM25 over whole files, stored by the real build and read
back from the real index, nudging the file ranking by one place."""
from __future__ import annotations

from pathlib import Path

from conftest import git, make_repo

from codeidx.core.ranking import MODES
from codeidx.index import Index
from codeidx.retriever.ask import rank
from codeidx.retriever.lexical import DEPTH, code_bm25, tie_broken

FILES = {
    "shop/cart.py": '"""The cart."""\n\n\ndef add_item(cart, item):\n    """Add an item; a discount applies."""\n'
                    "    cart.append(item)\n    discount = item.discount\n    return discount\n",
    "shop/discount.py": '"""Discounts."""\n\n\ndef discount_for(item):\n    """The discount of an item."""\n'
                        "    discount = item.price * 0.1\n    if discount > 10:\n        discount = 10\n"
                        "    return discount\n\n\ndef apply_discount(total, discount):\n    return total - discount\n",
    "shop/prices.py": '"""Prices."""\n\n\ndef price(item):\n    return item.price\n',
    "tests/test_discount.py": "from shop.discount import discount_for\n\n\ndef test_discount():\n"
                              "    discount = discount_for(1)\n    assert discount\n    assert discount == discount\n",
    "docs/discounts.md": "# Discounts\n\nA discount, a discount, and a discount again.\n",
}


def test_bm25_over_whole_files_ranks_the_code_that_uses_the_words_most_and_leaves_out_tests_and_docs(
        tmp_path: Path) -> None:
    with Index.open(make_repo(tmp_path / "shop", FILES)) as index:
        index.build()
        assert code_bm25(index._parts(), "discount") == ["shop/discount.py", "shop/cart.py"]
        assert code_bm25(index._parts(), "nothing matches zebra") == []


def test_an_incremental_build_keeps_each_files_words_current(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "shop", FILES)
    with Index.open(repo) as index:
        index.build()
        (repo / "shop" / "prices.py").write_text(
            '"""Prices."""\n\n\ndef price(item, discount):\n    discount = discount or 0\n'
            "    discount = min(discount, 5)\n    discount = max(discount, 0)\n    discount = round(discount)\n"
            "    return item.price - discount\n")
        (repo / "shop" / "cart.py").unlink()
        index.build()
        assert code_bm25(index._parts(), "discount")[:2] == ["shop/prices.py", "shop/discount.py"]
        git(repo, "rm", "-q", "shop/discount.py")
        index.build()
        assert code_bm25(index._parts(), "discount") == ["shop/prices.py"]


def test_a_file_passes_only_the_neighbour_above_it() -> None:
    files = ["a", "b", "c", "d"]
    assert tie_broken(files, str, ["c"]) == ["a", "c", "b", "d"]  # past b, not past a
    assert tie_broken(files, str, ["b"]) == ["b", "a", "c", "d"]
    assert tie_broken(files, str, ["b", "a"]) == files  # BM25 has the file above too, a place behind
    assert tie_broken(files, str, ["a", "b"]) == files
    assert tie_broken(files, str, []) == files
    assert tie_broken(files, str, ["x", "y"]) == files  # files not in the ranking move nothing


def test_full_is_the_ranking_without_the_lever_nudged_by_bm25(tmp_path: Path) -> None:
    """The ablation row `full-no-lexical` is `full` without this one step, and nothing else."""
    assert "full-no-lexical" in MODES
    with Index.open(make_repo(tmp_path / "shop", FILES)) as index:
        index.build()
        parts = index._parts()
        for query in ("how is the discount of an item computed?", "cart add item", "price of an item"):
            _, without = rank(parts, query, 5, files=True, mode="full-no-lexical")
            _, full = rank(parts, query, 5, files=True, mode="full")
            bm25 = code_bm25(parts, query)  # none of the queries names a definition
            assert len(bm25) <= DEPTH
            assert list(full) == tie_broken(without, lambda f: f.path, bm25)
