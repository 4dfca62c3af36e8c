"""All settings in one typed object, resolved in one order: defaults, file, environment, flags.

The file is `.codeidx.toml` at the repository root, or the `[tool.codeidx]` table of its
`pyproject.toml`. The environment uses `CODEIDX_<FIELD>` (for example
`CODEIDX_QDRANT_URL`). Flags are passed to `Config.load(..., **overrides)` by the CLI.
"""
from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from codeidx.errors import CodeidxError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"


@dataclass(frozen=True)
class Config:
    # --- index ---
    index_dir: str = ".codeidx"
    """Folder, relative to the repository root, that holds the index (it ignores itself in git)."""
    cache_dir: str | None = None
    """Folder of the per-user embedding cache (shared by all indexes); default ~/.cache/codeidx."""
    embed_model: str = DEFAULT_EMBED_MODEL
    """sentence-transformers name or path, or `litellm/<model>` for a hosted embedder."""
    embed_max_tokens: int = 256
    """Embedder window: longer symbols are split at statement boundaries to fit it."""
    embed_batch_size: int = 32
    """Texts per embedding batch (batches are formed from texts of similar length)."""
    embed_device: str | None = None
    """Torch device for a local embedder (`cpu`, `cuda`, `cuda:1`, `mps`); unset picks a GPU if torch sees one."""
    qdrant_url: str | None = None
    """Qdrant server URL; unset means the embedded store in the index folder."""
    qdrant_api_key: str | None = None
    """API key for the Qdrant server, if it needs one."""
    collection: str = "codeidx"
    """Collection name on a Qdrant server."""
    max_file_bytes: int = 1_000_000
    """Files larger than this are skipped."""
    exclude: tuple[str, ...] = ()
    """Extra gitignore-style patterns to leave out of the index."""
    # --- ask ---
    budget: int = 8000
    """Token budget for the packed context."""
    top_k: int = 10
    """How many hits `ask` returns."""
    tokenizer_model: str = "gpt-4o"
    """Model whose tokenizer counts the budget (LiteLLM's), when it knows it."""
    # --- agent ---
    model: str = "openai/gpt-4o-mini"
    """LiteLLM model string for the agent."""
    cheap_model: str | None = None
    """LiteLLM model for routine sub-steps (summarising long tool output)."""
    api_base: str | None = None
    """Base URL of an OpenAI-compatible server for the agent's model."""
    max_steps: int = 30
    """Most model calls one agent run may make."""
    max_cost: float = 2.0
    """Most USD one agent run may spend (LiteLLM's cost tracking)."""
    max_tokens: int = 2_000_000
    """Most tokens (prompt + completion) one agent run may use."""
    test_cmd: str | None = None
    """Test command for the agent; detected when unset (pytest, npm test, go test, cargo test)."""
    allowed_commands: tuple[str, ...] = ("pytest", "python -m pytest", "ls", "git status", "git diff", "git log")
    """Command prefixes the agent's run_command may run."""
    protected_paths: tuple[str, ...] = (".git/**", ".github/**", ".gitlab-ci.yml", ".ci/**", ".env*", "**/*.pem", "**/*.key", "**/id_rsa*")
    """Globs the agent may change only with approval."""
    allow_network: bool = False
    """Let the agent's sandboxed commands (tests, run_command) reach the network."""
    sandbox_env: tuple[str, ...] = ()
    """Environment variables passed into the agent's sandbox besides the basic ones (PATH, HOME, LANG...)."""
    extra: dict = field(default_factory=dict, hash=False, compare=False)
    """Unknown keys from the file, kept so that newer files do not break older codeidx."""

    @classmethod
    def load(cls, root: str | os.PathLike | None = None, **overrides: Any) -> "Config":
        """Resolve the configuration for a repository root; `None`-valued overrides are ignored."""
        values: dict[str, Any] = {}
        if root is not None:
            values.update(_read_file(Path(root)))
        values.update(_read_env())
        values.update({k: v for k, v in overrides.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = {k: v for k, v in values.items() if k not in known}
        kwargs = {k: _coerce(k, v) for k, v in values.items() if k in known}
        return cls(**kwargs, extra=unknown)

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _read_file(root: Path) -> dict[str, Any]:
    own = root / ".codeidx.toml"
    pyproject = root / "pyproject.toml"
    try:
        if own.is_file():
            return dict(tomllib.loads(own.read_text(encoding="utf-8")))
        if pyproject.is_file():
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
            return dict(data.get("tool", {}).get("codeidx", {}))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CodeidxError(f"cannot read configuration in {root}: {exc}") from None
    return {}


def _read_env() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Config):
        raw = os.environ.get(f"CODEIDX_{f.name.upper()}")
        if raw is not None and f.name != "extra":
            out[f.name] = raw
    return out


def _coerce(name: str, value: Any) -> Any:
    """Turn file and environment values into the field's type, with a clear error."""
    default = next(f for f in fields(Config) if f.name == name)
    kind = default.type if isinstance(default.type, str) else getattr(default.type, "__name__", "")
    try:
        if kind.startswith("tuple"):
            if isinstance(value, str):
                return tuple(p.strip() for p in value.split(",") if p.strip())
            return tuple(value)
        if kind == "bool":
            return value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind.startswith("str") and value is not None:
            return str(value)
    except (TypeError, ValueError):
        raise CodeidxError(f"configuration value {name}={value!r} is not a valid {kind}") from None
    return value
