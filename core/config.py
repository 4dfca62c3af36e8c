"""All settings in one typed object, resolved in one order: defaults, the user's file, the repository's
file, environment, flags.

The user's file is `config.toml` in the user's config folder (`$CODEIDX_CONFIG_DIR`, else
`$XDG_CONFIG_HOME/codeidx`, else `~/.config/codeidx`). The repository's file is `.codeidx.toml` at
its root, or the `[tool.codeidx]` table of its `pyproject.toml`; a repository is not the user, so
its file may set only `REPO_SAFE_KEYS` until the user trusts it (`codeidx trust`, core/trust.py).
The environment uses `CODEIDX_<FIELD>` (for example `CODEIDX_QDRANT_URL`). Flags are passed to
`Config.load(..., **overrides)` by the CLI.
"""
from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from codeidx.core import trust
from codeidx.core.errors import CodeidxError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_EMBED_MODEL = "all-MiniLM-L6-v2"
# The agent's stages whose model calls may go to a model of their own: the spec's writer, and the loop's
# turns while it implements or answers what the test and review stages sent back.
MODEL_STAGES = ("spec", "implement", "test", "review")
SEVERITIES = ("low", "medium", "high")  # of review findings, lowest first
EMBED_BACKENDS = ("auto", "torch", "onnx", "int8")  # how a local model runs (see `embed_backend`)
MAX_PREFIX_CHARS = 500  # an embedder's instruction is a sentence; more would only eat its window

# What a repository's own file may set without the user's trust: settings that shape the index and
# the answers, never what runs, where code, keys or data go, or what is written and deleted. An
# allow-list, so that a setting added later needs trust until someone decides otherwise.
REPO_SAFE_KEYS = frozenset({"exclude", "max_file_bytes", "embed_max_tokens", "embed_batch_size", "budget",
                            "top_k", "tokenizer_model"})

# Inclusive bounds of numeric settings (None: unbounded). The upper ones keep a repository's file
# from asking for a batch, window or file size that would exhaust the machine.
LIMITS: dict[str, tuple[float, float | None]] = {
    "embed_batch_size": (1, 4096), "embed_max_tokens": (16, 32768), "max_file_bytes": (1, 100_000_000),
    "budget": (1, 1_000_000), "top_k": (1, 1000), "max_steps": (1, None), "max_cost": (0, None),
    "max_tokens": (1, None), "model_timeout": (1, 3600),
}


