"""Reports for the ML.ENERGY Leaderboard v3 rows shipped in ``data/ml_energy_v3.csv``.

One inference report per measured configuration: the energy of one average request
(``energy_per_token_joules × avg_output_len``), functional unit ``output_token`` with the
request's output tokens as count, GPU energy only (boundary ``accelerators``), measured by
ML.ENERGY with Zeus (NVML energy counters) at steady state, hence method ``hw_counter``.
The cluster's location is not in the data: ``location=None`` (world factor, wide range, coded
warning).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources

from empreinte.impacts import HardwareShare
from empreinte.report.build import make_report
from empreinte.report.models import HardwareItem, Publisher, Report, System
from empreinte.vocabulary import J_PER_KWH

__all__ = [
    "COLUMNS",
    "GPU_CATALOG",
    "ML_ENERGY_CITATION",
    "load_rows",
    "row_energy_kwh",
    "row_id",
    "row_report",
]

COLUMNS = (
    "model_id",
    "task",
    "architecture",
    "total_params_billions",
    "activated_params_billions",
    "weight_precision",
    "gpu_model",
    "num_gpus",
    "max_num_seqs",
    "avg_batch_size",
    "avg_output_len",
    "avg_power_watts",
    "energy_per_token_joules",
    "energy_per_request_joules",
    "output_throughput_tokens_per_sec",
    "median_itl_ms",
    "tensor_parallel",
)
"""Columns of the ML.ENERGY v3 export, in file order."""

GPU_CATALOG = {"H100": "nvidia-h100-sxm", "B200": "nvidia-b200"}
"""ML.ENERGY's GPU names -> hardware catalog ids (their H100 nodes are SXM5 80 GB, HGX B200)."""

ML_ENERGY_CITATION = (
    "Chung J.-W., et al. ML.ENERGY Leaderboard v3 (LLM serving with vLLM on H100 and B200; GPU "
    "energy measured with Zeus at steady state). ML.ENERGY initiative, February 2026. "
    "Data: github.com/ml-energy/leaderboard, public/data/models. https://ml.energy/leaderboard"
)
PUBLISHER = Publisher(
    name="ML.ENERGY", organization="ML.ENERGY initiative", url="https://ml.energy/leaderboard"
)
CREATED_AT = datetime(2026, 2, 1, tzinfo=UTC)
"""Release month of the v3 data (the file carries no finer date)."""


@cache
def load_rows() -> tuple[dict[str, str], ...]:
    """The packaged rows, as strings, in file order (cached)."""
    text = resources.files(__package__).joinpath("data/ml_energy_v3.csv").read_text("utf-8")
    reader = csv.DictReader(io.StringIO(text))
    if tuple(reader.fieldnames or ()) != COLUMNS:
        raise ValueError(f"ml_energy_v3.csv: unexpected columns {reader.fieldnames}")
    return tuple(reader)


def row_id(row: Mapping[str, str]) -> str:
    """A stable id from the whole row's content (repeated configurations differ in values)."""
    canon = "\x1f".join(row[c] for c in COLUMNS)
    return "seed-mlenergy3-" + hashlib.sha256(canon.encode()).hexdigest()[:16]


def row_energy_kwh(row: Mapping[str, str]) -> float:
    """GPU energy of one average request: J per output token × output tokens, in kWh."""
    return float(row["energy_per_token_joules"]) * float(row["avg_output_len"]) / J_PER_KWH


def row_report(row: Mapping[str, str]) -> Report:
    """The report of one ML.ENERGY configuration."""
    gpus = float(row["num_gpus"])
    gpu = row["gpu_model"]
    catalog = GPU_CATALOG[gpu]
    tokens = float(row["avg_output_len"])
    throughput = float(row["output_throughput_tokens_per_sec"])
    # wall time of the whole server attributable to one average request
    seconds = tokens / throughput
    counters = {
        "output_tokens": tokens,
        "requests": 1.0,
        "energy_per_token_j": float(row["energy_per_token_joules"]),
        "energy_per_request_j": float(row["energy_per_request_joules"]),
        "avg_power_w": float(row["avg_power_watts"]),
        "avg_batch_size": float(row["avg_batch_size"]),
        "max_num_seqs": float(row["max_num_seqs"]),
        "output_throughput_tokens_per_s": throughput,
        "median_itl_ms": float(row["median_itl_ms"]),
        "tensor_parallel": float(row["tensor_parallel"]),
        "num_gpus": gpus,
    }
    return make_report(
        report_id=row_id(row),
        created_at=CREATED_AT,
        name=(
            f"{row['model_id']} on {row['num_gpus']}× {gpu}, max batch {row['max_num_seqs']}, "
            f"{row['task']} (ML.ENERGY v3)"
        ),
        stage="inference",
        method="hw_counter",
        task=row["task"],
        energy_kwh={"gpu": row_energy_kwh(row)},
        layers={"accelerators": row_energy_kwh(row)},
        location=None,
        hardware=[HardwareItem(kind="gpu", name=f"NVIDIA {gpu}", catalog_id=catalog, count=gpus)],
        embodied=[HardwareShare.accelerator(catalog, gpus, seconds / 3600.0)],
        functional_unit=("output_token", tokens),
        measurement={
            "boundary": ["accelerators"],
            "meters": [
                {
                    "name": "zeus",
                    "component": "gpu",
                    "method": "hw_counter",
                    "device": f"{row['num_gpus']}× NVIDIA {gpu}",
                    "note": "NVML energy counters via Zeus, steady-state window, run by ML.ENERGY",
                }
            ],
        },
        system=System(
            model_id=row["model_id"],
            parameters_total=float(row["total_params_billions"]) * 1e9,
            parameters_active=float(row["activated_params_billions"]) * 1e9,
            architecture=row["architecture"],
            precision=row["weight_precision"],
            framework="vLLM",
        ),
        publisher=PUBLISHER,
        licence="NOASSERTION",
        citation=f"{ML_ENERGY_CITATION}. Figure: row {row['model_id']} / {row['task']} / "
        f"{row['num_gpus']}× {gpu} / max_num_seqs {row['max_num_seqs']}.",
        counters=counters,
        tags=["seed", "mlenergy3"],
    )


def iter_mlenergy_reports() -> Iterator[Report]:
    """One report per packaged row, in file order."""
    for row in load_rows():
        yield row_report(row)
