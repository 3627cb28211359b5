"""The observatory shows declared avoided impacts beside the footprint (never netted) and
filters the reports that declare them; an end-to-end report shows its network and device
layers and the per-request figure on both boundaries. SQLite and PostgreSQL (``backend``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from obs_samples import AVOIDED_CLAIM, est, post, sample_report


def test_avoided_shown_beside_never_netted(client: TestClient, auth: dict[str, str]) -> None:
    rep = sample_report(avoided=[AVOIDED_CLAIM])
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rep['report_id']}").text
    section = page.split('id="av-h"')[1].split("</section>")[0]
    assert "Avoided elsewhere, as declared" in section
    assert "never subtracted" in section and "tier-2" in section
    assert "the same itineraries planned by hand" in section
    assert 'href="https://example.org/study"' in section and "internal survey 2025" in section
    # the footprint beside it is the report's own total (0.5 kWh × 1.2 × 0.05 + 0.01 = 0.04 kg)
    gwp = rep["impacts"]["gwp_kgco2e"]["total"]["value"]
    assert abs(gwp - 0.04) < 1e-12
    assert 'title="0.04 kgCO2e">40 <small>gCO2e</small>' in section  # footprint
    assert 'title="4.0 kgCO2e">4 <small>kgCO2e</small>' in section  # avoided, as declared
    # never netted: the headline card is the footprint alone, and 0.04 − 4 = −3.96 kg is
    # nowhere on the page
    cards = page.split('<dl class="cards">')[1].split("</dl>")[0]
    assert 'title="0.04 kgCO2e">40 <small>gCO2e</small>' in cards
    assert "3.96" not in page and "kgCO2e" in cards
    js = client.get(f"/reports/{rep['report_id']}.json").json()
    assert js["report"]["avoided"][0]["value"]["value"] == 4.0
    assert js["report"]["impacts"]["gwp_kgco2e"]["total"]["value"] == gwp


def test_filter_reports_declaring_avoided(client: TestClient, auth: dict[str, str]) -> None:
    with_claim = sample_report(avoided=[AVOIDED_CLAIM])
    tier3 = sample_report(
        avoided=[AVOIDED_CLAIM | {"tier": "tier-3", "consequence_tree": False, "evidence": []}]
    )
    # a name that spells the key must not match: the stored JSON escapes its quotes
    plain = sample_report(name='says "avoided":[{ in its name')
    post(client, [with_claim, tier3, plain], auth)
    api = client.get("/api/v1/reports?avoided=true").json()
    assert {r["report_id"] for r in api["reports"]} == {with_claim["report_id"], tier3["report_id"]}
    every = client.get("/api/v1/reports").json()
    assert len(every["reports"]) == 3
    page = client.get("/reports?avoided=true")
    assert page.status_code == 200
    assert with_claim["report_id"] in page.text and plain["report_id"] not in page.text
    assert 'id="f-avoided" name="avoided" type="checkbox" value="true" checked' in page.text
    listing = client.get("/reports.json?avoided=true").json()
    assert listing["matches"] == 2  # the count obeys the filter too (not the summary table)
    csv = client.get("/api/v1/export.csv?avoided=true").text.strip().splitlines()
    assert len(csv) == 1 + 2


def test_end_to_end_report_on_its_page(
    client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    """A report written by ``estimate inference --boundary end-to-end`` (real CLI run)."""
    out = tmp_path / "e2e.json"
    cmd = [
        sys.executable,
        "-m",
        "empreinte.cli",
        "estimate",
        "inference",
        "--model",
        "llama-3.1-8b",
        "--output-tokens",
        "500",
        "--location",
        "FRA",
        "--boundary",
        "end-to-end",
        "--device",
        "laptop",
        "--device-seconds",
        "30",
        "--bytes",
        "50000",
        "--out",
        str(out),
    ]
    subprocess.run(cmd, check=True, capture_output=True, text=True)
    rep = json.loads(out.read_text("utf-8"))
    assert rep["system_boundary"] == "end-to-end"
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rep['report_id']}").text
    section = page.split('id="e2e-h"')[1].split("</section>")[0]
    assert "network (fixed)" in section and "device (laptop)" in section
    assert "boavizta-user-terminals" in section and "aslan-2018" in section
    assert "data centre" in section and "end-to-end" in section
    # laptop: 75 W × 30 s = 2,250 J = 0.625 Wh [50 W: 0.4167, 100 W: 0.8333]
    assert '>0.625 <small>Wh</small> <span class="range"' in section
    # every layer and boundary figure is per request, by the units rule (Wh; J below 0.001 Wh)
    from empreinte.units import energy

    (net,) = [la for la in rep["end_to_end"]["layers"] if la["layer"] == "network"]
    value, sym = energy(net["energy_kwh"]["value"], per="request").split()
    assert f">{value} <small>{sym}</small>" in section
    assert "per-request figure: end-to-end" in page
    js = client.get(f"/reports/{rep['report_id']}.json").json()["report"]
    assert set(js["end_to_end"]["per_unit"]) == {"datacenter", "end-to-end"}


def test_datacenter_boundary_report_has_no_end_to_end_section(
    client: TestClient, auth: dict[str, str]
) -> None:
    rep = sample_report(system_boundary="datacenter", datacenter={"pue": est(1.2, 0.05)})
    post(client, rep, auth)
    page = client.get(f"/reports/{rep['report_id']}").text
    assert 'id="e2e-h"' not in page and "per-request figure: data centre" in page


def e2e_block() -> dict[str, Any]:
    """Network and device layers as `estimate inference --boundary end-to-end` writes them."""
    net = {
        "layer": "network",
        "name": "fixed",
        "quantity": 2e-6,  # 2,000 bytes
        "unit": "GB",
        "energy_kwh": {"value": 3.75e-9, "low": 2e-9, "high": 1.2e-7},
        "sources": ["aslan-2018"],
        "note": "fixed access",
    }
    dev = {
        "layer": "device",
        "name": "laptop",
        "quantity": 40.0,
        "quantity_low": 20.0,
        "quantity_high": 60.0,
        "unit": "s",
        "energy_kwh": {"value": 8.33e-4, "low": 2.78e-4, "high": 1.67e-3},
        "sources": ["boavizta-user-terminals"],
    }
    per = {
        "datacenter": {"energy_kwh": {"value": 3.99e-5, "low": 1.11e-5, "high": 2.51e-4}},
        "end-to-end": {"energy_kwh": {"value": 8.73e-4, "low": 2.89e-4, "high": 1.92e-3}},
    }
    return {"layers": [net, dev], "per_unit": per}


def test_end_to_end_layers_follow_the_units_rule(client: TestClient, auth: dict[str, str]) -> None:
    """Bytes in B–PB (not 0.000002 GB), energy per request in J below 0.001 Wh (not
    0.00000375 Wh), device seconds with their range, sources on their own row, and the
    boundary figure said to include the facility (the IT card above does not)."""
    rep = sample_report(system_boundary="end-to-end", end_to_end=e2e_block())
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rep['report_id']}").text
    section = page.split('id="e2e-h"')[1].split("</section>")[0]
    assert ">2 <small>kB</small>" in section and "<small>GB</small>" not in section
    # 3.75e-9 kWh = 0.0135 J (below 0.001 Wh); 8.33e-4 kWh = 0.833 Wh
    assert ">0.0135 <small>J</small>" in section and "0.00000375" not in section
    assert ">0.833 <small>Wh</small>" in section
    assert '>40 <small>s</small> <span class="range"' in section and "[20 – 60]" in section
    assert '<td colspan="4"><div class="detail-text">fixed access. Sources: aslan-2018' in section
    assert "Energy per request, facility included" in section
    assert ">0.0399 <small>Wh</small>" in section  # data centre, per request
    # the cards say which boundary each per-unit figure is on, and show the end-to-end one
    cards = page.split('<dl class="cards">')[1].split("</dl>")[0]
    assert "Energy per inference <small>(data centre)</small>" in cards
    assert "(end-to-end, facility included)" in cards and ">0.873 <small>Wh</small>" in cards


def test_remote_calls_shown_apart_as_estimates(client: TestClient, auth: dict[str, str]) -> None:
    """A track() report's calls to hosted models: shown in their own section, per model and in
    all, as estimates with bounds, in one unit per column, never added to the measured cards."""

    def e(v: float) -> dict[str, float]:
        return {"value": v, "low": v / 10, "high": v * 10}

    def m(model: str, calls: int, kwh: float, kg: float) -> dict[str, Any]:
        return {
            "provider": "openai",
            "model": model,
            "catalog_id": f"openai/{model}",
            "calls": calls,
            "input_tokens": 120.0 * calls,
            "output_tokens": 8.0 * calls,
            "energy_kwh": e(kwh),
            "impacts": {"gwp_kgco2e": {"usage": e(kg), "total": e(kg)}},
        }

    remote = {
        "calls": 4,
        "energy_kwh": e(3.22e-5),
        "impacts": {"gwp_kgco2e": {"usage": e(2.36e-5), "total": e(2.36e-5)}},
        "models": [m("gpt-4o", 1, 2.58e-5, 1.89e-5), m("gpt-4o-mini", 3, 6.4e-6, 4.7e-6)],
        "sources": [{"id": "ml-energy-v3", "title": "ML.ENERGY leaderboard v3"}],
        "warnings": [{"code": "estimate", "message": "estimated from proxies (tier M4)"}],
    }
    rep = sample_report(remote=remote)
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rep['report_id']}").text
    section = page.split('id="remote-h"')[1].split("</section>")[0]
    assert "4 calls to hosted models" in section and "never added" in section
    assert "openai: gpt-4o-mini" in section and "estimated as" not in section
    assert "480 / 32" in section  # tokens in / out over all calls
    # one unit per column: 6.4e-6 kWh is 0.0064 Wh beside 0.0322 Wh, not 23 J
    assert ">0.0064 <small>Wh</small>" in section and ">0.0322 <small>Wh</small>" in section
    assert "ML.ENERGY leaderboard v3" in section
    assert "Warnings on these estimates (1)" in section  # folded, the table stays in view
    cards = page.split('<dl class="cards">')[1].split("</dl>")[0]
    assert "0.0322" not in cards  # the measured headline is the report's own energy
    other = sample_report()
    post(client, other, auth)
    cmp = client.get(f"/compare?ids={rep['report_id']},{other['report_id']}").text
    row = cmp.split("Calls to hosted models <small>")[1].split("</tr>")[0]
    assert "4 calls: " in row and ">0.0322 <small>Wh</small>" in row
    assert row.rstrip().endswith('<td class="num">—</td>')  # the other report made none


def test_compare_shows_end_to_end_remote_and_avoided_rows(
    client: TestClient, auth: dict[str, str]
) -> None:
    """Compare names the end-to-end figure, the API calls and the declared avoided impacts of
    each report on their own rows ("—" where a report has none), never in its totals."""
    e2e = sample_report(system_boundary="end-to-end", end_to_end=e2e_block())
    claim = sample_report(avoided=[AVOIDED_CLAIM])
    post(client, [e2e, claim], auth)
    page = client.get(f"/compare?ids={e2e['report_id']},{claim['report_id']}").text
    row = page.split("Energy per request, end-to-end")[1].split("</tr>")[0]
    assert ">0.873 <small>Wh</small>" in row and 'title="not assessed on this boundary">—' in row
    row = page.split("Avoided elsewhere <small>")[1].split("</tr>")[0]
    assert ">4 <small>kgCO2e</small>" in row and "(tier-2)" in row
    assert "Calls to hosted models" not in page  # neither report made any


def test_amortised_report_shows_the_full_footprint_of_a_response(
    client: TestClient, auth: dict[str, str], tmp_path: Path
) -> None:
    """``estimate inference --amortise`` (real CLI runs): the page shows one response's full
    footprint with the training shared over the model's lifetime requests, every criterion."""
    train, inf = tmp_path / "train.json", tmp_path / "inf.json"
    cli = [sys.executable, "-m", "empreinte.cli", "estimate"]
    model = ["--model", "llama-3.1-8b", "--location", "FRA"]
    subprocess.run(
        [
            *cli,
            "training",
            "--hardware",
            "nvidia-h100-sxm",
            *model,
            "--tokens",
            "1e12",
            "--out",
            str(train),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *cli,
            "inference",
            *model,
            "--output-tokens",
            "300",
            "--amortise",
            str(train),
            "--lifetime-requests",
            "1e8",
            "--out",
            str(inf),
        ],
        check=True,
        capture_output=True,
    )
    rep = json.loads(inf.read_text("utf-8"))
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rep['report_id']}").text
    section = page.split('id="amortised-h"')[1].split("</section>")[0]
    assert "Full footprint of one response" in page and "100,000,000 requests" in section
    for label in ("Global warming", "Water", "Abiotic", "Primary energy"):
        assert label in section, label
    assert json.loads(train.read_text())["report_id"] in section
    js = client.get(f"/reports/{rep['report_id']}.json").json()["report"]
    assert js["amortised"]["per_response_full"] == rep["amortised"]["per_response_full"]
