"""Multi-criteria impacts of a job: usage, embodied and end of life, for energy, GWP, ADPe, PE
and water, and the e-waste mass allocated to it, with ranges, coded warnings and a
step-by-step explanation.

This wires the reference data (grid zone, data-centre PUE/WUE, hardware catalog, lifecycle
defaults) into the formula graph of :mod:`empreinte.impacts.formulas`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any, cast

from empreinte.errors import CodedWarning, ConfigError, WarningCode
from empreinte.factors._base import read_data_text
from empreinte.factors.grid import Location, resolve_location
from empreinte.factors.site import Site
from empreinte.impacts.engine import Evaluation, Input, Quantity, StepDict, evaluate
from empreinte.ranges import Range, as_range
from empreinte.vocabulary import USAGE_CRITERIA, Criterion, Layer

__all__ = [
    "CriterionImpact",
    "HardwareShare",
    "ImpactResult",
    "compute_impacts",
    "lifecycle_defaults",
]

_MANUFACTURED = (Criterion.GWP, Criterion.ADPE, Criterion.PE)
"""Criteria with manufacturing (embodied) and end-of-life impacts in the hardware catalog."""

HOURS_PER_YEAR = 365 * 24


@cache
def lifecycle_defaults() -> dict[str, Input]:
    """Lifetime (h), utilisation, end-of-life share, e-waste collection rate and the default
    accelerator mass, from ``data/lifecycle.json``."""
    raw = json.loads(read_data_text("lifecycle.json"))

    def inp(key: str, scale: float = 1.0, unit: str | None = None) -> Input:
        d = raw[key]
        r = Range(
            d["value"] * scale, d.get("low", d["value"]) * scale, d.get("high", d["value"]) * scale
        )
        return Input(r, unit or d["unit"], tuple(d["sources"]), d.get("note"))

    return {
        "lifetime_hours": inp("lifetime_years", HOURS_PER_YEAR, "h"),
        "utilisation": inp("utilisation"),
        "eol_share_of_life_cycle": inp("eol_share_of_life_cycle"),
        "collection_rate": inp("collection_rate"),
        "accelerator_mass_kg": inp("accelerator_mass_kg"),
    }


@dataclass(frozen=True, slots=True)
class HardwareShare:
    """Hardware whose manufacturing impacts are allocated to a job (``count`` units, ``hours``).

    ``hours`` may be a :class:`Range` (an estimated activity): the embodied range carries it.
    ``mass_kg`` is the mass of one unit (``None``: not known, its e-waste not assessed);
    ``component`` the layer it belongs to (accelerators or host).
    """

    name: str
    count: float
    hours: float | Range
    gwp_kgco2e: Range | None
    adpe_kgsbe: Range | None
    pe_mj: Range | None
    sources: tuple[str, ...] = ()
    mass_kg: Range | None = None
    mass_sources: tuple[str, ...] = ()
    component: Layer = Layer.ACCELERATORS
    hours_sources: tuple[str, ...] = ("user-input",)

    @classmethod
    def accelerator(
        cls,
        name: str,
        count: float,
        hours: float | Range,
        hours_sources: tuple[str, ...] = ("user-input",),
    ) -> HardwareShare:
        """An accelerator of the catalog (``empreinte.factors.hardware``); ``hours_sources``:
        where its hours come from (an estimator's sources; default ``user-input``)."""
        from empreinte.factors.hardware import get_accelerator

        rec = get_accelerator(name)
        default = None if rec.kind == "soc" else lifecycle_defaults()["accelerator_mass_kg"]
        share = cls._from_record(rec, count, hours, Layer.ACCELERATORS, default)
        return replace(share, hours_sources=hours_sources)

    @classmethod
    def server(
        cls,
        archetype: str,
        count: float,
        hours: float | Range,
        hours_sources: tuple[str, ...] = ("user-input",),
    ) -> HardwareShare:
        """A server archetype without its accelerators (``empreinte.factors.hardware``)."""
        from empreinte.factors.hardware import get_server

        share = cls._from_record(get_server(archetype), count, hours, Layer.HOST, None)
        return replace(share, hours_sources=hours_sources)

    @classmethod
    def _from_record(
        cls,
        rec: Any,
        count: float,
        hours: float | Range,
        component: Layer,
        default_mass: Input | None,
    ) -> HardwareShare:
        mass_sv = getattr(rec, "mass_kg", None)
        if mass_sv is not None:
            mass, mass_srcs = mass_sv.range, tuple(mass_sv.sources)
        elif default_mass is not None:
            mass, mass_srcs = as_range(default_mass.value), default_mass.sources
        else:
            mass, mass_srcs = None, ()
        srcs: list[str] = []
        vals: dict[str, Range | None] = {}
        emb = getattr(rec, "embodied", None)
        for crit in _MANUFACTURED:
            key = crit.value
            sv = getattr(emb, key, None)
            vals[key] = None if sv is None else sv.range
            if sv is not None:
                srcs.extend(sv.sources)
        return cls(
            rec.id,
            count,
            hours,
            sources=tuple(dict.fromkeys(srcs)),
            mass_kg=mass,
            mass_sources=mass_srcs,
            component=component,
            gwp_kgco2e=vals[Criterion.GWP.value],
            adpe_kgsbe=vals[Criterion.ADPE.value],
            pe_mj=vals[Criterion.PE.value],
        )


@dataclass(frozen=True, slots=True)
class CriterionImpact:
    """One criterion split by phase; a phase that was not assessed is ``None`` (never 0).

    ``end_of_life_by_component``: the end-of-life phase by hardware component (layer name ->
    range), where every component's mass is known.
    """

    usage: Range | None
    embodied: Range | None
    end_of_life: Range | None
    end_of_life_by_component: dict[str, Range] | None = None

    @property
    def total(self) -> Range | None:
        parts = [p for p in (self.usage, self.embodied, self.end_of_life) if p is not None]
        if not parts:
            return None
        out = parts[0]
        for p in parts[1:]:
            out = out + p
        return out


@dataclass
class ImpactResult:
    """Impacts of a job with everything needed to explain and report them."""

    it_energy_kwh: Range
    facility_energy_kwh: Range
    criteria: dict[str, CriterionImpact]
    location: Location
    pue: Input
    wue_l_per_kwh: Input
    hardware: list[HardwareShare] = field(default_factory=list)
    warnings: list[CodedWarning] = field(default_factory=list)
    usage: Evaluation = field(default_factory=Evaluation)
    embodied: dict[str, Evaluation] = field(default_factory=dict)
    end_of_life: Evaluation = field(default_factory=Evaluation)
    end_of_life_by_hardware: dict[str, Evaluation] = field(default_factory=dict)

    def explain(self) -> list[StepDict]:
        """Every input and intermediate, usage first, then per hardware item, then end of life
        (the job's, then per hardware item)."""
        out = _tagged(self.usage, "usage")
        for name, ev in self.embodied.items():
            out += _tagged(ev, "embodied", name)
        out += _tagged(self.end_of_life, "end_of_life")
        for name, ev in self.end_of_life_by_hardware.items():
            out += _tagged(ev, "end_of_life", name)
        return out

    @property
    def sources(self) -> list[str]:
        seen: dict[str, None] = {}
        for step in self.explain():
            seen.update(dict.fromkeys(step["sources"]))
        return list(seen)

    def to_dict(self) -> dict[str, object]:
        def rng(r: Range | None) -> dict[str, float] | None:
            return None if r is None else as_range(r).to_dict()

        return {
            "energy": {
                "it_kwh": rng(self.it_energy_kwh),
                "facility_kwh": rng(self.facility_energy_kwh),
            },
            "location": {"query": self.location.query, "zone": self.location.zone.zone},
            "datacenter": {
                "pue": rng(as_range(self.pue.value)),
                "wue_l_per_kwh": rng(as_range(self.wue_l_per_kwh.value)),
            },
            "impacts": {
                k: {
                    "usage": rng(c.usage),
                    "embodied": rng(c.embodied),
                    "end_of_life": rng(c.end_of_life),
                    "total": rng(c.total),
                    **(
                        {}
                        if c.end_of_life_by_component is None
                        else {
                            "end_of_life_by_component": {
                                k: rng(v) for k, v in c.end_of_life_by_component.items()
                            }
                        }
                    ),
                }
                for k, c in self.criteria.items()
            },
            "warnings": [w.as_dict() for w in self.warnings],
            "sources": self.sources,
            "explain": self.explain(),
        }


def _tagged(ev: Evaluation, phase: str, hardware: str | None = None) -> list[StepDict]:
    """The evaluation's steps with their phase (and hardware item)."""
    out = []
    for step in ev.explain():
        step["phase"] = phase
        if hardware is not None:
            step["hardware"] = hardware
        out.append(step)
    return out


def _datacenter_inputs(
    pue: float | Range | Input | None,
    wue: float | Range | None,
    preset: str | None,
    warnings: list[CodedWarning],
) -> tuple[Input, Input]:
    """PUE and on-site WUE: the user's, else the preset's, else the documented default."""
    from empreinte.factors import datacenters

    chosen = [datacenters.get_datacenter(preset)] if preset else []
    chain = [*chosen, datacenters.default_datacenter()]

    def pick(
        given: float | Range | Input | None, attr: str, unit: str, code: WarningCode, label: str
    ) -> Input:
        if isinstance(given, Input):  # sourced by the caller (an estimator's resolved PUE)
            return Input(as_range(given.value), unit, given.sources, given.note)
        if given is not None:
            return Input(as_range(given), unit, ("user-input",))
        for i, dc in enumerate(chain):
            sv = getattr(dc, attr, None)
            if sv is not None:
                if i == len(chain) - 1:
                    warnings.append(
                        CodedWarning(
                            code,
                            f"no {label} given: default data-centre value used "
                            f"({dc.id}, {sv.value:g} in [{sv.range.low:g}, {sv.range.high:g}])",
                        )
                    )
                return Input(sv.range, unit, tuple(sv.sources), f"data centre: {dc.id}")
        raise ConfigError(f"no {label} given and no default available")

    pue_in = pick(pue, "pue", "1", WarningCode.PUE_DEFAULT, "PUE")
    wue_in = pick(wue, "wue_onsite_l_per_kwh", "L/kWh", WarningCode.WUE_DEFAULT, "WUE")
    if as_range(pue_in.value).low < 1:
        raise ConfigError(f"pue must be >= 1, got {pue}")
    if as_range(wue_in.value).low < 0:
        raise ConfigError(f"wue must be >= 0, got {wue}")
    return pue_in, wue_in


def compute_impacts(
    energy_kwh: float | Range,
    *,
    location: str | Site | None = None,
    pue: float | Range | Input | None = None,
    wue_l_per_kwh: float | Range | None = None,
    datacenter: str | None = None,
    hardware: Sequence[HardwareShare] = (),
    lifetime_years: float | Range | None = None,
    utilisation: float | Range | None = None,
    grid_gwp: float | Range | None = None,
    energy_source: str = "user-input",
) -> ImpactResult:
    """Impacts of ``energy_kwh`` of IT energy used at ``location``, plus embodied hardware.

    ``energy_source`` is the source id the IT energy enters the engine with: a measurement
    (``energy-measured-hw-counter``...), an estimate (``energy-estimated-proxy-model``), a
    declared figure (``energy-declared``), or ``user-input`` for a number typed by hand.

    ``location`` is a zone code, a ``cloud:PROVIDER:REGION`` string, or a resolved
    :class:`~empreinte.factors.site.Site` (not re-parsed; its PUE, WUE and data-centre preset
    apply unless given here).

    ``pue`` given as an :class:`Input` keeps its sources (an estimator's PUE resolved from a
    data-centre preset); a bare number is ``user-input``.

    ``grid_gwp`` (kgCO2e/kWh) is a stated grid factor (a publisher's own accounting); it
    replaces the zone's GWP factor, with the source ``user-stated``; the zone still gives the
    other criteria.
    """
    energy = as_range(energy_kwh)
    if energy.low < 0:
        raise ConfigError(f"energy_kwh must be >= 0, got {energy_kwh}")
    if isinstance(location, Site):
        loc = location.location
        pue = pue if pue is not None else location.pue
        wue_l_per_kwh = wue_l_per_kwh if wue_l_per_kwh is not None else location.wue_l_per_kwh
        datacenter = datacenter or location.datacenter
    else:
        loc = resolve_location(location)
    warnings = list(loc.warnings)
    pue_in, wue_in = _datacenter_inputs(pue, wue_l_per_kwh, datacenter or loc.datacenter, warnings)
    z = loc.zone
    zsrc = z.sources
    gwp_in = Input(z.gwp_kgco2e_per_kwh, "kgCO2e/kWh", zsrc, z.zone)
    if grid_gwp is not None:
        g = as_range(grid_gwp)
        if not (g.low >= 0 and g.high < float("inf")):
            raise ConfigError(f"grid_gwp must be a finite number >= 0, got {grid_gwp}")
        gwp_in = Input(g, "kgCO2e/kWh", ("user-stated",), "stated grid factor")
    usage = evaluate(
        {
            "it_energy_kwh": Input(energy, "kWh", (energy_source,)),
            "pue": pue_in,
            "wue_onsite_l_per_kwh": wue_in,
            "grid_gwp_kgco2e_per_kwh": gwp_in,
            "grid_adpe_kgsbe_per_kwh": Input(z.adpe_kgsbe_per_kwh, "kgSbeq/kWh", zsrc, z.zone),
            "grid_pe_mj_per_kwh": Input(z.pe_mj_per_kwh, "MJ/kWh", zsrc, z.zone),
            "grid_water_offsite_l_per_kwh": Input(z.water_offsite_l_per_kwh, "L/kWh", zsrc, z.zone),
        }
    )
    defaults = lifecycle_defaults()
    life = (
        Input(as_range(lifetime_years) * HOURS_PER_YEAR, "h", ("user-input",))
        if lifetime_years is not None
        else defaults["lifetime_hours"]
    )
    util = (
        Input(as_range(utilisation), "1", ("user-input",))
        if utilisation is not None
        else defaults["utilisation"]
    )
    embodied: dict[str, Evaluation] = {}
    for hw in hardware:
        inputs: dict[str, Input | None] = {
            "usage_hours": Input(as_range(hw.hours), "h", hw.hours_sources),
            "lifetime_hours": life,
            "utilisation": util,
        }
        label = f"{hw.count:g} × {hw.name}"
        for crit in _MANUFACTURED:
            per_unit = getattr(hw, crit.value)
            inputs[f"manufacturing_{crit}"] = (
                None
                if per_unit is None
                else Input(per_unit * hw.count, crit.unit, hw.sources, label)
            )
        if hw.mass_kg is not None:
            inputs["equipment_mass_kg"] = Input(hw.mass_kg * hw.count, "kg", hw.mass_sources, label)
            inputs["collection_rate"] = defaults["collection_rate"]
        embodied[hw.name] = evaluate(inputs)
    if not hardware:
        warnings.append(
            CodedWarning(
                WarningCode.EMBODIED_UNKNOWN,
                "no hardware given: embodied and end-of-life impacts not assessed",
            )
        )
    criteria: dict[str, CriterionImpact] = {}
    eol_inputs: dict[str, Input | None] = {
        "eol_share_of_life_cycle": defaults["eol_share_of_life_cycle"]
    }
    for crit in _MANUFACTURED:
        emb = _sum(ev.range(f"embodied_{crit}") for ev in embodied.values()) if hardware else None
        use = usage.range(f"usage_{crit}")
        if emb is not None and use is not None:
            eol_inputs[f"usage_{crit}"] = Input(use, crit.unit, (), "usage phase of this job")
            eol_inputs[f"embodied_{crit}"] = Input(emb, crit.unit, (), "embodied, all hardware")
    end_of_life = evaluate(eol_inputs) if hardware else Evaluation()
    ewaste = {hw.name: embodied[hw.name].range("ewaste_kg") for hw in hardware}
    # e-waste and each component's end of life: only when every component's mass is known
    known = bool(hardware) and all(v is not None for v in ewaste.values())
    ewaste_total = _sum(ewaste.values()) if known else None
    eol_by_hw: dict[str, Evaluation] = {}
    if ewaste_total is not None:
        for hw in hardware:
            mass = ewaste[hw.name]
            assert mass is not None  # known: every component's mass
            hw_in: dict[str, Input | None] = {
                "ewaste_kg": Input(mass, "kg", (), f"e-waste of {hw.name}"),
                "ewaste_total_kg": Input(ewaste_total, "kg", (), "e-waste, all hardware"),
            }
            for crit in _MANUFACTURED:
                whole = end_of_life.range(f"end_of_life_{crit}")
                if whole is not None:
                    hw_in[f"end_of_life_{crit}"] = Input(whole, crit.unit, (), "end of life, job")
            eol_by_hw[hw.name] = evaluate(hw_in)
    for key in USAGE_CRITERIA:
        crit = Criterion(key)
        emb = _sum(ev.range(f"embodied_{crit}") for ev in embodied.values()) if hardware else None
        eol = end_of_life.range(f"end_of_life_{crit}") if hardware else None
        by_comp = _by_component(
            hardware, {n: ev.range(f"component_end_of_life_{crit}") for n, ev in eol_by_hw.items()}
        )
        criteria[crit] = CriterionImpact(usage.range(f"usage_{crit}"), emb, eol, by_comp)
    if ewaste_total is not None:
        criteria[Criterion.EWASTE] = CriterionImpact(
            None, None, ewaste_total, _by_component(hardware, ewaste)
        )
    if hardware and ewaste_total is None:
        warnings.append(
            CodedWarning(
                WarningCode.EWASTE_NOT_ASSESSED,
                "no mass known for "
                + ", ".join(n for n, v in ewaste.items() if v is None)
                + ": e-waste (ewaste_kg) not assessed",
            )
        )
    if hardware:
        warnings.append(
            CodedWarning(
                WarningCode.EMBODIED_WATER_NOT_ASSESSED,
                "manufacturing water of hardware is not in the catalog: not assessed",
            )
        )
    facility = cast(Range, usage.range("facility_energy_kwh"))  # its inputs are always given
    return ImpactResult(
        energy,
        facility,
        criteria,
        loc,
        pue_in,
        wue_in,
        list(hardware),
        warnings,
        usage,
        embodied,
        end_of_life,
        eol_by_hw,
    )


def _by_component(
    hardware: Sequence[HardwareShare], values: Mapping[str, Quantity | None]
) -> dict[str, Range] | None:
    """Values per hardware item summed per component (layer); ``None`` if any is missing."""
    if not hardware or any(values.get(hw.name) is None for hw in hardware):
        return None
    out: dict[str, Range] = {}
    for hw in hardware:
        v = as_range(values[hw.name])
        out[hw.component] = out[hw.component] + v if hw.component in out else v
    return out


def _sum(values: Iterable[Quantity | None]) -> Range | None:
    vals = [v for v in values if v is not None]
    if not vals:
        return None
    out = as_range(vals[0])
    for v in vals[1:]:
        out = out + v
    return out
