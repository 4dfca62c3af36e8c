"""Stack traces of other languages than Python, pasted as a query: the frame where the error was
raised names the first hit. And imports of JavaScript and Go files resolve in the symbol graph."""
from __future__ import annotations

import pytest
from conftest import built_index

from codeidx.index import Index
from codeidx.retriever.signals import extract

FILES = {
    "web/format.js": '''// Prices for display.
export function formatPrice(amount, currency) {
  return currency + amount.toFixed(2);
}

export function formatDate(date) {
  return date.toISOString().slice(0, 10);
}
''',
    "web/checkout.js": '''import { formatPrice } from './format';

export function renderTotal(cart) {
  const label = 'Total: ';
  return label + formatPrice(cart.total, cart.currency);
}

renderTotal({ total: undefined, currency: '$' });
''',
    "web/response.js": '''var res = Object.create(http.ServerResponse.prototype);

/**
 * Send a response body, with its length and ETag.
 */
res.send = function send(body) {
  this.set('Content-Length', body.length);
  this.set('ETag', etag(body));
  this.end(body);
  return this;
};

res.json = function json(obj) {
  return this.send(JSON.stringify(obj));
};

module.exports = res;
''',
    "go.mod": "module example.com/shop\n\ngo 1.22\n",
    "cart/cart.go": '''package cart

// Cart holds the prices of a customer's items.
type Cart struct {
	Prices []int
}

// Average is the mean price of the items.
func (c *Cart) Average() int {
	total := 0
	for _, p := range c.Prices {
		total += p
	}
	return total / len(c.Prices)
}
''',
    "main.go": '''package main

import (
	"fmt"

	"example.com/shop/cart"
)

func main() {
	c := &cart.Cart{}
	fmt.Println(c.Average())
}
''',
    "src/stock.rs": '''pub struct Stock {
    pub counts: Vec<u32>,
}

impl Stock {
    pub fn per_shelf(&self, shelves: u32) -> u32 {
        let total: u32 = self.counts.iter().sum();
        total / shelves
    }
}
''',
    "src/main.rs": '''mod stock;

fn main() {
    let s = stock::Stock { counts: vec![1, 2] };
    println!("{}", s.per_shelf(0));
}
''',
    "src/main/java/com/shop/Ledger.java": '''package com.shop;

public class Ledger {
    private int[] entries = new int[0];

    public int balancePerEntry(int total) {
        return total / entries.length;
    }
}
''',
    "lib/shop/books.rb": '''module Shop
  class Books
    def balanced?
      @entries.sum.zero?
    end

    def close!
      @closed = true
    end
  end
end
''',
    "shop/report.py": "def build_report(rows):\n    total = 0\n" + "".join(
        f"    column_{i} = sum(row.get('column_{i}', 0) for row in rows)\n    total += column_{i}\n"
        for i in range(60)) + "    return total / len(rows)\n",
    "lua/shop/stock.lua": '''local Stock = {}

function Stock:per_shelf(shelves)
  return self.count // shelves.size
end

return Stock
''',
    "lib/Shop/Stock.pm": '''package Shop::Stock;

sub per_shelf {
    my ($self, $shelves) = @_;
    return $self->{count} / $shelves;
}

1;
''',
    "Sources/Shop/Ledger.swift": '''struct Ledger {
    var entries: [Int]
    func balancePerEntry(_ total: Int) -> Int {
        return total / entries.count
    }
}
''',
    "scripts/release.sh": '''#!/usr/bin/env bash
publish() {
  local dir="$1"
  cd "$dir" || exit 1
  upload_all "$dir"/*.tar.gz
}
publish dist
''',
    "lib/shop/stock.ex": '''defmodule Shop.Stock do
  @moduledoc "What the shelves hold."

  def count(stock), do: stock.count

  # Items per shelf, rounded down.
  def per_shelf(stock, shelves) do
    div(stock.count, shelves)
  end
end
''',
    "lib/src/ledger.dart": '''class Ledger {
  final List<int> entries;
  Ledger(this.entries);

  int count() => entries.length;

  int total() {
    return entries.fold(0, (a, b) => a + b);
  }

  int balancePerEntry(int total) {
    return total ~/ entries.length;
  }
}
''',
    "src/main/java/com/shop/Main.java": '''package com.shop;

public class Main {
    public static void main(String[] args) {
        System.out.println(new Ledger().balancePerEntry(10));
    }
}
''',
}

NODE = """TypeError: Cannot read properties of undefined (reading 'toFixed')
    at formatPrice (/srv/app/web/format.js:3:26)
    at renderTotal (/srv/app/web/checkout.js:5:18)
    at Object.<anonymous> (/srv/app/web/checkout.js:8:1)
    at Module._compile (node:internal/modules/cjs/loader:1256:14)
"""

GO = """panic: runtime error: integer divide by zero

goroutine 1 [running]:
example.com/shop/cart.(*Cart).Average(...)
\t/home/bob/shop/cart/cart.go:14 +0x1d
main.main()
\t/home/bob/shop/main.go:11 +0x25
exit status 2
"""

