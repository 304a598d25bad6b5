"""Imports run down the layers, and no module imports itself back through others.

pipelines (the Dagster wiring and the commands) sit on top, then reports and web, then
the core (cicopa) and its schemas. Lazy imports inside functions count too: a cycle
that only works because an import is deferred is still a cycle.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {"schemas": 0, "cicopa": 0, "reports": 1, "web": 1, "pipelines": 2}


def project_modules() -> dict[str, Path]:
    found = {}
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


MODULES = project_modules()


def _owner(name: str) -> str | None:
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def imports_of(module: str) -> set[str]:
    """The project modules `module` imports, at any depth of its code."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        else:
            continue
        for name in names:
            owner = _owner(name) if name.split(".")[0] in LAYERS else None
            if owner and owner != module and not module.startswith(owner + "."):
                found.add(owner)
    return found


GRAPH = {module: imports_of(module) for module in MODULES}


def test_no_module_imports_a_layer_above_it() -> None:
    upward = sorted(
        f"{module} -> {dep}"
        for module, deps in GRAPH.items()
        for dep in deps
        if LAYERS[dep.split(".")[0]] > LAYERS[module.split(".")[0]]
    )
    assert upward == []


def test_reports_do_not_import_the_web_application() -> None:
    assert not [m for m, deps in GRAPH.items() if m.startswith("reports") and any(
        d.startswith("web") for d in deps
    )]  # fmt: skip


def test_no_import_cycles() -> None:
    """Strongly connected groups of modules (Tarjan), each a cycle to break."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []
    counter = [0]
    sys.setrecursionlimit(10_000)

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        for dep in GRAPH[node]:
            if dep not in index:
                visit(dep)
                low[node] = min(low[node], low[dep])
            elif dep in stack:
                low[node] = min(low[node], index[dep])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert cycles == []


@pytest.mark.parametrize(
    "module", ["cicopa.validation", "cicopa.outcomes", "reports.render", "pipelines.definitions"]
)
def test_a_module_imports_alone(module: str) -> None:
    """Each layer's entry module imports in a fresh interpreter, with nothing before it."""
    subprocess.run([sys.executable, "-c", f"import {module}"], check=True, cwd=ROOT)


def test_validate_does_not_import_the_orchestrator() -> None:
    """`cicopa validate` answers in about a second: the command module loads no Dagster."""
    code = "import sys, pipelines.cli; assert 'dagster' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)
