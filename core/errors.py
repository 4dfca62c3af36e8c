"""Domain errors. Library code raises these; the CLI turns them into one-line messages."""


class CodeidxError(Exception):
    """An error a user can act on; its message says what went wrong and how to fix it."""


class NoIndexError(CodeidxError):
    """The repository has no index yet."""


class IndexMismatchError(CodeidxError):
    """The index was built with settings (model, store) that differ from the ones asked for."""


class ModelLoadError(CodeidxError):
    """The embedding model could not be loaded."""


class StoreError(CodeidxError):
    """The vector store could not be opened or reached."""


class DamagedIndexError(CodeidxError):
    """The index on disk is truncated, corrupt or missing parts; a rebuild replaces it."""


def first_line(error: BaseException | str, last: bool = False, limit: int = 300) -> str:
    """One line of an error for a one-line message: its first non-blank line (`last`: its last, where
    a tool such as git puts its verdict after its progress), or the exception's type when it says nothing."""
    lines = [line for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return type(error).__name__ if isinstance(error, BaseException) else "no output"
    return lines[-1 if last else 0].strip()[:limit]