RUST = """thread 'main' panicked at src/stock.rs:8:9:
attempt to divide by zero
stack backtrace:
   0: rust_begin_unwind
   1: core::panicking::panic
   2: shop::stock::Stock::per_shelf
             at ./src/stock.rs:8:9
   3: shop::main
             at ./src/main.rs:5:20
"""

JAVA = """Exception in thread "main" java.lang.ArithmeticException: / by zero
\tat com.shop.Ledger.balancePerEntry(Ledger.java:7)
\tat com.shop.Main.main(Main.java:5)
"""

LUA = """lua: lua/shop/stock.lua:4: attempt to index a nil value (local 'shelves')
stack traceback:
        lua/shop/stock.lua:4: in method 'per_shelf'
        lua/shop/main.lua:3: in main chunk
        [C]: in ?
"""

SWIFT = """Fatal error: Division by zero: file Sources/Shop/Ledger.swift, line 4
Current stack trace:
1    Shop    0x000055d5 Ledger.balancePerEntry(_:) + 52 in Shop at /home/bob/shop/Sources/Shop/Ledger.swift:4
2    Shop    0x000055d6 main + 40 in Shop at /home/bob/shop/Sources/Shop/main.swift:2
"""

SHELL = """scripts/release.sh: line 5: upload_all: command not found
"""

ELIXIR = """** (ArithmeticError) bad argument in arithmetic expression
    (shop 0.1.0) lib/shop/stock.ex:8: Shop.Stock.per_shelf/2
    (shop 0.1.0) lib/shop.ex:3: Shop.main/0
"""

DART = """Unhandled exception:
IntegerDivisionByZeroException
#0      Ledger.balancePerEntry (package:shop/src/ledger.dart:12:18)
#1      main (file:///home/bob/shop/bin/main.dart:4:3)
"""


PERL = """Illegal division by zero at /home/bob/shop/lib/Shop/Stock.pm line 5.
"""


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    yield from built_index(tmp_path_factory, "traces", FILES)


@pytest.mark.parametrize("trace, path, name", [
    (NODE, "web/format.js", "formatPrice"),
    (GO, "cart/cart.go", "Cart.Average"),
    (RUST, "src/stock.rs", "Stock.per_shelf"),
    (JAVA, "src/main/java/com/shop/Ledger.java", "Ledger.balancePerEntry"),
    (LUA, "lua/shop/stock.lua", "Stock.per_shelf"),
    (SWIFT, "Sources/Shop/Ledger.swift", "Ledger.balancePerEntry"),
    (SHELL, "scripts/release.sh", "publish"),
    (ELIXIR, "lib/shop/stock.ex", "Shop.Stock.per_shelf"),
    (DART, "lib/src/ledger.dart", "Ledger.balancePerEntry"),  # `package:shop/src/...` is the package's lib/src/
    (PERL, "lib/Shop/Stock.pm", "Shop.Stock.per_shelf"),
], ids=["node", "go", "rust", "java", "lua", "swift", "shell", "elixir", "dart", "perl"])
def test_the_frame_that_raised_is_the_first_hit(index: Index, trace: str, path: str, name: str) -> None:
    hits = index.search(trace, k=5)
    assert (hits[0].path, hits[0].qualified_name) == (path, name), [(h.path, h.qualified_name) for h in hits]
    assert "trace" in hits[0].reasons


PYTHON = """Traceback (most recent call last):
  File "shop/main.py", line 5, in <module>
    report()
  File "shop/ledger.py", line 7, in balance
    return total / count
ZeroDivisionError: division by zero
"""

# pytest prints its frames outermost first too, as `path:line: in function`.
PYTEST = """    def test_balance():
>       assert report() == 0

tests/test_ledger.py:4:
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
shop/main.py:5: in report
    return balance(items)
_ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _ _
shop/ledger.py:7: in balance
    return total / count
E   ZeroDivisionError: division by zero
"""


@pytest.mark.parametrize("trace, frames", [
    (PYTHON, [("shop/ledger.py", 7, "balance"), ("shop/main.py", 5, "<module>")]),
    (PYTEST, [("shop/ledger.py", 7, "balance"), ("shop/main.py", 5, "report"), ("tests/test_ledger.py", 4, "")]),
    (NODE, [("/srv/app/web/format.js", 3, "formatPrice"), ("/srv/app/web/checkout.js", 5, "renderTotal")]),
    (GO, [("/home/bob/shop/cart/cart.go", 14, ""), ("/home/bob/shop/main.go", 11, "")]),
    (RUST, [("src/stock.rs", 8, ""), ("./src/stock.rs", 8, "")]),
    (JAVA, [("Ledger.java", 7, "balancePerEntry"), ("Main.java", 5, "main")]),
    (LUA, [("lua/shop/stock.lua", 4, ""), ("lua/shop/main.lua", 3, "")]),
    (SWIFT, [("Sources/Shop/Ledger.swift", 4, ""), ("/home/bob/shop/Sources/Shop/Ledger.swift", 4, ""),
             ("/home/bob/shop/Sources/Shop/main.swift", 2, "")]),
    (SHELL, [("scripts/release.sh", 5, "")]),
    (ELIXIR, [("lib/shop/stock.ex", 8, ""), ("lib/shop.ex", 3, "")]),
    (DART, [("shop/src/ledger.dart", 12, ""), ("///home/bob/shop/bin/main.dart", 4, "")]),
], ids=["python", "pytest", "node", "go", "rust", "java", "lua", "swift", "shell", "elixir", "dart"])
def test_frames_are_read_innermost_first_from_each_trace_format(trace: str, frames: list[tuple[str, int, str]]) -> None:
    found = [(f.path, f.line, f.function) for f in extract(trace).frames]
    assert found[:len(frames)] == frames


