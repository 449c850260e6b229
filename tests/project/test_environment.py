import os

from crfiqa_tf.environment import cpu_flags, cpu_name, describe_machine

CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
cpu family\t: 26
model\t\t: 2
model name\t: AMD EPYC
flags\t\t: fpu avx2 avx512_bf16

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


def test_cpu_flags_of_the_first_processor():
    assert cpu_flags(CPUINFO) == {"fpu", "avx2", "avx512_bf16"}
    assert cpu_flags("processor\t: 0\n") == set()
