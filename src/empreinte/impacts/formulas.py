"""The life-cycle formulas of empreinte, each written once as a pure function.

Every function computes one quantity; its parameter names are the names of other quantities
or of inputs, which is how :mod:`empreinte.impacts.engine` wires them into a graph. Each runs
unchanged on floats, on :class:`~empreinte.ranges.Range` values, and on Ranges of numpy arrays
(the batch path). Units are in the names; sources are the ids in ``factors/data/sources.json``.

Usage phase (methodology.md, "Usage phase"; EcoLogits for water)::

    E_facility = E_IT × PUE
    GWP_usage  = E_facility × F_gwp(zone)        (same form for ADPe and PE)
    W_usage    = E_IT × (WUE_onsite + PUE × WUE_offsite(zone))

Embodied (SCI's ``TE × TiR/EL × RR/ToR``; BLOOM's LCA)::

    share      = t_used / (lifetime × utilisation)
    M          = TE × share

E-waste (methodology.md, "End of life and e-waste"): the equipment's mass allocated like its
manufacturing impacts, and the part of it formally collected and recycled::

    ewaste     = mass × share
    collected  = ewaste × collection_rate

End of life: a sourced share ``s`` of the hardware's *whole* life cycle (Dell's PAIA-based
PCFs: ≤ 1 %), so ``EoL = (usage + embodied) × s / (1 − s)`` for the job's share; each
component's end of life is that total × the component's share of the e-waste mass (treatment
scales with the mass treated; no public per-kg treatment factor for servers is sourced).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

from empreinte.ranges import Range

__all__ = ["FORMULAS", "Formula", "Quantity", "formula"]

Quantity: TypeAlias = Range | float
"""What a formula reads and returns: a number or a :class:`Range` (of floats or arrays)."""

FormulaFunc: TypeAlias = Callable[..., Quantity]


@dataclass(frozen=True, slots=True)
class Formula:
    """A registered formula: the quantity it computes, its unit, its sources and its function."""

    name: str
    unit: str
    sources: tuple[str, ...]
    func: FormulaFunc
    params: tuple[str, ...]
    doc: str


FORMULAS: dict[str, Formula] = {}


def formula(unit: str, *sources: str) -> Callable[[FormulaFunc], FormulaFunc]:
    """Register ``func`` as the formula of the quantity named like it."""

    def deco(func: FormulaFunc) -> FormulaFunc:
        code = func.__code__
        params = code.co_varnames[: code.co_argcount]
        doc = (func.__doc__ or "").strip().splitlines()[0]
        FORMULAS[func.__name__] = Formula(func.__name__, unit, sources, func, params, doc)
        return func

    return deco


# ---------------------------------------------------------------- usage
@formula("kWh", "sci-iso-21031")
def facility_energy_kwh(it_energy_kwh: Quantity, pue: Quantity) -> Quantity:
    """Energy drawn by the facility: IT energy × PUE."""
    return it_energy_kwh * pue


@formula("kgCO2e", "sci-iso-21031")
def usage_gwp_kgco2e(facility_energy_kwh: Quantity, grid_gwp_kgco2e_per_kwh: Quantity) -> Quantity:
    """Usage GHG: facility energy × the zone's location-based GWP factor."""
    return facility_energy_kwh * grid_gwp_kgco2e_per_kwh


@formula("kgSbeq", "ecologits-methodology")
def usage_adpe_kgsbe(facility_energy_kwh: Quantity, grid_adpe_kgsbe_per_kwh: Quantity) -> Quantity:
    """Usage abiotic depletion: facility energy × the zone's ADPe factor."""
    return facility_energy_kwh * grid_adpe_kgsbe_per_kwh


@formula("MJ", "ecologits-methodology")
def usage_pe_mj(facility_energy_kwh: Quantity, grid_pe_mj_per_kwh: Quantity) -> Quantity:
    """Usage primary energy: facility energy × the zone's primary-energy factor."""
    return facility_energy_kwh * grid_pe_mj_per_kwh


@formula("L", "ecologits-methodology")
def usage_water_l(
    it_energy_kwh: Quantity,
    pue: Quantity,
    wue_onsite_l_per_kwh: Quantity,
    grid_water_offsite_l_per_kwh: Quantity,
) -> Quantity:
    """Usage water: IT energy × (on-site WUE + PUE × off-site water of electricity)."""
    return it_energy_kwh * (wue_onsite_l_per_kwh + pue * grid_water_offsite_l_per_kwh)


# ---------------------------------------------------------------- embodied
@formula("1", "sci-iso-21031", "luccioni-bloom-2023")
def allocation_share(
    usage_hours: Quantity, lifetime_hours: Quantity, utilisation: Quantity
) -> Quantity:
    """Share of the hardware's life used: t_used / (lifetime × utilisation)."""
    return usage_hours / (lifetime_hours * utilisation)


