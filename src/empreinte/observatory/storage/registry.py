"""The data-centre registry: sites and cloud regions with their yearly reporting-scheme KPIs.

Operators (with a token) declare a site or a cloud region and, per year, the key performance
indicators of the EU data-centre reporting scheme (Delegated Regulation (EU) 2024/1364,
Annex I and II: energy consumed, PUE, WUE, energy reuse factor, renewable energy factor, water
input, waste heat reused), each with its source and verification tier. Reports link to a site
with ``datacenter.id``; a report that links to one and states no PUE (or WUE) takes the site's
KPI of the report's year (else the nearest earlier year), and the report says so in
``datacenter.source`` and a coded warning. The registry is seeded with the operators' published
figures of the reference data (``factors/data/datacenters.json``), tier ``declared``.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from empreinte.observatory.storage.db import DatacenterRow, ReportRow
from empreinte.report.models import Estimate, Report, WarningItem

__all__ = [
    "KPIS",
    "DatacenterDecl",
    "Kpi",
    "YearKpis",
    "get_site",
    "inherit",
    "list_sites",
    "seed_sites",
    "site_reports",
    "upsert_site",
]

Tier = Literal["declared", "third-party-verified", "estimated"]

KPIS: dict[str, tuple[str, str]] = {
    "pue": ("Power usage effectiveness (PUE)", "1"),
    "wue_l_per_kwh": ("Water usage effectiveness (WUE)", "L/kWh"),
    "erf": ("Energy reuse factor (ERF)", "1"),
    "ref": ("Renewable energy factor (REF)", "1"),
    "energy_mwh": ("Total energy consumption", "MWh"),
    "water_m3": ("Total water input", "m³"),
    "waste_heat_reused_mwh": ("Waste heat reused", "MWh"),
}
"""KPI key -> (label, unit): the indicators of Delegated Regulation (EU) 2024/1364."""

_BOUNDS: dict[str, tuple[float, float]] = {
    "pue": (1.0, 10.0),
    "wue_l_per_kwh": (0.0, 100.0),
    "erf": (0.0, 1.0),
    "ref": (0.0, 1.0),
    "energy_mwh": (0.0, 1e9),
    "water_m3": (0.0, 1e12),
    "waste_heat_reused_mwh": (0.0, 1e9),
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Kpi(_Model):
    """One KPI value with its bounds, source and verification tier."""

    value: float = Field(allow_inf_nan=False)
    low: float | None = Field(default=None, allow_inf_nan=False)
    high: float | None = Field(default=None, allow_inf_nan=False)
    source: str = Field(min_length=1, max_length=500)
    tier: Tier = "declared"

    @model_validator(mode="after")
    def _check(self) -> Kpi:
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if not low <= self.value <= high:
            raise ValueError("expected low <= value <= high")
        return self

    def estimate(self) -> Estimate:
        return Estimate(
            value=self.value,
            low=self.value if self.low is None else self.low,
            high=self.value if self.high is None else self.high,
        )


class YearKpis(_Model):
    """The KPIs of one reporting year (any subset)."""

    year: int = Field(ge=1990, le=2100)
    pue: Kpi | None = None
    wue_l_per_kwh: Kpi | None = None
    erf: Kpi | None = None
    ref: Kpi | None = None
    energy_mwh: Kpi | None = None
    water_m3: Kpi | None = None
    waste_heat_reused_mwh: Kpi | None = None

    @field_validator(*_BOUNDS)
    @classmethod
    def _bounds(cls, k: Kpi | None, info: ValidationInfo) -> Kpi | None:
        if k is None:
            return None
        lo, hi = _BOUNDS[str(info.field_name)]
        for x in (k.value, k.low, k.high):
            if x is not None and not lo <= x <= hi:
                raise ValueError(f"must be between {lo:g} and {hi:g}, got {x:g}")
        return k


class DatacenterDecl(_Model):
    """A site or cloud region as an operator declares it."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]{1,99}$")
    name: str = Field(min_length=1, max_length=200)
    operator: str = Field(min_length=1, max_length=200)
    kind: Literal["site", "cloud-region", "fleet"] = "site"
    zone: str = Field(min_length=2, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")
    provider: str | None = Field(default=None, max_length=40)
    region: str | None = Field(default=None, max_length=60)
    url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    years: list[YearKpis] = Field(min_length=1, max_length=60)

    @field_validator("years")
    @classmethod
    def _unique_years(cls, v: list[YearKpis]) -> list[YearKpis]:
        seen = [y.year for y in v]
        if len(set(seen)) != len(seen):
            raise ValueError("each year at most once")
        return sorted(v, key=lambda y: y.year)

    def kpis_for(self, year: int) -> YearKpis | None:
        """The KPIs of ``year``, else of the nearest earlier year, else of the first year."""
        earlier = [y for y in self.years if y.year <= year]
        return earlier[-1] if earlier else self.years[0]


def _row(decl: DatacenterDecl, token_id: int | None, now: datetime) -> dict[str, Any]:
    return {
        "id": decl.id,
        "name": decl.name,
        "operator": decl.operator,
        "kind": decl.kind,
        "zone": decl.zone,
        "token_id": token_id,
        "updated_at": now,
        "body": decl.model_dump_json(exclude_none=True),
    }


def upsert_site(
    session: Session, decl: DatacenterDecl, token_id: int | None, now: datetime
) -> bool:
    """Store ``decl``; True when new. A site is changed only by the token that declared it."""
    row = session.get(DatacenterRow, decl.id)
    if row is None:
        session.add(DatacenterRow(created_at=now, **_row(decl, token_id, now)))
        return True
    if row.token_id != token_id:
        from empreinte.observatory.storage.errors import Conflict

        raise Conflict(
            "this data centre was declared by another token",
            [("id", f"{decl.id!r} belongs to another operator token")],
        )
    for key, value in _row(decl, token_id, now).items():
        setattr(row, key, value)
    return False


def get_site(session: Session, site_id: str) -> DatacenterDecl | None:
    row = session.get(DatacenterRow, site_id)
    return None if row is None else DatacenterDecl.model_validate_json(row.body)


def list_sites(session: Session) -> list[DatacenterDecl]:
    rows = session.scalars(select(DatacenterRow).order_by(DatacenterRow.operator, DatacenterRow.id))
    return [DatacenterDecl.model_validate_json(r.body) for r in rows]


def site_reports(session: Session, site_id: str, limit: int = 200) -> list[dict[str, Any]]:
    """Live reports that ran at ``site_id``, newest first."""
    stmt = (
        select(
            ReportRow.report_id,
            ReportRow.name,
            ReportRow.model,
            ReportRow.stage,
            ReportRow.m_tier,
            ReportRow.energy_kwh,
            ReportRow.created_at,
        )
        .where(ReportRow.datacenter_id == site_id, ReportRow.superseded_by.is_(None))
        .order_by(ReportRow.created_at.desc())
        .limit(limit)
    )
    return [dict(r._mapping) for r in session.execute(stmt)]


def inherit(session: Session, report: Report) -> list[tuple[str, str]]:
    """Fill ``report``'s missing PUE/WUE from the site it names; the errors, if it names none."""
    site_id = report.datacenter.id
    if site_id is None:
        return []
    site = get_site(session, site_id)
    if site is None:
        return [("datacenter.id", f"no data centre {site_id!r} in the registry")]
    kpis = site.kpis_for(report.created_at.year)
    if kpis is None:
        return []
    taken = []
    dc = report.datacenter
    if dc.pue is None and kpis.pue is not None:
        dc.pue = kpis.pue.estimate()
        taken.append("PUE")
    if dc.wue_l_per_kwh is None and kpis.wue_l_per_kwh is not None:
        dc.wue_l_per_kwh = kpis.wue_l_per_kwh.estimate()
        taken.append("WUE")
    if taken:
        dc.source = f"registry:{site.id}/{kpis.year}"
        report.warnings.append(
            WarningItem(
                code="datacenter-from-registry",
                message=f"{' and '.join(taken)} taken from the registry entry {site.id!r} "
                f"({kpis.year}); impacts were computed by the submitter without them",
            )
        )
    return []


def _year(source_ids: list[str], sources: dict[str, Any]) -> int | None:
    for sid in source_ids:
        published = str(sources.get(sid, {}).get("published", ""))
        if published[:4].isdigit():
            return int(published[:4])
    return None


def seed_sites(session: Session, now: datetime) -> int:
    """Register the operators and facilities of the reference data (tier ``declared``)."""
    from empreinte.factors._base import read_data_text
    from empreinte.factors.datacenters import list_datacenters

    sources = {s["id"]: s for s in json.loads(read_data_text("sources.json"))["sources"]}
    added = 0
    for d in list_datacenters():
        if d.kind not in ("provider", "facility"):
            continue
        if session.get(DatacenterRow, d.id) is not None:
            continue
        year = _year(list(d.pue.sources), sources)
        if year is None:
            continue

        def kpi(v: Any) -> Kpi:
            title = "; ".join(sources.get(s, {}).get("title", s) for s in v.sources)
            return Kpi(value=v.value, low=v.low, high=v.high, source=title[:500])

        kpis = YearKpis(
            year=year,
            pue=kpi(d.pue),
            wue_l_per_kwh=None if d.wue_onsite_l_per_kwh is None else kpi(d.wue_onsite_l_per_kwh),
        )
        decl = DatacenterDecl(
            id=d.id,
            name=d.name,
            operator=d.operator or d.name.split(" (")[0],
            kind="fleet" if d.kind == "provider" else "site",
            zone=d.zone or "WOR",
            years=[kpis],
        )
        session.add(DatacenterRow(created_at=now, **_row(decl, None, now)))
        added += 1
    return added
