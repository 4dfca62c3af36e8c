"""The machine a benchmark ran on, printed beside its numbers so they can be compared honestly."""
from __future__ import annotations

import os
import platform


def describe() -> dict[str, str]:
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
            "torch": torch.__version__}


def as_line(machine: dict[str, str]) -> str:
    return (f"{machine['cpu']}, {machine['cores']} cores, {machine['memory']}, {machine['accelerator']}; "
            f"{machine['os']}, Python {machine['python']}, torch {machine['torch']}")
