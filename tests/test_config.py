import dataclasses

import pytest

from crfiqa_tf.config import ConfigError, config_from_dict, load_config, save_config


def test_defaults_are_the_official_recipe_and_frozen():
    config = load_config()
    assert (config.model.depth, config.model.scale, config.model.margin) == (50, 64.0, 0.5)
    assert (config.model.alpha, config.model.beta, config.model.cr_mode) == (10.0, 0.5, "code")
    assert (config.train.momentum, config.train.weight_decay, config.train.backbone_clip_norm) == (0.9, 5e-4, 5.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.train.lr = 1.0


def test_yaml_and_dotted_overrides(tmp_path):
    path = tmp_path / "exp.yaml"
    path.write_text("model:\n  depth: 18\ntrain:\n  epochs: 3\n  lr_decay_epochs: [1, 2]\n")
    config = load_config(path, ["train.lr=0.05", "model.cr_mode=paper", "train.lr_decay_epochs=2"])
    assert config.model.depth == 18 and config.train.epochs == 3
    assert config.train.lr == 0.05 and config.model.cr_mode == "paper"
    assert config.train.lr_decay_epochs == [2]
    saved = tmp_path / "resolved.yaml"
    save_config(config, saved)
    assert load_config(saved) == config


@pytest.mark.parametrize(
    "values,overrides,message",
    [
        ({"train": {"nope": 1}}, [], "unknown config key.*train.nope"),
        ({"bogus": {}}, [], "unknown config key.*bogus"),
        ({}, ["train.lr=-0.1"], "train.lr: must be >= 0"),
        ({}, ["model.depth=42"], "model.depth"),
        ({}, ["model.cr_mode=ratio"], "model.cr_mode"),
        ({}, ["model.width=0"], "model.width: must be positive and finite, got 0"),
        ({"model": {"width": float("inf")}}, [], "model.width: must be positive and finite, got inf"),
        ({}, ["model.backbone=mobilefacenet", "model.width=0.5"], "model.width: applies to the iresnet only"),
        ({}, ["train.epochs=many"], "train.epochs: expected an integer"),
        ({}, ["data.train_dir=/no/such/dir"], "data.train_dir: directory not found"),
        ({}, ["train.lr"], "must look like section.key=value"),
    ],
)
def test_bad_configs_fail_with_the_key_named(values, overrides, message):
    with pytest.raises(ConfigError, match=message):
        config_from_dict(values, overrides)


def test_missing_file():
    with pytest.raises(ConfigError, match="config file not found"):
        load_config("/no/such.yaml")
