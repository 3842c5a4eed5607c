"""The house's floors, held by a test: a package imports only from the floors below
it, and no two modules import each other, directly or round a loop.

Read from the source (every ``import`` and ``from … import``, inside functions
too), so a lazy import cannot hide an edge. What the architecture still owes is
listed in ``NOT_YET``, edge by edge: a new edge against the floors fails, and so
does an entry that is no longer true (the list only shrinks).
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# From the ground up; packages on one floor do not import each other.
FLOORS: list[tuple[str, ...]] = [
    ("city",),  # profile, ladder, geo, i18n, network policy, record types, privacy
    ("connectors",),  # one module per protocol
    ("store",),  # tables, writes, rollups, versions
    ("ingest", "kpis"),  # pull-and-commit beside the indicators
    ("access",),  # roles, identities, the policy
    ("components",),  # pure layout and figures
    ("pages",),  # Dash pages
    ("web",),  # the app factory, guard, sign-in, headers, runtime, settings
    ("app", "bench"),  # the Dash app module; the benchmark
    ("citywall",),  # the command line and onboarding
]
FLOOR_OF = {package: height for height, row in enumerate(FLOORS) for package in row}

# Edges the floors forbid that the code still has, each with what removes it.
NOT_YET: dict[tuple[str, str], str] = {}


def _modules() -> dict[str, Path]:
    found = {"app": ROOT / "app.py"}
    for package in FLOOR_OF:
        folder = ROOT / package
        if folder.is_dir():
            for path in folder.rglob("*.py"):
                name = path.relative_to(ROOT).with_suffix("").as_posix()
                found[name.replace("/", ".").removesuffix(".__init__")] = path
    return found


def _imports(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Each module's imports of our own modules (a name imported from a package
    that is a module counts as that module)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                targets = [
                    f"{node.module}.{a.name}"
                    if f"{node.module}.{a.name}" in modules
                    else node.module
                    for a in node.names
                ]
            else:
                continue
            for target in targets:
                while target not in modules and "." in target:
                    target = target.rsplit(".", 1)[0]
                if target in modules and target != name:
                    edges[name].add(target)
    return edges


def _package(module: str) -> str:
    return module.split(".")[0]


def test_every_package_imports_only_from_the_floors_below():
    edges = _imports(_modules())
    against = {
        (source, target)
        for source, targets in edges.items()
        for target in targets
        if _package(source) != _package(target)
        and FLOOR_OF[_package(target)] >= FLOOR_OF[_package(source)]
    }
    assert sorted(against - set(NOT_YET)) == [], "imports against the floors"
    assert sorted(set(NOT_YET) - against) == [], "done: strike them from NOT_YET"


def test_no_modules_import_each_other_round_a_loop():
    edges = _imports(_modules())
    for source, target in NOT_YET:  # known upward edges aside, as above
        edges[source].discard(target)
    loops = []
    state: dict[str, int] = {}  # 1 on the path, 2 done

    def walk(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                loops.append(path[path.index(target) :] + [target])
            elif target not in state:
                walk(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            walk(module, [module])
    assert loops == []


def test_every_package_has_a_floor():
    packages = {
        p.name
        for p in ROOT.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "tools")
    }
    assert packages <= set(FLOOR_OF), packages - set(FLOOR_OF)
