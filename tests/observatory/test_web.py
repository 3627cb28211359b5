"""Pages, their JSON twins, escaping, security headers and limits."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from obs_samples import post, sample_report

from empreinte.observatory.app import create_app
from empreinte.observatory.settings import Settings

XSS = "<script>alert(1)</script>"
PAGES = ["/", "/reports", "/leaderboard", "/compare", "/contribute"]


def test_every_page_and_its_json_twin(client: TestClient, auth: dict[str, str]) -> None:
    a, b = sample_report(), sample_report(energy_kwh=0.2, quality=0.8)
    post(client, [a, b], auth)
    ids = f"{a['report_id']},{b['report_id']}"
    pages = [
        *PAGES,
        f"/reports/{a['report_id']}",
        f"/compare?ids={ids}",
        "/leaderboard?task=text-generation&unit=inference",
        "/reports?stage=inference&q=llama",
    ]
    for page in pages:
        html = client.get(page)
        assert html.status_code == 200, page
        assert html.headers["content-type"].startswith("text/html")
        assert '<main id="main"' in html.text and "<nav" in html.text
        path, _, query = page.partition("?")
        twin = ("/index.json" if path == "/" else path + ".json") + (f"?{query}" if query else "")
        js = client.get(twin)
        assert js.status_code == 200 and js.headers["content-type"] == "application/json", twin
    home = client.get("/index.json").json()
    assert home["stats"]["totals"]["reports"] == 2
    cmp = client.get(f"/compare.json?ids={ids}").json()
    assert [r["id"] for r in cmp["reports"]] == [a["report_id"], b["report_id"]]
    lb = client.get("/leaderboard.json?task=text-generation&unit=inference").json()
    cohort = lb["cohorts"][0]
    assert cohort["quality_metric"] == "accuracy"
    assert [e["id"] for e in cohort["pareto_front"]] == [b["report_id"]]  # less energy, better


def test_report_page_shows_verification_and_downloads(
    client: TestClient, auth: dict[str, str]
) -> None:
    rep = sample_report(energy_kwh=5.0)  # 5 kWh in 1 h on one H100: above its TDP
    post(client, rep, auth)
    page = client.get(f"/reports/{rep['report_id']}").text
    assert "power-above-tdp:gpu" in page and ">M2<" in page and ">A0<" in page
    assert "<svg" in page and "Impacts by life-cycle phase" in page
    for fmt in re.findall(rf"/reports/{rep['report_id']}/download/(\w+)", page):
        r = client.get(f"/reports/{rep['report_id']}/download/{fmt}")
        assert r.status_code == 200, fmt
        assert "attachment" in r.headers["content-disposition"]
    assert client.get(f"/reports/{rep['report_id']}/download/nope").status_code == 404


def test_user_content_is_escaped(client: TestClient, auth: dict[str, str]) -> None:
    rep = sample_report(model=XSS, task=XSS, name=XSS)
    rep["hardware"][0]["name"] = XSS
    rep["quality_metrics"] = {XSS: 1.0}
    post(client, rep, auth)
    pages = [
        "/",
        "/reports",
        f"/reports/{rep['report_id']}",
        f"/compare?ids={rep['report_id']}",
        "/leaderboard",
        f"/leaderboard?task={XSS}&unit=inference",
        f"/reports?q={XSS}",
    ]
    for page in pages:
        text = client.get(page).text
        assert XSS not in text, page
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;" in client.get(f"/reports/{rep['report_id']}").text
    )


def test_security_headers(client: TestClient) -> None:
    for page in ["/", "/api/v1/reports", "/static/style.css", "/nope"]:
        h = client.get(page).headers
        assert "script-src 'self'" in h["content-security-policy"]
        assert "frame-ancestors 'none'" in h["content-security-policy"]
        assert h["x-content-type-options"] == "nosniff"
        assert h["x-frame-options"] == "DENY"
        assert h["referrer-policy"] == "no-referrer"


def test_no_external_assets(client: TestClient) -> None:
    html = client.get("/").text
    assert not re.search(r'(src|href)="(https?:)?//', html)
    assert client.get("/static/app.js").status_code == 200


def test_html_errors_for_browsers_json_for_api(client: TestClient) -> None:
    r = client.get("/reports/nosuchreport", headers={"accept": "text/html"})
    assert r.status_code == 404 and "<html" in r.text
    r = client.get("/reports/nosuchreport.json", headers={"accept": "text/html"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"


def test_request_size_limit(db_url: str, tmp_path: object) -> None:
    s = Settings(database_url=db_url, data_dir=tmp_path, max_body_bytes=2000)  # type: ignore[arg-type]
    with TestClient(create_app(s)) as c:
        r = c.post("/api/v1/reports", content=b"x" * 5000, headers={"Authorization": "Bearer x"})
        assert r.status_code == 413
        assert r.json()["error"]["code"] == "payload_too_large"


def test_rate_limit_per_token(db_url: str, tmp_path: object) -> None:
    from empreinte.observatory import store

    s = Settings(database_url=db_url, data_dir=tmp_path, rate_limit_per_minute=3)  # type: ignore[arg-type]
    app = create_app(s)
    with app.state.ctx.sessions() as sess:
        t1 = store.create_token(sess, "one")
        t2 = store.create_token(sess, "two")
    with TestClient(app) as c:
        codes = [
            c.post(
                "/api/v1/reports", json=sample_report(), headers={"Authorization": f"Bearer {t1}"}
            ).status_code
            for _ in range(4)
        ]
        assert codes == [201, 201, 201, 429]
        r = c.post(
            "/api/v1/reports", json=sample_report(), headers={"Authorization": f"Bearer {t1}"}
        )
        assert int(r.headers["retry-after"]) >= 1
        other = c.post(
            "/api/v1/reports", json=sample_report(), headers={"Authorization": f"Bearer {t2}"}
        )
        assert other.status_code == 201  # the limit is per token


def test_revoked_token_is_refused(client: TestClient, app: object, token: str) -> None:
    from empreinte.observatory import store

    with app.state.ctx.sessions() as s:  # type: ignore[attr-defined]
        name = store.list_tokens(s)[0].name
        store.revoke_token(s, name)
    r = client.post(
        "/api/v1/reports", json=sample_report(), headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 401


@pytest.mark.parametrize("n", [1, 6])
def test_compare_bounds(client: TestClient, n: int) -> None:
    ids = ",".join(f"report{i:04d}" for i in range(n))
    r = client.get(f"/compare.json?ids={ids}")
    assert r.status_code in (400, 404)
