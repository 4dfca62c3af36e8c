"""Export a local sentence-transformers model to ONNX (fp32, and per-channel int8) in the user's cache.

A query needs one forward pass of a small model, yet importing torch and sentence-transformers
costs seconds; the exported files let onnxruntime answer it instead (indexer/onnx_embedder.py).
Only the plain layout is exported: Transformer → Pooling (mean or CLS) → optional Normalize, with
a `tokenizer.json`. Any other model simply has no export and keeps the torch path.

Exports live in `<cache_dir>/onnx/<key>-<variant>/`, where the key hashes the model folder, its
weights file's size and mtime and `FORMAT_VERSION`: a changed model or exporter is a new folder.
Each folder is written under a temporary name and renamed into place, so a reader sees a whole
export or none, whatever another process or an interrupt does meanwhile.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

FORMAT_VERSION = 1  # bump when the exported graph or the manifest changes: old exports are then ignored
VARIANTS = ("fp32", "int8")
MANIFEST = "manifest.json"
WEIGHTS = ("model.safetensors", "pytorch_model.bin")
TMP_PREFIX = ".tmp-"
_MODULE = "sentence_transformers.models."


@dataclass(frozen=True)
class Layout:
    """What the exporter reads from a model folder: where its transformer lives and how it pools."""

    transformer: Path  # the folder holding the weights, config.json and tokenizer.json
    weights: Path
    pooling: str  # "mean" or "cls"
    normalize: bool


@dataclass(frozen=True)
class Manifest:
    """What an embedder needs to know about an export besides its files."""

    dim: int
    pooling: str
    normalize: bool
    max_positions: int  # the model's position embeddings: no window may exceed them
    inputs: tuple[str, ...]  # the graph's inputs, `token_type_ids` only where the model takes it
    variant: str


@dataclass(frozen=True)
class Export:
    folder: Path
    manifest: Manifest

    @property
    def model(self) -> Path:
        return self.folder / "model.onnx"

    @property
    def tokenizer(self) -> Path:
        return self.folder / "tokenizer.json"


def layout(model_path: Path) -> Layout | None:
    """The model's layout when the exporter supports it, else None; reads a few JSON files, no torch."""
    try:
        modules = json.loads((model_path / "modules.json").read_text())
        kinds = [m["type"].removeprefix(_MODULE) for m in modules]
        if kinds not in (["Transformer", "Pooling"], ["Transformer", "Pooling", "Normalize"]):
            return None
        transformer = model_path / modules[0]["path"]
        pooling = json.loads((model_path / modules[1]["path"] / "config.json").read_text())
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    modes = {key.removeprefix("pooling_mode_") for key, on in pooling.items()
             if key.startswith("pooling_mode_") and on is True}
    mode = {"mean_tokens": "mean", "cls_token": "cls"}.get(next(iter(modes)) if len(modes) == 1 else "")
    weights = next((transformer / name for name in WEIGHTS if (transformer / name).is_file()), None)
    if mode is None or weights is None or not (transformer / "tokenizer.json").is_file():
        return None
    return Layout(transformer, weights, mode, normalize=kinds[-1] == "Normalize")


def find_export(model_path: Path, cache_dir: Path, variant: str) -> Export | None:
    """The finished export of this model and variant, if one is in the cache; never exports."""
    found = layout(model_path)
    if found is None:
        return None
    folder = _folder(found, cache_dir, variant)
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return Export(folder, Manifest(**{**manifest, "inputs": tuple(manifest["inputs"])}))


def ensure_export(model_path: Path, cache_dir: Path, variant: str) -> Export | None:
    """The export of this model and variant, made now if missing (torch is imported only then);
    None for a model whose layout the exporter does not support."""
    found = layout(model_path)
    if found is None:
        return None
    existing = find_export(model_path, cache_dir, variant)
    if existing is not None:
        return existing
    if variant == "int8":
        source = ensure_export(model_path, cache_dir, "fp32")
        assert source is not None  # the same layout was supported just above
        _publish(_folder(found, cache_dir, variant), lambda tmp: _quantize(source, tmp))
    else:
        _publish(_folder(found, cache_dir, variant), lambda tmp: _export_fp32(found, tmp))
    return find_export(model_path, cache_dir, variant)


