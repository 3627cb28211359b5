"""The public validation set: published figures the estimator must reproduce.

Two kinds of case (``docs/validation.md``):

- ``stated``: given the publication's own inputs (accelerator-hours, power, PUE, grid factor),
  the estimate must be within ±5 % of the published value;
- ``proxy``: given only proxies (parameters, tokens, hardware, the default MFU and power
  ranges), the published value must fall inside the estimate's low-high range and the
  central value within a factor of 2.

``tests/validation`` asserts these; ``scripts/validation_table.py`` prints the error table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal

from empreinte.estimate.inference import estimate_inference
from empreinte.estimate.layers import boundary_layers
from empreinte.estimate.mfu import PublicRun, public_runs
from empreinte.estimate.training import TrainingEstimate, estimate_training
from empreinte.factors.hardware import get_accelerator
from empreinte.ranges import Range, as_range

__all__ = ["CASES", "Case", "CaseResult", "run_case", "run_cases"]

STATED_TOLERANCE = 0.05
PROXY_FACTOR = 2.0
T_PER_KG = 1e-3
MWH_PER_KWH = 1e-3


@dataclass(frozen=True)
class Case:
    name: str
    kind: Literal["stated", "proxy"]
    quantity: str
    unit: str
    published: float
    source: str
    compute: Callable[[], Range]


@dataclass(frozen=True)
class CaseResult:
    case: Case
    estimate: Range

    @property
    def error(self) -> float:
        """Relative error of the central value."""
        return float(self.estimate.value) / self.case.published - 1.0

    @property
    def ratio(self) -> float:
        return float(self.estimate.value) / self.case.published

    @property
    def inside(self) -> bool:
        return bool(self.estimate.low <= self.case.published <= self.estimate.high)

    @property
    def passed(self) -> bool:
        if self.case.kind == "stated":
            return abs(self.error) <= STATED_TOLERANCE
        return self.inside and 1 / PROXY_FACTOR <= self.ratio <= PROXY_FACTOR


# ---------------------------------------------------------------- stated inputs
def _patterson(hw: str, hours: float, watts: float, pue: float) -> Range:
    e = estimate_training(
        hardware=hw, accelerator_hours=hours, power_w=watts, pue=pue, host_ratio=0, idle_ratio=0
    )
    return e.layers.full


PATTERSON = {  # model: (hardware, accelerator-hours, W per chip, PUE, kgCO2e/kWh, MWh, tCO2e)
    "T5 11B": ("google-tpu-v3", 245_760, 310, 1.12, 0.545, 85.7, 46.7),
    "GShard 600B": ("google-tpu-v3", 76_000, 288, 1.09, 0.177, 24.1, 4.3),
    "Switch Transformer 1.5T": ("google-tpu-v3", 663_000, 245, 1.10, 0.330, 179.0, 59.1),
    "GPT-3 175B": ("nvidia-v100-sxm2-32gb", 3_550_000, 330, 1.10, 0.429, 1287.0, 552.1),
}

BLOOM_HOURS = 1_082_990
BLOOM_GRID = 0.057
BLOOM_IDLE_KWH = 256_646


def _bloom_dynamic() -> Range:
    return estimate_training(
        hardware="nvidia-a100-sxm4-80gb",
        accelerator_hours=BLOOM_HOURS,
        power_w=400,
        pue=1.0,
        host_ratio=0,
        idle_ratio=0,
    ).layers.full


def _bloom_embodied() -> Range:
    """11.2 t: 2,500 kgCO2e per server w/o GPUs, 150 kgCO2e per A100, 6 years at 85 %."""
    from empreinte.impacts import HardwareShare, compute_impacts

    src = ("luccioni-bloom-2023",)
    gpus = HardwareShare("A100 (BLOOM)", 1, BLOOM_HOURS, Range.point(150.0), None, None, src)
    servers = HardwareShare(
        "HPE Apollo 6500 (BLOOM)", 1, BLOOM_HOURS / 8, Range.point(2500.0), None, None, src
    )
    res = compute_impacts(
        1.0,
        location="FRA",
        pue=1.0,
        wue_l_per_kwh=0.0,
        hardware=[gpus, servers],
        lifetime_years=6.0,
        utilisation=0.85,
    )
    emb = res.criteria["gwp_kgco2e"].embodied
    assert emb is not None
    return emb


def _bloom_total() -> Range:
    e = estimate_training(
        hardware="nvidia-a100-sxm4-80gb",
        accelerator_hours=BLOOM_HOURS,
        power_w=400,
        pue=1.0,
        host_ratio=0,
        idle_ratio=BLOOM_IDLE_KWH / (BLOOM_HOURS * 0.4),
    )
    return e.layers.full * BLOOM_GRID + _bloom_embodied()


LLAMA2 = {  # size: (GPU-hours, W, tCO2e)
    "7B": (184_320, 400, 31.22),
    "13B": (368_640, 400, 62.44),
    "34B": (1_038_336, 350, 153.90),
    "70B": (1_720_320, 400, 291.42),
}
LLAMA2_GRID = 0.4235  # implied by the model card (validation.md)


def _llama2(sizes: list[str]) -> Range:
    out = Range.point(0.0)
    for s in sizes:
        hours, watts, _ = LLAMA2[s]
        e = estimate_training(
            hardware="nvidia-a100-sxm4-80gb",
            accelerator_hours=hours,
            power_w=watts,
            pue=1.0,
            host_ratio=0,
            idle_ratio=0,
        )
        out = out + e.layers.full * LLAMA2_GRID * T_PER_KG
    return out


LLAMA3_CARDS = {  # card: (runs of training_runs.json, card total tCO2e)
    "Llama 3": (("Llama 3 8B", "Llama 3 70B"), 2290.0),
    "Llama 3.1": (("Llama 3.1 8B", "Llama 3.1 70B", "Llama 3.1 405B"), 11390.0),
    "Llama 3.2": (("Llama 3.2 1B", "Llama 3.2 3B"), 240.0),
    "Llama 3.3": (("Llama 3.3 70B",), 2040.0),
    "Llama 4": (("Llama 4 Scout", "Llama 4 Maverick"), 1999.0),
}
HELD_OUT_LLAMA = ("Llama 3.3 70B", "Llama 4 Scout", "Llama 4 Maverick")
"""Meta's cards the MFU prior was not fitted on (training_runs.json ``held_out``)."""


