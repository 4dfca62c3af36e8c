"""The machine a benchmark ran on, and the embedder it used, printed beside its numbers so they can be
compared honestly."""
from __future__ import annotations

import os
import platform

from codeidx.core.config import Config


def describe(config: Config | None = None) -> dict[str, str]:
    """The machine, and the embedder `config` names (by default the user's file and environment, as
    the benchmark's indexes resolve it)."""
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
        with open("/proc/meminfo") as handle:
            memory = f"{int(handle.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        memory = "unknown"
    device = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "CPU only"
    return {"cpu": cpu, "cores": str(os.cpu_count()), "memory": memory, "accelerator": device,
            "os": f"{platform.system()} {platform.release()}", "python": platform.python_version(),
            "torch": torch.__version__, "embedder": embedder(config or Config.load())}


def embedder(config: Config) -> str:
    prefixes = [f"{what} {value!r}" for what, value in (("query prefix", config.embed_query_prefix),
                                                        ("document prefix", config.embed_document_prefix)) if value]
    return f"{config.embed_model} ({config.embed_backend})" + "".join(f", {p}" for p in prefixes)


def as_line(machine: dict[str, str]) -> str:
    return (f"{machine['cpu']}, {machine['cores']} cores, {machine['memory']}, {machine['accelerator']}; "
            f"{machine['os']}, Python {machine['python']}, torch {machine['torch']}; "
            f"embedder {machine['embedder']}")
