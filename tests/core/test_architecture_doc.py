"""docs/architecture.md stays true: its layer table names every top-level unit of the package
with the rank the layering test enforces, and its recipes name files that exist."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "architecture.md"
PKG = ROOT / "src" / "empreinte"


def _table() -> dict[str, int]:
    ranks: dict[str, int] = {}
    for line in DOC.read_text("utf-8").splitlines():
        m = re.match(r"^\| (\d+) \| (.+?) \|", line)
        if m:
            for unit in re.findall(r"`(\w+)`", m[2]):
                ranks[unit] = int(m[1])
    return ranks


def test_layer_table_matches_the_layering_test() -> None:
    import importlib.util

    path = Path(__file__).with_name("test_layers.py")
    spec = importlib.util.spec_from_file_location("_layers", path)
    assert spec is not None and spec.loader is not None
    layers = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(layers)
    top = {u: r for u, r in layers.RANK.items() if u.isidentifier()}  # not inner layers
    assert _table() == top


def test_every_unit_is_in_the_layer_table() -> None:
    units = {
        p.name.removesuffix(".py")
        for p in PKG.iterdir()
        if not p.name.startswith("__") and (p.suffix == ".py" or (p / "__init__.py").exists())
    }
    missing = units - set(_table())
    assert not missing, f"units missing from docs/architecture.md: {missing}"


def test_recipe_files_exist() -> None:
    """The measure, impacts, report, integrations and observatory files the page names exist."""
    text = DOC.read_text("utf-8")
    units = "measure|impacts|report|integrations|observatory"
    named = set(re.findall(rf"`((?:{units})/[\w/]+\.py)`", text))
    assert named, "no file named in the recipes"
    missing = sorted(p for p in named if not (PKG / p).exists())
    assert not missing, f"docs/architecture.md names files that do not exist: {missing}"
