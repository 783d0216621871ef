"""The shape of the package: one import root, dependencies one way, no cycles, short functions.

The stages, left to right (a module imports only from its own stage or from
stages to its left): marketdata -> signals -> strategies -> backtests ->
reports -> the shell (``macropatch/*.py``). Inside backtests: metrics ->
engine -> (sweep | stress), and evidence reads metrics, engine and sweep. The import graph is read from the source (every
``import``, at module level, in functions and under ``TYPE_CHECKING``).
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[1]
ROOT = "macropatch"
STAGES = ("marketdata", "signals", "strategies", "backtests", "reports")
BACKTEST_ROOMS = ("metrics", "engine", "sweep", "stress", "evidence")
# A room may import from the rooms listed for it (and from itself).
BACKTEST_ALLOWED = {
    "metrics": set(),
    "engine": {"metrics"},
    "sweep": {"metrics", "engine"},
    "stress": {"metrics", "engine"},
    "evidence": {"metrics", "engine", "sweep"},
}
LOCAL_IMPORTS_ALLOWED = {
    # the entry point installs the Ctrl-C handler before the heavy imports, by design
    "macropatch.entry",
    # the command line imports the library inside each command, so --help, strategies,
    # signals --list and data status never load vectorbt or pandas' heavier users
    # (bench/front_door.py measures them; test_front_door checks the imports)
    "macropatch.cli",
    # the Objective enum is a command-line option type: it must load without pandas
    "macropatch.backtests.sweep.objective",
}
ONLY_IMPORTER = {
    "vectorbt": "macropatch.backtests.engine.adapter",
    "quantstats": "macropatch.reports.tearsheet",
}
LONGEST_FUNCTION = 80


@dataclass(frozen=True)
class Import:
    """One first-party import: who, what, and whether inside a function."""

    importer: str
    imported: str
    line: int
    local: bool


def _modules() -> dict[str, Path]:
    """Every module of the installed tree, by dotted name (following the stage symlinks)."""
    modules: dict[str, Path] = {}
    package = REPOSITORY / ROOT
    for directory, _folders, files in os.walk(package, followlinks=True):
        for name in files:
            if not name.endswith(".py"):
                continue
            path = Path(directory) / name
            parts = list(path.relative_to(REPOSITORY).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            modules[".".join(parts)] = path
    return modules


MODULES = _modules()


def _resolve(name: str) -> str:
    """``name`` if it is a module, else the module that defines it (its parent)."""
    while name not in MODULES and "." in name:
        name = name.rsplit(".", 1)[0]
    return name


def _imports(module: str, path: Path) -> list[Import]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found: list[Import] = []

    def visit(node: ast.AST, local: bool) -> None:
        for child in ast.iter_child_nodes(node):
            inside = local or isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef)
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append(Import(module, alias.name, child.lineno, inside))
            elif isinstance(child, ast.ImportFrom):
                assert child.level == 0, f"{module}:{child.lineno}: relative import"
                base = child.module or ""
                for alias in child.names:
                    target = f"{base}.{alias.name}"
                    found.append(
                        Import(module, target if target in MODULES else base, child.lineno, inside)
                    )
            visit(child, inside)

    visit(tree, False)
    return found


IMPORTS = [item for module, path in MODULES.items() for item in _imports(module, path)]
FIRST_PARTY = [item for item in IMPORTS if item.imported.split(".")[0] == ROOT]


def _place(module: str) -> tuple[int, str | None]:
    """(stage index, backtests room) of a module; the shell is the last stage."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in STAGES:
        room = parts[2] if parts[1] == "backtests" and len(parts) > 2 else None
        return STAGES.index(parts[1]), room
    return len(STAGES), None


def test_the_tree_is_found() -> None:
    assert {
        "macropatch.cli",
        "macropatch.signals.base",
        "macropatch.backtests.engine.kernel",
    } <= set(MODULES)
    assert len(FIRST_PARTY) > 200


def test_no_module_imports_a_stage_as_a_top_level_package() -> None:
    wrong = [
        f"{item.importer}:{item.line} imports {item.imported}"
        for item in IMPORTS
        if item.imported.split(".")[0] in STAGES
    ]
    assert wrong == []