@dataclass(frozen=True)
class Config:
    # --- index ---
    index_dir: str = ".codeidx"
    """Folder, relative to the repository root, that holds the index (it ignores itself in git)."""
    cache_dir: str | None = None
    """Folder of the per-user cache, shared by all indexes: embeddings, and the ONNX exports of local models
    (`embed_backend`); default ~/.cache/codeidx."""
    embed_model: str = DEFAULT_EMBED_MODEL
    """sentence-transformers name or path, or `litellm/<model>` for a hosted embedder."""
    embed_max_tokens: int = 256
    """Embedder window: longer symbols are split at statement boundaries to fit it."""
    embed_batch_size: int = 32
    """Texts per embedding batch (batches are formed from texts of similar length)."""
    embed_query_prefix: str = ""
    """Text put before every query before it is embedded: models trained with an instruction need theirs
    (CodeRankEmbed: "Represent this query for searching relevant code: "). Queries only: no rebuild."""
    embed_document_prefix: str = ""
    """Text put before every chunk before it is embedded (models such as nomic-embed-text want "search_document: ").
    It changes the vectors, so the index records it (by a hash in its model name): changing it needs `build --full`."""
    embed_device: str | None = None
    """Torch device for a local embedder (`cpu`, `cuda`, `cuda:1`, `mps`); unset picks a GPU if torch sees one."""
    embed_backend: str = "auto"
    """How a local model runs: `auto` builds with torch and answers queries through onnxruntime (exported once
    into cache_dir, so `ask`, `status` and `mcp` never import torch); `torch` everywhere; `onnx` (fp32) or `int8`
    (quantized: other vectors, recorded as `<model>+int8`) for builds and queries. A GPU `embed_device` means torch."""
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
    rerank_model: str | None = None
    """LiteLLM model that reorders `ask`'s top files (a second stage, off when unset); it is sent the
    question, paths and indexed snippets. Reaches `api_base` when that is set, as the agent's model does.
    `cross-encoder:NAME_OR_PATH` names a local sentence-transformers cross-encoder instead."""
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
    model_timeout: float = 120.0
    """Seconds one model call may take before it is retried: raise it for a slow local model."""
    test_cmd: str | None = None
    """Test command for the agent; detected when unset (pytest, npm test, go test, cargo test)."""
    allowed_commands: tuple[str, ...] = ("pytest", "python -m pytest", "ls", "git status", "git diff", "git log")
    """Command prefixes the agent's run_command may run."""
    protected_paths: tuple[str, ...] = (".git/**", ".github/**", ".gitlab-ci.yml", ".ci/**", ".env*", "**/*.pem",
                                        "**/*.key", "**/id_rsa*")
    """Globs the agent may change only with approval."""
    allow_network: bool = False
    """Let the agent's sandboxed commands (tests, run_command) reach the network."""
    sandbox_env: tuple[str, ...] = ()
    """Environment variables passed into the agent's sandbox besides the basic ones (PATH, HOME, LANG...)."""
    stage_models: tuple[str, ...] = ()
    """`stage=model` entries routing a stage's model calls (spec, implement, test, review) to another model."""
    review_threshold: str = "medium"
    """Review findings at this severity or above (low, medium, high) block hand-over unless approved."""
    extra: dict = field(default_factory=dict, hash=False, compare=False)
    """Unknown keys from the files, kept so that newer files do not break older codeidx."""
    untrusted: tuple[str, ...] = field(default=(), compare=False)
    """Keys the repository's file set but may not set until the user trusts it; they were ignored."""
    unknown: dict = field(default_factory=dict, hash=False, compare=False)
    """Keys no setting has (a typo, or a setting of a newer codeidx), each with the file that set it."""

    def __post_init__(self) -> None:
        for name, (low, high) in LIMITS.items():
            value = getattr(self, name)
            if not (low <= value and (high is None or value <= high)):  # NaN is refused too
                bounds = f"at least {low}" if high is None else f"between {low} and {high}"
                raise OutOfRange(name, f"{name} = {value!r} is out of range: it must be {bounds}")
        if self.review_threshold not in SEVERITIES:
            raise OutOfRange("review_threshold", f"review_threshold = {self.review_threshold!r} is not a severity: "
                                                 f"choose from {', '.join(SEVERITIES)}")
        for name in ("embed_query_prefix", "embed_document_prefix"):
            if len(getattr(self, name)) > MAX_PREFIX_CHARS:
                raise OutOfRange(name, f"{name} is {len(getattr(self, name))} characters long: an instruction "
                                       f"prefix may have at most {MAX_PREFIX_CHARS}")
        if self.embed_backend not in EMBED_BACKENDS:
            raise OutOfRange("embed_backend", f"embed_backend = {self.embed_backend!r} is not a backend: "
                                              f"choose from {', '.join(EMBED_BACKENDS)}")
        if self.embed_backend == "int8" and on_gpu(self.embed_device):
            raise OutOfRange("embed_backend", f"embed_backend = 'int8' runs on the CPU, not embed_device = "
                                              f"{self.embed_device!r}: unset embed_device or choose another backend")
        for entry in self.stage_models:
            stage, _, model = entry.partition("=")
            if stage.strip() not in MODEL_STAGES or not model.strip():
                raise OutOfRange("stage_models", f"stage_models entry {entry!r} is not STAGE=MODEL with STAGE one of "
                                                 f"{', '.join(MODEL_STAGES)}")

    @property
    def stage_model(self) -> dict[str, str]:
        """The model each routed stage uses, from `stage_models`."""
        return {s.strip(): m.strip() for s, _, m in (e.partition("=") for e in self.stage_models)}

    @classmethod
    def load(cls, root: str | os.PathLike | None = None, **overrides: Any) -> "Config":
        """Resolve the configuration for a repository root; `None`-valued overrides are ignored."""
        values: dict[str, Any] = {}
        origin: dict[str, str] = {}

        def take(source: dict[str, Any], where: str) -> None:
            values.update(source)
            origin.update(dict.fromkeys(source, where))

        user_file = trust.user_config_dir() / "config.toml"
        take(_read_toml(user_file) if user_file.is_file() else {}, str(user_file))
        untrusted: list[str] = []
        if root is not None:
            repo_file, repo_values = read_repo_file(Path(root))
            if repo_file is not None and trust.state(repo_file, repo_values) != "trusted":
                untrusted = sorted(k for k in repo_values if k not in REPO_SAFE_KEYS)
            take({k: v for k, v in repo_values.items() if k not in untrusted}, str(repo_file))
        for name, value in _read_env().items():
            take({name: value}, f"CODEIDX_{name.upper()}")
        take({k: v for k, v in overrides.items() if v is not None}, "the command line")
        extra = {k: v for k, v in values.items() if k not in SETTINGS}
        # An untrusted file's unknown keys are unknown too: a typo there needs fixing, not trust.
        unknown = {**{k: origin[k] for k in extra}, **{k: str(repo_file) for k in untrusted if k not in SETTINGS}}
        kwargs = {k: _coerce(k, v, origin[k]) for k, v in values.items() if k in SETTINGS}
        try:
            return cls(**kwargs, extra=extra, untrusted=tuple(untrusted), unknown=unknown)
        except OutOfRange as exc:
            raise CodeidxError(f"{exc} (set in {origin[exc.name]})") from exc

    def replace(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def on_gpu(device: str | None) -> bool:
    """Whether a torch device names an accelerator (the ONNX backends run on the CPU)."""
    return device is not None and not device.strip().lower().startswith("cpu")


def closest_setting(key: str) -> str | None:
    """The setting a mistyped key most likely meant, if any is close."""
    return next(iter(difflib.get_close_matches(key, sorted(SETTINGS), n=1)), None)


class OutOfRange(CodeidxError):
    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name


# The fields a file, the environment or a flag may set (the rest are what loading found).
SETTINGS = frozenset(f.name for f in fields(Config)) - {"extra", "untrusted", "unknown"}


def read_repo_file(root: Path) -> tuple[Path | None, dict[str, Any]]:
    """The repository's own settings and the file that holds them: `.codeidx.toml`, else
    `[tool.codeidx]` of `pyproject.toml`; `(None, {})` when it has neither."""
    root = root.expanduser().resolve()
    own, pyproject = root / ".codeidx.toml", root / "pyproject.toml"
    if own.is_file():
        return own, _read_toml(own)
    if pyproject.is_file():
        table = _read_toml(pyproject).get("tool", {}).get("codeidx")
        if table is not None:
            return pyproject, dict(table)
    return None, {}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return dict(tomllib.loads(path.read_text(encoding="utf-8")))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise CodeidxError(f"cannot read configuration in {path}: {exc}") from exc


def _read_env() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Config):
        raw = os.environ.get(f"CODEIDX_{f.name.upper()}")
        if raw is not None and f.name in SETTINGS:
            out[f.name] = raw
    return out


def _coerce(name: str, value: Any, where: str) -> Any:
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
    except (TypeError, ValueError) as exc:
        raise CodeidxError(f"configuration value {name}={value!r} is not a valid {kind} (set in {where})") from exc
    return value
