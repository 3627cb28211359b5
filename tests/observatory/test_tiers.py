"""Never add across trust tiers (issue 9, item 2): ``/api/v1/stats`` carries ``by_tier``
(``M1``…``M5``, each by stage) and ``by_trust``; an estimate moves no measured total."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from obs_samples import post, sample_report

MEASURED = ("M1", "M2", "M3")


def _estimate(energy_kwh: float) -> dict[str, Any]:
    r = sample_report(energy_kwh=energy_kwh, lifecycle_stage="inference")
    r["measurement"] = {"method": "proxy_model", "duration_s": 3600.0}  # M4
    return r


def _declared(energy_kwh: float) -> dict[str, Any]:
    r = sample_report(energy_kwh=energy_kwh, lifecycle_stage="training")
    r["measurement"] = {"method": "declared"}  # M5
    return r


def test_stats_by_tier_keys_and_stages(client: TestClient, auth: dict[str, str]) -> None:
    post(client, [sample_report(energy_kwh=2.0), _estimate(40.0), _declared(1e6)], auth)
    s = client.get("/api/v1/stats").json()
    assert set(s["by_tier"]) == {"M1", "M2", "M3", "M4", "M5"}
    assert s["by_tier"]["M2"]["energy_kwh"] == pytest.approx(2.0)
    assert s["by_tier"]["M4"]["energy_kwh"] == pytest.approx(40.0)
    assert s["by_tier"]["M5"]["by_stage"][0] == {
        "stage": "training",
        "reports": 1,
        "energy_kwh": pytest.approx(1e6),
        "gwp_kgco2e": pytest.approx(s["by_tier"]["M5"]["gwp_kgco2e"]),
        "water_l": pytest.approx(s["by_tier"]["M5"]["water_l"]),
    }
    # a tier without reports has no sums: never a zero reading
    assert s["by_tier"]["M1"] == {
        "reports": 0,
        "energy_kwh": None,
        "gwp_kgco2e": None,
        "water_l": None,
        "by_stage": [],
    }
    trust = s["by_trust"]
    assert trust["measured"]["tiers"] == list(MEASURED)
    assert trust["measured"]["energy_kwh"] == pytest.approx(2.0)
    assert trust["estimated"]["energy_kwh"] == pytest.approx(40.0)
    assert trust["declared"]["energy_kwh"] == pytest.approx(1e6)
    # the same from the full aggregate (a filter the summary cannot serve)
    full = client.get("/api/v1/stats?q=").json()
    slow = client.get("/api/v1/stats?zone=FRA").json()
    assert full["by_tier"] == s["by_tier"]
    assert slow["by_tier"]["M4"]["energy_kwh"] == pytest.approx(40.0)
    assert slow["by_trust"]["measured"]["energy_kwh"] == pytest.approx(2.0)


@pytest.mark.parametrize("query", ["", "?zone=FRA"])  # summary table, and full aggregate
def test_an_estimate_changes_no_measured_total(
    client: TestClient, auth: dict[str, str], query: str
) -> None:
    post(client, [sample_report(energy_kwh=3.79), _declared(5e5)], auth)
    before = client.get(f"/api/v1/stats{query}").json()
    post(client, [_estimate(46.0)], auth)
    after = client.get(f"/api/v1/stats{query}").json()
    for t in (*MEASURED, "M5"):
        assert after["by_tier"][t] == before["by_tier"][t], t
    assert after["by_trust"]["measured"] == before["by_trust"]["measured"]
    assert after["by_tier"]["M4"]["reports"] == before["by_tier"]["M4"]["reports"] + 1
    home = client.get("/index.json").json()["stats"]
    assert home["by_trust"]["measured"] == before["by_trust"]["measured"]


def test_home_shows_tiers_apart_never_one_sum(client: TestClient, auth: dict[str, str]) -> None:
    m, e, d = sample_report(energy_kwh=3.79), _estimate(46.0), _declared(1000.0)
    post(client, [m, e, d], auth)
    html = client.get("/").text
    for name in ("Measured", "Estimated", "Declared"):
        assert f">{name}" in html
    assert "3.79 <small>kWh</small>" in html and "46 <small>kWh</small>" in html
    assert "1 <small>MWh</small>" in html
    assert "49.8" not in html  # the 3.79 kWh + one estimate, summed: never shown
    assert "1.05" not in html  # nor the sum across all three (1.05 MWh)
    assert "Reported energy per year" not in html  # no sum of heterogeneous reports by date
