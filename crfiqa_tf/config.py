"""Typed experiment configuration: dataclasses, YAML loading, dotted overrides, validation, then frozen.

    config = load_config("training/configs/synthetic_tiny.yaml", ["train.lr=0.05", "model.depth=18"])

Every section is a frozen dataclass; an unknown key, a wrong type or an out-of-range value fails at load time with
a message naming the key, before any work starts. `save_config` writes the resolved config into a run directory.
"""

from __future__ import annotations

import dataclasses
import os
import typing
from dataclasses import dataclass, field

import yaml

from crfiqa_tf import paths

CR_MODES = ("code", "paper")  # the certainty-ratio definitions (crfiqa_tf/losses.py explains both)
CENTRES = ("learned", "leave-one-out")  # where an on-top head's class centres come from (on_top/on_top_model.py)


class ConfigError(ValueError):
    """A configuration that cannot be used, with the offending key in the message."""


BACKBONES = ("iresnet", "mobilefacenet", "mobilefacenet-edge")


@dataclass(frozen=True)
class ModelConfig:
    backbone: str = "iresnet"  # or a MobileFaceNet variant (depth and use_se then do not apply)
    depth: int = 50
    width: float = 1.0  # the iResNet's channel multiplier (1.0: the official network); variants fix their own
    embedding_dim: int = 512
    use_se: bool = False
    dropout: float = 0.4
    image_size: int = 112
    scale: float = 64.0
    margin: float = 0.5
    alpha: float = 10.0
    beta: float = 0.5
    cr_mode: str = "code"
    synchronized_bn: bool = True

    def validate(self) -> None:
        _check(self.backbone in BACKBONES, "model.backbone", f"must be one of {BACKBONES}, got {self.backbone!r}")
        _check(self.depth in (18, 34, 50, 100), "model.depth", f"must be 18, 34, 50 or 100, got {self.depth}")
        _check(0 < self.width < float("inf"), "model.width", f"must be positive and finite, got {self.width}")
        _check(
            self.backbone == "iresnet" or self.width == 1.0,
            "model.width",
            f"applies to the iresnet only; {self.backbone} fixes its own width, got {self.width}",
        )
        _check(self.embedding_dim > 0, "model.embedding_dim", f"must be positive, got {self.embedding_dim}")
        _check(0.0 <= self.dropout < 1.0, "model.dropout", f"must be in [0, 1), got {self.dropout}")
        _check(self.image_size >= 16, "model.image_size", f"must be >= 16, got {self.image_size}")
        _check(self.scale > 0, "model.scale", f"must be positive, got {self.scale}")
        _check(0.0 <= self.margin < 1.5, "model.margin", f"must be in [0, 1.5) radians, got {self.margin}")
        _check(self.alpha >= 0, "model.alpha", f"must be >= 0, got {self.alpha}")
        _check(self.beta > 0, "model.beta", f"must be positive, got {self.beta}")
        _check(self.cr_mode in CR_MODES, "model.cr_mode", f"must be one of {CR_MODES}, got {self.cr_mode!r}")


@dataclass(frozen=True)
class DataConfig:
    train_dir: str = ""
    verification_bins: list[str] = field(default_factory=list)
    num_classes: int = 0
    per_replica_batch: int = 128
    shuffle_buffer: int = 10_000
    random_flip: bool = True
    deterministic: bool = False

    def validate(self) -> None:
        _check(self.per_replica_batch > 0, "data.per_replica_batch", f"must be positive, got {self.per_replica_batch}")
        _check(
            self.num_classes >= 0,
            "data.num_classes",
            f"must be >= 0 (0: from dataset_info.json), got {self.num_classes}",
        )
        _check(self.shuffle_buffer >= 0, "data.shuffle_buffer", f"must be >= 0, got {self.shuffle_buffer}")
        if self.train_dir:
            _check(paths.isdir(self.train_dir), "data.train_dir", f"directory not found: {self.train_dir}")
        for path in self.verification_bins:
            _check(paths.isfile(path), "data.verification_bins", f"file not found: {path}")


