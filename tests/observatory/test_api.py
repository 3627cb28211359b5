"""The HTTP API: submission, idempotency, supersedes, listing, detail, stats, exports."""

from __future__ import annotations

import csv
import io
import json

import pytest
from fastapi.testclient import TestClient
from obs_samples import post, sample_report


def test_submit_then_read_back(client: TestClient, auth: dict[str, str]) -> None:
    rep = sample_report()
    rep["verification"] = {"m_tier": "M1", "a_tier": "A3", "flags": []}  # must be ignored
    r = post(client, rep, auth)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["id"] == rep["report_id"] and body["created"] is True
    assert body["verification"]["m_tier"] == "M2"  # from measurement.method, not the submitter
    assert body["verification"]["a_tier"] == "A1"
    d = client.get(f"/api/v1/reports/{rep['report_id']}").json()
    assert d["report"]["system"]["model_id"] == "meta-llama/Llama-3.1-8B"
    assert d["report"]["verification"]["m_tier"] == "M2"
    assert d["superseded_by"] is None


def test_resubmission_is_idempotent(client: TestClient, auth: dict[str, str]) -> None:
    rep = sample_report()
    assert post(client, rep, auth).status_code == 201
    again = post(client, rep, auth)
    assert again.status_code == 200 and again.json()["created"] is False
    assert again.json()["id"] == rep["report_id"]
    # same content without a report_id: the hash is over the submitted JSON
    bare = sample_report(report_id=None)
    first = post(client, bare, auth).json()["id"]
    assert post(client, bare, auth).json()["id"] == first
    assert len(client.get("/api/v1/reports").json()["reports"]) == 2


def test_idempotency_key(client: TestClient, auth: dict[str, str]) -> None:
    a = post(client, sample_report(), auth, **{"Idempotency-Key": "k1"})
    b = post(client, sample_report(), auth, **{"Idempotency-Key": "k1"})
    assert a.status_code == 201 and b.status_code == 200
    assert a.json()["id"] == b.json()["id"]


def test_batch(client: TestClient, auth: dict[str, str]) -> None:
    reps = [sample_report(energy_kwh=0.1 * (i + 1)) for i in range(5)]
    r = post(client, {"reports": [*reps, reps[0]]}, auth)
    assert r.status_code == 201, r.text
    j = r.json()
    assert j["created"] == 5 and j["existing"] == 1
    assert [x["id"] for x in j["results"]][:5] == [x["report_id"] for x in reps]
    r2 = post(client, reps, auth)  # a bare JSON array also works
    assert r2.status_code == 200 and r2.json()["created"] == 0


def test_batch_is_atomic_and_names_fields(client: TestClient, auth: dict[str, str]) -> None:
    bad = sample_report()
    bad["energy"]["total_kwh"] = {"value": -1}
    r = post(client, {"reports": [sample_report(), bad]}, auth)
    assert r.status_code == 422
    fields = [f["field"] for f in r.json()["error"]["fields"]]
    assert any(f.startswith("reports.1.energy.total_kwh") for f in fields), fields
    assert client.get("/api/v1/reports").json()["reports"] == []


def test_errors_have_one_shape(client: TestClient, auth: dict[str, str]) -> None:
    no_token = client.post("/api/v1/reports", json=sample_report())
    assert no_token.status_code == 401
    assert no_token.headers["www-authenticate"] == "Bearer"
    bad_token = client.post(
        "/api/v1/reports", json=sample_report(), headers={"Authorization": "Bearer nope"}
    )
    assert bad_token.status_code == 401
    missing = sample_report(lifecycle_stage=None)
    bad = post(client, missing, auth)
    assert bad.status_code == 422
    assert {"field": "lifecycle_stage", "message": "Field required"} in bad.json()["error"][
        "fields"
    ]
    typo = post(client, {**sample_report(), "energyy": 1}, auth)
    assert typo.json()["error"]["fields"] == [{"field": "energyy", "message": "unknown field"}]
    not_json = client.post(
        "/api/v1/reports", content=b"{nope", headers={**auth, "content-type": "application/json"}
    )
    assert not_json.status_code == 422
    for resp in (
        no_token,
        bad,
        not_json,
        client.get("/api/v1/reports/doesnotexist"),
        client.get("/api/v1/reports?limit=0"),
        client.get("/api/v1/reports?sort=evil"),
        client.get("/api/v1/reports?cursor=garbage"),
        client.get("/api/v1/reports?from=notadate"),
    ):
        assert resp.status_code >= 400
        err = resp.json()["error"]
        assert set(err) == {"code", "message", "fields"}, err
    assert (
        client.get("/api/v1/reports?from=notadate").json()["error"]["fields"][0]["field"] == "from"
    )


def test_report_id_conflict(client: TestClient, auth: dict[str, str]) -> None:
    rep = sample_report()
    post(client, rep, auth)
    other = sample_report(report_id=rep["report_id"], energy_kwh=2.0)
    r = post(client, other, auth)
    assert r.status_code == 409
    assert r.json()["error"]["fields"][0]["field"] == "report_id"


