"""Reuse and lifetime what-if: keep an older accelerator generation in service (or extend a
GPU's life) instead of buying new ones.

For ``new_count`` new accelerators busy ``utilisation`` of the year, the same work (FLOP) on
the old generation needs ``n_old = new_count × peak_new / peak_old`` accelerators (catalog peak
FLOP/s, same MFU on both). Per year, at the average power ``TDP × load`` and the scenario's
PUE::

    ΔE    = 8760 × utilisation × load × PUE × (n_old × TDP_old − new_count × TDP_new)   (kWh)
    ΔI_c  = ΔE × grid factor_c                       (extra usage impact per year, criterion c)
    S_c   = new_count × manufacturing_c(new)          (embodied impact not incurred)
    t*_c  = S_c / ΔI_c                                (break-even, years)

Keeping the old hardware is better for the first ``t*`` years, replacing it afterwards. When
the old generation is not less efficient (ΔE ≤ 0, e.g. extending the life of the same GPU),
there is no break-even: keeping always wins on these criteria. The old hardware's own
manufacturing is sunk (already spent) in both branches; servers, networking and the end of
life of the old units are not in the comparison (a stated limit).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from empreinte.errors import CodedWarning, EstimateError, WarningCode
from empreinte.estimate.common import to_json_range
from empreinte.ranges import Range, as_range
from empreinte.vocabulary import Criterion

__all__ = ["REUSE_CRITERIA", "Reuse", "ReuseResult", "reuse_what_if"]

HOURS_PER_YEAR = 8760.0
W_PER_KW = 1000.0
REUSE_CRITERIA = {c.value: c.short for c in (Criterion.GWP, Criterion.ADPE, Criterion.PE)}
"""Criteria with both a manufacturing value in the catalog and a grid factor."""


class Reuse(BaseModel):
    """A scenario's ``reuse:`` block."""

    model_config = ConfigDict(extra="forbid")

    old_hardware: str = Field(min_length=1, description="the generation kept in service")
    new_hardware: str | None = Field(default=None, description="default: the scenario's")
    new_count: float = Field(default=1.0, gt=0, description="new accelerators not bought")
    utilisation: float | None = Field(default=None, gt=0, le=1)
    horizon_years: float | None = Field(
        default=None, gt=0, description="extra service life considered for the net balance"
    )


@dataclass
class ReuseResult:
    old: str
    new: str
    new_count: float
    old_count: float
    extra_energy_kwh_per_year: Range
    saved: dict[str, Range | None]
    extra_per_year: dict[str, Range]
    break_even_years: dict[str, dict[str, float | None] | None]
    net_at_horizon: dict[str, Range | None]
    horizon_years: float | None
    warnings: list[CodedWarning] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "old_hardware": self.old,
            "new_hardware": self.new,
            "new_count": self.new_count,
            "old_count_for_same_work": self.old_count,
            "extra_energy_kwh_per_year": to_json_range(self.extra_energy_kwh_per_year),
            "criteria": {
                c: {
                    "embodied_saved": to_json_range(self.saved[c]),
                    "extra_usage_per_year": to_json_range(self.extra_per_year[c]),
                    "break_even_years": self.break_even_years[c],
                    "net_saved_at_horizon": to_json_range(self.net_at_horizon[c]),
                }
                for c in REUSE_CRITERIA
            },
            "horizon_years": self.horizon_years,
            "warnings": [w.as_dict() for w in self.warnings],
            "sources": list(dict.fromkeys(self.sources)),
        }


def _break_even(saved: Range, extra: Range) -> dict[str, float | None] | None:
    """``saved / extra`` in years; ``None`` when keeping never loses (extra ≤ 0); the high
    bound is ``None`` (unbounded) when the extra impact may be zero or negative."""
    if extra.value <= 0:
        return None
    return {
        "value": saved.value / extra.value,
        "low": saved.low / extra.high,
        "high": None if extra.low <= 0 else saved.high / extra.low,
    }


def reuse_what_if(sc: Any, spec: Reuse | dict[str, Any]) -> ReuseResult:
    """The what-if of :mod:`empreinte.estimate.reuse` for scenario ``sc`` (location, PUE)."""
    from empreinte.estimate.assumptions import assumption
    from empreinte.estimate.common import resolve_pue
    from empreinte.factors.grid import resolve_location
    from empreinte.factors.hardware import get_accelerator
    from empreinte.impacts.assess import lifecycle_defaults

    r = spec if isinstance(spec, Reuse) else Reuse.model_validate(spec)
    new = get_accelerator(r.new_hardware or sc.hardware)
    old = get_accelerator(r.old_hardware)
    for a in (new, old):
        if a.peak_flops_bf16 is None or a.tdp_w is None:
            raise EstimateError(f"{a.id}: no peak FLOP/s or TDP in the catalog: no reuse what-if")
    assert new.peak_flops_bf16 and old.peak_flops_bf16 and new.tdp_w and old.tdp_w
    if new.embodied is None:
        raise EstimateError(f"{new.id}: no manufacturing impacts in the catalog")
    warnings: list[CodedWarning] = [
        CodedWarning(
            WarningCode.REUSE_EFFICIENCY_FROM_SPECS,
            f"{old.id} vs {new.id}: energy per FLOP from catalog peak FLOP/s and TDP at the same "
            "MFU and load, not measured throughput; accelerators only (servers not compared)",
        )
    ]
    sources = [
        *new.peak_flops_bf16.sources,
        *old.peak_flops_bf16.sources,
        *new.tdp_w.sources,
        *old.tdp_w.sources,
    ]
    load = assumption("inference_power_fraction_of_tdp")
    sources += load.sources
    if r.utilisation is not None:
        util = Range.point(r.utilisation)
    else:
        u = lifecycle_defaults()["utilisation"]
        util = as_range(u.value)
        sources += u.sources
    pue = resolve_pue(sc.pue, sc.location, warnings)
    old_count = r.new_count * new.peak_flops_bf16.value / old.peak_flops_bf16.value
    watts = old_count * old.tdp_w.value - r.new_count * new.tdp_w.value
    delta_e = util * load.range * pue * (HOURS_PER_YEAR * watts / W_PER_KW)
    loc = resolve_location(sc.location)
    warnings += loc.warnings
    sources += loc.zone.sources
    saved: dict[str, Range | None] = {}
    extra: dict[str, Range] = {}
    be: dict[str, dict[str, float | None] | None] = {}
    net: dict[str, Range | None] = {}
    for crit, short in REUSE_CRITERIA.items():
        per_unit = getattr(new.embodied, crit, None)
        extra[crit] = delta_e * loc.zone.factor(short)
        if per_unit is None:
            saved[crit] = be[crit] = net[crit] = None
            continue
        sources += per_unit.sources
        s = as_range(per_unit.range) * r.new_count
        saved[crit] = s
        be[crit] = _break_even(s, extra[crit])
        net[crit] = None if r.horizon_years is None else s - extra[crit] * r.horizon_years
    return ReuseResult(
        old.id,
        new.id,
        r.new_count,
        old_count,
        delta_e,
        saved,
        extra,
        be,
        net,
        r.horizon_years,
        warnings,
        sources,
    )
