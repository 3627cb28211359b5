"""The report page shows ``ewaste_kg`` (total and by component), on SQLite and PostgreSQL, and
its downloads carry it; no total across tiers adds it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from obs_samples import est, post, sample_report


def _with_ewaste() -> dict[str, object]:
    """A measured report whose hardware share allocates 0.438 kg of e-waste (53.72 g of
    accelerators, 384.3 g of host: tests/core/test_ewaste.py)."""
    rep = sample_report(energy_kwh=5.0)
    impacts = dict(rep["impacts"])  # type: ignore[call-overload]
    total = {"value": 0.437987, "low": 0.253163, "high": 1.469274}
    impacts["ewaste_kg"] = {
        "end_of_life": total,
        "total": total,
        "end_of_life_by_component": {
            "accelerators": {"value": 0.05372, "low": 0.019026, "high": 0.304414},
            "host": {"value": 0.384267, "low": 0.234137, "high": 1.16486},
        },
    }
    rep["impacts"] = impacts
    per_unit = dict(rep["per_unit"])  # type: ignore[call-overload]
    per_unit["impacts"] = {**per_unit["impacts"], "ewaste_kg": {"total": est(0.000437987)}}
    rep["per_unit"] = per_unit
    return rep


def test_report_page_shows_ewaste(client: TestClient, auth: dict[str, str]) -> None:
    rep = _with_ewaste()
    assert post(client, rep, auth).status_code in (200, 201)
    page = client.get(f"/reports/{rep['report_id']}").text
    assert "Electronic waste (mass)" in page
    assert "438 <small>g</small>" in page  # the units rule: 0.438 kg shown in grams
    assert 'id="ewaste-by-component"' in page
    assert 'accelerators <span class="q" title="0.05372 kg">53.7 <small>g</small>' in page
    assert 'host <span class="q" title="0.384267 kg">384 <small>g</small>' in page
    twin = client.get(f"/reports/{rep['report_id']}.json").json()
    assert twin["report"]["impacts"]["ewaste_kg"]["total"]["value"] == 0.437987
    csv_text = client.get(f"/reports/{rep['report_id']}/download/csv").text
    header, row = csv_text.splitlines()[:2]
    assert "ewaste_kg_host" in header.split(",") and "0.384267" in row


def test_stats_totals_do_not_add_ewaste(client: TestClient, auth: dict[str, str]) -> None:
    post(client, _with_ewaste(), auth)
    stats = client.get("/api/v1/stats").json()
    assert "ewaste" not in str(stats)