def _run(name: str) -> PublicRun:
    return next(r for r in (*public_runs(), *public_runs(held_out=True)) if r.name == name)


def card_grid_factor(card: str) -> float:
    """A model card's implied grid factor: its total tCO2e over its GPU-hours × W (kWh)."""
    names, total_t = LLAMA3_CARDS[card]
    kwh = sum(_run(n).accelerator_hours * _run(n).power_w / 1000.0 for n in names)
    return total_t * 1000.0 / kwh


def _usage_t(e: TrainingEstimate) -> Range:
    gwp = e.to_report().impacts.gwp_kgco2e
    assert gwp is not None and gwp.usage is not None
    return as_range(Range(gwp.usage.value, gwp.usage.low, gwp.usage.high)) * T_PER_KG


def _llama3_stated(card: str, name: str) -> Range:
    """GPU-hours × 700 W × the card's implied factor, on the accelerators boundary."""
    r = _run(name)
    e = estimate_training(
        hardware=r.hardware,
        accelerator_hours=r.accelerator_hours,
        power_w=r.power_w,
        boundary="accelerators",
        grid_gwp=card_grid_factor(card),
        location="USA",
    )
    return _usage_t(e)


def _proxy_run(name: str, **kw: Any) -> TrainingEstimate:
    """From parameters, tokens and hardware only; the MFU prior fitted without this run."""
    from empreinte.estimate.mfu import mfu_prior

    r = _run(name)
    acc = get_accelerator(r.hardware)
    assert acc.peak_flops_bf16 is not None
    mfu = mfu_prior(r.active_params, acc.peak_flops_bf16.value, exclude=name)
    return estimate_training(hardware=r.hardware, model=r.model, tokens=r.tokens, mfu=mfu, **kw)


