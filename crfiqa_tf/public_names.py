"""Public names of a subpackage, each imported from its module on first use (PEP 562), so that importing the package
imports none of its modules: the TensorFlow-free ones stay TensorFlow-free whichever names a user reaches for."""

from __future__ import annotations

import importlib


def lazy_names(package: str, names: dict[str, str]):
    """``(__all__, __getattr__, __dir__)`` for `package` whose public `names` map each name to the module that
    defines it."""

    def __getattr__(name):
        if name not in names:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(names[name]), name)

    def __dir__():
        return sorted(names)

    return sorted(names), __getattr__, __dir__
