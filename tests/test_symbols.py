"""`lookup`: a name, qualified or pinned to a file, to its definition and neighbours."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import built_index

from codeidx.core.errors import CodeidxError
from codeidx.index import Index
from codeidx.retriever.symbols import pinned

FILES = {
    "app/store.py": '''class Store:
    def get(self, key):
        return self.load(key)

    def load(self, key):
        return key


class Cache:
    class Store:
        def get(self, key):
            return None
''',
    "app/api.py": '''from app.store import Store


def handler(key):
    return Store().get(key)
''',
}


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory):
    yield from built_index(tmp_path_factory, "symbols", FILES)


def test_an_exact_qualified_name_wins_over_a_longer_one_ending_the_same(index: Index) -> None:
    found = index.lookup("Store.get")
    assert found.definition is not None and not found.candidates
    info = found.definition
    assert (info.symbol.path, info.symbol.qualified_name, info.symbol.start_line) == ("app/store.py", "Store.get", 2)
    assert info.code == "    def get(self, key):\n        return self.load(key)"
    assert [r.symbol.qualified_name for r in info.of("calls")] == ["Store.load"]
    assert [r.symbol.qualified_name for r in info.of("parent")] == ["Store"]


def test_a_name_with_several_definitions_lists_them_pinned_and_a_pinned_name_picks_one(index: Index) -> None:
    found = index.lookup("get")
    assert found.definition is None
    assert [pinned(s) for s in found.candidates] == ["app/store.py:Store.get", "app/store.py:Cache.Store.get"]
    chosen = index.lookup("app/store.py:Cache.Store.get").definition
    assert chosen is not None and chosen.symbol.start_line == 11


def test_unknown_and_empty_names_and_unreadable_files_are_domain_errors(index: Index, tmp_path: Path) -> None:
    with pytest.raises(CodeidxError, match="no symbol named 'nothing'"):
        index.lookup("nothing")
    with pytest.raises(CodeidxError, match="name is empty"):
        index.lookup(" ")
    source = index.root / "app/api.py"
    text = source.read_text()
    source.unlink()
    try:
        with pytest.raises(CodeidxError, match="cannot read app/api.py"):
            index.lookup("handler")
    finally:
        source.write_text(text)


def test_a_name_is_looked_up_in_its_case(tmp_path: Path) -> None:
    from codeidx.core.models import ParsedFile, Symbol
    from codeidx.indexer.graph import FileRecord, FileUpdate, Graph

    # Kotlin's `fun inputStream() = object : InputStream() { override fun close() }`, and a class of that name.
    names = ("Buffer.inputStream.close", "Socket.InputStream.close")
    symbols = tuple(Symbol("Buffer.kt", "kotlin", "method", "close", n, "fun close()", "", i + 1, i + 1)
                    for i, n in enumerate(names))
    graph = Graph(tmp_path / "index.db")
    graph.replace_files([FileUpdate(FileRecord("Buffer.kt", "kotlin", 1, 1, "0", False),
                                    ParsedFile("Buffer.kt", "kotlin", symbols, ()), ())])
    found = {name: [s.qualified_name for s in graph.symbols_named(name)]
             for name in ("InputStream.close", "inputStream.close", "INPUTSTREAM.close", "close")}
    graph.close()
    assert found == {"InputStream.close": ["Socket.InputStream.close"], "inputStream.close": ["Buffer.inputStream.close"],
                     "INPUTSTREAM.close": [], "close": list(names)}
