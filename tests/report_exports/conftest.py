"""Reports built with the real builder, shared by the exporter tests."""

from __future__ import annotations

import pytest

from empreinte.ranges import Range
from empreinte.report.build import make_report
from empreinte.report.models import HardwareItem, Publisher, Report, System


@pytest.fixture
def training_report() -> Report:
    """100 kWh of GPU energy in France, PUE 1.2, no water: GWP 100 × 1.2 × 0.056039 = 6.72468 kg."""
    return make_report(
        stage="training",
        method="hw_counter",
        energy_kwh={"gpu": 100.0},
        location="FRA",
        pue=1.2,
        wue_l_per_kwh=0.0,
    )


@pytest.fixture
def inference_report() -> Report:
    """An inference job with hardware, a functional unit, bounds and a hostile model name."""
    return make_report(
        stage="inference",
        method="software_model",
        energy_kwh={"gpu": Range(8.0, 7.0, 9.0), "cpu": 2.0},
        location="cloud:aws:eu-west-3",
        pue=1.2,
        wue_l_per_kwh=0.0,
        functional_unit=("request", 1000),
        hardware=[HardwareItem(kind="gpu", name="NVIDIA H100 SXM", count=8, memory_gb=80)],
        system=System(model_id="<script>alert(1)</script>", parameters_total=8e9),
        publisher=Publisher(name="Ada", organization="ACME <Labs> & Co"),
        name="<script>alert(1)</script>",
        task="text-generation",
    )
