"""Reports for the hand-curated published figures of ``data/figures.json``.

Every number in the data file is copied from its publication; what is derived (IT energy from a
stated facility energy and PUE, Epoch AI's per-query arithmetic, Gemini's layers from rounded
shares) is computed here, once, so that it can be read and checked.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from functools import cache
from importlib import resources
from typing import Any

from empreinte.errors import CodedWarning, WarningCode
from empreinte.impacts import HardwareShare
from empreinte.ranges import Range
from empreinte.report.build import make_report
from empreinte.report.models import HardwareItem, Publisher, Report, System
from empreinte.vocabulary import J_PER_KWH

__all__ = ["PUBLISHED_FACTOR_CODE", "figure_count", "iter_figure_reports", "load_figures"]

PUBLISHED_FACTOR_CODE = WarningCode.PUBLISHED_GRID_FACTOR
"""Warning code: the publisher stated its own grid factor and emissions (kept in `published`)."""
PUBLISHED_PUE_CODE = WarningCode.PUBLISHED_PUE_NOTE
"""Warning code: how the publisher's figure relates to PUE (why the PUE given is what it is)."""
SEED_ESTIMATE_CODE = WarningCode.ESTIMATE

S_PER_H = 3600.0


@cache
def load_figures() -> dict[str, Any]:
    """The parsed ``figures.json`` (cached; treat as read-only)."""
    text = resources.files(__package__).joinpath("data/figures.json").read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def figure_count() -> int:
    """Number of reports :func:`iter_figure_reports` yields."""
    d = load_figures()
    return len(d["figures"]) + len(d["php"]["tasks"]) + 1


def _accelerator_id(name: str) -> str:
    from empreinte.factors.hardware import get_accelerator

    return get_accelerator(name).id


def _hardware_item(acc: Mapping[str, Any]) -> HardwareItem:
    return HardwareItem(
        kind=acc["kind"],
        name=acc["name"],
        catalog_id=_accelerator_id(acc["catalog"]),
        count=acc.get("count", 1),
    )


def _common(src: Mapping[str, Any], fig: Mapping[str, Any]) -> dict[str, Any]:
    """Keyword arguments shared by every figure: identity, provenance, system, counters."""
    system = fig.get("system")
    counters = {k: float(v) for k, v in fig.get("counters", {}).items()}
    published = {k: float(v) for k, v in fig.get("published", {}).items()}
    return {
        "report_id": fig["id"],
        "created_at": datetime.fromisoformat(src["created_at"]),
        "name": fig["name"],
        "publisher": Publisher(**src["publisher"]),
        "licence": src["licence"],
        "citation": f"{src['citation']}. Figure: {fig['where']}.",
        "stage": fig["stage"],
        "method": fig["method"],
        "task": fig.get("task"),
        "system": System(**system) if system else None,
        "counters": counters,
        "published": published,
        "tags": ["seed", fig["source"]],
    }


def _factor_warning(published: Mapping[str, float], location: str | None) -> list[CodedWarning]:
    factor = published.get("grid_gwp_kgco2e_per_kwh")
    if factor is None:
        return []
    stated = published.get("gwp_kgco2e")
    tail = f" and {stated:,.0f} kgCO2e" if stated is not None else ""
    return [
        CodedWarning(
            PUBLISHED_FACTOR_CODE,
            f"the publisher stated a grid factor of {factor} kgCO2e/kWh{tail}; the impacts here "
            f"use empreinte's location-based factor for {location or 'the world'}; the stated "
            "figures are shown first on the report page, as published",
        )
    ]


def _energy(fig: Mapping[str, Any]) -> tuple[dict[str, Any], list[CodedWarning], float | None]:
    """make_report energy arguments, extra warnings and the embodied hours per accelerator."""
    acc = fig.get("accelerator", {})
    warnings: list[CodedWarning] = []
    if "facility_kwh" in fig:  # Patterson: stated energy includes the stated PUE
        it = fig["facility_kwh"] / fig["pue"]
        args: dict[str, Any] = {"energy_kwh": {"gpu": it}, "pue": fig["pue"]}
        args["layers"] = {"accelerators": it}
        return args, warnings, acc.get("wall_hours")
    if "energy_kwh" in fig:  # BLOOM: components and layers as stated
        args = {"energy_kwh": dict(fig["energy_kwh"]), "pue": fig["pue"], "layers": fig["layers"]}
        hours = fig["counters"]["accelerator_hours"] / acc["count"]
        return args, warnings, hours
    if "gpu_hours" in fig:  # Llama 2: GPU-hours x PUE-adjusted peak power
        kwh = fig["gpu_hours"] * fig["power_w_pue_adjusted"] / 1000.0
        warnings.append(
            CodedWarning(
                PUBLISHED_PUE_CODE,
                "the model card's power per GPU is already adjusted for PUE, so the energy is "
                "facility energy and PUE 1.0 is applied so as not to count it twice",
            )
        )
        args = {"energy_kwh": {"gpu": kwh}, "pue": 1.0, "layers": {"accelerators": kwh}}
        args["counters_extra"] = {
            "gpu_hours": fig["gpu_hours"],
            "power_w_per_gpu_pue_adjusted": fig["power_w_pue_adjusted"],
        }
        return args, warnings, fig["gpu_hours"]
    if "epoch" in fig:
        return _epoch(fig["epoch"])
    if "gemini" in fig:
        return _gemini(fig["gemini"]), warnings, None
    raise ValueError(f"{fig['id']}: no energy given")


