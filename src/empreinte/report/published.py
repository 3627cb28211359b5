"""A publisher's figures beside empreinte's recomputation, with one line per difference.

A report that carries a ``published`` block (figures as stated by their publisher, unit in the
key) is shown publisher first: :func:`reconcile` returns the publisher's figures, each with its
boundary and the factors the publisher used, empreinte's value at the same boundary, and the
reconciliation of the headline emissions and energy — one line per difference (boundary
layers: dynamic, idle, host, embodied, end of life; grid factor; PUE), the lines summing from
the published number to empreinte's. The report pages, the JSON twin, the API detail and every
exporter call this one function, so one run carries one published number, one recomputed
number and one explanation everywhere.

Keys understood (any other key is shown as stated, without a counterpart):

- energy, kWh: ``facility_energy_kwh`` (with the data-centre overhead), ``energy_kwh`` /
  ``it_energy_kwh`` / ``mean_energy_kwh`` (IT energy), ``dynamic_energy_kwh`` /
  ``accelerators_energy_kwh``, ``idle_energy_kwh``, ``host_energy_kwh`` (one layer each);
- emissions, kgCO2e: ``gwp_kgco2e`` (the publisher's total), ``gwp_kgco2e_market_based``,
  ``dynamic_gwp_kgco2e``, ``idle_gwp_kgco2e``, ``host_gwp_kgco2e``, ``embodied_gwp_kgco2e``;
- factors: ``grid_gwp_kgco2e_per_kwh``, ``pue``; water: ``water_l``.

A factor the publisher did not state but that its figures imply (emissions / energy) is shown
as *implied*, never as stated.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import NotRequired, TypedDict

from empreinte import units
from empreinte.report.models import Report
from empreinte.vocabulary import PHASES

__all__ = ["FactorPair", "Figure", "Line", "PublishedComparison", "Reconciliation", "reconcile"]

_LAYER_OF = {"dynamic": "accelerators", "accelerators": "accelerators", "idle": "idle"}
_LAYER_OF["host"] = "host"
_LAYER_NAME = {"accelerators": "accelerators", "idle": "idle", "host": "host (CPU, RAM)"}
_LAYER_NAME["facility"] = "data-centre overhead"
_IT_KEYS = ("energy_kwh", "it_energy_kwh", "mean_energy_kwh")
_GWP_KEYS = ("gwp_kgco2e", "gwp_kgco2e_market_based")
_LABELS = {
    "facility_energy_kwh": "Energy, facility (with data-centre overhead)",
    "energy_kwh": "Energy (IT)",
    "it_energy_kwh": "Energy (IT)",
    "mean_energy_kwh": "Energy, mean over the publisher's models",
    "median_energy_kwh": "Energy, median over the publisher's models",
    "max_energy_kwh": "Energy, maximum over the publisher's models",
    "std_energy_kwh": "Energy, standard deviation over the publisher's models",
    "gwp_kgco2e": "Emissions, total as published",
    "gwp_kgco2e_market_based": "Emissions, market-based",
    "embodied_gwp_kgco2e": "Emissions, embodied (manufacturing)",
    "embodied_servers_gwp_kgco2e": "Emissions, embodied: servers",
    "embodied_gpus_gwp_kgco2e": "Emissions, embodied: GPUs",
    "grid_gwp_kgco2e_per_kwh": "Grid carbon intensity",
    "pue": "PUE",
    "water_l": "Water",
}
_TOL = 0.005  # relative difference below which two figures are "the same"


class FactorPair(TypedDict):
    """A factor as the publisher used it (stated, or implied by its figures) beside ours."""

    publisher: float
    publisher_basis: str
    empreinte: float | None
    empreinte_basis: NotRequired[str]


@dataclass(frozen=True)
class Figure:
    """One published figure and empreinte's value at the same boundary (None: no counterpart)."""

    key: str
    label: str
    value: float
    unit: str
    boundary: str
    ours: float | None = None

    @property
    def shown(self) -> str:
        return _show(self.value, self.unit)

    @property
    def ours_shown(self) -> str:
        return "—" if self.ours is None else _show(self.ours, self.unit)


