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

from empreinte.ranges import Range, as_range
from empreinte.vocabulary import J_PER_KWH

__all__ = ["FORMULAS", "GRAPHS", "Formula", "Quantity", "formula"]

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


GRAPHS: dict[str, dict[str, Formula]] = {
    "impacts": {},
    "training": {},
    "inference": {},
    "inference-fitted": {},
}
"""Formula graphs by name: ``impacts`` (life-cycle impacts from IT energy, the default of
:func:`~empreinte.impacts.engine.evaluate`), and the estimators' chains from their proxies to
the IT energy (``training``: FLOPs → hours → energy; ``inference``: FLOPs → seconds →
energy; ``inference-fitted``: the per-token profile × the output-length scale, plus the
prefill from FLOPs), which share the boundary-layer formulas. A quantity has one formula per
graph."""

FORMULAS: dict[str, Formula] = GRAPHS["impacts"]


def formula(
    unit: str, *sources: str, graphs: tuple[str, ...] = ("impacts",), name: str | None = None
) -> Callable[[FormulaFunc], FormulaFunc]:
    """Register ``func`` as the formula of the quantity named like it (or ``name``: the same
    quantity computed another way in another graph), in ``graphs``."""

    def deco(func: FormulaFunc) -> FormulaFunc:
        code = func.__code__
        params = code.co_varnames[: code.co_argcount]
        doc = (func.__doc__ or "").strip().splitlines()[0]
        quantity = name or func.__name__
        for g in graphs:
            if quantity in GRAPHS[g]:
                raise ValueError(f"two formulas for {quantity} in graph {g}")
            GRAPHS[g][quantity] = Formula(quantity, unit, sources, func, params, doc)
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


# ---------------------------------------------------------------- estimators: boundary layers
# methodology.md, "Energy boundary layers"; empreinte.estimate.layers. From the accelerator
# energy A: host = A × host_ratio; idle = (A + host) × idle_ratio; IT = A + host + idle;
# facility overhead = IT × (PUE − 1). Written with the estimators' exact operations (the
# numbers of an estimate do not depend on whether it is explained).
_ESTIMATORS = ("training", "inference", "inference-fitted")
_INFERENCE = ("inference", "inference-fitted")
_LAYER_SOURCES = ("ecologits-methodology", "google-gemini-2025")


@formula("kWh", *_LAYER_SOURCES, graphs=_ESTIMATORS)
def host_energy_kwh(accelerators_energy_kwh: Quantity, host_ratio: Quantity) -> Quantity:
    """Host layer (CPUs, DRAM, rest of the servers): accelerator energy × host ratio."""
    return as_range(accelerators_energy_kwh) * as_range(host_ratio)


@formula("kWh", *_LAYER_SOURCES, graphs=_ESTIMATORS)
def idle_energy_kwh(
    accelerators_energy_kwh: Quantity, host_energy_kwh: Quantity, idle_ratio: Quantity
) -> Quantity:
    """Idle layer (provisioned capacity left idle): (accelerators + host) × idle ratio."""
    return (as_range(accelerators_energy_kwh) + host_energy_kwh) * as_range(idle_ratio)


@formula("kWh", *_LAYER_SOURCES, graphs=_ESTIMATORS)
def it_energy_kwh(
    accelerators_energy_kwh: Quantity, host_energy_kwh: Quantity, idle_energy_kwh: Quantity
) -> Quantity:
    """IT energy: accelerators + host + idle (what a PUE multiplies)."""
    return as_range(accelerators_energy_kwh) + host_energy_kwh + idle_energy_kwh


@formula("kWh", "sci-iso-21031", graphs=_ESTIMATORS)
def facility_overhead_kwh(
    accelerators_energy_kwh: Quantity,
    host_energy_kwh: Quantity,
    idle_energy_kwh: Quantity,
    pue: Quantity,
) -> Quantity:
    """Facility layer (cooling, power distribution): (accelerators + host + idle) × (PUE − 1)."""
    it = as_range(accelerators_energy_kwh) + host_energy_kwh + idle_energy_kwh
    return it * (as_range(pue) - 1.0)


# ---------------------------------------------------------------- estimators: training
# C = 6 N_active D; hours = C / (peak × MFU) / 3600; E_acc = hours × P (empreinte.estimate.training)


@formula("FLOP", "chowdhery-palm-2022", graphs=("training",))
def training_flops(params_active: Quantity, training_tokens: Quantity) -> Quantity:
    """Training compute: 6 × active parameters × tokens (forward and backward passes)."""
    return as_range(params_active) * as_range(training_tokens) * 6.0


@formula("h", "chowdhery-palm-2022", "narayanan-megatron-2021", graphs=("training",))
def accelerator_hours(
    training_flops: Quantity, mfu: Quantity, peak_flops_per_s: Quantity
) -> Quantity:
    """Accelerator-hours: FLOPs / (peak FLOP/s × MFU) / 3600."""
    return as_range(training_flops) / (as_range(mfu) * peak_flops_per_s) / _SECONDS_PER_HOUR


@formula("W", "meta-llama-model-cards", "luccioni-bloom-2023", graphs=("training",))
def accelerator_power_w(power_fraction_of_tdp: Quantity, tdp_w: Quantity) -> Quantity:
    """Average power per accelerator: its TDP × the sourced power fraction of TDP."""
    return as_range(power_fraction_of_tdp) * tdp_w


