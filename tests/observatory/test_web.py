"""Pages, their JSON twins, escaping, security headers and limits."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from obs_samples import post, sample_report

from empreinte.observatory.http.app import create_app
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
    for fmt in re.findall(rf"/reports/{rep['report_id']}/download/([\w-]+)", page):
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
    from empreinte.observatory.storage import store

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
    from empreinte.observatory.storage import store

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


# --- presentation: human units, chart text alternatives, accessibility -------------------------


@pytest.mark.parametrize(
    ("value", "unit", "shown"),
    [
        (3394685.27, "kWh", "3,395 MWh"),  # MWh up to 9,999 MWh, as runs are quoted
        (1287000.0, "kWh", "1,287 MWh"),
        (33946850.0, "kWh", "33.9 GWh"),
        (1181348.72, "kgCO2e", "1,181 tCO2e"),
        (17568068.8, "L", "17,568 m³"),  # never ML beside mL
        (4.11e-5, "kWh", "0.0411 Wh"),  # never mWh beside MWh
        (0.755, "kWh", "755 Wh"),
        (2.39e-8, "kWh", "0.086 J"),
        (3.01e-5, "kgCO2e", "0.0301 gCO2e"),
        (3.01e-9, "kgCO2e", "3.01 µgCO2e"),
        (0.5, "L", "500 mL"),
        (6.67e6, "MJ", "6.67 TJ"),
        (12.5, "kWh", "12.5 kWh"),
        (0.0, "kWh", "0 kWh"),
        (None, "kWh", "—"),
    ],
)
def test_human_units(value: float | None, unit: str, shown: str) -> None:
    from empreinte.observatory.views.charts import human

    assert human(value, unit) == shown


def test_quantity_shows_bounds_in_the_value_prefix_and_exact_value_in_title() -> None:
    from empreinte.observatory.views.charts import quantity

    html = str(quantity({"value": 277295.0, "low": 269426.0, "high": 343808.0}, "kgCO2e"))
    assert "277 <small>tCO2e</small>" in html and "[269 – 344]" in html
    assert 'title="277295.0 kgCO2e"' in html
    assert "[" not in str(quantity({"value": 2.0, "low": 2.0, "high": 2.0}, "kWh"))
    assert "—" in str(quantity(None, "kWh"))  # missing is a dash, never zero


def test_per_unit_energy_is_the_units_rule() -> None:
    """Per request: Wh down to 0.001 Wh (a run's scale would show 0.005 Wh as 18 J), then J;
    per token: J; any other unit: a run's scale."""
    from empreinte.observatory.views.charts import per_unit

    html = str(per_unit({"value": 5e-6, "low": 4e-6, "high": 6e-6}, "request"))
    assert "0.005 <small>Wh</small>" in html and "[0.004 – 0.006]" in html
    assert "0.36 <small>J</small>" in str(per_unit({"value": 1e-7}, "request"))
    assert "0.36 <small>J</small>" in str(per_unit({"value": 1e-7}, "token"))
    assert "<small>MWh</small>" in str(per_unit({"value": 1287.0}, "epoch"))
    assert "—" in str(per_unit(None, "request"))


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b[^>]*>.*?</svg>", html, flags=re.S)


def test_pages_use_human_units_and_no_exponent(client: TestClient, auth: dict[str, str]) -> None:
    big = sample_report(energy_kwh=3_394_685.0, count=1e9)
    small = sample_report(energy_kwh=4.11e-5)
    post(client, [big, small], auth)
    home = client.get("/").text
    assert "3,395 <small>MWh</small>" in home  # total card
    assert "3,395 MWh" in home  # bar chart and table
    assert "mWh" not in home
    pages = [
        home,
        client.get("/reports").text,
        client.get(f"/reports/{big['report_id']}").text,
        client.get(f"/compare?ids={big['report_id']},{small['report_id']}").text,
        client.get("/leaderboard?task=text-generation&unit=inference").text,
    ]
    for page in pages:
        hidden = r'(title|aria-label)="[^"]*"|<title>.*?</title>|<desc>.*?</desc>'
        visible = re.sub(hidden, "", page)
        assert not re.search(r"\d\.\d+e[+-]\d\d", visible), re.findall(r".{40}e[+-]\d\d", visible)
    # the JSON twin keeps the exact numbers
    assert client.get("/index.json").json()["stats"]["totals"]["energy_kwh"] > 3e6


def test_every_chart_has_a_text_alternative(client: TestClient, auth: dict[str, str]) -> None:
    a, b = sample_report(), sample_report(energy_kwh=0.2, quality=0.8)
    post(client, [a, b], auth)
    pages = [f"/reports/{a['report_id']}", f"/compare?ids={a['report_id']},{b['report_id']}"]
    pages.append("/leaderboard?task=text-generation&unit=inference")
    for page in pages:
        svgs = _svgs(client.get(page).text)
        assert svgs, page
        for svg in svgs:
            assert 'role="img"' in svg and re.search(r'aria-label="[^"]{10,}"', svg), page
            assert "<title>" in svg and "<desc>" in svg, page


def test_pareto_chart_draws_the_gate_and_names_points(
    client: TestClient, auth: dict[str, str]
) -> None:
    reps = [sample_report(energy_kwh=0.1 * (i + 1), quality=0.5 + 0.1 * i) for i in range(4)]
    reps[0]["system"]["model_id"] = "org/tiny-model"
    post(client, reps, auth)
    page = client.get("/leaderboard?task=text-generation&unit=inference").text
    wide, narrow = _svgs(page)  # drawn for a desktop and for a phone, CSS shows one
    assert 'class="chart plot wide"' in wide and 'class="chart plot narrow"' in narrow
    for svg in (wide, narrow):
        assert 'class="gate"' in svg and "quality gate" in svg
        assert "energy per inference (log scale)" in svg and "↑ accuracy" in svg
        assert "<title>org/tiny-model: " in svg and "(Pareto front)" in svg
        assert ">tiny-model</text>" in svg  # points are labelled on the chart
    assert "Energy per inference</th>" in page


def test_report_page_explains_verification_and_impacts(
    client: TestClient, auth: dict[str, str]
) -> None:
    rep = sample_report(energy_kwh=5.0)
    post(client, rep, auth)
    page = client.get(f"/reports/{rep['report_id']}").text
    assert 'href="/methodology#tier-m2"' in page and "hardware counter" in page
    assert 'href="/methodology#flag-power-above-tdp"' in page
    assert '<table class="impacts">' in page and ">Embodied</th>" in page
    assert "5 <small>kWh</small> <span" in page and "[4.5 – 5.5]" in page
    assert 'download title="' in page
    method = client.get("/methodology").text
    for tier in ("M1", "M5", "A0", "A3"):
        assert f'id="tier-{tier.lower()}"' in method
    assert 'id="flag-power-above-tdp"' in method and "(blocking)" in method
    keys = {"m_tiers", "a_tiers", "flags", "blocking"}
    assert set(client.get("/methodology.json").json()) == keys


def test_accessibility_basics(client: TestClient, auth: dict[str, str]) -> None:
    post(client, sample_report(), auth)
    for page in [*PAGES, "/methodology"]:
        html = client.get(page).text
        assert '<html lang="en">' in html
        assert '<a class="skip" href="#main">' in html
        for region in re.findall(r'<div class="scroll"[^>]*>', html):
            assert 'tabindex="0"' in region and "aria-label=" in region, page
    css = client.get("/static/style.css").text
    assert ":focus-visible" in css and "outline" in css
    assert "table.reports { min-width" in css  # the table scrolls in its own box on a phone


def test_counts_and_durations_read_as_words() -> None:
    from empreinte.observatory.views.charts import count, duration

    assert count(1e9) == "1 billion" and count(1720.9) == "1,721" and count(None) == "—"
    assert duration(90) == "90 s" and duration(7200) == "2 h" and duration(5e6) == "57.9 days"


def test_compare_tells_reports_of_the_same_model_apart(
    client: TestClient, auth: dict[str, str]
) -> None:
    a, b = sample_report(), sample_report(energy_kwh=0.2)
    post(client, [a, b], auth)
    page = client.get(f"/compare?ids={a['report_id']},{b['report_id']}").text
    (svg,) = _svgs(page)
    assert f"[{a['report_id'][-6:]}]" in svg and f"[{b['report_id'][-6:]}]" in svg
    assert f"<small>{b['report_id']}</small>" in page
