"""The ``totals`` summary gives the stats a full recomputation over ``reports`` gives."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest
from obs_samples import sample_report

from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import admin, store
from empreinte.observatory.storage.admin import open_db
from empreinte.observatory.storage.query import Filters
from empreinte.observatory.summaries import totals
from empreinte.observatory.summaries.aggregates import Aggregates, full_stats
from empreinte.report.validate import validate_report

GPUS = ["NVIDIA H100 80GB HBM3", "NVIDIA L4", "Mystery Accelerator 9000"]


def _report(rng: random.Random) -> dict[str, Any]:
    r = sample_report(
        energy_kwh=rng.uniform(0.01, 0.6),
        task=rng.choice(["text-generation", "asr", None]),
        lifecycle_stage=rng.choice(["inference", "training", "evaluation"]),
        created_at=f"20{rng.randrange(21, 26)}-0{rng.randrange(1, 10)}-15T00:00:00Z",
    )
    r["hardware"][0]["name"] = rng.choice(GPUS)
    if rng.random() < 0.2:
        r["impacts"].pop("water_l")
    if rng.random() < 0.1:
        r["hardware"] = []
        r["energy"].pop("gpu_kwh")
    return r


def _same(got: Any, want: Any) -> None:
    """Equal, floats to a relative 1e-9 (sums in another order)."""
    if isinstance(want, dict):
        assert set(got) == set(want)
        for k in want:
            _same(got[k], want[k])
    elif isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want, strict=True):
            _same(g, w)
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-9, abs=1e-12)
    else:
        assert got == want


FILTERS = [
    Filters(),
    Filters(stage="training"),
    Filters(task="asr", tier="M2,M3"),
    Filters(hardware="Mystery Accelerator 9000"),
    Filters(unit="inference", stage="inference"),
    Filters(task="nothing-like-this"),
]


def _check(s: Any) -> None:
    for f in FILTERS:
        assert totals.serves(f)
        _same(totals.stats(s, f), full_stats(s, f))


def test_totals_match_full_computation(db_url: str, tmp_path: Path) -> None:
    sessions = open_db(Settings(database_url=db_url, data_dir=tmp_path))
    rng = random.Random(11)
    with sessions() as s:
        _check(s)  # empty database: zero reports, sums None
        assert totals.stats(s, Filters())["totals"]["energy_kwh"] is None
        raws = [_report(rng) for _ in range(120)]
        store.ingest(s, [(validate_report(r), r) for r in raws[:70]], token_id=None)
        store.ingest(s, [(validate_report(r), r) for r in raws[70:]], token_id=None)
        _check(s)
        # corrections: some retire stored reports, one retires a report of its own batch
        fixes = []
        for old in raws[:6]:
            new = _report(rng)
            new["supersedes"] = old["report_id"]
            fixes.append(new)
        fresh = _report(rng)
        fix_fresh = _report(rng)
        fix_fresh["supersedes"] = fresh["report_id"]
        batch = [*fixes, fresh, fix_fresh]
        store.ingest(s, [(validate_report(r), r) for r in batch], token_id=None)
        _check(s)
        assert totals.stats(s, Filters())["totals"]["reports"] == 120 + 8 - 7
        # the summary is what a rebuild gives; the cached path serves it
        before = totals.stats(s, Filters())
        totals.rebuild(s)
        _same(totals.stats(s, Filters()), before)
        assert Aggregates().stats(s, Filters()) == totals.stats(s, Filters())
        assert not totals.serves(Filters(include_superseded=True))
        # a dump loaded into an empty database gives the same stats
        admin.dump(s, tmp_path / "dump.jsonl")
    if db_url.startswith("sqlite"):
        other = open_db(Settings(database_url=f"sqlite:///{tmp_path / 'b.db'}", data_dir=tmp_path))
        with other() as s2:
            admin.load(s2, tmp_path / "dump.jsonl")
            _check(s2)
            _same(totals.stats(s2, Filters()), before)


def _tables(s: Any) -> dict[str, list[list[Any]]]:
    """The three summary tables as sorted rows (rows that count no report left out)."""
    from sqlalchemy import select

    from empreinte.observatory.storage.db import CohortRow, FrontRow, TotalRow
    from empreinte.observatory.summaries.base import BOARD_KEY

    def rows(model: Any, key: tuple[str, ...], values: tuple[str, ...] = ()) -> list[list[Any]]:
        stmt = select(*(getattr(model, c) for c in (*key, *values)))
        if values:
            stmt = stmt.where(model.reports > 0)
        return sorted((list(r) for r in s.execute(stmt)), key=lambda r: repr(r[: len(key)]))

    sums = ("reports", "energy_kwh", "gwp_kgco2e", "gwp_n", "water_l", "water_n")
    return {
        "totals": rows(TotalRow, totals.KEY, sums),
        "cohorts": rows(CohortRow, BOARD_KEY, ("reports", "q_max", "q_min")),
        "fronts": rows(FrontRow, (*BOARD_KEY, "report_id")),
    }


def test_every_summary_kept_at_ingestion_is_its_rebuild(db_url: str, tmp_path: Path) -> None:
    """Ingestion, corrections and a withdrawal drive the summaries through one protocol
    (``summaries.maintain``); what they keep equals what ``maintain.rebuild`` recomputes."""
    from empreinte.observatory.summaries import maintain

    names = [getattr(m, "__name__", "").rsplit(".", 1)[-1] for m in maintain.SUMMARIES]
    assert names == ["cohorts", "fronts", "totals"]
    sessions = open_db(Settings(database_url=db_url, data_dir=tmp_path))
    rng = random.Random(7)
    with sessions() as s:
        raws = [_report(rng) for _ in range(60)]
        for r in raws:  # qualities spread, so that fronts hold several points
            r["quality_metrics"] = {"accuracy": rng.uniform(0.5, 0.95)}
        store.ingest(s, [(validate_report(r), r) for r in raws], token_id=None)
        fixes = []
        for old in raws[:5]:
            new = _report(rng)
            new["supersedes"] = old["report_id"]
            fixes.append(new)
        store.ingest(s, [(validate_report(r), r) for r in fixes], token_id=None)
        store.withdraw(s, raws[10]["report_id"], "duplicate of another submission")
        kept = _tables(s)
        assert kept["totals"] and kept["cohorts"] and kept["fronts"]
        maintain.rebuild(s)
        rebuilt = _tables(s)
    _same(rebuilt, kept)
