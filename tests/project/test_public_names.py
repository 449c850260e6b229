"""crfiqa_tf.public_names: each package's public names resolve to their modules' own objects, on first use, and an
unknown name is an AttributeError naming it."""

import pytest


@pytest.mark.parametrize(
    "package",
    ["crfiqa_tf.align", "crfiqa_tf.evaluation", "crfiqa_tf.inference", "crfiqa_tf.matchers", "crfiqa_tf.on_top"],
)
def test_each_public_name_of_a_package_is_its_modules_own(package):
    """A package declares its public names and imports each from its module on first use (none eagerly)."""
    import importlib

    module = importlib.import_module(package)
    assert module.__all__ and sorted(dir(module)) == sorted(module.__all__)
    for name in module.__all__:
        value = getattr(module, name)
        owner = getattr(value, "__module__", None)
        assert owner is None or owner.startswith(package), (package, name, owner)
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        module.missing  # noqa: B018
