"""One line describing the machine a figure was measured on (quoted with every benchmark and demo figure)."""

from __future__ import annotations

import os
import platform


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            cpu = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), cpu)
    except OSError:
        pass
    try:
        with open("/proc/meminfo", encoding="utf-8") as handle:
            memory = f"{int(handle.readline().split()[1]) / 2**20:.0f} GiB"
    except OSError:
        memory = "unknown memory"
    gpus = "no GPU"
    try:
        import tensorflow as tf

        found = tf.config.list_physical_devices("GPU")
        gpus = f"{len(found)} GPU(s)" if found else gpus
    except ImportError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {memory}, {gpus}"