def _epoch(e: Mapping[str, float]) -> tuple[dict[str, Any], list[CodedWarning], float]:
    """Epoch AI's method: FLOPs = 2 N tokens; time = FLOPs / (peak x MFU); E = t P load PUE."""
    flops = 2.0 * e["active_parameters"] * e["output_tokens"]
    seconds = flops / (e["peak_flops"] * e["mfu"])
    it_kwh = seconds * e["gpu_power_w"] * e["power_load"] / J_PER_KWH
    warnings = [
        CodedWarning(
            SEED_ESTIMATE_CODE,
            "third-party proxy estimate (active parameters, MFU, power and PUE assumed by Epoch "
            "AI); the publisher gave no numeric range, so none is shown",
        )
    ]
    args = {
        "energy_kwh": {"gpu": it_kwh},
        "pue": e["pue"],
        "functional_unit": ("request", 1.0),
        "counters_extra": {
            "output_tokens": e["output_tokens"],
            "requests": 1.0,
            "assumed_mfu": e["mfu"],
            "assumed_peak_flops": e["peak_flops"],
            "assumed_gpu_server_power_w": e["gpu_power_w"],
            "assumed_power_load": e["power_load"],
            "compute_seconds": seconds,
        },
    }
    return args, warnings, seconds / S_PER_H


def gemini_layers(facility_kwh: float, shares_pct: Mapping[str, float]) -> dict[str, Range]:
    """Layers of a full-boundary figure from its published, rounded percentage shares.

    The shares as published sum to 101 % (rounding); each layer is normalised so that the layers
    sum to the published total; the bounds also cover the ±0.5 point rounding of each share.
    """
    s = sum(shares_pct.values())
    out = {}
    for k, p in shares_pct.items():
        v = facility_kwh * p / s
        lo = facility_kwh * max(p - 0.5, 0.0) / 100.0
        hi = facility_kwh * (p + 0.5) / 100.0
        out[k] = Range(v, min(v, lo), max(v, hi))
    return out


def gemini_pue(shares_pct: Mapping[str, float]) -> Range:
    """The overhead ratio implied by the shares: total / (total - facility overhead)."""
    s = sum(shares_pct.values())
    f = shares_pct["facility"]
    return Range(s / (s - f), 100.0 / (100.0 - (f - 0.5)), 100.0 / (100.0 - (f + 0.5)))


def _gemini(g: Mapping[str, Any]) -> dict[str, Any]:
    shares = g["shares_pct"]
    pue = gemini_pue(shares)
    args: dict[str, Any] = {"pue": pue, "functional_unit": ("request", 1.0)}
    if "facility_kwh" in g:
        layers = gemini_layers(g["facility_kwh"], shares)
        # IT energy = every layer but the data-centre overhead; PUE brings back the total
        it = sum(float(layers[k].value) for k in ("accelerators", "host", "idle"))
        args["total_kwh"] = it
        args["energy_kwh"] = {"gpu": float(layers["accelerators"].value)}
        args["layers"] = layers
    else:
        args["energy_kwh"] = {"gpu": g["it_kwh"]}
        args["layers"] = {"accelerators": g["it_kwh"]}
    args["counters_extra"] = {"requests": 1.0}
    return args


def _stated_energy(fig: Mapping[str, Any]) -> dict[str, float]:
    """The energy (and PUE) the publication states, as ``published`` keys (docs: report.md)."""
    if "facility_kwh" in fig:  # Patterson: facility energy with the stated PUE
        return {"facility_energy_kwh": fig["facility_kwh"], "pue": fig["pue"]}
    if "energy_kwh" in fig:  # BLOOM: dynamic and idle consumption
        names = {"accelerators": "dynamic", "idle": "idle", "host": "host"}
        return {f"{names[k]}_energy_kwh": float(v) for k, v in fig["layers"].items()}
    if "facility_kwh" in fig.get("gemini", {}):  # Google: the full-boundary figure
        return {"facility_energy_kwh": fig["gemini"]["facility_kwh"]}
    return {}


