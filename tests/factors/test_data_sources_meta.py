"""Meta-test: every number shipped in ``factors/data`` has a source that exists.

JSON files are walked generically: each numeric value must sit in an object that (itself or
its nearest ancestor object carrying one) has a non-empty ``sources`` list of ids known to
``sources.json``; a ``version`` string is the only top-level scalar allowed. CSV files must
be listed in the data README together with a known source id.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from empreinte.factors._base import load_sources

DATA = Path(__file__).parents[2] / "src/empreinte/factors/data"
SOURCES = set(load_sources())
JSON_FILES = sorted(p.name for p in DATA.glob("*.json") if p.name != "sources.json")


def _unsourced(node: Any, path: str, sources: list[str] | None) -> list[str]:
    bad: list[str] = []
    if isinstance(node, dict):
        if "sources" in node:
            sources = node["sources"]
            if not sources or any(s not in SOURCES for s in sources):
                bad.append(f"{path}: unknown or empty sources {sources!r}")
        for k, v in node.items():
            if k != "sources":
                bad += _unsourced(v, f"{path}.{k}", sources)
    elif isinstance(node, list):
        for i, v in enumerate(node):
            bad += _unsourced(v, f"{path}[{i}]", sources)
    elif isinstance(node, bool) or node is None or isinstance(node, str):
        pass
    elif isinstance(node, int | float) and not sources:
        bad.append(f"{path}: number {node!r} without a source")
    return bad


def test_there_are_data_files() -> None:
    assert {"accelerators.json", "datacenters.json", "models.json"} <= set(JSON_FILES)


@pytest.mark.parametrize("name", JSON_FILES)
def test_every_json_number_has_a_known_source(name: str) -> None:
    assert _unsourced(json.loads((DATA / name).read_text("utf-8")), name, None) == []


def test_walker_catches_unsourced_numbers() -> None:
    assert _unsourced({"x": {"value": 1}}, "f", None)
    assert _unsourced({"x": {"value": 1, "sources": ["nope"]}}, "f", None)
    assert not _unsourced({"x": {"value": 1, "sources": [next(iter(SOURCES))]}}, "f", None)


def test_sources_are_unique_and_titled() -> None:
    raw = json.loads((DATA / "sources.json").read_text("utf-8"))["sources"]
    ids = [s["id"] for s in raw]
    assert len(ids) == len(set(ids))
    assert all(s["title"].strip() for s in raw)


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*.csv")))
def test_csv_files_are_documented_with_a_source(name: str) -> None:
    readme = (DATA / "README.md").read_text("utf-8")
    section = re.search(rf"^##+ `{re.escape(name)}`\n(.*?)(?=^##+ |\Z)", readme, re.M | re.S)
    assert section, f"{name} has no section in data/README.md"
    ids = set(re.findall(r"`([a-z0-9][a-z0-9.-]+)`", section.group(1)))
    assert ids & SOURCES, f"{name}: its README section names no known source id"
