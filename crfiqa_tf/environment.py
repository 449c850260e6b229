"""One line describing the machine a figure was measured on (quoted with every benchmark and demo figure)."""

from __future__ import annotations

import os
import platform


def _first_processor(cpuinfo: str) -> dict[str, str]:
    fields = {}
    for line in cpuinfo.split("\n\n")[0].splitlines():
        key, sep, value = line.partition(":")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _read_cpuinfo() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            return handle.read()
    except OSError:
        return ""


def cpu_name(cpuinfo: str) -> str | None:
    """The first processor's model name in `/proc/cpuinfo` text, with its family and model numbers: a generic name
    ("AMD EPYC") covers CPU generations that differ twice over in speed."""
    fields = _first_processor(cpuinfo)
    if "model name" not in fields:
        return None
    if "cpu family" not in fields:
        return fields["model name"]
    return f"{fields['model name']} (family {fields['cpu family']} model {fields.get('model', '?')})"


def cpu_flags(cpuinfo: str | None = None) -> set[str]:
    """The first processor's instruction-set flags (``avx512_bf16``, ``amx_bf16``, …); empty where unknown."""
    return set(_first_processor(_read_cpuinfo() if cpuinfo is None else cpuinfo).get("flags", "").split())


def cpu_has_bfloat16() -> bool:
    return bool({"avx512_bf16", "amx_bf16"} & cpu_flags())


def describe_machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpu = cpu_name(_read_cpuinfo()) or cpu
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
