"""codeidx: make a repository legible to a language model.

    from codeidx import Index
    index = Index.open("path/to/repo")
    index.build()
    print(index.ask("where are HTTP retries configured?").markdown)
"""
from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["Index", "Config", "CodeidxError", "__version__"]


def __getattr__(name: str):
    # Lazy so that `import codeidx` stays instant and loads neither torch nor Qdrant.
    if name == "Index":
        from codeidx.index import Index

        return Index
    if name == "Config":
        from codeidx.core.config import Config

        return Config
    if name == "CodeidxError":
        from codeidx.core.errors import CodeidxError

        return CodeidxError
    raise AttributeError(name)
