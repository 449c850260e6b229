import os

from crfiqa_tf.environment import cpu_name, describe_machine

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC

processor\t: 1
cpu family\t: 25
model name\t: other
"""


def test_cpu_name_carries_family_and_model_of_the_first_processor():
    assert cpu_name(CPUINFO) == "AMD EPYC (family 26 model 2)"


def test_cpu_name_without_family_or_name():
    assert cpu_name("model name\t: Some CPU\n") == "Some CPU"
    assert cpu_name("processor\t: 0\n") is None


def test_describe_machine_names_cores_and_memory():
    line = describe_machine()
    assert f"{os.cpu_count()} cores" in line and "GiB" in line