def test_supersedes(client: TestClient, auth: dict[str, str], app: object) -> None:
    old = sample_report(energy_kwh=1.0)
    post(client, old, auth)
    new = sample_report(energy_kwh=0.9, supersedes=old["report_id"])
    r = post(client, new, auth)
    assert r.status_code == 201, r.text
    ids = [x["report_id"] for x in client.get("/api/v1/reports").json()["reports"]]
    assert ids == [new["report_id"]]
    everything = client.get("/api/v1/reports?include_superseded=true").json()["reports"]
    assert len(everything) == 2
    assert (
        client.get(f"/api/v1/reports/{old['report_id']}").json()["superseded_by"]
        == new["report_id"]
    )
    unknown = post(client, sample_report(supersedes="nosuchreport1"), auth)
    assert unknown.status_code == 409
    assert unknown.json()["error"]["fields"][0]["field"] == "supersedes"


def test_supersedes_needs_the_same_token(
    client: TestClient, auth: dict[str, str], app: object
) -> None:
    from empreinte.observatory.storage import store

    old = sample_report()
    post(client, old, auth)
    with app.state.ctx.sessions() as s:  # type: ignore[attr-defined]
        other = store.create_token(s, "someone-else")
    r = post(
        client, sample_report(supersedes=old["report_id"]), {"Authorization": f"Bearer {other}"}
    )
    assert r.status_code == 409
    assert (
        "same token" in r.json()["error"]["fields"][0]["message"]
        or "only the token" in r.json()["error"]["fields"][0]["message"]
    )


def test_list_filters_sort_and_cursor(client: TestClient, auth: dict[str, str]) -> None:
    reps = []
    for i in range(7):
        reps.append(
            sample_report(
                energy_kwh=0.1 * (i + 1),
                created_at=f"2024-0{i + 1}-15T00:00:00Z",
                task="text-generation" if i % 2 else "image-classification",
                lifecycle_stage="inference" if i < 5 else "training",
            )
        )
    post(client, reps, auth)
    got, cursor = [], None
    while True:
        url = "/api/v1/reports?limit=3&sort=energy_kwh" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url).json()
        got += [r["energy_kwh"] for r in page["reports"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert got == sorted(got) and len(got) == 7
    newest = client.get("/api/v1/reports").json()["reports"]
    assert [r["created_at"][:7] for r in newest][:2] == ["2024-07", "2024-06"]
    assert len(client.get("/api/v1/reports?stage=training").json()["reports"]) == 2
    assert len(client.get("/api/v1/reports?task=text-generation").json()["reports"]) == 3
    assert len(client.get("/api/v1/reports?from=2024-03-01&to=2024-04-15").json()["reports"]) == 2
    assert len(client.get("/api/v1/reports?tier=M2").json()["reports"]) == 7
    assert client.get("/api/v1/reports?tier=M1,M5").json()["reports"] == []
    assert len(client.get("/api/v1/reports?hardware=nvidia-h100-sxm").json()["reports"]) == 7
    assert (
        len(client.get("/api/v1/reports?zone=FRA&model=meta-llama/Llama-3.1-8B").json()["reports"])
        == 7
    )
    assert len(client.get("/api/v1/reports?q=llama").json()["reports"]) == 7
    assert client.get("/api/v1/reports?q=%25").json()["reports"] == []  # LIKE wildcards escaped


def test_stats(client: TestClient, auth: dict[str, str]) -> None:
    post(
        client,
        [
            sample_report(energy_kwh=1.0),
            sample_report(
                energy_kwh=2.0, lifecycle_stage="training", created_at="2023-01-01T00:00:00Z"
            ),
        ],
        auth,
    )
    s = client.get("/api/v1/stats").json()
    assert s["totals"]["reports"] == 2
    assert s["totals"]["energy_kwh"] == pytest.approx(3.0)
    assert {r["stage"]: r["energy_kwh"] for r in s["by_stage"]} == {
        "training": 2.0,
        "inference": 1.0,
    }
    assert [r["year"] for r in s["by_year"]] == [2023, 2025]
    assert s["by_hardware"][0]["hardware"] == "nvidia-h100-sxm"
    # cached values follow writes
    post(client, sample_report(energy_kwh=4.0), auth)
    assert client.get("/api/v1/stats").json()["totals"]["energy_kwh"] == pytest.approx(7.0)


def test_exports(client: TestClient, auth: dict[str, str]) -> None:
    evil = sample_report(model='=HYPERLINK("x")')
    post(client, [sample_report(), evil], auth)
    c = client.get("/api/v1/export.csv")
    assert c.status_code == 200 and c.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(c.text)))
    assert len(rows) == 2
    assert {r["model"] for r in rows} == {"meta-llama/Llama-3.1-8B", '\'=HYPERLINK("x")'}
    lines = client.get("/api/v1/export.jsonl").text.strip().split("\n")
    assert {json.loads(x)["report_id"] for x in lines} == {r["report_id"] for r in rows}
    import pyarrow.parquet as pq

    pqt = pq.read_table(io.BytesIO(client.get("/api/v1/export.parquet").content))
    assert pqt.num_rows == 2 and "energy_per_unit_kwh" in pqt.column_names
    one = client.get("/api/v1/export.csv?stage=training").text.strip().split("\n")
    assert len(one) == 1  # header only
    assert client.get("/api/v1/export.csv?tier=X9").status_code == 400


def test_openapi_published(client: TestClient) -> None:
    spec = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/reports", "/api/v1/stats", "/api/v1/leaderboard", "/api/v1/export.csv"):
        assert path in spec["paths"]
    assert "Report" in spec["components"]["schemas"]
    assert client.get("/docs").status_code == 404  # no CDN-backed Swagger UI