def _figure_report(src: Mapping[str, Any], fig: Mapping[str, Any]) -> Report:
    kw = _common(src, fig)
    kw["published"] = {**_stated_energy(fig), **kw["published"]}
    energy, warnings, hours = _energy(fig)
    kw["counters"].update(energy.pop("counters_extra", {}))
    warnings = [*warnings, *_factor_warning(fig.get("published", {}), fig.get("location"))]
    if "pue_note" in fig:
        warnings.append(CodedWarning(PUBLISHED_PUE_CODE, fig["pue_note"]))
    acc = fig.get("accelerator")
    hardware = [_hardware_item(acc)] if acc else []
    embodied: list[HardwareShare] = []
    if acc and hours is not None:
        embodied.append(HardwareShare.accelerator(acc["catalog"], acc.get("count", 1), hours))
        if "servers" in fig:
            srv = fig["servers"]
            embodied.append(HardwareShare.server(srv["archetype"], srv["count"], hours))
    measurement: dict[str, Any] = {"boundary": fig.get("boundary", ["accelerators"])}
    if acc and "wall_hours" in acc:
        measurement["duration_s"] = acc["wall_hours"] * S_PER_H
    return make_report(
        location=fig.get("location"),
        hardware=hardware,
        embodied=embodied,
        lifetime_years=fig.get("lifetime_years"),
        utilisation=fig.get("utilisation"),
        measurement=measurement,
        warnings=warnings,
        **energy,
        **kw,
    )


def _php_reports(php: Mapping[str, Any], src: Mapping[str, Any]) -> Iterator[Report]:
    acc = php["accelerator"]
    meters = [
        {
            "name": "codecarbon",
            "component": "system",
            "method": "software_model",
            "device": acc["name"],
            "note": "CodeCarbon (GPU, CPU and RAM); the paper does not say which CodeCarbon "
            "mode measured CPU and RAM",
        }
    ]
    factor = php["published_grid_gwp_kgco2e_per_kwh"]
    for t in php["tasks"]:
        fig = {
            "id": f"seed-luccioni2024-php-{t['slug']}",
            "source": php["source"],
            "where": f"{php['where']}, {t['label']}",
            "name": f"{t['label'].capitalize()}: mean of task-specific models, 1,000 inferences "
            "(Power Hungry Processing)",
            "stage": "inference",
            "method": "software_model",
            "task": t.get("task", t["slug"]),
        }
        kw = _common(src, fig)
        kw["counters"] = {"inferences": 1000.0}
        kw["published"] = {
            "mean_energy_kwh": t["mean_kwh"],
            "std_energy_kwh": t["std_kwh"],
            "grid_gwp_kgco2e_per_kwh": factor,
            **({"median_energy_kwh": t["median_kwh"]} if "median_kwh" in t else {}),
            **({"max_energy_kwh": t["max_kwh"]} if "max_kwh" in t else {}),
        }
        yield make_report(
            total_kwh=t["mean_kwh"],
            location=php["location"],
            hardware=[_hardware_item(acc)],
            functional_unit=("inference", 1000.0),
            measurement={"boundary": ["accelerators", "host", "idle"], "meters": meters},
            warnings=[
                CodedWarning(
                    WarningCode.PUBLISHED_MEAN,
                    "the value is the mean over the task's models as published; the spread "
                    "across models (standard deviation, and median or maximum where the paper "
                    "states them) is shown with the publisher's figures, not as the bounds of this "
                    "value",
                ),
                *_factor_warning({"grid_gwp_kgco2e_per_kwh": factor}, "USA"),
            ],
            **kw,
        )
    tot = php["total"]
    fig = {
        "id": "seed-luccioni2024-php-all-experiments",
        "source": php["source"],
        "where": tot["where"],
        "name": "All model experimentation and evaluation of Power Hungry Processing",
        "stage": "evaluation",
        "method": "software_model",
        "published": {
            "energy_kwh": tot["energy_kwh"],
            "gwp_kgco2e": tot["gwp_kgco2e"],
            "grid_gwp_kgco2e_per_kwh": factor,
        },
    }
    yield make_report(
        total_kwh=tot["energy_kwh"],
        location=php["location"],
        hardware=[_hardware_item(acc)],
        measurement={"boundary": ["accelerators", "host", "idle"], "meters": meters},
        warnings=_factor_warning(fig["published"], "USA"),
        **_common(src, fig),
    )


def iter_figure_reports() -> Iterator[Report]:
    """One validated report per curated published figure."""
    data = load_figures()
    sources = data["sources"]
    for fig in data["figures"]:
        yield _figure_report(sources[fig["source"]], fig)
    yield from _php_reports(data["php"], sources[data["php"]["source"]])
