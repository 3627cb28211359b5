#!/usr/bin/env python
"""Generate docs/validation.md: the estimator's error on the public validation set.

    python scripts/validation_table.py [--out docs/validation.md] [--check]

Runs every case of :mod:`empreinte.estimate.validation` and the leave-one-model-out error of
the fitted per-token model (from ``src/empreinte/estimate/data/inference_model.json``).
``--check`` exits non-zero when the file differs from a fresh run.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from empreinte.estimate.pertoken import fitted_model
from empreinte.estimate.validation import PROXY_FACTOR, STATED_TOLERANCE, run_cases

ROOT = Path(__file__).resolve().parents[1]


def _g(x: float) -> str:
    return f"{x:,.4g}" if abs(x) < 1e4 else f"{x:,.0f}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def _observatory_section() -> list[str]:
    """Each seed report with a publisher's figure: the page's published number, empreinte's
    recomputation and the reconciliation, from the function the pages and exports call."""
    from empreinte.observatory.seed._figures import iter_figure_reports
    from empreinte.report.published import reconcile

    lines = [
        "## The observatory's pages: published, recomputed, reconciled",
        "",
        "The cases above reproduce each publication with its own inputs and factors (the",
        "*stated* rows match the publisher's number). The observatory's report pages show the",
        "publisher's number first, then empreinte's recomputation with its own reference data",
        "(location-based grid factors, embodied and end-of-life phases), and one line per",
        "difference; the lines sum exactly to the recomputed number. This table is made by",
        "`empreinte.report.published.reconcile`, the function behind the report pages, their",
        "JSON twins, the API detail and the exports, so the four always agree.",
        "",
        "| report | quantity | published | empreinte | reconciliation (published → empreinte) |",
        "|---|---|---|---|---|",
    ]
    for report in iter_figure_reports():
        comparison = reconcile(report)
        if comparison is None:
            continue
        for rec in comparison.reconciliations:
            what = "emissions" if rec.quantity == "gwp" else "energy"
            steps = "; ".join(f"{ln.delta_shown} {ln.text}".strip() for ln in rec.lines)
            head = comparison.steps(rec)
            pub = f"{head[0][1]} ({rec.published_boundary})"
            ours = f"{head[-1][1]} ({rec.ours_boundary})"
            cells = [f"`{report.report_id}`", what, pub, ours, steps or "same"]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return [*lines, ""]


def _mfu_section() -> list[str]:
    from empreinte.estimate.mfu import implied_mfu, mfu_fit, mfu_prior, public_runs

    fit = mfu_fit()
    a, b, c, d = fit.coef
    lines = [
        "",
        "## Training MFU prior: public runs and leave-one-run-out error",
        "",
        "`ln MFU = a + b ln N_B + c ln P + d ln N_B ln P` (N_B active parameters in billions,",
        "P the chip's dense BF16/FP16 peak in PFLOP/s), least squares on the runs below",
        f"(`estimate/data/training_runs.json`): a = {a:.4f}, b = {b:.4f}, c = {c:.4f}, "
        f"d = {d:.4f}.",
        f"Leave-one-run-out: median |error| {fit.median_abs_error:.1%}, ratios "
        f"{fit.ratio_low:.2f}–{fit.ratio_high:.2f}; the prior's range is ×/÷ {fit.spread:.2f}.",
        "",
        "| run | hardware | active params | tokens | accelerator-hours | implied MFU "
        "| prior (all runs) | prior without it | LOO ratio |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in public_runs():
        implied, loo = fit.loo[r.name]
        prior = fit.central(r.active_params / 1e9, r.peak_flops / 1e15)
        lines.append(
            f"| {r.name} | {r.hardware} | {r.active_params / 1e9:g}B | {r.tokens:.3g} | "
            f"{_g(r.accelerator_hours)} | {implied_mfu(r):.3f} | {prior:.3f} | {loo:.3f} | "
            f"{loo / implied:.2f} |"
        )
    lines += [
        "",
        "Disclosures kept out of the fit (MoE runs, FP8 training, later cards): the prior",
        "against what they imply.",
        "",
        "| held-out run | hardware | active params | tokens | accelerator-hours | implied MFU "
        "| prior | ratio |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in public_runs(held_out=True):
        prior = mfu_prior(r.active_params, r.peak_flops).value
        lines.append(
            f"| {r.name} | {r.hardware} | {r.active_params / 1e9:g}B | {r.tokens:.3g} | "
            f"{_g(r.accelerator_hours)} | {implied_mfu(r):.3f} | {prior:.3f} | "
            f"{prior / implied_mfu(r):.2f} |"
        )
    return lines


def _disagreement_section() -> list[str]:
    from empreinte.estimate.inference import estimate_inference

    lines = [
        "",
        "## Fitted and FLOP methods side by side (inference)",
        "",
        "The fitted method reports the FLOP method beside it (`cross_check`); beyond ×2 the",
        "warning `methods-disagree` is raised. Accelerator energy per request, H100, defaults.",
        "",
        "| request | fitted (Wh) | FLOP method (Wh) | agreement ratio |",
        "|---|---|---|---|",
    ]
    for label, kw in (
        ("Llama 3.1 8B, 300 output tokens", {"model": "llama-3.1-8b", "output_tokens": 300}),
        ("Llama 3.1 70B, 300 output tokens", {"model": "llama-3.1-70b", "output_tokens": 300}),
        (
            "Llama 3.1 70B, 2,000 in + 300 out",
            {"model": "llama-3.1-70b", "input_tokens": 2000, "output_tokens": 300},
        ),
        ("GPT-4o class (catalog), 500 output tokens", {"model": "gpt-4o", "output_tokens": 500}),
        (
            "MoE 1T total / 32B active, 300 output tokens",
            {"params_total": 1e12, "params_active": 32e9, "output_tokens": 300},
        ),
    ):
        e = estimate_inference(**kw)  # type: ignore[arg-type]
        assert e.cross_check is not None and e.agreement_ratio is not None
        lines.append(
            f"| {label} | {float(e.per_request.accelerators.value) * 1000:.4g} | "
            f"{float(e.cross_check.value):.4g} | {e.agreement_ratio:.2f} |"
        )
    return lines


def render() -> str:
    results = run_cases()
    lines = [
        "# Validation: the estimator against published figures",
        "",
        "Generated by `scripts/validation_table.py`; do not edit by hand. The same cases are",
        "asserted by `tests/validation/`. Methods and inputs: [estimate.md](estimate.md).",
        "",
        f"- **stated inputs**: the publication's own inputs; within ±{STATED_TOLERANCE:.0%}.",
        "- **proxies only**: parameters, tokens, hardware and the default ranges; the published",
        f"  value must lie inside low–high and the central value within ×{PROXY_FACTOR:g}.",
        "- Training proxies take the MFU prior fitted **without** the run being checked",
        "  (leave-one-run-out), so no proxy case is in-sample; Llama 3.3 70B, Llama 4 Scout and",
        "  Maverick and DeepSeek-V3 are not in the fit at all. Meta's cards count GPU power only:",
        "  their cases use `boundary=accelerators`.",
        "",
        "| case | kind | quantity | published | estimate | low – high | error | pass |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        c = r.case
        lines.append(
            f"| {c.name} | {c.kind} | {c.quantity} ({c.unit}) | {_g(c.published)} | "
            f"{_g(float(r.estimate.value))} | {_g(float(r.estimate.low))} – "
            f"{_g(float(r.estimate.high))} | {r.error:+.1%} | {'yes' if r.passed else '**no**'} |"
        )
    sources = sorted({r.case.source for r in results})
    lines += ["", "Sources (ids of `factors/data/sources.json`): " + ", ".join(sources) + "."]
    lines += _mfu_section() + _disagreement_section()
    fm = fitted_model()
    lomo = fm.meta["leave_one_model_out"]
    q = lomo["ratio_quantiles"]
    lines += [
        "",
        "## Per-token inference model: leave-one-model-out error (ML.ENERGY v3)",
        "",
        "Each model is predicted by a fit on the other models only. Ratio = predicted /",
        "measured GPU energy per output token, over that model's configurations.",
        "",
        f"- models: {lomo['models']}, configurations: {lomo['configurations']}",
        f"- **median over models of the median |error|: {lomo['median_abs_error_by_model']:.1%}**",
        f"- pooled median |error| over all configurations: {lomo['median_abs_error_pooled']:.1%}",
        f"- pooled ratio quantiles: 10th {q['10']:.2f}, median {q['50']:.2f}, 90th {q['90']:.2f}"
        " (the 10th–90th span is the estimator's error band)",
        f"- held-out models within ×1.5 at the median: "
        f"{sum(1 / 1.5 <= p['median_ratio'] <= 1.5 for p in lomo['per_model'])} of "
        f"{lomo['models']} (those outside are listed below with their median ratio)",
        "",
        "| model | GPUs | configs | median ratio | worst ratio | median abs. error |",
        "|---|---|---|---|---|---|",
    ]
    for p in lomo["per_model"]:
        lines.append(
            f"| {p['model_id']} | {', '.join(p['gpus'])} | {p['configurations']} | "
            f"{p['median_ratio']:.2f} | {p['worst_ratio']:.2f} | {p['median_abs_error']:.1%} |"
        )
    lines += [
        "",
        "For comparison, methodology.md notes that EcoLogits' per-token model overestimates these",
        "measurements by about 1.4× at 8B and 5× at 405B.",
        "",
        *_observatory_section(),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "validation.md")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        same = args.out.exists() and args.out.read_text() == text
        print("up to date" if same else f"{args.out} is stale: run {Path(__file__).name}")
        return 0 if same else 1
    args.out.write_text(text)
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
