"""Issue 16, item 2 on the observatory: a report written by a real ``empreinte estimate
training ... --dataset-tb --checkpoints-tb --transfer-gb`` run, submitted, shows its data items
(storage, transfer) on its page beside the compute footprint, never added into it nor into the
observatory's totals, with ``ewaste_kg``; its JSON twin and every download carry them.
SQLite and PostgreSQL (``backend``).

Hand-computed from factors/data/storage_network.json (tests/estimate/test_data_storage_transfer.py):
HDD 5.694 kWh per TB-year [×0.5, ×2], PUE 1.2, France's grid 0.056039 kgCO2e/kWh.

- dataset 10 TB × 1 year × 3 replicas = 30 TB-years: 30 × 5.694 × 1.2 = 204.984 kWh
  [102.492, 409.968];
- checkpoints 2 TB × 1 year × 3 replicas = 6 TB-years: 40.9968 kWh [20.4984, 81.9936];
- transfer 1,000 GB × 0.001875 kWh/GB = 1.875 kWh [1, 60]; GWP 1.875 × 0.056039 = 0.10507 kg.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient
from obs_samples import post

FRA = 0.056039
STORAGE_KWH = (204.984 + 40.9968, 102.492 + 20.4984, 409.968 + 81.9936)
TRANSFER_KWH = (1.875, 1.0, 60.0)


@pytest.fixture(scope="module")
def training_report(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("data-items") / "training.json"
    cmd = [
        sys.executable, "-m", "empreinte.cli", "estimate", "training",
        "--hardware", "nvidia-h100-sxm", "--accelerator-hours", "1000", "--server", "dgx-h100",
        "--location", "FRA", "--pue", "1.2",
        "--dataset-tb", "10", "--checkpoints-tb", "2", "--retention-years", "1",
        "--replicas", "3", "--storage-medium", "hdd", "--transfer-gb", "1000",
        "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    assert "storage: dataset" in done.stdout and "E-waste" in done.stdout  # the CLI table
    rep: dict[str, Any] = json.loads(out.read_text("utf-8"))
    assert [d["name"] for d in rep["data"]] == ["dataset", "checkpoints", "transfer"]
    return rep


def test_data_items_on_the_page(
    client: TestClient, auth: dict[str, str], training_report: dict[str, Any]
) -> None:
    rep = training_report
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rep['report_id']}").text
    section = page.split('id="data-h"')[1].split("</section>")[0]
    assert "never added into it nor into the observatory" in section
    for item in ("storage: dataset", "storage: checkpoints", "transfer: transfer"):
        assert f'<th scope="row">{item}</th>' in section
    assert "<td>hdd</td>" in section and "30 TB-year" in section and "1,000 GB" in section
    assert "10 TB × 1 year(s) × 3 replica(s) on hdd" in section  # size × retention × replicas
    # energy with its range, through the units module (205 kWh [102 – 410])
    assert 'title="204.98399999999998 kWh">205 <small>kWh</small>' in section
    assert "102 – 410" in section
    assert 'title="1.875 kWh">1.88 <small>kWh</small>' in section
    # transfer: network equipment embodied not assessed, never zero
    transfer = section.split("transfer: transfer")[1].split("</tbody>")[0]
    assert "not assessed" in transfer.split("</tr>")[0]  # its embodied column
    assert "Sources: aslan-2018" in transfer and "boavizta-uba-2021" in section
    # the compute footprint stays the compute's: the card is energy.total_kwh alone
    cards = page.split('<dl class="cards">')[1].split("</dl>")[0]
    it_kwh = rep["energy"]["total_kwh"]["value"]
    assert f'title="{it_kwh!r} kWh"' in cards
    # e-waste beside it
    assert "Electronic waste (mass)" in page and 'id="ewaste-by-component"' in page
    twin = client.get(f"/reports/{rep['report_id']}.json").json()["report"]
    assert twin["data"] == rep["data"]
    assert twin["impacts"]["ewaste_kg"] == rep["impacts"]["ewaste_kg"]


def test_totals_never_add_data_items(
    client: TestClient, auth: dict[str, str], training_report: dict[str, Any]
) -> None:
    post(client, training_report, auth)
    stats = client.get("/api/v1/stats").json()
    flat = json.dumps(stats)
    it_kwh = training_report["energy"]["total_kwh"]["value"]
    with_data = it_kwh + STORAGE_KWH[0] + TRANSFER_KWH[0]
    assert f"{with_data:.6g}" not in flat and "storage" not in flat and "transfer" not in flat


def _download(client: TestClient, rid: str, fmt: str) -> str:
    res = client.get(f"/reports/{rid}/download/{fmt}")
    assert res.status_code == 200, (fmt, res.text)
    return res.text


def test_every_download_carries_them(
    client: TestClient, auth: dict[str, str], training_report: dict[str, Any]
) -> None:
    from importlib.resources import files

    import jsonschema

    from empreinte.observatory.http.pages import DOWNLOAD_TEXT

    rep = training_report
    rid = rep["report_id"]
    post(client, rep, auth)
    ew = rep["impacts"]["ewaste_kg"]["total"]["value"]
    # json: the report itself
    assert json.loads(_download(client, rid, "json"))["data"] == rep["data"]
    # csv: the appended columns, bounds summed over the two storage items
    row = next(csv.DictReader(io.StringIO(_download(client, rid, "csv"))))
    assert float(row["storage_tb_years"]) == pytest.approx(36.0)
    got = [float(row[f"storage_kwh{s}"]) for s in ("", "_low", "_high")]
    assert got == pytest.approx(STORAGE_KWH)
    assert float(row["transfer_gb"]) == pytest.approx(1000.0)
    got = [float(row[f"transfer_kwh{s}"]) for s in ("", "_low", "_high")]
    assert got == pytest.approx(TRANSFER_KWH)
    assert float(row["transfer_gwp_kgco2e"]) == pytest.approx(1.875 * FRA, rel=1e-4)
    assert float(row["ewaste_kg"]) == pytest.approx(ew)
    # the compute's energy column is the compute's alone
    assert float(row["energy_kwh"]) == pytest.approx(rep["energy"]["total_kwh"]["value"])
    # l1801: inventory entries, valid against the shipped schema
    doc = json.loads(_download(client, rid, "l1801"))
    schema = json.loads(
        files("empreinte.report.exporters").joinpath("schemas", "l1801-1.json").read_text()
    )
    jsonschema.validate(doc, schema)
    inv = {d["name"]: d for d in doc["life_cycle_inventory"]["data"]}
    assert inv["dataset"]["energy_kwh"]["value"] == pytest.approx(204.984)
    assert inv["transfer"]["gwp_kgco2e"]["embodied"] is None  # not assessed, never zero
    assert doc["impact_categories"]["ewaste_kg"]["value"] == pytest.approx(ew)
    # md and html: the data section and the e-waste row
    for fmt in ("md", "html"):
        text = _download(client, rid, fmt)
        assert "Data: storage and transfer" in text, fmt
        assert "storage: dataset (hdd)" in text and "transfer: transfer" in text, fmt
        assert "Electronic waste (mass)" in text, fmt
    # the formats with a fixed external schema still export; those with criteria carry e-waste
    for fmt in DOWNLOAD_TEXT:
        assert _download(client, rid, fmt), fmt
    act = json.loads(_download(client, rid, "ai-act"))
    act_schema = json.loads(
        files("empreinte.report.exporters").joinpath("schemas", "ai-act-1.json").read_text()
    )
    jsonschema.validate(act, act_schema)
    assert act["ewaste_kg"]["value"] == pytest.approx(ew)
    assert [d["name"] for d in act["data"]] == ["dataset", "checkpoints", "transfer"]
    assert act["data"][0]["energy_mwh"]["value"] == pytest.approx(0.204984)
    # the training energy is the compute's alone (facility energy, not + data)
    act_mwh = act["training"]["energy_consumption"]["mwh"]["value"]
    assert act_mwh == pytest.approx(rep["energy"]["facility_kwh"]["value"] / 1000)
    sci = json.loads(_download(client, rid, "sci"))
    assert any("not in E or M" in n for n in sci["notes"])
    assert sci["ewaste_kg_per_unit"]["value"] == pytest.approx(ew)
    assert "ewaste_kg" in _download(client, rid, "hf")


def test_end_to_end_inference_layers_and_ewaste_everywhere(
    client: TestClient, auth: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """``estimate inference --boundary end-to-end`` (real CLI run): the network and device
    layers with ranges and sources, and ``ewaste_kg``, on the page and in every download."""
    out = tmp_path_factory.mktemp("e2e-items") / "e2e.json"
    cmd = [
        sys.executable, "-m", "empreinte.cli", "estimate", "inference",
        "--model", "llama-3.1-8b", "--output-tokens", "500", "--location", "FRA",
        "--boundary", "end-to-end", "--device", "laptop", "--device-seconds", "30",
        "--bytes", "50000", "--out", str(out),
    ]  # fmt: skip
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    assert "end-to-end boundary" in done.stdout  # the CLI table
    rep = json.loads(out.read_text("utf-8"))
    rid = rep["report_id"]
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rid}").text
    section = page.split('id="e2e-h"')[1].split("</section>")[0]
    assert "network (fixed)" in section and "device (laptop)" in section
    assert '<span class="range"' in section and "boavizta-user-terminals" in section
    assert "Electronic waste (mass)" in page
    ew = rep["impacts"]["ewaste_kg"]["total"]["value"]
    row = next(csv.DictReader(io.StringIO(_download(client, rid, "csv"))))
    assert float(row["device_kwh"]) == pytest.approx(75 * 30 / 3.6e6)  # laptop 75 W × 30 s
    assert float(row["device_kwh_low"]) < float(row["device_kwh"]) < float(row["device_kwh_high"])
    assert row["network_gwp_kgco2e"] and float(row["ewaste_kg"]) == pytest.approx(ew)
    doc = json.loads(_download(client, rid, "l1801"))
    layers = doc["goal_and_scope"]["system_boundary"]["end_to_end"]["layers"]
    assert {la["layer"] for la in layers} == {"network", "device"}
    assert all(la["sources"] for la in layers)
    sci = json.loads(_download(client, rid, "sci"))
    e2e_g = rep["end_to_end"]["per_unit"]["end-to-end"]["gwp_kgco2e"]["value"] * 1000
    assert sci["end_to_end_gco2e_per_unit"]["value"] == pytest.approx(e2e_g)
    for fmt in ("md", "html"):
        text = _download(client, rid, fmt)
        assert "device (laptop)" in text and "Electronic waste (mass)" in text, fmt


def test_bulk_exports_carry_them(
    client: TestClient, auth: dict[str, str], training_report: dict[str, Any]
) -> None:
    """The open-data exports (``/api/v1/export.csv`` and ``.parquet``): e-waste and the data
    items summed per component, appended after the earlier columns."""
    pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    post(client, training_report, auth)
    text = client.get("/api/v1/export.csv").text
    (row,) = list(csv.DictReader(io.StringIO(text)))
    header = text.splitlines()[0].split(",")
    assert header.index("storage_kwh") > header.index("published_reconciliation")
    got = [float(row[f"storage_kwh{s}"]) for s in ("", "_low", "_high")]
    assert got == pytest.approx(STORAGE_KWH)
    assert float(row["transfer_kwh_high"]) == pytest.approx(TRANSFER_KWH[2])
    ew = training_report["impacts"]["ewaste_kg"]["total"]["value"]
    assert float(row["ewaste_kg"]) == pytest.approx(ew)
    assert row["per_unit_end_to_end_energy_kwh"] == ""  # not an end-to-end report: empty
    table = pq.read_table(io.BytesIO(client.get("/api/v1/export.parquet").content))
    assert table.column("transfer_gwp_kgco2e")[0].as_py() == pytest.approx(1.875 * FRA, rel=1e-4)
    assert table.column("ewaste_kg_high")[0].as_py() > ew
