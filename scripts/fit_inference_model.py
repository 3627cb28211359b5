#!/usr/bin/env python
"""Fit the per-token inference energy model on ML.ENERGY v3 and write its coefficients.

    python scripts/fit_inference_model.py [--data CSV] [--out JSON] [--check]

Reads ``src/empreinte/estimate/data/ml-energy-v3-llm.csv`` (a copy of the ML.ENERGY
Leaderboard v3 data, see that folder's README), fits :mod:`empreinte.estimate.fit`, computes
the leave-one-model-out error by model, and writes ``inference_model.json`` next to the data.
``--check`` exits non-zero when the file in the repository differs from a fresh fit.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from empreinte.estimate.fit import (
    BYTES_PER_PARAM,
    FEATURES,
    GPUS,
    REFERENCE_TASK,
    TASKS,
    coefficients_dict,
    fit_coefficients,
    leave_one_model_out,
    read_ml_energy,
    same_fit,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "src" / "empreinte" / "estimate" / "data"


def power_fraction_of_tdp(text: str) -> dict[str, float]:
    """Quantiles of average power / (GPUs x TDP) over the file (inference load assumption)."""
    import csv
    import io

    import numpy as np

    from empreinte.estimate.pertoken import _FITTED_GPUS
    from empreinte.factors.hardware import get_accelerator

    tdp = {}
    for acc_id, label in _FITTED_GPUS.items():
        acc = get_accelerator(acc_id)
        assert acc.tdp_w is not None
        tdp[label] = acc.tdp_w.value
    rows = list(csv.DictReader(io.StringIO(text)))
    frac = np.array(
        [float(r["avg_power_watts"]) / (float(r["num_gpus"]) * tdp[r["gpu_model"]]) for r in rows]
    )
    return {q: float(np.quantile(frac, int(q) / 100)) for q in ("10", "50", "90")}


def build(csv_path: Path) -> dict[str, object]:
    raw = csv_path.read_bytes()
    data = read_ml_energy(raw.decode("utf-8"))
    coef = fit_coefficients(data)
    lomo = leave_one_model_out(data)
    return {
        "version": 1,
        "target": "GPU energy per output token (J), prefill included",
        "form": "ln E = sum(coef[f] * feature[f])",
        "features": list(FEATURES),
        "coefficients": coefficients_dict(coef),
        "domain": {
            "gpus": list(GPUS),
            "tasks": list(TASKS),
            "reference_task": REFERENCE_TASK,
            "precisions": list(BYTES_PER_PARAM),
            "active_params_b": [
                float(data["activated_params_billions"].min()),
                float(data["activated_params_billions"].max()),
            ],
            "total_params_b": [
                float(data["total_params_billions"].min()),
                float(data["total_params_billions"].max()),
            ],
            "batch": [float(data["avg_batch_size"].min()), float(data["avg_batch_size"].max())],
        },
        "fit": {
            "data_file": csv_path.name,
            "data_sha256": hashlib.sha256(raw).hexdigest(),
            "rows": len(data["model_id"]),
            "method": "ordinary least squares on ln(energy_per_token_joules), numpy.linalg.lstsq",
            "source": "ml-energy-v3",
            "script": "scripts/fit_inference_model.py",
        },
        "leave_one_model_out": lomo,
        "power_fraction_of_tdp": power_fraction_of_tdp(raw.decode("utf-8")),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=DATA_DIR / "ml-energy-v3-llm.csv")
    ap.add_argument("--out", type=Path, default=DATA_DIR / "inference_model.json")
    ap.add_argument("--check", action="store_true", help="compare with the file, write nothing")
    args = ap.parse_args(argv)
    model = build(args.data)
    text = json.dumps(model, indent=1, sort_keys=False) + "\n"
    lomo = model["leave_one_model_out"]
    assert isinstance(lomo, dict)
    if args.check:
        same = args.out.exists() and same_fit(json.loads(args.out.read_text()), json.loads(text))
        print("up to date" if same else f"{args.out} differs from a fresh fit")
        return 0 if same else 1
    args.out.write_text(text)
    print(f"wrote {args.out}")
    print(f"leave-one-model-out over {lomo['models']} models, {lomo['configurations']} configs:")
    print(f"  median of per-model median |error|: {lomo['median_abs_error_by_model']:.1%}")
    print(f"  pooled median |error|:              {lomo['median_abs_error_pooled']:.1%}")
    for p in lomo["per_model"]:
        print(
            f"  {p['model_id']:<52} n={p['configurations']:>3} median ratio "
            f"{p['median_ratio']:.2f} worst {p['worst_ratio']:.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
