"""The observatory shows declared avoided impacts beside the footprint (never netted) and
filters the reports that declare them; an end-to-end report shows its network and device
layers and the per-request figure on both boundaries. SQLite and PostgreSQL (``backend``)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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
