"""Publishers' figures first: the report page, its JSON twin and the API detail show the
publisher's numbers, empreinte's recomputation and one reconciliation (issue 9, item 1)."""

from __future__ import annotations

import html as htmllib
import json
import re
from typing import Any

import pytest
from fastapi.testclient import TestClient
from obs_samples import post

from empreinte.observatory.seed._figures import iter_figure_reports

CASES = {
    "seed-luccioni2023-bloom",
    "seed-patterson2021-gpt3",
    "seed-touvron2023-llama2-70b",
    "seed-google2025-gemini-median",
}


@pytest.fixture
def seeded(client: TestClient, auth: dict[str, str]) -> dict[str, dict[str, Any]]:
    reps = {r.report_id: json.loads(r.to_json()) for r in iter_figure_reports()}
    post(client, [reps[i] for i in sorted(CASES)], auth)
    return reps


def _text(html: str) -> str:
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def _section(html: str) -> str:
    m = re.search(r'<section class="published".*?</section>', html, flags=re.S)
    assert m, "no published section"
    return _text(m.group(0))


def test_bloom_page_headlines_the_papers_figures(client: TestClient, seeded: Any) -> None:
    html = client.get("/reports/seed-luccioni2023-bloom").text
    pub = _section(html)
    assert html.index('class="published"') < html.index('class="cards"')  # publisher first
    assert "50.5 tCO2e" in pub and "24.69 tCO2e" in pub and "11.2 tCO2e" in pub
    assert "689.8 MWh" in pub  # dynamic + idle energy, as the paper states it
    assert "0.057 kgCO2e/kWh" in pub and "stated" in pub
    assert "42.94 tCO2e" in pub  # empreinte's recomputation, beside the paper's
    for cause in ("grid factor", "embodied", "end of life"):
        assert cause in pub
    assert "−10.73 tCO2e" in pub and "+3.012 tCO2e" in pub
    assert "`published`" not in html  # no pointer to a block the page never shows


def test_gpt3_page_shows_1287_mwh_and_552_t(client: TestClient, seeded: Any) -> None:
    pub = _section(client.get("/reports/seed-patterson2021-gpt3").text)
    assert "1,287 MWh" in pub and "552.1 tCO2e" in pub
    assert "PUE 1.1" in pub and "0.429 kgCO2e/kWh" in pub
    assert "1,170 MWh" in pub  # the IT energy, explained by the PUE line
    assert "509.2 tCO2e" in pub


def test_llama2_70b_explains_291_against_277(client: TestClient, seeded: Any) -> None:
    pub = _section(client.get("/reports/seed-touvron2023-llama2-70b").text)
    assert "291.4 tCO2e" in pub and "277.3 tCO2e" in pub
    assert "implied" in pub and "0.4235" in pub  # the factor the publisher's figures imply
    assert "−26.9 tCO2e" in pub and "+12.65 tCO2e" in pub


def test_gemini_prompt_shows_googles_024_wh(client: TestClient, seeded: Any) -> None:
    pub = _section(client.get("/reports/seed-google2025-gemini-median").text)
    assert "0.24 Wh" in pub and "0.221 Wh" in pub  # full boundary, and the IT part shown below
    assert "data-centre overhead" in pub and "market-based" in pub
    assert "0.03 gCO2e" in pub


@pytest.mark.parametrize("rid", sorted(CASES))
def test_json_twin_api_and_page_agree(client: TestClient, seeded: Any, rid: str) -> None:
    twin = client.get(f"/reports/{rid}.json").json()["published"]
    api = client.get(f"/api/v1/reports/{rid}").json()["published"]
    assert twin == api
    page = _section(client.get(f"/reports/{rid}").text)
    for rec in (api["gwp"], api["energy"]):
        if rec is None:
            continue
        lines = rec["lines"]
        total = rec["published"] + sum(ln["delta"] or 0.0 for ln in lines)
        assert total == pytest.approx(rec["ours"], rel=1e-9)  # the lines add up, exactly
        for ln in lines:
            assert _text(ln["text"]) in page
    for key in api["headline"]:
        fig = next(f for f in api["figures"] if f["key"] == key)
        assert fig["shown"] in page and fig["boundary"] in page


def test_report_without_published_block_has_no_section(
    client: TestClient, auth: dict[str, str]
) -> None:
    from obs_samples import sample_report

    r = sample_report()
    post(client, [r], auth)
    assert 'class="published"' not in client.get(f"/reports/{r['report_id']}").text
    assert client.get(f"/api/v1/reports/{r['report_id']}").json()["published"] is None