def _llama_proxy_t(name: str) -> Range:
    """tCO2e from parameters, tokens, H100, USA, on Meta's (accelerators) boundary."""
    return _usage_t(_proxy_run(name, location="USA", boundary="accelerators"))


def _epoch_gpt4o() -> Range:
    e = estimate_inference(
        params_active=100e9,
        params_total=100e9,
        output_tokens=500,
        method="flops",
        hardware="nvidia-h100-sxm",
        mfu=0.10,
        power_w=1275,
        load=0.7,
        pue=1.2,
        host_ratio=0,
        idle_ratio=0,
    )
    return e.per_request.full * 1000


# ---------------------------------------------------------------- proxies only
def _gpt3_proxy() -> Range:
    return _proxy_run("GPT-3 175B", location="USA").layers.full * MWH_PER_KWH


def _bloom_proxy() -> Range:
    return _proxy_run("BLOOM 176B").layers.accelerators


def _llama2_70b_hours() -> Range:
    return _proxy_run("Llama 2 70B").accelerator_hours


def _gpt4o_proxy() -> Range:
    """Epoch's boundary (accelerators × PUE), catalog parameters and default ranges."""
    e = estimate_inference(
        model="gpt-4o",
        output_tokens=500,
        method="flops",
        location="USA",
        host_ratio=0,
        idle_ratio=0,
    )
    return e.per_request.full * 1000


def _gemini_accelerators() -> Range:
    """Accelerators only from Google's full-boundary 0.24 Wh, default layer ratios."""
    return _gemini_full().reciprocal() * 0.24 * 0.10


def _gemini_full() -> Range:
    """Full boundary from Google's accelerator-only 0.10 Wh, default layer ratios."""
    from empreinte.estimate.assumptions import assumption
    from empreinte.factors.datacenters import get_datacenter

    layers = boundary_layers(
        0.10,
        host_ratio=assumption("host_ratio").range,
        idle_ratio=assumption("idle_ratio").range,
        pue=get_datacenter("google-cloud").pue.range,
    )
    return layers.full


def _patterson_mwh(hw: str, h: float, w: float, pue: float) -> Range:
    return _patterson(hw, h, w, pue) * MWH_PER_KWH


def _patterson_t(hw: str, h: float, w: float, pue: float, grid: float) -> Range:
    return _patterson(hw, h, w, pue) * grid * T_PER_KG


def _stated_cases() -> list[Case]:
    cases = []
    for card, (names, _) in LLAMA3_CARDS.items():
        for name in names:
            cases.append(
                Case(
                    f"{name} (card factor {card_grid_factor(card):.4f})",
                    "stated",
                    "training GWP, accelerators boundary",
                    "tCO2e",
                    float(_run(name).tco2e or 0.0),
                    "meta-llama-model-cards",
                    partial(_llama3_stated, card, name),
                )
            )
    for name, (hw, h, w, pue, grid, mwh, t) in PATTERSON.items():
        cases.append(
            Case(
                f"{name} energy",
                "stated",
                "training energy",
                "MWh",
                mwh,
                "patterson-2021",
                partial(_patterson_mwh, hw, h, w, pue),
            )
        )
        cases.append(
            Case(
                f"{name} emissions",
                "stated",
                "training GWP",
                "tCO2e",
                t,
                "patterson-2021",
                partial(_patterson_t, hw, h, w, pue, grid),
            )
        )
    bloom = "luccioni-bloom-2023"
    cases += [
        Case("BLOOM dynamic energy", "stated", "GPU energy", "kWh", 433_196, bloom, _bloom_dynamic),
        Case(
            "BLOOM dynamic emissions",
            "stated",
            "usage GWP",
            "tCO2e",
            24.69,
            bloom,
            lambda: _bloom_dynamic() * BLOOM_GRID * T_PER_KG,
        ),
        Case(
            "BLOOM embodied",
            "stated",
            "embodied GWP",
            "tCO2e",
            11.2,
            bloom,
            lambda: _bloom_embodied() * T_PER_KG,
        ),
        Case(
            "BLOOM total",
            "stated",
            "total GWP",
            "tCO2e",
            50.5,
            bloom,
            lambda: _bloom_total() * T_PER_KG,
        ),
    ]
    for size, (_, _, t) in LLAMA2.items():
        cases.append(
            Case(
                f"Llama 2 {size}",
                "stated",
                "training GWP",
                "tCO2e",
                t,
                "meta-llama-model-cards",
                partial(_llama2, [size]),
            )
        )
    cases += [
        Case(
            "Llama 2 total",
            "stated",
            "training GWP",
            "tCO2e",
            539.0,
            "meta-llama-model-cards",
            lambda: _llama2(list(LLAMA2)),
        ),
        Case(
            "GPT-4o query (Epoch AI)",
            "stated",
            "energy per query",
            "Wh",
            0.30,
            "epoch-ai-2025",
            _epoch_gpt4o,
        ),
    ]
    return cases