@formula("kgCO2e", "sci-iso-21031", "luccioni-bloom-2023")
def embodied_gwp_kgco2e(manufacturing_gwp_kgco2e: Quantity, allocation_share: Quantity) -> Quantity:
    """Embodied GHG: manufacturing GHG of the hardware × allocation share."""
    return manufacturing_gwp_kgco2e * allocation_share


@formula("kgSbeq", "sci-iso-21031", "boavizta-uba-2021")
def embodied_adpe_kgsbe(manufacturing_adpe_kgsbe: Quantity, allocation_share: Quantity) -> Quantity:
    """Embodied abiotic depletion: manufacturing ADPe × allocation share."""
    return manufacturing_adpe_kgsbe * allocation_share


@formula("MJ", "sci-iso-21031", "boavizta-uba-2021")
def embodied_pe_mj(manufacturing_pe_mj: Quantity, allocation_share: Quantity) -> Quantity:
    """Embodied primary energy: manufacturing PE × allocation share."""
    return manufacturing_pe_mj * allocation_share


# ---------------------------------------------------------------- e-waste
@formula("kg", "sci-iso-21031", "luccioni-bloom-2023")
def ewaste_kg(equipment_mass_kg: Quantity, allocation_share: Quantity) -> Quantity:
    """E-waste of the job: equipment mass × allocation share (it leaves use at end of life)."""
    return equipment_mass_kg * allocation_share


@formula("kg", "unitar-gem-2024")
def ewaste_collected_kg(ewaste_kg: Quantity, collection_rate: Quantity) -> Quantity:
    """E-waste documented as formally collected and recycled: e-waste × collection rate."""
    return ewaste_kg * collection_rate


# ---------------------------------------------------------------- end of life
@formula("1", "dell-pcf-eol")
def eol_factor(eol_share_of_life_cycle: Quantity) -> Quantity:
    """EoL per unit of the other phases: s / (1 − s), s the EoL share of the whole life cycle."""
    return eol_share_of_life_cycle / (1.0 - eol_share_of_life_cycle)


@formula("kgCO2e", "dell-pcf-eol")
def end_of_life_gwp_kgco2e(
    usage_gwp_kgco2e: Quantity, embodied_gwp_kgco2e: Quantity, eol_factor: Quantity
) -> Quantity:
    """End-of-life GHG: (usage + embodied GHG of the job) × s / (1 − s)."""
    return (usage_gwp_kgco2e + embodied_gwp_kgco2e) * eol_factor


@formula("kgSbeq", "dell-pcf-eol")
def end_of_life_adpe_kgsbe(
    usage_adpe_kgsbe: Quantity, embodied_adpe_kgsbe: Quantity, eol_factor: Quantity
) -> Quantity:
    """End-of-life abiotic depletion: (usage + embodied ADPe) × s / (1 − s)."""
    return (usage_adpe_kgsbe + embodied_adpe_kgsbe) * eol_factor


@formula("MJ", "dell-pcf-eol")
def end_of_life_pe_mj(
    usage_pe_mj: Quantity, embodied_pe_mj: Quantity, eol_factor: Quantity
) -> Quantity:
    """End-of-life primary energy: (usage + embodied PE) × s / (1 − s)."""
    return (usage_pe_mj + embodied_pe_mj) * eol_factor


# ---------------------------------------------------------------- end of life by component
def _central(x: Quantity) -> float:
    return float(x.value) if isinstance(x, Range) else x


@formula("1", "dell-pcf-eol")
def ewaste_mass_share(ewaste_kg: Quantity, ewaste_total_kg: Quantity) -> Quantity:
    """The component's share of the job's e-waste mass (central values; 0 when no mass)."""
    total = _central(ewaste_total_kg)
    return _central(ewaste_kg) / total if total else 0.0


@formula("kgCO2e", "dell-pcf-eol")
def component_end_of_life_gwp_kgco2e(
    end_of_life_gwp_kgco2e: Quantity, ewaste_mass_share: Quantity
) -> Quantity:
    """A component's end-of-life GHG: the job's end of life × its share of the e-waste mass."""
    return end_of_life_gwp_kgco2e * ewaste_mass_share


@formula("kgSbeq", "dell-pcf-eol")
def component_end_of_life_adpe_kgsbe(
    end_of_life_adpe_kgsbe: Quantity, ewaste_mass_share: Quantity
) -> Quantity:
    """A component's end-of-life ADPe: the job's end of life × its share of the e-waste mass."""
    return end_of_life_adpe_kgsbe * ewaste_mass_share


@formula("MJ", "dell-pcf-eol")
def component_end_of_life_pe_mj(
    end_of_life_pe_mj: Quantity, ewaste_mass_share: Quantity
) -> Quantity:
    """A component's end-of-life PE: the job's end of life × its share of the e-waste mass."""
    return end_of_life_pe_mj * ewaste_mass_share
