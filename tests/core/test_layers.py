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
}


def _unit(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
            if node.module == "empreinte":
                names = [f"empreinte.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for n in names:
            parts = n.split(".")
            if parts[0] == "empreinte" and len(parts) > 1:
                out.add(parts[1])
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
