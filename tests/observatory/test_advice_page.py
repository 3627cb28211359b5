"""The report page's "How to lower it" section: the advisor's changes, on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient
from obs_samples import post, sample_report


def test_report_page_lists_changes_with_savings(client: TestClient, auth: dict[str, str]) -> None:
    mine = sample_report(location={"zone": "USA"}, quality=0.7, energy_kwh=0.5)
    cheaper_and_better = sample_report(quality=0.8, energy_kwh=0.05, model="small/model")
    for r in (mine, cheaper_and_better):
        assert post(client, r, auth).status_code == 201
    twin = client.get(f"/reports/{mine['report_id']}.json").json()
    advice = {a["key"]: a for a in twin["advice"]}
    assert {"region", "datacenter", "smaller-model"} <= set(advice)
    assert "small/model" in advice["smaller-model"]["change"]
    assert advice["smaller-model"]["saving_share"] > 0.5
    for a in advice.values():
        assert a["saving"]["low"] <= a["saving"]["value"] <= a["saving"]["high"]
    page = client.get(f"/reports/{mine['report_id']}")
    assert page.status_code == 200
    assert "How to lower it" in page.text and "AFNOR Spec 2314" in page.text