def _folder(found: Layout, cache_dir: Path, variant: str) -> Path:
    if variant not in VARIANTS:
        raise ValueError(f"unknown ONNX variant {variant!r}")
    stat = found.weights.stat()
    ident = f"{found.weights.resolve()}\0{stat.st_size}\0{stat.st_mtime_ns}\0v{FORMAT_VERSION}"
    return cache_dir / "onnx" / f"{hashlib.sha256(ident.encode()).hexdigest()[:20]}-{variant}"


def _publish(final: Path, write) -> None:
    """Run `write(tmp)` into a fresh temporary folder, then rename it to `final` in one step. Another
    process that got there first wins; temporary folders of processes that died are removed."""
    final.parent.mkdir(parents=True, exist_ok=True)
    _remove_orphans(final.parent)
    tmp = final.parent / f"{TMP_PREFIX}{os.getpid()}-{uuid.uuid4().hex[:8]}-{final.name}"
    tmp.mkdir()
    try:
        with _quiet():
            write(tmp)
        try:
            os.rename(tmp, final)
        except OSError:
            if not (final / MANIFEST).is_file():  # not a lost race: a real failure
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def _quiet():
    """The tracer's and the quantizer's advice is for their developers, not for a user running a build."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _remove_orphans(folder: Path) -> None:
    for entry in folder.glob(f"{TMP_PREFIX}*"):
        pid = entry.name[len(TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def _write_manifest(folder: Path, manifest: Manifest) -> None:
    (folder / MANIFEST).write_text(json.dumps(asdict(manifest), indent=1))


def _export_fp32(found: Layout, folder: Path) -> None:
    import inspect

    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(found.transformer), local_files_only=True).eval()
    takes_types = "token_type_ids" in inspect.signature(model.forward).parameters
    inputs = ("input_ids", "attention_mask") + (("token_type_ids",) if takes_types else ())

    class Sentence(torch.nn.Module):
        """The transformer with the pooling and normalisation of sentence-transformers after it."""

        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids=None):
            # By keyword: positionally, newer transformers take the third argument for another one.
            extra = {"token_type_ids": token_type_ids} if takes_types else {}
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask, **extra).last_hidden_state
            if found.pooling == "cls":
                pooled = hidden[:, 0]
            else:
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1) if found.normalize else pooled

    ids = torch.ones((2, 8), dtype=torch.long)
    sample = (ids, ids) + ((torch.zeros_like(ids),) if takes_types else ())
    axes = {name: {0: "batch", 1: "sequence"} for name in inputs}
    with torch.no_grad():
        torch.onnx.export(Sentence(), sample, str(folder / "model.onnx"), input_names=list(inputs),
                          output_names=["embedding"], dynamic_axes={**axes, "embedding": {0: "batch"}},
                          opset_version=17, dynamo=False)
    shutil.copyfile(found.transformer / "tokenizer.json", folder / "tokenizer.json")
    _write_manifest(folder, Manifest(dim=int(model.config.hidden_size), pooling=found.pooling,
                                     normalize=found.normalize,
                                     max_positions=int(getattr(model.config, "max_position_embeddings", 512)),
                                     inputs=inputs, variant="fp32"))


def _quantize(source: Export, folder: Path) -> None:
    from onnxruntime.quantization import QuantType, quantize_dynamic

    # Per-channel scales keep the vectors close to fp32 (cosine 0.99); one scale per tensor does not (0.92).
    quantize_dynamic(str(source.model), str(folder / "model.onnx"), weight_type=QuantType.QInt8, per_channel=True)
    shutil.copyfile(source.tokenizer, folder / "tokenizer.json")
    _write_manifest(folder, Manifest(**{**asdict(source.manifest), "variant": "int8"}))
