"""The layering rule of docs/architecture.md: a lower layer never imports a higher one.

Checked on the source text of every module (imports inside functions included), so a lazy
import cannot hide a dependency that goes the wrong way.
"""

from __future__ import annotations

import ast
from pathlib import Path

PKG = Path(__file__).resolve().parents[2] / "src" / "empreinte"

RANK = {
    "_version": 0,
    "errors": 0,
    "ranges": 0,
    "config": 0,
    "vocabulary": 0,
    "units": 0,
    "factors": 1,
    "impacts": 2,
    "report": 3,
    "ranking": 3,
    "measure": 4,
    "submit": 4,
    "integrations": 4,  # measure's front-ends: callbacks drive a Tracker, which logs to MLflow
    "estimate": 5,
    "advise": 5,
    "bench": 5,
    "testing": 5,
    "genai": 6,
    "observatory": 6,
    "spark": 6,
    "slurm": 6,  # SLURM accounting -> reports: measured (sacct energy) or estimated
    "duckdb": 6,
    "cli": 7,
    # the observatory's rooms: settings and seed data, storage and summaries side by side,
    # views (the dicts pages and API serve), http (app, API, pages, errors, security)
    "observatory.settings": 0,
    "observatory.seed": 0,
    "observatory.storage": 1,
    "observatory.summaries": 1,
    "observatory.views": 2,
    "observatory.http": 3,
}

SUMMARIES_READ = {"db", "query", "columns"}
"""What summaries may import from storage: the schema, the filters and the indexed columns.
Storage calls the summaries (at ingestion, rebuild and migration); they never call it back."""


def _unit(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path, depth: int = 2) -> set[str]:
    """The ``empreinte`` units a module imports, as dotted paths of ``depth - 1`` parts."""
    tree = ast.parse(path.read_text("utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module.count(".") < depth:  # from package import module
                names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for n in names:
            parts = n.split(".")
            if parts[0] == "empreinte" and len(parts) > 1:
                out.add(".".join(parts[1:depth]))
    return out


def test_every_unit_has_a_rank() -> None:
    units = {_unit(p) for p in PKG.rglob("*.py") if p.name != "__init__.py" or p.parent != PKG}
    assert units <= set(RANK), f"unranked: {units - set(RANK)}"


def test_no_lower_layer_imports_a_higher_one() -> None:
    bad = []
    for path in PKG.rglob("*.py"):
        if path.parent == PKG and path.name == "__init__.py":
            continue  # the package's lazy facade re-exports from every layer
        unit = _unit(path)
        for dep in _imports(path):
            if dep in RANK and RANK[dep] > RANK[unit]:
                bad.append(f"{path.relative_to(PKG)} ({unit}) imports {dep}")
    assert not bad, "\n".join(bad)


OBS = PKG / "observatory"


def _room(path: Path) -> str:
    rel = path.relative_to(OBS)
    return "observatory." + rel.parts[0].removesuffix(".py")


def test_every_observatory_module_is_in_a_room() -> None:
    rooms = {_room(p) for p in OBS.rglob("*.py") if p.parent != OBS or p.name != "__init__.py"}
    assert rooms <= set(RANK), f"unranked: {rooms - set(RANK)}"


def test_observatory_rooms_import_only_down() -> None:
    """storage and summaries never import views or http; views never import http."""
    bad = []
    for path in OBS.rglob("*.py"):
        if path.parent == OBS and path.name == "__init__.py":
            continue  # the lazy facade: create_app
        room = _room(path)
        for dep in _imports(path, depth=3):
            if dep.startswith("observatory.") and dep in RANK and RANK[dep] > RANK[room]:
                bad.append(f"{path.relative_to(PKG)} ({room}) imports {dep}")
    assert not bad, "\n".join(bad)


def test_summaries_read_only_the_schema_of_storage() -> None:
    bad = []
    for path in (OBS / "summaries").rglob("*.py"):
        for dep in _imports(path, depth=4):
            if dep.startswith("observatory.storage.") and dep.split(".")[2] not in SUMMARIES_READ:
                bad.append(f"{path.relative_to(PKG)} imports {dep}")
    assert not bad, "\n".join(bad)


def _module(path: Path) -> str:
    parts = path.relative_to(PKG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _module_imports(path: Path, modules: set[str]) -> set[str]:
    """The modules a module imports (``from package import module`` counts the module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in modules else node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out & modules


def test_no_import_cycle_in_the_observatory() -> None:
    """No module of the observatory imports one that imports it back (lazily or not)."""
    paths = {_module(p): p for p in OBS.rglob("*.py")}
    modules = set(paths)
    graph = {m: _module_imports(p, modules) for m, p in paths.items() if p.name != "__init__.py"}
    cycles = []
    for start in graph:
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            if m == start:
                cycles.append(start)
                break
            if m not in seen:
                seen.add(m)
                todo.extend(graph.get(m, ()))
    assert not cycles, f"modules on an import cycle: {sorted(cycles)}"
