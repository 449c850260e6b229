"""The house rules that keep the layers apart: the library never imports the applications (its commands aside),
training never imports the cli, demo and benchmarks never import each other, and the light entry points stay
TensorFlow-free."""

import ast
import os
import subprocess
import sys

import pytest
from support.paths import ROOT

APPLICATIONS = ("crfiqa_tf_apps", "training", "serving", "beam_jobs", "demo", "benchmarks")


def _imports(folder):
    """(file, imported module) for every import statement under `folder`."""
    for directory, _, files in os.walk(os.path.join(ROOT, folder)):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(directory, name)
                tree = ast.parse(open(path, encoding="utf-8").read())
                for node in ast.walk(tree):
                    if isinstance(node, ast.Import):
                        yield from ((os.path.relpath(path, ROOT), alias.name) for alias in node.names)
                    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                        yield os.path.relpath(path, ROOT), node.module


def test_library_imports_no_application_except_its_commands():
    found = [
        (p, m)
        for p, m in _imports("crfiqa_tf")
        if not p.startswith("crfiqa_tf/commands/") and m.split(".")[0] in APPLICATIONS
    ]
    assert found == []


def test_cli_only_dispatches():
    """Every command is a module of crfiqa_tf.commands (add_parser + run) and cli.py stays a dispatcher."""
    from crfiqa_tf import cli

    lines = open(os.path.join(ROOT, "crfiqa_tf", "cli.py"), encoding="utf-8").read().count("\n")
    assert lines <= 120
    modules = {name[:-3] for name in os.listdir(os.path.join(ROOT, "crfiqa_tf", "commands")) if name[0] != "_"}
    assert set(cli.COMMANDS) == modules
    parser = cli.build_parser()
    names = parser._subparsers._group_actions[0].choices
    assert sorted(names) == sorted(name.replace("_", "-") for name in cli.COMMANDS)


@pytest.mark.parametrize(
    "folder, forbidden",
    [
        ("training", ("crfiqa_tf.cli",)),
        ("demo", ("benchmarks", "crfiqa_tf.cli")),
        ("benchmarks", ("crfiqa_tf_apps.demo", "crfiqa_tf.cli")),
        ("serving", ("crfiqa_tf.evaluation.evaluate", "crfiqa_tf_apps.training", "crfiqa_tf_apps.beam_jobs")),
        ("beam_jobs", ("crfiqa_tf_apps.serving", "crfiqa_tf_apps.training", "crfiqa_tf.cli")),
    ],
)
def test_applications_import_only_downwards(folder, forbidden):
    assert [(p, m) for p, m in _imports(folder) if m.startswith(forbidden)] == []


@pytest.mark.parametrize(
    "module",
    [
        "crfiqa_tf.config",
        "crfiqa_tf.inference.litert",
        "crfiqa_tf.model_io",
        "crfiqa_tf.load_scorer",
        "crfiqa_tf.align.aligner",
        "crfiqa_tf.align.blazeface",
        "crfiqa_tf.calibration",
        "crfiqa_tf.align",
        "crfiqa_tf.evaluation",
        "crfiqa_tf.inference",
        "crfiqa_tf.output_rows",
        "crfiqa_tf.inference.score_files",
        "crfiqa_tf.best_shots.command",
        "crfiqa_tf.faces.measurement",
        "crfiqa_tf.report",
        "crfiqa_tf.report.drawn_photos",
    ],
)
def test_light_modules_leave_tensorflow_unimported(module):
    statement = "import crfiqa_tf; crfiqa_tf.load_scorer" if module == "crfiqa_tf.load_scorer" else f"import {module}"
    code = f"import sys; {statement}; print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert out.stdout.split() == ["False", "False"], out.stderr[-2000:]


def _module_graph(package: str) -> dict[str, set[str]]:
    """Module → the package's modules it imports (module-level or lazy; ``from P import m`` of a submodule points
    at the submodule, not at the package)."""
    modules = {}
    for directory, _, files in os.walk(os.path.join(ROOT, package)):
        for name in files:
            if name.endswith(".py"):
                relative = os.path.relpath(os.path.join(directory, name), ROOT)[:-3].replace(os.sep, ".")
                modules[relative.removesuffix(".__init__")] = os.path.join(directory, name)
    graph = {}
    for module, path in modules.items():
        targets = set()
        for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                submodules = [f"{node.module}.{a.name}" for a in node.names if f"{node.module}.{a.name}" in modules]
                targets.update(submodules or [node.module])
            elif isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
        graph[module] = {t for t in targets if t in modules and t != module and not module.startswith(t + ".")}
    return graph


def test_no_import_circle_in_the_library():
    """No module reaches itself through the modules it imports (a package's __init__ re-exporting its own
    submodules aside)."""
    graph = _module_graph("crfiqa_tf")
    circles = []

    def visit(module, trail):
        for target in sorted(graph[module]):
            if target in trail:
                circles.append(trail[trail.index(target) :] + [target])
            elif target not in done:
                visit(target, trail + [target])
        done.add(module)

    done: set[str] = set()
    for module in sorted(graph):
        if module not in done:
            visit(module, [module])
    package_inits = [c for c in circles if all(c[0].startswith(m) or m.startswith(c[0]) for m in c)]
    assert [c for c in circles if c not in package_inits] == [], "import circles"
