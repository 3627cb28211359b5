"""The index-backed leaderboard gives what the pure ranking gives over every live row."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

from obs_samples import sample_report
from sqlalchemy import select
from sqlalchemy.orm import Session

from empreinte import ranking
from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import store
from empreinte.observatory.storage.admin import open_db
from empreinte.observatory.storage.db import FrontRow, ReportRow
from empreinte.observatory.summaries import cohorts, fronts
from empreinte.report.validate import validate_report

GPUS = ["NVIDIA H100 80GB HBM3", "NVIDIA L4"]


def _report(rng: random.Random, i: int) -> dict[str, Any]:
    metric = rng.choice(["accuracy", "accuracy", "wer", None])
    r = sample_report(
        energy_kwh=rng.choice([0.1, 0.2, 0.2, 0.3, rng.uniform(0.05, 0.6)]),
        model=f"org/m{i % 7}",
        quality=round(rng.uniform(0.2, 0.9), 2),
        precision=None,
    )
    r["system"]["precision"] = rng.choice(["bf16", "int8"])
    r["hardware"][0]["name"] = rng.choice(GPUS)
    if metric is None:
        r["quality_metrics"] = {}
    elif metric == "wer":
        r["quality_metrics"] = {"wer": r["quality_metrics"]["accuracy"]}
    return r


def _expected(s: Session, gate: float | None, min_q: float | None) -> dict[tuple[str, ...], Any]:
    """The former whole-cohort computation, in Python over every live row."""
    rows = s.execute(
        select(ReportRow).where(
            ReportRow.task == "text-generation",
            ReportRow.fu_type == "inference",
            ReportRow.superseded_by.is_(None),
        )
    ).scalars()
    groups: dict[tuple[str, ...], list[ReportRow]] = {}
    for r in rows:
        key = ranking.cohort_key(r.hardware, r.precision, r.boundary, r.m_tier)
        groups.setdefault(key, []).append(r)
    out = {}
    for key, rs in groups.items():
        metrics = Counter(r.quality_metric for r in rs if r.quality_metric)
        best = max(metrics.values(), default=0)
        metric = max((m for m, n in metrics.items() if n == best), default=None)
        higher = ranking.higher_is_better(metric)
        entries = [
            ranking.Entry(
                r.report_id,
                r.energy_per_unit_kwh,
                r.quality_value if r.quality_metric == metric else None,
            )
            for r in rs
        ]
        if metric is None:
            ranked = ranking.rank(entries, require_quality=False)
            front: list[ranking.Entry] = []
        else:
            ranked = ranking.rank(entries, min_quality=min_q, relative_gate=gate, higher=higher)
            front = ranking.pareto_front(entries, higher=higher)
        model = {r.report_id: r.model or r.report_id for r in rs}
        seen: set[str] = set()
        best = []  # each model's first entry in ranking order, then ranked again
        for x in ranked:
            if model[x.entry.id] not in seen:
                seen.add(model[x.entry.id])
                best.append(x.entry)
        per_model = ranking.rank(best, require_quality=False)
        out[key] = (
            len(rs),
            metric,
            [(x.rank, x.entry.id) for x in ranked[:10]],
            [e.id for e in front],
            [(x.rank, x.entry.id) for x in per_model[:10]],
        )
    return out


def _check(s: Session, gate: float | None = 0.9, min_q: float | None = None) -> None:
    want = _expected(s, gate, min_q)
    for view in ("configurations", "models"):
        got = cohorts.leaderboard(
            s, "text-generation", None, gate=gate, min_quality=min_q, limit=10, view=view
        )
        assert got["unit"] == "inference"
        assert len(got["cohorts"]) == len(want) > 3
        for c in got["cohorts"]:
            key = tuple(c["cohort"][k] for k in ("hardware", "precision", "boundary", "m_tier"))
            n, metric, ranked, front, per_model = want[key]
            assert (c["reports"], c["quality_metric"]) == (n, metric)
            rows = [(x["rank"], x["id"]) for x in c["ranking"]]
            assert rows == (ranked if view == "configurations" else per_model)
            if view == "models":
                models = [x["model"] for x in c["ranking"]]
                assert len(models) == len(set(models))
            assert [x["id"] for x in c["pareto_front"]] == front
            assert set(front) <= {p["id"] for p in c["points"]}


def test_leaderboard_matches_full_computation(db_url: str, tmp_path: Any) -> None:
    sessions = open_db(Settings(database_url=db_url, data_dir=tmp_path))
    rng = random.Random(7)
    with sessions() as s:
        raws = [_report(rng, i) for i in range(160)]
        store.ingest(s, [(validate_report(r), r) for r in raws[:100]], token_id=None)
        store.ingest(s, [(validate_report(r), r) for r in raws[100:]], token_id=None)
        _check(s)
        _check(s, gate=None)
        _check(s, gate=None, min_q=0.5)
        # corrections leave the board: the best reports are superseded by poor ones
        best = sorted(raws, key=lambda r: -r["quality_metrics"].get("accuracy", 0))[:5]
        fixes = []
        for old in best:
            new = _report(rng, 99)
            new["supersedes"] = old["report_id"]
            new["quality_metrics"] = {"accuracy": 0.01}
            fixes.append((validate_report(new), new))
        store.ingest(s, fixes, token_id=None)
        _check(s)
        before = cohorts.boards(s)
        cohorts.rebuild(s)
        assert cohorts.boards(s) == before
        stored = sorted(tuple(r) for r in s.execute(select(FrontRow.__table__)))
        fronts.rebuild(s)
        assert sorted(tuple(r) for r in s.execute(select(FrontRow.__table__))) == stored
        _check(s)
        assert before == [{"task": "text-generation", "unit": "inference", "reports": 160}]