@dataclass(frozen=True)
class Line:
    """One difference between the published number and empreinte's (``delta`` in ``unit``)."""

    cause: str
    text: str
    delta: float | None
    unit: str

    @property
    def delta_shown(self) -> str:
        if self.delta is None:
            return ""
        sign = "+" if self.delta >= 0 else "−"
        return f"{sign}{_show(abs(self.delta), self.unit)}"


@dataclass(frozen=True)
class Reconciliation:
    """From the published number to empreinte's, one :class:`Line` per difference."""

    quantity: str
    unit: str
    published_key: str
    published: float
    published_boundary: str
    ours: float
    ours_boundary: str
    lines: tuple[Line, ...]

    @property
    def sentence(self) -> str:
        """The whole reconciliation in one line of text (for exports and docs)."""
        head = (
            f"published {_show(self.published, self.unit)} ({self.published_boundary}); "
            f"empreinte {_show(self.ours, self.unit)} ({self.ours_boundary})"
        )
        tail = "; ".join(f"{ln.delta_shown} {ln.text}".strip() for ln in self.lines)
        return f"{head}: {tail}" if tail else head


@dataclass(frozen=True)
class PublishedComparison:
    """Everything :func:`reconcile` finds: figures, factors, and the two reconciliations."""

    figures: tuple[Figure, ...]
    headline: tuple[Figure, ...]
    factors: dict[str, FactorPair] = field(default_factory=dict)
    energy: Reconciliation | None = None
    gwp: Reconciliation | None = None

    @property
    def reconciliations(self) -> tuple[Reconciliation, ...]:
        """The emissions then the energy reconciliation, those that exist."""
        return tuple(r for r in (self.gwp, self.energy) if r is not None)

    def figure_rows(self) -> list[list[str]]:
        """``[figure, boundary, publisher, empreinte]`` per figure, headline first (exports)."""
        order = sorted(self.figures, key=lambda f: f not in self.headline)
        return [[f.label, f.boundary, f.shown, f.ours_shown] for f in order]

    def steps(self, rec: Reconciliation) -> list[list[str]]:
        """``[step, change]`` rows from the published number to empreinte's (exports)."""
        rows = [[f"published ({rec.published_boundary})", _show(rec.published, rec.unit)]]
        rows += [[ln.text, ln.delta_shown or "—"] for ln in rec.lines]
        rows.append([f"empreinte ({rec.ours_boundary})", _show(rec.ours, rec.unit)])
        return rows

    def to_dict(self) -> dict[str, object]:
        """Plain JSON-ready data (with the shown strings), for the JSON twin and the API."""

        def fig(f: Figure) -> dict[str, object]:
            return {**asdict(f), "shown": f.shown, "ours_shown": f.ours_shown}

        def rec(r: Reconciliation | None) -> dict[str, object] | None:
            if r is None:
                return None
            d = asdict(r)
            d["lines"] = [{**asdict(ln), "delta_shown": ln.delta_shown} for ln in r.lines]
            d["sentence"] = r.sentence
            return d

        return {
            "headline": [f.key for f in self.headline],
            "figures": [fig(f) for f in self.figures],
            "factors": self.factors,
            "energy": rec(self.energy),
            "gwp": rec(self.gwp),
        }


def _show(x: float, unit: str) -> str:
    if unit in ("kWh", "kgCO2e", "L"):
        return units.human(x, unit, 4)
    if unit == "kgCO2e/kWh":
        return f"{units.number(x, 4)} kgCO2e/kWh"
    return units.number(x, 4) + (f" {unit}" if unit else "")


def _differs(a: float, b: float) -> bool:
    return abs(a - b) > _TOL * max(abs(a), abs(b), 1e-300)


def _our_factor(report: Report) -> float | None:
    for step in report.provenance.explain:
        if step.name == "grid_gwp_kgco2e_per_kwh" and step.value is not None:
            return step.value
    return None


def _our_layer(report: Report, layer: str) -> float | None:
    e = report.energy
    if layer in e.layers:
        return e.layers[layer].value
    if layer == "accelerators" and e.gpu_kwh is not None:
        return e.gpu_kwh.value
    return None