def test_stages_depend_one_way() -> None:
    wrong = []
    for item in FIRST_PARTY:
        (importer_stage, importer_room) = _place(item.importer)
        (imported_stage, imported_room) = _place(_resolve(item.imported))
        if imported_stage > importer_stage:
            wrong.append(f"{item.importer}:{item.line} imports {item.imported} (a later stage)")
        elif importer_stage == imported_stage == STAGES.index("backtests"):
            if importer_room and imported_room and importer_room != imported_room:
                if imported_room not in BACKTEST_ALLOWED[importer_room]:
                    wrong.append(f"{item.importer}:{item.line} imports {item.imported}")
            elif (
                importer_room and imported_room is None and item.imported != "macropatch.backtests"
            ):
                wrong.append(f"{item.importer}:{item.line} imports {item.imported}")
    assert wrong == []


def test_the_import_graph_is_acyclic() -> None:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for item in FIRST_PARTY:
        target = _resolve(item.imported)
        if target != item.importer:
            graph[item.importer].add(target)
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def walk(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt) :], nxt])
            elif nxt not in state:
                walk(nxt)
        stack.pop()
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    assert cycles == []


def test_no_function_local_import_of_the_package() -> None:
    wrong = [
        f"{item.importer}:{item.line} imports {item.imported} inside a function"
        for item in FIRST_PARTY
        if item.local and item.importer not in LOCAL_IMPORTS_ALLOWED
    ]
    assert wrong == []


@pytest.mark.parametrize("library", sorted(ONLY_IMPORTER))
def test_each_outside_engine_has_one_adapter(library: str) -> None:
    importers = {item.importer for item in IMPORTS if item.imported.split(".")[0] == library}
    assert importers == {ONLY_IMPORTER[library]}


def test_no_function_is_longer_than_80_lines() -> None:
    long = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > LONGEST_FUNCTION:
                    long.append(f"{module}.{node.name}: {length} lines")
    assert long == []


def _python(
    code: str, cwd: Path, environment: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(environment or {})},
        timeout=300,
    )


PROBE = """
import importlib, sys
for stage in ("marketdata", "signals", "strategies", "backtests", "reports"):
    try:
        importlib.import_module(stage)
    except ImportError:
        pass
    else:
        sys.exit(f"import {stage} worked")
import macropatch.signals.registry, macropatch.backtests.sweep.runner
assert "vectorbt" not in sys.modules, "the sweep's modules imported vectorbt"
import macropatch.backtests.engine.adapter
assert "vectorbt" in sys.modules
print(macropatch.__file__)
"""


def test_the_installed_package_has_one_import_root(tmp_path: Path) -> None:
    """In this (editable) install: ``import signals`` fails, ``macropatch.signals`` works."""
    done = _python(PROBE, cwd=tmp_path, environment={"PYTHONPATH": ""})
    assert done.returncode == 0, done.stderr + done.stdout
    assert Path(done.stdout.strip()).resolve() == (REPOSITORY / ROOT / "__init__.py").resolve()


def test_a_regular_install_has_one_import_root(tmp_path: Path) -> None:
    """The wheel holds macropatch/ only (its stages as real folders), and it imports."""
    source = tmp_path / "source"  # a copy: a build in place would leave build/ in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "README.md", ROOT, *STAGES):
        origin = REPOSITORY / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__"))  # fmt: skip
        else:
            shutil.copy2(origin, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
         "--wheel-dir", str(tmp_path / "wheel"), str(source)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = (tmp_path / "wheel").glob("macropatch-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.startswith("macropatch-")}
    assert tops == {ROOT}
    for expected in ("macropatch/signals/base.py", "macropatch/backtests/engine/kernel.py",
                     "macropatch/marketdata/catalog.toml", "macropatch/scenarios/1_bond_vigilantes.toml",
                     "macropatch/reports/templates/index.html.j2",
                     "macropatch/reports/static/page.css"):  # fmt: skip
        assert expected in names
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    done = _python(PROBE, cwd=tmp_path, environment={"PYTHONPATH": str(target)})
    assert done.returncode == 0, done.stderr + done.stdout
    assert Path(done.stdout.strip()) == target / ROOT / "__init__.py"