@dataclass(frozen=True)
class TrainConfig:
    run_dir: str = "runs/default"
    strategy: str = "mirrored"
    logical_cpus: int = 0
    epochs: int = 34
    steps_per_epoch: int = 0
    max_steps: int = 0
    lr: float = 0.0
    base_lr_per_512: float = 0.1
    momentum: float = 0.9
    weight_decay: float = 5e-4
    lr_decay_epochs: list[int] = field(default_factory=lambda: [20, 28, 32])
    lr_decay_factor: float = 0.1
    warmup_steps: int = 0
    backbone_clip_norm: float = 5.0
    mixed_precision: str = "none"
    xla: bool = False
    seed: int = 1337
    checkpoint_every: int = 1000
    keep_checkpoints: int = 3
    verify_every: int = 2000
    log_every: int = 50

    def validate(self) -> None:
        _check(
            self.strategy in ("mirrored", "multi_worker", "one_device"),
            "train.strategy",
            f"must be mirrored, multi_worker or one_device, got {self.strategy!r}",
        )
        _check(self.logical_cpus >= 0, "train.logical_cpus", f"must be >= 0, got {self.logical_cpus}")
        _check(self.epochs > 0, "train.epochs", f"must be positive, got {self.epochs}")
        _check(self.lr >= 0, "train.lr", f"must be >= 0 (0: 0.1/512 x global batch), got {self.lr}")
        _check(self.base_lr_per_512 > 0, "train.base_lr_per_512", f"must be positive, got {self.base_lr_per_512}")
        _check(0 <= self.momentum < 1, "train.momentum", f"must be in [0, 1), got {self.momentum}")
        _check(self.weight_decay >= 0, "train.weight_decay", f"must be >= 0, got {self.weight_decay}")
        _check(
            list(self.lr_decay_epochs) == sorted(self.lr_decay_epochs),
            "train.lr_decay_epochs",
            f"must be increasing, got {self.lr_decay_epochs}",
        )
        _check(0 < self.lr_decay_factor <= 1, "train.lr_decay_factor", f"must be in (0, 1], got {self.lr_decay_factor}")
        _check(
            self.backbone_clip_norm >= 0,
            "train.backbone_clip_norm",
            f"must be >= 0 (0: off), got {self.backbone_clip_norm}",
        )
        _check(
            self.mixed_precision in ("none", "mixed_float16", "mixed_bfloat16"),
            "train.mixed_precision",
            f"must be none, mixed_float16 or mixed_bfloat16, got {self.mixed_precision!r}",
        )
        for key in (
            "warmup_steps",
            "steps_per_epoch",
            "max_steps",
            "checkpoint_every",
            "keep_checkpoints",
            "verify_every",
            "log_every",
        ):
            _check(getattr(self, key) >= 0, f"train.{key}", f"must be >= 0, got {getattr(self, key)}")


@dataclass(frozen=True)
class ExperimentConfig:
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    train: TrainConfig = field(default_factory=TrainConfig)

    def validate(self) -> None:
        for section in (self.model, self.data, self.train):
            section.validate()

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def _check(ok: bool, key: str, message: str) -> None:
    if not ok:
        raise ConfigError(f"{key}: {message}")


def _coerce(value, annotation, key: str):
    """Checks (and mildly converts) a YAML value against a dataclass field annotation."""
    kind = annotation if isinstance(annotation, str) else getattr(annotation, "__name__", str(annotation))
    if kind == "bool":
        if isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected true/false, got {value!r}")
    if kind == "int":
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise ConfigError(f"{key}: expected an integer, got {value!r}")
    if kind == "float":
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        raise ConfigError(f"{key}: expected a number, got {value!r}")
    if kind == "str":
        if isinstance(value, str):
            return value
        raise ConfigError(f"{key}: expected a string, got {value!r}")
    if kind.startswith("list["):
        if isinstance(value, str):
            value = [yaml.safe_load(item) for item in value.split(",") if item.strip()]
        elif not isinstance(value, (list, tuple)):
            value = [value]  # `--set train.lr_decay_epochs=8` means a one-element list
        inner = kind[len("list[") : -1]
        return [_coerce(item, inner, f"{key}[{i}]") for i, item in enumerate(value)]
    raise ConfigError(f"{key}: unsupported field type {kind}")


def _build(cls, values: dict, prefix: str):
    if not isinstance(values, dict):
        raise ConfigError(f"{prefix or 'config'}: expected a mapping, got {values!r}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        where = f"{prefix}." if prefix else ""
        raise ConfigError(f"unknown config key(s): {', '.join(where + k for k in unknown)}; known: {sorted(fields)}")
    kwargs = {}
    for name, value in values.items():
        key = f"{prefix}.{name}" if prefix else name
        annotation = fields[name].type
        nested = {
            "ModelConfig": ModelConfig,
            "DataConfig": DataConfig,
            "TrainConfig": TrainConfig,
        }.get(annotation)
        kwargs[name] = _build(nested, value, key) if nested else _coerce(value, annotation, key)
    return cls(**kwargs)


def _set_dotted(tree: dict, override: str) -> None:
    if "=" not in override:
        raise ConfigError(f"override {override!r} must look like section.key=value")
    dotted, raw = override.split("=", 1)
    parts = dotted.strip().split(".")
    node = tree
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise ConfigError(f"override {override!r}: {part} is not a section")
    node[parts[-1]] = yaml.safe_load(raw) if raw.strip() else ""


def config_from_dict(values: dict, overrides: typing.Sequence[str] = ()) -> ExperimentConfig:
    """Builds, overrides and validates an `ExperimentConfig` from a plain mapping."""
    tree = {section: dict(content or {}) for section, content in (values or {}).items()}
    for override in overrides:
        _set_dotted(tree, override)
    config = _build(ExperimentConfig, tree, "")
    config.validate()
    return config


def load_config(path: str | os.PathLike | None = None, overrides: typing.Sequence[str] = ()) -> ExperimentConfig:
    """Loads a YAML experiment file (or the defaults when `path` is None), applies ``key=value`` overrides."""
    values = {}
    if path is not None:
        path = os.fspath(path)
        if not paths.isfile(path):
            raise ConfigError(f"config file not found: {path}")
        values = yaml.safe_load(paths.read_text(path)) or {}
    return config_from_dict(values, overrides)


def save_config(config: ExperimentConfig, path: str | os.PathLike) -> None:
    """Writes the resolved config as YAML (loadable again with `load_config`)."""
    paths.write_text(os.fspath(path), yaml.safe_dump(config.to_dict(), sort_keys=False))
