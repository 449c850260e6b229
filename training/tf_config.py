"""``TF_CONFIG`` for multi-host training with MultiWorkerMirroredStrategy: built from a host list, and checked
before any training step so that a wrong cluster fails with the key named instead of hanging at the first
collective.

    export TF_CONFIG=$(crfiqa-tf tf-config --hosts 10.0.0.1:12345,10.0.0.2:12345 --index 0)   # on host 0
    export TF_CONFIG=$(crfiqa-tf tf-config --hosts 10.0.0.1:12345,10.0.0.2:12345 --index 1)   # on host 1
"""

from __future__ import annotations

import json

from crfiqa_tf.config import ConfigError


def build_tf_config(hosts: list[str], index: int) -> str:
    """The ``TF_CONFIG`` JSON of worker `index` in a cluster of `hosts` (``host:port`` each; worker 0 is the
    chief, which writes the run directory)."""
    if not hosts:
        raise ConfigError("--hosts: give at least one host:port")
    for host in hosts:
        name, _, port = host.rpartition(":")
        if not name or not port.isdigit():
            raise ConfigError(f"--hosts: {host!r} is not host:port")
    if not 0 <= index < len(hosts):
        raise ConfigError(f"--index {index}: must be in 0..{len(hosts) - 1} for {len(hosts)} hosts")
    return json.dumps({"cluster": {"worker": list(hosts)}, "task": {"type": "worker", "index": index}})


def check_tf_config(raw: str | None) -> dict:
    """The parsed ``TF_CONFIG``; ValueError naming the key when it cannot describe this process's place."""
    if not raw:
        raise ConfigError("TF_CONFIG: not set; train.strategy=multi_worker needs it (crfiqa-tf tf-config builds it)")
    try:
        config = json.loads(raw)
    except ValueError as error:
        raise ConfigError(f"TF_CONFIG: not JSON ({error})") from None
    cluster, task = config.get("cluster"), config.get("task")
    if not isinstance(cluster, dict) or not cluster:
        raise ConfigError("TF_CONFIG.cluster: missing or empty (expected {'worker': ['host:port', ...]})")
    if not isinstance(task, dict) or "type" not in task or "index" not in task:
        raise ConfigError("TF_CONFIG.task: missing type or index (expected {'type': 'worker', 'index': N})")
    members = cluster.get(task["type"])
    if not isinstance(members, list) or not members:
        raise ConfigError(f"TF_CONFIG.task.type: {task['type']!r} is not a job of the cluster {sorted(cluster)}")
    if not isinstance(task["index"], int) or not 0 <= task["index"] < len(members):
        raise ConfigError(
            f"TF_CONFIG.task.index: {task['index']!r} is out of range for {len(members)} {task['type']} task(s)"
        )
    return config