@formula("kWh", "patterson-2021", graphs=("training",))
def accelerators_energy_kwh(accelerator_hours: Quantity, accelerator_power_w: Quantity) -> Quantity:
    """Accelerator energy: accelerator-hours × average power per accelerator / 1000."""
    return as_range(accelerator_hours) * accelerator_power_w / _W_PER_KW


_SECONDS_PER_HOUR = 3600.0
_W_PER_KW = 1000.0


# ---------------------------------------------------------------- estimators: inference
# Epoch AI's FLOP method (empreinte.estimate.inference): t = 2 N_active L / (peak × MFU);
# E = t × P × load, for the output tokens (decode, at the decoding MFU) and the input tokens
# (prefill, at the compute-bound MFU). The fitted method gives the decode energy from the
# per-token model of ML.ENERGY measurements (an input of this graph, with its sources).


@formula("s", "epoch-ai-2025", graphs=("inference",))
def decode_seconds(
    params_active: Quantity,
    output_tokens: Quantity,
    decode_mfu: Quantity,
    peak_flops_per_s: Quantity,
) -> Quantity:
    """Accelerator time of the output tokens: 2 × N_active × tokens / (peak FLOP/s × MFU)."""
    return flop_seconds(params_active, output_tokens, decode_mfu, peak_flops_per_s)


@formula("s", "epoch-ai-2025", graphs=_INFERENCE)
def prefill_seconds(
    params_active: Quantity,
    input_tokens: Quantity,
    prefill_mfu: Quantity,
    peak_flops_per_s: Quantity,
) -> Quantity:
    """Accelerator time of the input tokens: 2 × N_active × tokens / (peak FLOP/s × MFU)."""
    return flop_seconds(params_active, input_tokens, prefill_mfu, peak_flops_per_s)


@formula("J", "epoch-ai-2025", graphs=("inference",))
def decode_energy_j(decode_seconds: Quantity, power_w: Quantity, load: Quantity) -> Quantity:
    """Accelerator energy of the output tokens: time × power × load (fraction of TDP)."""
    return flop_energy_j(decode_seconds, power_w, load)


@formula("J", "epoch-ai-2025", graphs=_INFERENCE)
def prefill_energy_j(prefill_seconds: Quantity, power_w: Quantity, load: Quantity) -> Quantity:
    """Accelerator energy of the input tokens: time × power × load (fraction of TDP)."""
    return flop_energy_j(prefill_seconds, power_w, load)


@formula("J", "epoch-ai-2025", graphs=_INFERENCE)
def accelerator_energy_j(decode_energy_j: Quantity, prefill_energy_j: Quantity) -> Quantity:
    """Accelerator energy per request: output tokens (decode) + input tokens (prefill)."""
    return as_range(decode_energy_j) + prefill_energy_j


@formula("kWh", "epoch-ai-2025", graphs=_INFERENCE, name="accelerators_energy_kwh")
def accelerators_energy_kwh_from_j(accelerator_energy_j: Quantity) -> Quantity:
    """Accelerator energy per request in kWh: J / J_PER_KWH."""
    return as_range(accelerator_energy_j) / J_PER_KWH


def flop_seconds(
    params_active: Quantity, tokens: Quantity, mfu: Quantity, peak_flops_per_s: Quantity
) -> Range:
    """``2 × N_active × tokens / (MFU × peak)`` (s): the FLOP time of a forward pass."""
    return as_range(params_active) * as_range(tokens) * 2.0 / (as_range(mfu) * peak_flops_per_s)


def flop_energy_j(seconds: Quantity, power_w: Quantity, load: Quantity) -> Range:
    """``seconds × power × load`` (J)."""
    return as_range(seconds) * as_range(power_w) * as_range(load)


@formula("kWh", "epoch-ai-2025", graphs=_INFERENCE)
def requests_it_energy_kwh(
    accelerators_energy_kwh: Quantity,
    host_energy_kwh: Quantity,
    idle_energy_kwh: Quantity,
    requests: Quantity,
) -> Quantity:
    """IT energy of all requests: each per-request layer × requests, summed."""
    return (
        as_range(accelerators_energy_kwh) * requests
        + as_range(host_energy_kwh) * requests
        + as_range(idle_energy_kwh) * requests
    )


# ---------------------------------------------------------------- estimators: fitted model
# empreinte.estimate.pertoken: E_request = profile × L × clip(L, L_min, L_max)^c_L, the range
# widened outside the fitted data (an assumption, labelled by the ``extrapolated`` warning).


@formula("J", "ml-energy-v3", graphs=("inference-fitted",))
def fitted_decode_energy_j(
    per_token_profile_j: Quantity, output_length_scale: Quantity
) -> Quantity:
    """Decode energy of the fitted model: per-token profile × output-length scale."""
    return as_range(per_token_profile_j) * as_range(output_length_scale)


@formula("J", "ml-energy-v3", graphs=("inference-fitted",), name="decode_energy_j")
def widened_decode_energy_j(
    fitted_decode_energy_j: Quantity, extrapolation_widening: Quantity
) -> Quantity:
    """Decode energy with its bounds widened outside the fitted data: low / w, high × w."""
    e = as_range(fitted_decode_energy_j)
    w = as_range(extrapolation_widening).value
    return Range(e.value, e.low / w, e.high * w)
