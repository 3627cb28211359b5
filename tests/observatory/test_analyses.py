"""Analyses pages on the seeded data: training runs, inference per token, boundary layers; each
with its JSON twin, its CSV and a text alternative. Both databases."""

from __future__ import annotations

import csv
import io
import re

import pytest
from fastapi.testclient import TestClient

from empreinte.observatory.seed._mlenergy import load_rows
from empreinte.observatory.storage import admin


@pytest.fixture
def seeded_client(client: TestClient) -> TestClient:
    with client.app.state.ctx.sessions() as s:  # type: ignore[attr-defined]
        admin.seed(s)
    return client


def test_analyses_pages(seeded_client: TestClient) -> None:
    c = seeded_client
    index = c.get("/analyses").text
    assert 'href="/analyses"' in index and 'aria-current="page"' in index  # in the navigation
    for name in ("training", "inference", "layers"):
        assert f'href="/analyses/{name}"' in index
        page = c.get(f"/analyses/{name}").text
        svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
        assert len(svgs) >= 2, name  # each chart drawn wide and narrow
        for svg in svgs:
            assert 'role="img"' in svg and "<desc>" in svg and "<title>" in svg
        assert '<table class="data"' in page and f"/analyses/{name}.csv" in page
        assert c.get(f"/analyses/{name}.json").status_code == 200

    training = c.get("/analyses/training.json").json()
    runs = {r["id"]: r for r in training["runs"]}
    gpt3 = runs["seed-patterson2021-gpt3"]
    assert gpt3["energy_kwh"] == pytest.approx(1_287_000, rel=1e-3)  # the published 1,287 MWh
    assert gpt3["published_gwp_kgco2e"] == 552_100
    assert gpt3["accelerator_hours"] == 3_550_000 and gpt3["tier"] == "M5"
    assert len(runs) == 9  # the benchmark's µWh trainings are left out by default
    assert training["compute_axis"] == "accelerator_hours"  # FLOP not stated: not invented
    every = c.get("/analyses/training.json", params={"min_kwh": 0}).json()
    assert len(every["runs"]) > len(runs)
    rows = list(csv.DictReader(io.StringIO(c.get("/analyses/training.csv").text)))
    assert len(rows) == 9 and rows[0]["energy_kwh"]

    inf = c.get("/analyses/inference.json").json()
    assert inf["task"] == "lm-arena-chat"
    assert set(inf["hardware"]) == {"nvidia-h100-sxm", "nvidia-b200"}
    want: dict[tuple[str, str], float] = {}
    for r in load_rows():
        if r["task"] == "lm-arena-chat":
            hw = "nvidia-h100-sxm" if r["gpu_model"] == "H100" else "nvidia-b200"
            k = (r["model_id"], hw)
            want[k] = min(want.get(k, float("inf")), float(r["energy_per_token_joules"]))
    got = {(p["model"], p["hardware"]): p for p in inf["points"]}
    assert set(got) == set(want)
    for k, p in got.items():
        assert p["energy_per_token_j"] == pytest.approx(want[k], rel=1e-9)
        assert p["min_j"] <= p["energy_per_token_j"] <= p["max_j"]
        assert p["tier"] == "M2"
    disc = {d["id"]: d for d in inf["disclosures"]}
    epoch = disc["seed-epoch2025-gpt4o-query"]
    assert epoch["on_chart"] and epoch["tier"] == "M4"
    assert epoch["energy_per_token_j"] == pytest.approx(0.3 * 3600 / 500, rel=0.01)  # ~0.30 Wh
    gemini = disc["seed-google2025-gemini-median"]
    assert not gemini["on_chart"] and gemini["why_not"] == "tokens per prompt not stated"
    assert gemini["energy_per_prompt_kwh"] == pytest.approx(0.24e-3)
    assert "accelerators" in gemini["boundary"] and "facility" in gemini["boundary"]
    page = c.get("/analyses/inference").text
    assert "per-prompt disclosure" in page and "gpt-4o (per prompt)" in page
    gpqa = c.get("/analyses/inference.json", params={"task": "gpqa"}).json()
    assert gpqa["task"] == "gpqa" and gpqa["points"]
    assert c.get("/analyses/disclosures.csv").text.startswith("id,")

    layers = c.get("/analyses/layers.json").json()
    by_id = {r["id"]: r for r in layers["reports"]}
    assert {"seed-luccioni2023-bloom", "seed-google2025-gemini-median"} <= set(by_id)
    for r in by_id.values():
        shares = [r[k + "_share"] for k in layers["layers"] if r[k + "_share"] is not None]
        assert sum(shares) == pytest.approx(1.0)
    bloom = by_id["seed-luccioni2023-bloom"]
    assert bloom["accelerators_kwh"] == pytest.approx(433_196, rel=1e-3)
    assert bloom["host_kwh"] is None  # not given: not zero
    assert c.get("/analyses/nope.csv").status_code == 404


def test_analyses_pages_without_data(client: TestClient) -> None:
    for name in ("training", "inference", "layers"):
        r = client.get(f"/analyses/{name}")
        assert r.status_code == 200 and "yet" in r.text
    assert client.get("/analyses/training.csv").text == ""