def _pue(report: Report) -> float:
    return report.datacenter.pue.value if report.datacenter.pue else 1.0


def _our_facility(report: Report) -> float:
    e = report.energy
    return e.facility_kwh.value if e.facility_kwh else e.total_kwh.value * _pue(report)


def _boundary(report: Report, facility: bool) -> str:
    layers = [_LAYER_NAME.get(x, x) for x in report.measurement.boundary if x != "facility"]
    if facility:
        layers.append("data-centre overhead")
    return " + ".join(layers)


def _layer_energies(pub: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in pub.items():
        name = k.removesuffix("_energy_kwh")
        if k.endswith("_energy_kwh") and name in _LAYER_OF:
            out[_LAYER_OF[name]] = v
    return out


def _stated_energy(report: Report) -> tuple[str, float, str, float, bool] | None:
    """(key, published kWh, boundary, ours at the same boundary, facility?) of the headline."""
    pub = report.published
    if "facility_energy_kwh" in pub:
        v = pub["facility_energy_kwh"]
        return "facility_energy_kwh", v, _boundary(report, True), _our_facility(report), True
    for k in _IT_KEYS:
        if k in pub:
            return k, pub[k], _boundary(report, False), report.energy.total_kwh.value, False
    layers = _layer_energies(pub)
    ours = [_our_layer(report, layer) for layer in layers]
    if layers and all(o is not None for o in ours):
        key = "+".join(k for k in pub if k.endswith("_energy_kwh") and k[:-11] in _LAYER_OF)
        text = " + ".join(_LAYER_NAME[k] for k in layers)
        total = sum(o for o in ours if o is not None)
        return key, sum(layers.values()), text, total, False
    return None


def _energy_lines(report: Report, stated: tuple[str, float, str, float, bool]) -> list[Line]:
    _, published, _, ours, facility = stated
    lines: list[Line] = []
    for layer, v in _layer_energies(report.published).items():
        o = _our_layer(report, layer)
        if o is not None and _differs(v, o):
            lines.append(Line(layer, f"{_LAYER_NAME[layer]}: empreinte's estimate", o - v, "kWh"))
    if facility:
        it = report.energy.total_kwh.value
        who = "stated by the publisher" if "pue" in report.published else "as applied here"
        lines.append(
            Line(
                "pue",
                f"PUE {units.number(_pue(report), 4)} ({who}): the data-centre overhead on "
                f"{_show(it, 'kWh')} of IT energy, the number shown as 'Energy (IT)'",
                None,
                "kWh",
            )
        )
    rest = ours - published - sum(ln.delta or 0.0 for ln in lines)
    if abs(rest) > 1e-6 * max(abs(published), abs(ours)):
        small = abs(rest) <= 0.01 * max(abs(published), abs(ours))
        lines.append(
            Line(
                "rounding" if small else "energy",
                "rounding of the published figures"
                if small
                else "empreinte's energy model (see the report's warnings and method)",
                rest,
                "kWh",
            )
        )
    return lines


def _gwp(report: Report, factors: dict[str, FactorPair]) -> Reconciliation | None:
    pub = report.published
    split = report.impacts.gwp_kgco2e
    key = next((k for k in _GWP_KEYS if k in pub), None)
    if key is None or split is None:
        return None
    published = pub[key]
    p_emb = pub.get("embodied_gwp_kgco2e")
    p_usage = published - (p_emb or 0.0)
    stated = _stated_energy(report)
    e_ours = _our_facility(report)
    e_pub = None if stated is None else stated[1]
    it_only = stated is not None and not stated[4]
    f_ours = _our_factor(report)
    if f_ours is None and split.usage is not None and e_ours:
        f_ours = split.usage.value / e_ours
    if "grid_gwp_kgco2e_per_kwh" in pub and key == "gwp_kgco2e":
        f_pub, basis = pub["grid_gwp_kgco2e_per_kwh"], "stated"
    elif not (e_pub or e_ours):
        return None  # no energy on either side: no factor to imply, nothing to reconcile
    else:
        f_pub, basis = p_usage / (e_pub or e_ours), "implied: published emissions / energy"
    if not math.isfinite(f_pub):
        return None  # a degenerate published energy (about 0): no factor to imply
    factors["grid_gwp_kgco2e_per_kwh"] = {
        "publisher": f_pub,
        "publisher_basis": basis + (", market-based" if key.endswith("market_based") else ""),
        "empreinte": f_ours,
        "empreinte_basis": f"location-based, zone {report.location.zone}",
    }
    lines: list[Line] = []
    if e_pub is None:
        lines.append(
            Line(
                "energy",
                f"the publisher stated no energy: empreinte's {_show(e_ours, 'kWh')} is used on "
                "both sides, so the publisher's grid factor is implied",
                None,
                "kgCO2e",
            )
        )
    elif _differs(e_pub, e_ours):
        pue = _pue(report)
        if it_only and not _differs(e_pub * pue, e_ours):
            cause = "pue"
            text = (
                f"data-centre overhead: empreinte applies PUE {units.number(pue, 4)} to the "
                f"publisher's IT energy ({_show(e_ours, 'kWh')} instead of {_show(e_pub, 'kWh')})"
            )
        else:
            cause = "pue" if "pue" in pub and _differs(pub["pue"], pue) else "energy"
            text = f"energy: {_show(e_ours, 'kWh')} instead of {_show(e_pub, 'kWh')}"
        lines.append(Line(cause, text + " at the publisher's factor", (e_ours - e_pub) * f_pub, ""))
    if f_ours is not None and _differs(f_pub, f_ours):
        lines.append(
            Line(
                "grid factor",
                f"grid factor {units.number(f_ours, 4)} kgCO2e/kWh (empreinte, location-based, "
                f"{report.location.zone}) instead of {units.number(f_pub, 4)} ({basis})",
                e_ours * (f_ours - f_pub),
                "",
            )
        )
    o_emb = split.embodied.value if split.embodied else None
    if o_emb is not None and p_emb is not None:
        if _differs(o_emb, p_emb):
            text = "embodied: empreinte's hardware catalogue and amortisation"
            lines.append(
                Line("embodied", text + f" instead of {_show(p_emb, 'kgCO2e')}", o_emb - p_emb, "")
            )
    elif o_emb is not None:
        lines.append(Line("embodied", "embodied: not in the publisher's figure", o_emb, ""))
    elif p_emb is not None:
        text = "embodied: not assessed by empreinte for this report"
        lines.append(Line("embodied", text, -p_emb, ""))
    if split.end_of_life is not None and split.end_of_life.value:
        text = "end of life: not in the publisher's figure"
        lines.append(Line("end_of_life", text, split.end_of_life.value, ""))
    ours = split.total.value
    rest = ours - published - sum(ln.delta or 0.0 for ln in lines)
    if abs(rest) > 1e-9 * max(abs(published), abs(ours)):
        small = abs(rest) <= 0.01 * max(abs(published), abs(ours))
        text = "rounding of the published figures" if small else "not explained by the above"
        if not small and e_pub is not None and _differs(e_pub * f_pub, p_usage):
            text += (
                f" (the publisher's {_show(p_usage, 'kgCO2e')} is not its energy "
                f"{_show(e_pub, 'kWh')} × its factor {units.number(f_pub, 4)})"
            )
        lines.append(Line("rounding" if small else "unexplained", text, rest, ""))
    if not all(math.isfinite(ln.delta) for ln in lines if ln.delta is not None):
        factors.pop("grid_gwp_kgco2e_per_kwh", None)
        return None
    p_bound = "usage" + (" + embodied" if p_emb is not None else "")
    if key.endswith("market_based"):
        p_bound = "market-based, phases as the publisher counts them"
    if stated:
        p_bound = f"{stated[2]}; {p_bound}"
    o_phases = [p for p in PHASES if getattr(split, p) is not None]
    return Reconciliation(
        quantity="gwp",
        unit="kgCO2e",
        published_key=key,
        published=published,
        published_boundary=p_bound,
        ours=ours,
        ours_boundary=" + ".join(p.replace("_", " ") for p in o_phases),
        lines=tuple(Line(ln.cause, ln.text, ln.delta, ln.unit or "kgCO2e") for ln in lines),
    )


def _counterpart(report: Report, key: str) -> float | None:
    """empreinte's value for a published key, at the same boundary (None if it has none)."""
    e, g = report.energy, report.impacts.gwp_kgco2e
    name = key.removesuffix("_energy_kwh").removesuffix("_gwp_kgco2e")
    if key == "facility_energy_kwh":
        return _our_facility(report)
    if key in _IT_KEYS:
        return e.total_kwh.value
    if key.endswith("_energy_kwh") and name in _LAYER_OF:
        return _our_layer(report, _LAYER_OF[name])
    if key in _GWP_KEYS and g is not None:
        return g.total.value
    if key == "embodied_gwp_kgco2e" and g is not None and g.embodied is not None:
        return g.embodied.value
    if key.endswith("_gwp_kgco2e") and name in _LAYER_OF:
        layer, f = _our_layer(report, _LAYER_OF[name]), _our_factor(report)
        return None if layer is None or f is None else layer * _pue(report) * f
    if key == "grid_gwp_kgco2e_per_kwh":
        return _our_factor(report)
    if key == "pue":
        return _pue(report)
    if key == "water_l" and report.impacts.water_l is not None:
        return report.impacts.water_l.total.value
    return None


def _unit(key: str) -> str:
    for suffix, unit in (("_kwh", "kWh"), ("_kgco2e", "kgCO2e"), ("_l", "L")):
        if key.endswith(suffix):
            return unit
    if key.endswith("_per_kwh"):
        return "kgCO2e/kWh"
    return "kgCO2e" if key in _GWP_KEYS else ""


def _figure(report: Report, key: str, value: float, rec_boundary: dict[str, str]) -> Figure:
    unit = "kgCO2e/kWh" if key == "grid_gwp_kgco2e_per_kwh" else _unit(key)
    label = _LABELS.get(key)
    if label is None:
        name = key.removesuffix("_energy_kwh").removesuffix("_gwp_kgco2e").replace("_", " ")
        kind = "Energy" if unit == "kWh" else "Emissions" if unit == "kgCO2e" else key
        label = f"{kind}, {name}" if kind != key else key.replace("_", " ")
    boundary = rec_boundary.get(key)
    if unit in ("kgCO2e/kWh", ""):
        boundary = "factor" if unit else ""
    elif key.startswith("embodied"):
        boundary = "embodied (manufacturing of the hardware)"
    elif boundary is None:
        name = key.removesuffix("_energy_kwh").removesuffix("_gwp_kgco2e")
        boundary = _LAYER_NAME.get(_LAYER_OF.get(name, ""), "as stated by the publisher")
    return Figure(key, label, value, unit, boundary, _counterpart(report, key))


def reconcile(report: Report) -> PublishedComparison | None:
    """The publisher's figures beside empreinte's, or None when the report has none."""
    pub = report.published
    if not pub:
        return None
    factors: dict[str, FactorPair] = {}
    gwp = _gwp(report, factors)
    stated = _stated_energy(report)
    energy = None
    if stated is not None:
        key, value, boundary, ours, _ = stated
        energy = Reconciliation(
            "energy", "kWh", key, value, boundary, ours, boundary,
            tuple(_energy_lines(report, stated)),
        )  # fmt: skip
    if "pue" in pub:
        factors["pue"] = {
            "publisher": pub["pue"],
            "publisher_basis": "stated",
            "empreinte": _pue(report),
        }
    bounds = {} if gwp is None else {gwp.published_key: gwp.published_boundary}
    if stated is not None:
        bounds[stated[0]] = stated[2]
    figures = [_figure(report, k, v, bounds) for k, v in pub.items()]
    if stated is not None and "+" in stated[0]:  # the sum of the stated layers, as a figure
        figures.insert(
            0, Figure(stated[0], "Energy, stated layers", stated[1], "kWh", stated[2], stated[3])
        )
    head_keys = [r.published_key for r in (energy, gwp) if r is not None]
    headline = tuple(f for k in head_keys for f in figures if f.key == k)
    if not headline:
        headline = tuple(figures[:1])
    return PublishedComparison(tuple(figures), headline, factors, energy, gwp)
