"""training.tf_config and `crfiqa-tf tf-config`: TF_CONFIG from a host list, and its checks naming what is wrong."""

import json

import pytest

from crfiqa_tf.cli import main
from crfiqa_tf.config import ConfigError
from crfiqa_tf_apps.training.tf_config import build_tf_config, check_tf_config


def test_tf_config_from_a_host_list_and_its_checks(capsys):
    assert main(["tf-config", "--hosts", "10.0.0.1:2222,10.0.0.2:2222", "--index", "1"]) == 0
    config = json.loads(capsys.readouterr().out)
    assert config == {"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]}, "task": {"type": "worker", "index": 1}}
    assert check_tf_config(json.dumps(config)) == config
    with pytest.raises(SystemExit, match="--index 2: must be in 0..1"):
        main(["tf-config", "--hosts", "a:1,b:1", "--index", "2"])
    with pytest.raises(ValueError, match="is not host:port"):
        build_tf_config(["a"], 0)
    with pytest.raises(ConfigError, match="TF_CONFIG: not set"):
        check_tf_config(None)
    bad_index = {"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 3}}
    with pytest.raises(ConfigError, match=r"TF_CONFIG.task.index: 3 is out of range for 1 worker"):
        check_tf_config(json.dumps(bad_index))
    bad_type = {"cluster": {"worker": ["a:1"]}, "task": {"type": "chief", "index": 0}}
    with pytest.raises(ConfigError, match=r"TF_CONFIG.task.type: 'chief' is not a job of the cluster \['worker'\]"):
        check_tf_config(json.dumps(bad_type))
