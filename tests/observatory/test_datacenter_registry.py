"""The data-centre registry on both databases: declare, browse, link reports, inherit PUE/WUE
with provenance, seeded operators, bad declarations named by field."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from obs_samples import post, sample_report


def site(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": "acme-paris-1",
        "name": "ACME Paris 1",
        "operator": "ACME Cloud",
        "kind": "site",
        "zone": "FRA",
        "years": [
            {
                "year": 2024,
                "pue": {"value": 1.3, "low": 1.25, "high": 1.35, "source": "ACME 2024 EED report"},
                "wue_l_per_kwh": {"value": 0.4, "source": "ACME 2024 EED report"},
                "ref": {
                    "value": 0.8,
                    "source": "ACME 2024 EED report",
                    "tier": "third-party-verified",
                },
            },
            {"year": 2025, "pue": {"value": 1.22, "source": "ACME 2025 EED report"}},
        ],
    }
    body.update(overrides)
    return body


def test_declare_browse_and_link(client: TestClient, auth: dict[str, str]) -> None:
    r = client.post("/api/v1/datacenters", json=site(), headers=auth)
    assert r.status_code == 201, r.text
    assert r.json()["url"] == "/datacenters/acme-paris-1"
    listed = client.get("/api/v1/datacenters").json()["datacenters"]
    mine = next(d for d in listed if d["id"] == "acme-paris-1")
    assert mine["latest_year"] == 2025 and mine["pue"]["value"] == 1.22

    # A report that names the site and states no PUE/WUE takes the KPIs of its year (2024).
    rep = sample_report(created_at="2024-09-01T00:00:00Z", datacenter={"id": "acme-paris-1"})
    res = post(client, rep, auth)
    assert res.status_code == 201, res.text
    stored = client.get(f"/api/v1/reports/{rep['report_id']}").json()["report"]
    dc = stored["datacenter"]
    assert dc["pue"] == {"value": 1.3, "low": 1.25, "high": 1.35}
    assert dc["wue_l_per_kwh"]["value"] == 0.4
    assert dc["source"] == "registry:acme-paris-1/2024"
    assert "datacenter-from-registry" in {w["code"] for w in stored["warnings"]}

    # A report with its own PUE keeps it.
    own = sample_report(
        datacenter={"id": "acme-paris-1", "pue": {"value": 1.5, "low": 1.5, "high": 1.5}}
    )
    assert post(client, own, auth).status_code == 201
    kept = client.get(f"/api/v1/reports/{own['report_id']}").json()["report"]["datacenter"]
    assert kept["pue"]["value"] == 1.5 and "source" not in kept

    # Both pages link to each other.
    page = client.get("/datacenters/acme-paris-1")
    assert page.status_code == 200
    assert f"/reports/{rep['report_id']}" in page.text and "ACME 2024 EED report" in page.text
    twin = client.get("/datacenters/acme-paris-1.json").json()
    assert {r["report_id"] for r in twin["reports"]} == {rep["report_id"], own["report_id"]}
    report_page = client.get(f"/reports/{rep['report_id']}")
    assert 'href="/datacenters/acme-paris-1"' in report_page.text
    assert "registry:acme-paris-1/2024" in report_page.text
    assert client.get("/datacenters").status_code == 200


def test_unknown_site_is_a_named_error(client: TestClient, auth: dict[str, str]) -> None:
    rep = sample_report(datacenter={"id": "nowhere-1"})
    res = post(client, rep, auth)
    assert res.status_code == 409
    assert any(f["field"] == "datacenter.id" for f in res.json()["error"]["fields"]), res.text


def test_bad_declarations_name_the_field(client: TestClient, auth: dict[str, str]) -> None:
    cases = {
        "years.0.pue": site(years=[{"year": 2024, "pue": {"value": 0.9, "source": "x"}}]),
        "years.0.pue.value": site(years=[{"year": 2024, "pue": {"value": "inf", "source": "x"}}]),
        "id": site(id="Bad Id!"),
        "years": site(years=[]),
    }
    for field, body in cases.items():
        r = client.post("/api/v1/datacenters", json=body, headers=auth)
        assert r.status_code == 422, (field, r.text)
        fields = [f["field"] for f in r.json()["error"]["fields"]]
        assert any(f.startswith(field) for f in fields), (field, fields)
    assert client.post("/api/v1/datacenters", json=site()).status_code == 401
    raw = client.post(
        "/api/v1/datacenters",
        content=b'{"id": 1e999}',
        headers=auth | {"content-type": "application/json"},
    )
    assert raw.status_code == 422


def test_only_the_declaring_token_changes_a_site(
    client: TestClient, auth: dict[str, str], app: Any
) -> None:
    from empreinte.observatory.storage import store

    assert client.post("/api/v1/datacenters", json=site(), headers=auth).status_code == 201
    again = client.post("/api/v1/datacenters", json=site(name="ACME Paris One"), headers=auth)
    assert again.status_code == 200 and again.json()["created"] is False
    with app.state.ctx.sessions() as s:
        other = store.create_token(s, "other-operator")
    r = client.post(
        "/api/v1/datacenters", json=site(), headers={"Authorization": f"Bearer {other}"}
    )
    assert r.status_code == 409


def test_seeded_operators_have_sources_and_years(client: TestClient) -> None:
    listed = {d["id"]: d for d in client.get("/api/v1/datacenters").json()["datacenters"]}
    assert {"aws", "google-cloud", "azure", "meta", "idris-jean-zay"} <= set(listed)
    google = client.get("/api/v1/datacenters/google-cloud").json()["datacenter"]
    pue = google["years"][0]["pue"]
    assert pue["value"] == 1.09 and pue["tier"] == "declared" and "Google" in pue["source"]
    assert listed["idris-jean-zay"]["zone"] == "FRA"
    assert client.get("/api/v1/datacenters/none-such").status_code == 404


def test_listing_shows_the_wue_bounds_as_it_does_the_pue(
    client: TestClient, auth: dict[str, str]
) -> None:
    """A declared WUE of 0 with a range up to 0.2 L/kWh (as Scaleway's fleet) is not a bare 0."""
    wue = {"value": 0.0, "low": 0.0, "high": 0.2, "source": "ACME 2024 EED report"}
    body = site(id="acme-dry-1", years=[{"year": 2024, "wue_l_per_kwh": wue}])
    assert client.post("/api/v1/datacenters", json=body, headers=auth).status_code == 201
    page = client.get("/datacenters").text
    row = page.split('href="/datacenters/acme-dry-1"')[1].split("</tr>")[0]
    assert '<td class="num">0 <span class="bounds">[0 – 0.2]</span></td>' in row
