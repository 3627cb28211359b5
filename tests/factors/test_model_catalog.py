"""The model catalog."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from empreinte.errors import DataError, UnknownKeyError
from empreinte.factors.models import ModelRepository, get_model, list_models

ML_ENERGY = Path("/work/shared/data/ml-energy-v3-llm.csv")


def test_size() -> None:
    assert len(list_models()) >= 50


@pytest.mark.parametrize(
    ("name", "model_id"),
    [
        ("gpt-4o-mini", "openai/gpt-4o-mini"),
        ("Llama-3.1-8B-Instruct", "meta-llama/Llama-3.1-8B-Instruct"),
        ("META-LLAMA/LLAMA-3.1-70B-INSTRUCT", "meta-llama/Llama-3.1-70B-Instruct"),
        ("deepseek-chat", "deepseek-ai/DeepSeek-V3"),
        ("claude-3-5-sonnet-latest", "anthropic/claude-3.5-sonnet"),
    ],
)
def test_aliases(name: str, model_id: str) -> None:
    assert get_model(name).id == model_id


def test_golden_params() -> None:
    ds = get_model("deepseek-ai/DeepSeek-V3")
    assert (ds.total_params_b.value, ds.active_params_b.value) == (671, 37)
    assert ds.architecture == "moe"
    gpt4o = get_model("gpt-4o")
    assert gpt4o.active_params_b.value == 100  # Epoch AI's assumption
    assert not gpt4o.open_weights
    assert gpt4o.active_params_b.range.low < 100 < gpt4o.active_params_b.range.high


@pytest.mark.skipif(not ML_ENERGY.exists(), reason="shared ML.ENERGY file not available")
def test_every_ml_energy_model_is_cataloged_with_its_params() -> None:
    with ML_ENERGY.open() as f:
        for row in csv.DictReader(f):
            m = get_model(row["model_id"])
            assert m.id == row["model_id"]
            assert m.total_params_b.value == pytest.approx(float(row["total_params_billions"]))
            active = m.active_params_b.range
            assert active.low <= float(row["activated_params_billions"]) <= active.high


def test_unknown_model_suggests() -> None:
    with pytest.raises(UnknownKeyError) as exc:
        get_model("gpt-4x")
    assert exc.value.suggestions


def test_injectable_loader_and_validation() -> None:
    p = {"unit": "1e9 parameters", "sources": ["s"]}
    m = {
        "id": "org/toy",
        "provider": "o",
        "family": "toy",
        "architecture": "dense",
        "open_weights": True,
        "total_params_b": {**p, "value": 1},
        "active_params_b": {**p, "value": 1},
    }
    repo = ModelRepository(lambda: {"models": [m]})
    assert repo.get("toy").id == "org/toy"
    bad = {**m, "active_params_b": {**p, "value": 2}}
    with pytest.raises(DataError):
        ModelRepository(lambda: {"models": [bad]}).list()
