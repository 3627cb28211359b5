"""The batch path: usage impacts of many rows (energy, zone, PUE) at once, over numpy arrays.

The same formulas as for one job (:mod:`empreinte.impacts.formulas`) run on Ranges whose
fields are arrays; zones are mapped to factor rows once with ``np.unique``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, TypeAlias

from empreinte.errors import ConfigError, UnknownKeyError
from empreinte.factors.grid import GridRepository, default_repository
from empreinte.impacts import formulas as f
from empreinte.ranges import Range, as_range

__all__ = ["ArrayData", "Numbers", "compute_batch"]


class ArrayData(Protocol):
    """A numpy array, or anything numpy can read as one (``__array__``)."""

    def __array__(self) -> object: ...


Numbers: TypeAlias = Range | float | Sequence[float] | ArrayData
"""Per-row numbers: an array or a sequence (one per row), a scalar, or a Range of them."""


def compute_batch(
    energy_kwh: Numbers,
    zones: Sequence[str] | ArrayData,
    pue: Numbers,
    wue_l_per_kwh: Range | float | None = None,
    *,
    grid: GridRepository | None = None,
    grid_gwp: Range | float | None = None,
) -> dict[str, Range]:
    """Usage impacts per row. ``energy_kwh`` and ``pue`` are arrays or scalars (or Ranges of
    them), ``zones`` an array of zone codes. Returns Ranges of arrays, keyed like the report
    (``facility_energy_kwh``, ``gwp_kgco2e``, ``adpe_kgsbe``, ``pe_mj``, ``water_l``).
    ``grid_gwp`` (kgCO2e/kWh, scalar or Range) is a stated grid factor replacing the zones'."""
    import numpy as np

    grid = grid or default_repository()
    codes, tables = grid.arrays()
    zones_arr = np.asarray(zones)
    uniq, inverse = np.unique(zones_arr, return_inverse=True)
    upper = np.char.upper(uniq.astype(str))
    pos = np.searchsorted(codes, upper)
    pos = np.clip(pos, 0, len(codes) - 1)
    bad = np.asarray(codes)[pos] != upper
    if bad.any():
        raise UnknownKeyError("zone", str(uniq[bad][0]))
    rows = pos[inverse]

    def pick(r: Range) -> Range:
        return Range(r.value[rows], r.low[rows], r.high[rows])

    energy = as_range(
        np.asarray(energy_kwh, dtype=float) if not isinstance(energy_kwh, Range) else energy_kwh
    )
    p = as_range(np.asarray(pue, dtype=float) if not isinstance(pue, Range) else pue)
    if wue_l_per_kwh is None:
        from empreinte.factors.datacenters import default_datacenter

        sv = default_datacenter().wue_onsite_l_per_kwh
        if sv is None:
            raise ConfigError("no WUE given and the default data centre has none")
        wue: Range = sv.range
    else:
        wue = as_range(wue_l_per_kwh)
    facility = as_range(f.facility_energy_kwh(energy, p))
    gwp = pick(tables["gwp"]) if grid_gwp is None else as_range(grid_gwp)
    return {
        "facility_energy_kwh": facility,
        "gwp_kgco2e": as_range(f.usage_gwp_kgco2e(facility, gwp)),
        "adpe_kgsbe": as_range(f.usage_adpe_kgsbe(facility, pick(tables["adpe"]))),
        "pe_mj": as_range(f.usage_pe_mj(facility, pick(tables["pe"]))),
        "water_l": as_range(f.usage_water_l(energy, p, wue, pick(tables["water"]))),
    }