def test_a_foreign_path_resolves_only_to_a_file_in_the_same_folder(index: Index) -> None:
    resolve = index.graph.resolve_path
    assert resolve("/home/bob/shop/cart/cart.go") == "cart/cart.go"
    assert resolve("cart.go") == "cart/cart.go"  # a bare name: the file of that name
    assert resolve("/home/bob/shop/main.go") == "main.go"  # a file at the top has no folder to share
    # The toolchain's own file of the same name, in a trace, is not ours.
    assert resolve("/usr/local/go/src/runtime/cart.go") is None
    assert resolve("C:\\Go\\src\\runtime\\stock.rs") is None


def callers(index: Index, name: str) -> set[str]:
    found = index.lookup(name).definition
    assert found is not None, name
    return {r.symbol.qualified_name for r in found.of("called by")}


def test_a_relative_javascript_import_resolves_to_the_file(index: Index) -> None:
    # A caller in another file counts only if that file imports this one: `from './format'`.
    assert callers(index, "formatPrice") == {"renderTotal"}


def test_a_go_package_import_resolves_to_its_folder(index: Index) -> None:
    # `import "example.com/shop/cart"` is the package in cart/, go.mod's module path left out.
    assert callers(index, "Cart.Average") == {"main"}


def test_names_in_prose_are_code_and_abbreviations_are_not() -> None:
    found = extract("Calling Session.send() or retry_after, e.g. from a hook (i.e. late), fails").identifiers
    assert found == ("Session.send", "retry_after")
    # Short dotted names are JavaScript's everyday API; a file's name is not one, unless it is called.
    found = extract("res.send and app.use, then res.json() in runner.py and index.rst").identifiers
    assert found == ("res.send", "app.use", "res.json")


def test_a_method_defined_by_assignment_is_found_by_its_name(index: Index) -> None:
    hit = index.search("why does res.send set the ETag twice?", k=3)[0]
    assert (hit.path, hit.qualified_name, hit.start_line) == ("web/response.js", "res.send", 6)
    assert "name" in hit.reasons


def test_a_frame_in_a_long_function_leads_with_the_part_that_holds_its_line(index: Index) -> None:
    last = 2 + 2 * 60 + 1  # `return total / len(rows)`, in the function's last part
    trace = ("Traceback (most recent call last):\n"
             f'  File "/srv/app/shop/report.py", line {last}, in build_report\n'
             "ZeroDivisionError: division by zero\n")
    parts = [h for h in index.search(trace, k=10) if h.qualified_name == "build_report"]
    assert len(parts) > 1  # long enough to be cut in parts
    assert parts[0].start_line <= last <= parts[0].end_line and index.search(trace, k=1)[0] == parts[0]


@pytest.mark.parametrize("digits", [30, 5000])
def test_a_line_number_no_file_has_is_no_frame_and_no_crash(index: Index, digits: int) -> None:
    trace = f'File "/srv/app/shop/report.py", line {"9" * digits}, in build_report\n'
    assert extract(trace).frames == ()
    assert index.ask(trace, k=3).hits  # answered from the rest of the query, not a traceback


def test_a_ruby_or_javadoc_instance_method_is_a_name(index: Index) -> None:
    assert extract("Fix Body#streaming? and Request#perform in CodeBlock.Builder#clear, see a#b or #123").identifiers \
        == ("Body.streaming?", "Body.streaming", "Request.perform", "CodeBlock.Builder.clear")
    # A bare name with a `!` is a name too (Julia's `mapcols!`), though it reads as a word; `fails!` is looked up
    # for nothing.
    assert extract("add cols to mapcols and mapcols! It fails!").identifiers == ("mapcols!", "fails!")
    for query, name in (("Books#balanced? is wrong for empty books", "Shop.Books.balanced?"),
                        ("Shop::Books#close! does not close", "Shop.Books.close!"),
                        ("close! does not close the books", "Shop.Books.close!")):
        named = [h.qualified_name for h in index.search(query, k=10) if "name" in h.reasons]
        assert named[:1] == [name]
