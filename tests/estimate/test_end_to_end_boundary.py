"""Golden tests for the end-to-end boundary of a request (issue 16, item 3), hand-computed from
factors/data/enduser.json and storage_network.json:

- Smartphone (Boavizta smartphone-default): 1 W [0.5, 3] in use; 21,900 h of life, in use 30 %
  of it; manufacturing 84 kgCO2e and 0.00205 kgSbeq (ADEME Base Empreinte); PE not assessed.
- Laptop: 75 W [50, 100]; life 43,800 h [35,040 professional]; 175 kgCO2e [181].
- Network, fixed access: 0.001875 kWh/GB [0.001, 0.06] (Aslan et al. 2018 extrapolated; CCF;
  the 2015 value); mobile access × 3 (ADEME–Arcep 2022).
- France's grid 0.056039 kgCO2e/kWh [0.04144, 0.0616429]; 9.3135 MJ/kWh primary energy.

Smartphone, 30 s:
  energy   = 1 W × 30 s / 3,600,000        = 8.3333e-6 kWh  [0.5 W: 4.1667e-6, 3 W: 2.5e-5]
  usage    = 8.3333e-6 × 0.056039          = 4.6699e-7 kgCO2e
             [4.1667e-6 × 0.04144 = 1.7267e-7, 2.5e-5 × 0.0616429 = 1.5411e-6]
  life in use = 21,900 h × 0.3 × 3,600 s    = 23,652,000 s
  embodied = 84 × 30 / 23,652,000          = 1.06545e-4 kgCO2e (0.107 g)
  ADPe     = 0.00205 × 30 / 23,652,000     = 2.6002e-9 kgSbeq
  PE       = 8.3333e-6 × 9.3135            = 7.7613e-5 MJ (usage only; embodied not assessed)
Laptop, 20 to 60 s (value 40):
  embodied = 175 × 40 / (43,800 × 0.3 × 3,600) = 1.4798e-4 kgCO2e
             [175 × 20 / 47,304,000 = 7.3990e-5, 181 × 60 / (35,040 × 0.3 × 3,600) = 2.8697e-4]
Network, 1,000,000 bytes = 0.001 GB:
  fixed  = 0.001 × 0.001875 = 1.875e-6 kWh [1e-6, 6e-5]
  mobile = 1.875e-6 × 3     = 5.625e-6 kWh [3e-6, 1.8e-4]
Bytes from tokens: (100 + 400) × 4 = 2,000 bytes = 2e-6 GB → 3.75e-9 kWh on fixed access.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from empreinte.errors import EstimateError
from empreinte.estimate.inference import estimate_inference
from empreinte.impacts.enduser import bytes_from_tokens, device_layer, network_layer
from empreinte.report.models import Report

FRA = (0.056039, 0.04144, 0.0616429)


def test_smartphone_golden() -> None:
    d = device_layer("smartphone", 30, location="FRA")
    e = d.energy_kwh
    assert (e.value, e.low, e.high) == pytest.approx((30 / 3.6e6, 15 / 3.6e6, 90 / 3.6e6))
    use = d.usage["gwp_kgco2e"]
    assert (use.value, use.low, use.high) == pytest.approx(
        (30 / 3.6e6 * FRA[0], 15 / 3.6e6 * FRA[1], 90 / 3.6e6 * FRA[2])
    )
    emb = d.embodied["gwp_kgco2e"]
    assert emb is not None
    assert emb.value == pytest.approx(84 * 30 / 23_652_000)
    assert emb.value == pytest.approx(1.06545e-4, rel=1e-5)
    adpe = d.embodied["adpe_kgsbe"]
    assert adpe is not None and adpe.value == pytest.approx(2.6002e-9, rel=1e-4)
    assert d.embodied["pe_mj"] is None  # not assessed, never zero
    assert "pe_mj not assessed" in (d.note or "")
    pe = d.total("pe_mj")
    assert pe is not None and pe.value == pytest.approx(30 / 3.6e6 * 9.3135)
    total = d.total("gwp_kgco2e")
    assert total is not None and total.value == pytest.approx(use.value + emb.value)
    assert {"boavizta-user-terminals", "ademe-base-empreinte"} <= set(d.sources)


def test_laptop_embodied_share_range() -> None:
    from empreinte.ranges import Range

    d = device_layer("laptop", Range(40, 20, 60))
    emb = d.embodied["gwp_kgco2e"]
    assert emb is not None
    assert (emb.value, emb.low, emb.high) == pytest.approx(
        (175 * 40 / 47_304_000, 175 * 20 / 47_304_000, 181 * 60 / 37_843_200)
    )
    assert emb.high == pytest.approx(2.8697e-4, rel=1e-4)


def test_network_golden_fixed_and_mobile() -> None:
    fixed = network_layer(1e6, access="fixed", location="FRA")
    e = fixed.energy_kwh
    assert fixed.quantity == pytest.approx(0.001)
    assert (e.value, e.low, e.high) == pytest.approx((1.875e-6, 1e-6, 6e-5))
    g = fixed.usage["gwp_kgco2e"]
    assert g.value == pytest.approx(1.875e-6 * FRA[0])
    assert fixed.embodied["gwp_kgco2e"] is None  # network equipment: not assessed
    mobile = network_layer(1e6, access="mobile", location="FRA")
    m = mobile.energy_kwh
    assert (m.value, m.low, m.high) == pytest.approx((5.625e-6, 3e-6, 1.8e-4))
    assert "ademe-arcep-2022" in mobile.sources and "aslan-2018" in mobile.sources


def test_bytes_from_tokens_is_a_stated_assumption() -> None:
    assert bytes_from_tokens(100, 400).value == pytest.approx(2000)
    net = network_layer(bytes_from_tokens(100, 400), derived=True)
    assert net.energy_kwh.value == pytest.approx(2e-6 * 0.001875)
    assert [str(w.code) for w in net.warnings] == ["network-average-intensity", "bytes-from-tokens"]
    assert "openai-tokens" in net.sources


def test_inference_both_boundaries_stated_and_recorded() -> None:
    kw = {"model": "llama-3.1-8b", "input_tokens": 100, "output_tokens": 400, "location": "FRA"}
    dc = estimate_inference(**kw)  # type: ignore[arg-type]
    e2e = estimate_inference(
        **kw,  # type: ignore[arg-type]
        boundary="end-to-end",
        device_seconds=30,
        bytes_per_request=1e6,
    )
    rep_dc, rep = dc.to_report(), e2e.to_report()
    assert rep_dc.system_boundary == "datacenter" and rep_dc.end_to_end is None
    assert rep.system_boundary == "end-to-end" and rep.end_to_end is not None
    # the data centre's own figures are unchanged by the boundary
    assert rep.energy.total_kwh == rep_dc.energy.total_kwh
    assert rep.impacts.gwp_kgco2e == rep_dc.impacts.gwp_kgco2e
    figs = rep.end_to_end.per_unit
    dc_fig, all_fig = figs["datacenter"], figs["end-to-end"]
    full = dc.per_request.full
    assert dc_fig.energy_kwh.value == pytest.approx(float(full.value))
    pu = rep_dc.per_unit
    assert pu is not None and pu.impacts.gwp_kgco2e is not None
    assert dc_fig.gwp_kgco2e == pu.impacts.gwp_kgco2e.total
    # end to end = data centre + network (1.875e-6 kWh) + smartphone (8.3333e-6 kWh)
    assert all_fig.energy_kwh.value == pytest.approx(float(full.value) + 1.875e-6 + 30 / 3.6e6)
    assert all_fig.energy_kwh.high == pytest.approx(float(full.high) + 6e-5 + 90 / 3.6e6)
    dev_gwp = 30 / 3.6e6 * FRA[0] + 84 * 30 / 23_652_000
    assert all_fig.gwp_kgco2e is not None and dc_fig.gwp_kgco2e is not None
    assert all_fig.gwp_kgco2e.value == pytest.approx(
        dc_fig.gwp_kgco2e.value + 1.875e-6 * FRA[0] + dev_gwp
    )
    assert [la.layer for la in rep.end_to_end.layers] == ["network", "device"]
    ids = {s.id for s in rep.provenance.sources}
    assert {"aslan-2018", "boavizta-user-terminals", "ademe-base-empreinte"} <= ids
    again = Report.model_validate_json(rep.to_json())  # the JSON round-trips and validates
    assert again.end_to_end == rep.end_to_end


def test_end_to_end_options_refused_on_the_datacenter_boundary() -> None:
    with pytest.raises(EstimateError, match="device-seconds belongs to the end-to-end boundary"):
        estimate_inference(model="llama-3.1-8b", output_tokens=10, device_seconds=30)
    with pytest.raises(EstimateError, match="time on the user's device"):
        estimate_inference(model="llama-3.1-8b", output_tokens=10, boundary="end-to-end")
    with pytest.raises(EstimateError, match="unknown boundary"):
        estimate_inference(model="llama-3.1-8b", output_tokens=10, boundary="planet")


def test_report_refuses_end_to_end_without_its_boundary() -> None:
    rep = estimate_inference(
        model="llama-3.1-8b", output_tokens=10, boundary="end-to-end", device_seconds=5
    ).to_report()
    raw = json.loads(rep.to_json())
    raw["system_boundary"] = "datacenter"
    with pytest.raises(ValueError, match="end_to_end"):
        Report.model_validate(raw)


EXE = [sys.executable, "-m", "empreinte.cli"]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "200"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_end_to_end_json_table_and_errors(tmp_path: object) -> None:
    base = ("estimate", "inference", "--model", "llama-3.1-8b", "--output-tokens", "400")
    base += ("--input-tokens", "100", "--location", "FRA")
    e2e = ("--boundary", "end-to-end", "--device-seconds", "30", "--network", "mobile")
    out = _run(*base, *e2e, "--bytes", "1000000", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["boundary"] == "end-to-end"
    net, dev = data["end_to_end"]["layers"]
    assert net["energy_kwh"]["value"] == pytest.approx(5.625e-6)  # 0.001 GB × 0.001875 × 3
    assert dev["energy_kwh"]["high"] == pytest.approx(90 / 3.6e6)  # smartphone at 3 W
    assert set(data["end_to_end"]["per_request"]) == {"datacenter", "end-to-end"}
    assert data["report"]["system_boundary"] == "end-to-end"
    table = _run(*base, *e2e)
    assert table.returncode == 0, table.stderr
    assert "per request, datacenter boundary: GWP" in table.stdout
    assert "per request, end-to-end boundary: GWP" in table.stdout
    assert "device (smartphone, 30 s), energy" in table.stdout
    assert "bytes-from-tokens" in table.stdout + table.stderr
    plain = _run(*base)
    assert plain.returncode == 0, plain.stderr
    assert "per request, datacenter boundary: GWP" in plain.stdout
    assert "end-to-end boundary" not in plain.stdout
    bad = _run(*base, "--device-seconds", "30")
    assert bad.returncode != 0
    assert "--boundary end-to-end" in bad.stderr and "Traceback" not in bad.stderr
    dev = _run(*base, "--boundary", "end-to-end", "--device-seconds", "3", "--device", "fridge")
    assert dev.returncode != 0 and "unknown device 'fridge'" in dev.stderr


def test_every_export_carries_the_end_to_end_layers() -> None:
    """md, html, csv and l1801 show the layers and both per-request figures; the other
    formats (hf, boamps, sci, spdx, ai-act) follow fixed external schemas and still export."""
    from importlib.resources import files

    import jsonschema

    from empreinte.report.exporters import FORMATS, export_report

    rep = estimate_inference(
        model="llama-3.1-8b",
        output_tokens=400,
        location="FRA",
        boundary="end-to-end",
        device_seconds=30,
        bytes_per_request=1e6,
    ).to_report()
    net_kwh = 1.875e-6  # 0.001 GB × 0.001875 kWh/GB, fixed access
    for fmt in ("md", "html"):
        text = export_report(rep, fmt).content
        assert isinstance(text, str)
        assert "End-to-end boundary of a request" in text, fmt
        assert "network (fixed)" in text and "device (smartphone)" in text, fmt
        assert "boavizta-user-terminals" in text, fmt
    csv_text = export_report(rep, "csv").content
    assert isinstance(csv_text, str)
    import csv as csvmod
    import io

    row = next(csvmod.DictReader(io.StringIO(csv_text)))
    assert row["system_boundary"] == "end-to-end"
    assert float(row["network_kwh"]) == pytest.approx(net_kwh)
    assert float(row["device_kwh_high"]) == pytest.approx(90 / 3.6e6)
    assert float(row["per_unit_end_to_end_energy_kwh"]) > float(
        row["per_unit_datacenter_energy_kwh"]
    )
    doc = json.loads(export_report(rep, "l1801").content)
    schema = json.loads(
        files("empreinte.report.exporters").joinpath("schemas", "l1801-1.json").read_text()
    )
    jsonschema.validate(doc, schema)
    sb = doc["goal_and_scope"]["system_boundary"]
    assert sb["boundary"] == "end-to-end"
    assert sb["end_to_end"]["layers"][0]["energy_kwh"]["value"] == pytest.approx(net_kwh)
    assert set(sb["end_to_end"]["per_functional_unit"]) == {"datacenter", "end-to-end"}
    for fmt in FORMATS:
        assert export_report(rep, fmt).content, fmt
