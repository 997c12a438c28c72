"""initlab's three layers import in one direction: numerics <- figures <- notebook helpers.

The numerics (the modules at the package root) use numpy only, so a reader who opens one sees the formula and
nothing else; the figures draw with matplotlib and know nothing of widgets; only ``initlab.notebook`` touches
ipywidgets and IPython. Checked on the source (every import statement, also inside functions), so an import
that only runs on some path cannot slip through.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "book" / "initlab"
PLOTTING = ("matplotlib", "PIL")
NOTEBOOK = ("ipywidgets", "IPython", "jupyterquiz", "initlab.notebook")
FORBIDDEN = {"numerics": PLOTTING + NOTEBOOK + ("initlab.figures",), "figures": NOTEBOOK, "notebook": ()}


def layer(module):
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in ("figures", "notebook") else "numerics"


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts.pop()
        yield ".".join(parts), path, is_package


def imports(module, path, is_package):
    """``(line, absolute name)`` of everything ``path`` imports, relative imports resolved."""
    here = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = here[:len(here) - node.level + 1] if node.level else []
            name = ".".join(base + ([node.module] if node.module else []))
            for alias in node.names:  # `from . import figures` imports the submodule initlab.figures
                yield node.lineno, f"{name}.{alias.name}" if node.level else name


def violations(module, path, is_package):
    bad = []
    for line, name in imports(module, path, is_package):
        for prefix in FORBIDDEN[layer(module)]:
            if name == prefix or name.startswith(prefix + "."):
                bad.append(f"{path.name}:{line} in {module} imports {name} "
                           f"({layer(module)} must not import {prefix})")
    return bad


ALL = list(modules())


@pytest.mark.parametrize("module, path, is_package", ALL, ids=[m for m, _, _ in ALL])
def test_each_module_imports_only_its_own_layer_and_below(module, path, is_package):
    assert violations(module, path, is_package) == []


def test_the_layers_are_folders():
    layers = {layer(m) for m, _, _ in ALL}
    assert layers == {"numerics", "figures", "notebook"}
    assert all(p.parent == PACKAGE for m, p, _ in ALL if layer(m) == "numerics")


def test_the_check_catches_a_forbidden_import(tmp_path):
    numeric = tmp_path / "bad.py"
    numeric.write_text("import numpy as np\n\ndef f():\n    from .figures import drawing\n    import matplotlib.pyplot\n")
    found = violations("initlab.bad", numeric, False)
    assert len(found) == 2 and "imports initlab.figures.drawing" in found[0] and "matplotlib.pyplot" in found[1]
    figure = tmp_path / "fig.py"
    figure.write_text("from ..notebook import explore\nfrom .. import theory\n")
    assert [v.split(" imports ")[1].split(" ")[0] for v in violations("initlab.figures.fig", figure, False)] == [
        "initlab.notebook.explore"]
