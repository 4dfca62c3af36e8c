"""The module a test file is named for, and the share of the test's evidence it gets in `ask`."""
from __future__ import annotations

from pathlib import Path

from conftest import make_repo

from codeidx.index import Index
from codeidx.retriever.ask import rank
from codeidx.retriever.tested import modules_tested


def test_test_files_are_matched_to_the_module_their_name_gives_across_conventions() -> None:
    paths = frozenset({
        "src/_pytest/skipping.py", "src/_pytest/_argcomplete.py", "src/_pytest/assertion/__init__.py",
        "sphinx/ext/napoleon/docstring.py", "sphinx/ext/napoleon/__init__.py",
        "server/router.go", "web/src/cart.ts", "web/src/cart.js", "core/src/main/java/shop/Cart.java",
        "docs/skipping.py", "testing/helpers/skipping.py", "lib/httparty/request.rb", "lib/phoenix/router.ex",
        "Sources/Alamofire/Core/Session.swift", "R/filter.R",
    })
    tests = ["testing/test_skipping.py", "testing/test_argcomplete.py", "testing/test_assertion.py",
             "tests/test_extensions/test_ext_napoleon_docstring.py", "server/router_test.go",
             "web/src/cart.test.ts", "web/src/cart.spec.js", "core/src/test/java/shop/CartTest.java",
             "spec/httparty/request_spec.rb", "test/phoenix/router_test.exs", "Tests/SessionTests.swift",
             "tests/testthat/test-filter.R"]
    assert modules_tested(tests, paths) == {
        "testing/test_skipping.py": "src/_pytest/skipping.py",  # not the docs' or another test's copy
        "testing/test_argcomplete.py": "src/_pytest/_argcomplete.py",  # a private module drops its underscore
        "testing/test_assertion.py": "src/_pytest/assertion/__init__.py",  # a package is its folder
        "tests/test_extensions/test_ext_napoleon_docstring.py": "sphinx/ext/napoleon/docstring.py",
        "server/router_test.go": "server/router.go",
        "web/src/cart.test.ts": "web/src/cart.ts",  # the same language's file
        "web/src/cart.spec.js": "web/src/cart.js",
        "core/src/test/java/shop/CartTest.java": "core/src/main/java/shop/Cart.java",
        "spec/httparty/request_spec.rb": "lib/httparty/request.rb",  # RSpec's
        "test/phoenix/router_test.exs": "lib/phoenix/router.ex",  # Elixir's tests are scripts
        "Tests/SessionTests.swift": "Sources/Alamofire/Core/Session.swift",  # XCTest's
        "tests/testthat/test-filter.R": "R/filter.R",  # testthat's
    }


def test_a_name_several_modules_fit_goes_to_the_nearest_or_to_none() -> None:
    paths = frozenset({"pkg/a/utils.py", "pkg/b/utils.py", "pkg/c/utils.py", "pkg/a/string_utils.py"})
    assert modules_tested(["pkg/a/tests/test_utils.py"], paths) == {"pkg/a/tests/test_utils.py": "pkg/a/utils.py"}  # not string_utils.py
    assert modules_tested(["tests/test_utils.py"], paths) == {}  # three equally near: no guess
    # Files that are not named for a module, and files that are not tests, name nothing.
    assert modules_tested(["tests/conftest.py", "testing/python/fixtures.py", "tests/test_.py", "pkg/a/utils.py",
                           "tests/test_nothing_here.py"], paths) == {}


def test_the_module_a_found_test_is_named_for_comes_first(tmp_path: Path) -> None:
    # The question is put in the words of a test; the code it asks about is terse. The module the test
    # is named for gets a share of the test's evidence, and comes before the test and other code.
    root = make_repo(tmp_path / "shop", {
        "shop/__init__.py": "",
        "shop/coupons.py": '"""Coupons."""\n\n\ndef redeem(cart, code):\n'
                           "    if code in cart.used:\n        return cart\n"
                           "    cart.used.add(code)\n    cart.total -= cart.value(code)\n    return cart\n",
        "shop/bundles.py": '"""Bundles."""\n\n\nclass Bundle:\n    def price(self):\n        return self.fixed_price\n',
        "tests/test_coupons.py": "from shop.coupons import redeem\n\n\n"
                                 "def test_a_coupon_is_never_redeemed_twice_on_a_bundle(bundle_cart):\n"
                                 '    """Redeeming the same coupon twice on a bundle takes the discount once."""\n'
                                 "    redeem(bundle_cart, 'SAVE10')\n    redeem(bundle_cart, 'SAVE10')\n"
                                 "    assert bundle_cart.total == 90\n",
    })
    question = "what keeps a coupon from being redeemed twice?"
    with Index.open(root, cache_dir=str(tmp_path / "cache")) as index:
        index.build()
        answer = index.ask(question, files=True, k=3)
        _, without = rank(index._parts(), question, 3, files=True, mode="full-no-tested")
    assert [f.path for f in without] == ["tests/test_coupons.py", "shop/bundles.py", "shop/coupons.py"]
    assert [f.path for f in answer.files] == ["shop/coupons.py", "tests/test_coupons.py", "shop/bundles.py"]
    assert {h.path for h in answer.hits if "tested" in h.reasons} == {"shop/coupons.py"}  # the JSON says why
