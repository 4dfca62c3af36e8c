"""Which repository configuration files the user trusts, by content, like direnv's `allow`.

The trust store is `trusted.json` in the user's config folder. That folder comes only from the
environment (`CODEIDX_CONFIG_DIR`, else `$XDG_CONFIG_HOME/codeidx`, else `~/.config/codeidx`) and
is no configuration setting, so a repository can neither write the store nor point codeidx at
another one.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

from codeidx.core.errors import CodeidxError

State = Literal["trusted", "changed", "untrusted"]


def user_config_dir() -> Path:
    if os.environ.get("CODEIDX_CONFIG_DIR"):
        return Path(os.environ["CODEIDX_CONFIG_DIR"]).expanduser()
    if os.environ.get("XDG_CONFIG_HOME"):
        return Path(os.environ["XDG_CONFIG_HOME"]).expanduser() / "codeidx"
    return Path.home() / ".config" / "codeidx"


def digest(settings: dict[str, Any]) -> str:
    """sha256 of the settings themselves, so that editing the rest of a pyproject.toml keeps the trust."""
    return hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()


def state(file: Path, settings: dict[str, Any]) -> State:
    """`trusted` while the file holds what the user trusted; `changed` once it holds something else."""
    known = _load().get(str(file))
    if known is None:
        return "untrusted"
    return "trusted" if known == digest(settings) else "changed"


def trust(file: Path, settings: dict[str, Any]) -> str:
    store = _load()
    store[str(file)] = digest(settings)
    _save(store)
    return store[str(file)]


def revoke(*files: Path) -> bool:
    """Forget the files; whether any was trusted."""
    store = _load()
    removed = [store.pop(str(f)) for f in files if str(f) in store]
    _save(store)
    return bool(removed)


def _path() -> Path:
    return user_config_dir() / "trusted.json"


def _load() -> dict[str, str]:
    path = _path()
    if not path.is_file():
        return {}
    try:
        store = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise CodeidxError(f"cannot read the trust store {path}: {exc}; fix or delete it") from None
    if not isinstance(store, dict):
        raise CodeidxError(f"the trust store {path} is not a JSON object; fix or delete it")
    return store


def _save(store: dict[str, str]) -> None:
    path = _path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(store, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)  # a reader never sees half a store