@pytest.mark.parametrize("fmt", ["csv", "md", "html"])
def test_exports_carry_the_same_figures_and_explanation(
    client: TestClient, seeded: Any, fmt: str
) -> None:
    api = client.get("/api/v1/reports/seed-luccioni2023-bloom").json()["published"]
    r = client.get(f"/reports/seed-luccioni2023-bloom/download/{fmt}")
    assert r.status_code == 200
    text = r.text
    assert "50.5 tCO2e" in text and "42.94 tCO2e" in text
    assert fmt == "csv" or "24.69 tCO2e" in text  # every figure, in the summaries
    if fmt == "csv":
        import csv
        import io

        row = next(csv.DictReader(io.StringIO(text)))
        assert row["published_reconciliation"].splitlines()[0] == api["gwp"]["sentence"]
        assert "Luccioni" in row["citation"]
        assert "gwp_kgco2e=50500.0" in row["published"].splitlines()
    else:
        for ln in api["gwp"]["lines"]:
            assert ln["delta_shown"] in text


def test_bulk_csv_has_bounds_citation_and_reconciliation(client: TestClient, seeded: Any) -> None:
    import csv
    import io

    rows = {r["report_id"]: r for r in csv.DictReader(io.StringIO(client.get(
        "/api/v1/export.csv").text))}  # fmt: skip
    bloom = rows["seed-luccioni2023-bloom"]
    api = client.get("/api/v1/reports/seed-luccioni2023-bloom").json()
    assert bloom["published_reconciliation"].splitlines()[0] == api["published"]["gwp"]["sentence"]
    assert bloom["citation"].startswith("Luccioni")
    g = rows["seed-google2025-gemini-median"]
    e = api  # the bounds of an estimate are exported, not only its value
    assert float(g["energy_kwh_low"]) <= float(g["energy_kwh"]) <= float(g["energy_kwh_high"])
    assert (
        float(bloom["gwp_kgco2e_low"])
        <= float(bloom["gwp_kgco2e"])
        <= float(bloom["gwp_kgco2e_high"])
    )
    assert e["report"]["impacts"]["gwp_kgco2e"]["total"]["value"] == float(bloom["gwp_kgco2e"])


def test_validation_doc_carries_the_pages_numbers(client: TestClient, seeded: Any) -> None:
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "validation.md").read_text("utf-8")
    for rid in sorted(CASES):
        gwp = client.get(f"/api/v1/reports/{rid}").json()["published"]["gwp"]
        row = next(ln for ln in doc.splitlines() if f"`{rid}` | emissions" in ln)
        for ln in gwp["lines"]:
            assert f"{ln['delta_shown']} {ln['text']}".strip() in row
        published = client.get(f"/reports/{rid}.json").json()["published"]["figures"]
        shown = next(f["shown"] for f in published if f["key"] == gwp["published_key"])
        assert shown in row and f"{shown} (" in row


def test_per_unit_energy_follows_the_units_rule(client: TestClient, seeded: Any) -> None:
    page = client.get("/reports/seed-google2025-gemini-median").text
    assert "Energy per request</dt><dd>" in page
    card = page.split("Energy per request</dt><dd>", 1)[1].split("</dd>", 1)[0]
    assert "<small>Wh</small>" in card and "0.221" in card  # Wh per request, not µWh or kWh


def test_home_state_of_knowledge(client: TestClient, seeded: Any, auth: dict[str, str]) -> None:
    from itertools import islice

    from empreinte.observatory.seed._mlenergy import iter_mlenergy_reports

    rows = [json.loads(r.to_json()) for r in islice(iter_mlenergy_reports(), 5)]
    post(client, rows, auth)
    k = client.get("/index.json").json()["knowledge"]
    first = k["training"][0]
    assert first["report_id"] == "seed-patterson2021-gpt3"  # the largest run first
    assert first["published"]["energy"]["published"] == 1_287_000
    assert k["per_prompt"][0]["report_id"] == "seed-google2025-gemini-median"
    (tok,) = [t for t in k["per_token"] if t["configurations"] == len(rows)] or k["per_token"]
    assert tok["p10_kwh"] <= tok["median_kwh"] <= tok["p90_kwh"]
    html = client.get("/").text
    assert "1,287 MWh" in html and "0.24 Wh" in html
    j_per_token = tok["median_kwh"] * 3.6e6
    from empreinte.units import number

    assert f"{number(j_per_token)} J" in html  # J per token, by the units rule
