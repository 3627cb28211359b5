"""Electricity grid factors per zone (GWP, ADPe, primary energy, off-site water).

Zones are ISO 3166-1 alpha-3 codes plus ``WOR`` (world) and ``EEE`` (Europe). A location
string is either a zone code (``FRA``) or a cloud region (``cloud:aws:eu-west-3``), resolved
offline. With no location, the world factor is used with a range spanning the 10th-90th
percentile of zones, and a coded warning: where it ran is unknown, so the spread is wide.

The table is ``data/grid.csv``, built and audited by ``scripts/build_grid_factors.py``.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from empreinte.errors import CodedWarning, UnknownKeyError, WarningCode
from empreinte.factors._base import read_data_text
from empreinte.ranges import Range
from empreinte.vocabulary import USAGE_CRITERIA, Criterion

__all__ = [
    "GRID_FACTORS",
    "GridRepository",
    "Location",
    "ZoneFactors",
    "default_repository",
    "get_zone",
    "resolve_location",
]

GRID_FACTORS: tuple[str, ...] = tuple(Criterion(c).short for c in USAGE_CRITERIA)
"""Per-kWh factor columns, one per usage criterion: gwp kgCO2e/kWh, water L/kWh (off-site),
adpe kgSbeq/kWh, pe MJ/kWh."""

WORLD = "WOR"


@dataclass(frozen=True, slots=True)
class ZoneFactors:
    """Per-kWh factors of one zone, each a :class:`Range`, with their sources and audit flags."""

    zone: str
    gwp_kgco2e_per_kwh: Range
    adpe_kgsbe_per_kwh: Range
    pe_mj_per_kwh: Range
    water_offsite_l_per_kwh: Range
    sources: tuple[str, ...]
    flags: tuple[str, ...] = ()
    gwp_year: int | None = None  # data year of the GWP factor (None: not recorded)

    def factor(self, criterion: str) -> Range:
        return {
            "gwp": self.gwp_kgco2e_per_kwh,
            "adpe": self.adpe_kgsbe_per_kwh,
            "pe": self.pe_mj_per_kwh,
            "water": self.water_offsite_l_per_kwh,
        }[criterion]


@dataclass(frozen=True, slots=True)
class Location:
    """A resolved location: its zone factors, the data-centre preset it implies, and warnings.

    For a cloud region, ``provider`` is the normalised provider (``aws``, ``gcp``, ``azure``)
    and ``region`` the region as in the catalog; both are ``None`` for a plain zone."""

    query: str | None
    zone: ZoneFactors
    datacenter: str | None = None
    warnings: tuple[CodedWarning, ...] = field(default=())
    provider: str | None = None
    region: str | None = None


def _parse(text: str) -> dict[str, ZoneFactors]:
    lines = [ln for ln in text.splitlines() if not ln.startswith("#")]
    out: dict[str, ZoneFactors] = {}
    for r in csv.DictReader(io.StringIO("\n".join(lines))):
        rng = {
            c: Range(float(r[c]), float(r[c + "_low"]), float(r[c + "_high"])) for c in GRID_FACTORS
        }
        out[r["zone"]] = ZoneFactors(
            zone=r["zone"],
            gwp_kgco2e_per_kwh=rng["gwp"],
            adpe_kgsbe_per_kwh=rng["adpe"],
            pe_mj_per_kwh=rng["pe"],
            water_offsite_l_per_kwh=rng["water"],
            sources=tuple(s for s in r["sources"].split(";") if s),
            flags=tuple(f for f in r["flags"].split(";") if f),
            gwp_year=int(r["gwp_year"]) if r.get("gwp_year") else None,
        )
    return out


class GridRepository:
    """Zone factors, read lazily from ``loader()`` (CSV text; default: the packaged file)."""

    def __init__(self, loader: Callable[[], str] | None = None) -> None:
        self._loader = loader or (lambda: read_data_text("grid.csv"))

    @cached_property
    def _zones(self) -> dict[str, ZoneFactors]:
        return _parse(self._loader())

    def zones(self) -> list[str]:
        return sorted(self._zones)

    def get(self, zone: str) -> ZoneFactors:
        key = zone.strip().upper()
        try:
            return self._zones[key]
        except KeyError:
            import difflib

            near = difflib.get_close_matches(key, self._zones, n=3, cutoff=0.5)
            raise UnknownKeyError("zone", zone, near) from None

    @cached_property
    def unknown(self) -> ZoneFactors:
        """World factors with the 10th-90th percentile band across zones (location unknown)."""
        world = self.get(WORLD)
        rng: dict[str, Range] = {}
        for c in GRID_FACTORS:
            vals = [z.factor(c).value for k, z in self._zones.items() if k not in (WORLD, "EEE")]
            q = statistics.quantiles(vals, n=10, method="inclusive")
            v = world.factor(c).value
            rng[c] = Range(v, min(q[0], v), max(q[-1], v))
        return ZoneFactors(
            zone=WORLD,
            gwp_kgco2e_per_kwh=rng["gwp"],
            adpe_kgsbe_per_kwh=rng["adpe"],
            pe_mj_per_kwh=rng["pe"],
            water_offsite_l_per_kwh=rng["water"],
            sources=(*world.sources, "empreinte-grid-audit"),
            flags=("location-unknown",),
        )

    def arrays(self) -> tuple[list[str], dict[str, Any]]:
        """Zone codes and, per criterion, numpy arrays of value/low/high aligned with them."""
        import numpy as np

        codes = self.zones()
        arr: dict[str, Any] = {}
        for c in GRID_FACTORS:
            rs = [self._zones[z].factor(c) for z in codes]
            arr[c] = Range(
                np.array([r.value for r in rs]),
                np.array([r.low for r in rs]),
                np.array([r.high for r in rs]),
            )
        return codes, arr

    def resolve(self, location: str | None) -> Location:
        """Resolve a zone code or ``cloud:PROVIDER:REGION`` string; ``None`` means unknown."""
        if location is None or not location.strip():
            msg = "no location given: world average factor used, with the spread across zones"
            return Location(
                None, self.unknown, None, (CodedWarning(WarningCode.LOCATION_UNKNOWN, msg),)
            )
        loc = location.strip()
        warnings: list[CodedWarning] = []
        datacenter: str | None = None
        provider: str | None = None
        region_name: str | None = None
        if loc.lower().startswith("cloud:"):
            from empreinte.factors.cloud import resolve_cloud_location

            region = resolve_cloud_location(loc)
            zone = self.get(region.zone)
            datacenter = region.datacenter
            provider, region_name = region.provider, region.region
        else:
            zone = self.get(loc)
        fb = [f for f in zone.flags if f.startswith("electricity-mix-") and f.endswith("-world")]
        if fb:
            warnings.append(
                CodedWarning(
                    WarningCode.ZONE_FALLBACK,
                    f"zone {zone.zone}: {', '.join(fb)} (world value with a wide range)",
                )
            )
        return Location(loc, zone, datacenter, tuple(warnings), provider, region_name)


_default: GridRepository | None = None


def default_repository() -> GridRepository:
    global _default
    if _default is None:
        _default = GridRepository()
    return _default


def get_zone(zone: str) -> ZoneFactors:
    return default_repository().get(zone)


def resolve_location(location: str | None) -> Location:
    return default_repository().resolve(location)
