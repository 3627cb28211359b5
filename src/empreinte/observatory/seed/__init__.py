"""The observatory's bundled seed: published figures as ``empreinte.report/1`` reports.

``iter_seed_reports()`` yields one validated :class:`~empreinte.report.models.Report` per
published figure: the public validation set (Patterson et al. 2021, BLOOM, Llama 2, Epoch AI's
GPT-4o query, Google's Gemini prompt), the per-task means of Luccioni et al. "Power Hungry
Processing" (FAccT 2024) and the 695 rows of the ML.ENERGY Leaderboard v3. Each has a full
citation in ``provenance.citation``, a stable ``report_id`` and a fixed ``created_at`` (the
publication date), so seeding twice is idempotent. Impacts are computed by
:func:`empreinte.report.build.make_report` with the current factors. The data files and how
they are rebuilt (``scripts/build_seed.py``) are described in ``docs/seed-data.md``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from typing import Any

from empreinte.observatory.seed._figures import figure_count, iter_figure_reports, load_figures
from empreinte.observatory.seed._mlenergy import (
    ML_ENERGY_CITATION,
    iter_mlenergy_reports,
    load_rows,
)
from empreinte.report.models import Report

__all__ = ["SEED_VERSION", "iter_bench_reports", "iter_seed_reports", "seed_count", "seed_summary"]

SEED_VERSION = "2026.11.3"
"""Version of the bundled dataset; bump it when a figure is added or corrected."""


BENCH_FILE = "data/bench_reference.jsonl"
"""Reports of the frugal benchmark's reference run (``scripts/build_bench_seed.py``)."""


def _bench_lines() -> list[str]:
    path = resources.files(__package__).joinpath(BENCH_FILE)
    if not path.is_file():
        return []
    return [ln for ln in path.read_text("utf-8").splitlines() if ln.strip()]


def iter_bench_reports() -> Iterator[Report]:
    """The frugal benchmark reference run: measured reports with quality metrics (tier M3)."""
    from empreinte.report.validate import validate_report

    for line in _bench_lines():
        yield validate_report(line)


def iter_seed_reports() -> Iterator[Report]:
    """Every seed report: curated figures, the ML.ENERGY rows, then the benchmark reference run."""
    yield from iter_figure_reports()
    yield from iter_mlenergy_reports()
    yield from iter_bench_reports()


def seed_count() -> int:
    """How many reports :func:`iter_seed_reports` yields, without building them."""
    return figure_count() + len(load_rows()) + len(_bench_lines())


def seed_summary() -> dict[str, Any]:
    """What the seed holds, per source, without building the reports (cheap)."""
    data = load_figures()
    per_source: dict[str, int] = {}
    for fig in data["figures"]:
        per_source[fig["source"]] = per_source.get(fig["source"], 0) + 1
    php = data["php"]["source"]
    per_source[php] = per_source.get(php, 0) + len(data["php"]["tasks"]) + 1
    per_source["mlenergy3"] = len(load_rows())
    sources = {
        k: {"citation": v["citation"], "reports": per_source.get(k, 0)}
        for k, v in data["sources"].items()
    }
    sources["mlenergy3"] = {"citation": ML_ENERGY_CITATION, "reports": per_source["mlenergy3"]}
    if _bench_lines():
        sources["empreinte-bench-reference"] = {
            "citation": "empreinte frugal benchmark reference run (docs/benchmarks.md)",
            "reports": len(_bench_lines()),
        }
    manifest = json.loads(
        resources.files(__package__).joinpath("data/manifest.json").read_text("utf-8")
    )
    return {
        "version": SEED_VERSION,
        "reports": seed_count(),
        "sources": sources,
        "inputs": manifest["files"],
    }