def _proxy_cases() -> list[Case]:
    return [
        Case(
            "GPT-3 175B from 6ND (MFU prior without it)",
            "proxy",
            "training energy (full boundary)",
            "MWh",
            1287.0,
            "patterson-2021",
            _gpt3_proxy,
        ),
        Case(
            "BLOOM from 6ND (MFU prior without it)",
            "proxy",
            "GPU energy",
            "kWh",
            433_196,
            "luccioni-bloom-2023",
            _bloom_proxy,
        ),
        Case(
            "Llama 2 70B GPU-hours from 6ND (MFU prior without it)",
            "proxy",
            "GPU-hours",
            "h",
            1_720_320,
            "meta-llama-model-cards",
            _llama2_70b_hours,
        ),
        *(
            Case(
                f"{name} from 6ND "
                + ("(not in the MFU fit)" if name in HELD_OUT_LLAMA else "(MFU prior without it)"),
                "proxy",
                "training GWP, accelerators boundary, USA grid",
                "tCO2e",
                float(_run(name).tco2e or 0.0),
                "meta-llama-model-cards",
                partial(_llama_proxy_t, name),
            )
            for name in (
                "Llama 2 70B",
                "Llama 3 8B",
                "Llama 3 70B",
                "Llama 3.1 8B",
                "Llama 3.1 70B",
                "Llama 3.1 405B",
                "Llama 3.2 1B",
                "Llama 3.2 3B",
                *HELD_OUT_LLAMA,
            )
        ),
        Case(
            "DeepSeek-V3 GPU-hours from 6ND (not in the MFU fit)",
            "proxy",
            "H800-hours",
            "h",
            _run("DeepSeek-V3").accelerator_hours,
            "deepseek-v3-report",
            lambda: _proxy_run("DeepSeek-V3").accelerator_hours,
        ),
        Case(
            "GPT-4o query from catalog parameters",
            "proxy",
            "energy per query (Epoch's boundary)",
            "Wh",
            0.30,
            "epoch-ai-2025",
            _gpt4o_proxy,
        ),
        Case(
            "Gemini prompt, full boundary from accelerators",
            "proxy",
            "energy per prompt (full boundary)",
            "Wh",
            0.24,
            "google-gemini-2025",
            _gemini_full,
        ),
        Case(
            "Gemini prompt, accelerators only from full boundary",
            "proxy",
            "energy per prompt (accelerators)",
            "Wh",
            0.10,
            "google-gemini-2025",
            _gemini_accelerators,
        ),
    ]


CASES: list[Case] = _stated_cases() + _proxy_cases()


def run_case(case: Case) -> CaseResult:
    return CaseResult(case, as_range(case.compute()))


def run_cases() -> list[CaseResult]:
    return [run_case(c) for c in CASES]
