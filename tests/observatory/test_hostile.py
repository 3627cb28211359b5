"""A fixed corpus of hostile requests (issue 10): no answer >= 500, public pages still 200.

Every case runs on SQLite and PostgreSQL. Each finding of the adversarial test has its own
regression test below; ``test_hostile_corpus`` replays all of them (and their variants) against
one database and then checks that every public page and export still answers.
"""

from __future__ import annotations

import csv
import io
import json
import threading
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from obs_samples import post, sample_report

from empreinte.observatory.storage import store
from empreinte.observatory.storage.store import Conflict
from empreinte.report.validate import validate_report

PUBLIC = (
    "/",
    "/index.json",
    "/reports",
    "/reports.json",
    "/leaderboard",
    "/leaderboard.json",
    "/leaderboard?task=text-generation",
    "/leaderboard.json?task=text-generation",
    "/contribute",
    "/api/v1/reports",
    "/api/v1/stats",
    "/api/v1/leaderboard",
    "/api/v1/leaderboard?task=text-generation",
    "/api/v1/export.csv",
    "/api/v1/export.jsonl",
    "/api/v1/export.parquet",
)


def _raw(client: TestClient, body: bytes, auth: dict[str, str], **headers: str) -> Any:
    h = {**auth, "content-type": "application/json", **headers}
    return client.post("/api/v1/reports", content=body, headers=h)


def _with(path: str, value: Any, **overrides: Any) -> dict[str, Any]:
    """A sample report with ``value`` set at the dotted ``path`` (list indices as numbers)."""
    r = sample_report(**overrides)
    *parents, last = path.split(".")
    node: Any = r
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node.setdefault(p, {})
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value
    return r


def _public_pages_answer(client: TestClient) -> None:
    for path in PUBLIC:
        r = client.get(path)
        assert r.status_code == 200, (path, r.status_code, r.text[:300])
        if path.endswith(".json") or "/api/v1/reports" in path or "stats" in path:
            json.loads(r.text)  # standard JSON (no Infinity)
            assert "Infinity" not in r.text and "NaN" not in r.text
    for line in client.get("/api/v1/export.jsonl").text.splitlines():
        validate_report(line)  # every exported report still validates


# -- 1. non-finite numbers and overflowing sums ----------------------------------------------

NON_FINITE_TEXT = [  # (JSON text replacing a number, the field the answer must name)
    ("Infinity", "functional_unit.count"),
    ("-Infinity", "functional_unit.count"),
    ("NaN", "functional_unit.count"),
    ("1e999", "functional_unit.count"),
    ("-1e999", "functional_unit.count"),
]

NON_FINITE_FIELDS = [  # (dotted path, value): each refused naming the path
    ("functional_unit.count", 1e999),
    ("hardware.0.count", 1e999),
    ("hardware.0.tdp_w", 1e999),
    ("measurement.duration_s", 1e999),
    ("energy.total_kwh.value", 1e999),
    ("energy.total_kwh.high", 1e308),
    ("per_unit.energy_kwh", 1e308),
    ("quality_metrics.accuracy", 1e308),
    ("counters.tokens", 1e999),
    ("system.parameters_total", 1e300),
    ("hardware.0.count", 1e300),
]


@pytest.mark.parametrize(("literal", "field"), NON_FINITE_TEXT)
def test_non_finite_json_is_refused(
    client: TestClient, auth: dict[str, str], literal: str, field: str
) -> None:
    body = json.dumps(sample_report(count=12345.0)).replace("12345.0", literal)
    r = _raw(client, body.encode(), auth)
    assert r.status_code == 422, r.text
    err = r.json()["error"]
    assert err["code"] == "invalid"
    if "Infinity" not in literal and literal != "NaN":  # parsed, then refused naming the field
        assert any(f["field"] == field for f in err["fields"]), err
    _public_pages_answer(client)


@pytest.mark.parametrize(("path", "value"), NON_FINITE_FIELDS)
def test_non_finite_or_huge_fields_are_refused_by_name(
    client: TestClient, auth: dict[str, str], path: str, value: float
) -> None:
    body = json.dumps(_with(path, 1234567.0)).replace(
        "1234567.0", repr(value).replace("inf", "1e999")
    )
    r = _raw(client, body.encode(), auth)
    assert r.status_code == 422, r.text
    fields = [f["field"] for f in r.json()["error"]["fields"]]
    assert any(f.startswith(path) or path.startswith(f + ".") for f in fields), fields
    _public_pages_answer(client)


def test_sum_of_hardware_counts_cannot_overflow(client: TestClient, auth: dict[str, str]) -> None:
    gpu = {"kind": "gpu", "name": "NVIDIA H100 80GB HBM3", "count": 1e308}
    r = post(client, sample_report(hardware=[gpu, gpu]), auth)
    assert r.status_code == 422
    assert {f["field"] for f in r.json()["error"]["fields"]} == {
        "hardware.0.count",
        "hardware.1.count",
    }
    # the largest accepted values still leave every page and sum finite
    big = 1e100
    gpu["count"] = big
    rep = sample_report(hardware=[gpu, gpu], energy_kwh=big / 4, count=1.0)
    rep["per_unit"]["energy_kwh"] = {"value": big, "low": big, "high": big}
    assert post(client, rep, auth).status_code == 201
    assert post(client, sample_report(energy_kwh=big / 4), auth).status_code == 201
    _public_pages_answer(client)
    assert client.get(f"/reports/{rep['report_id']}").status_code == 200
    for fmt in ("json", "csv", "md", "html", "hf", "sci", "spdx", "boamps"):
        d = client.get(f"/reports/{rep['report_id']}/download/{fmt}")
        assert d.status_code in (200, 404), (fmt, d.status_code)


# -- 2. PostgreSQL parity: NUL characters and column lengths ---------------------------------


@pytest.mark.parametrize(
    "path",
    ["name", "task", "system.model_id", "publisher.name", "hardware.0.name", "location.zone"],
)
def test_nul_in_any_string_is_a_422_naming_the_field(
    client: TestClient, auth: dict[str, str], path: str
) -> None:
    r = post(client, _with(path, "ab\x00cd"), auth)
    assert r.status_code == 422, r.text
    assert [f["field"] for f in r.json()["error"]["fields"]] == [path]


def test_nul_in_a_key_or_in_a_batch(client: TestClient, auth: dict[str, str]) -> None:
    rep = sample_report(quality_metrics={"acc\x00": 0.5})
    r = post(client, {"reports": [sample_report(), rep]}, auth)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"].startswith("reports.1.quality_metrics.acc")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/reports?q=%00",
        "/api/v1/reports?task=a%00b",
        "/api/v1/reports?model=%00",
        "/api/v1/stats?hardware=%00",
        "/api/v1/reports/ab%00cd",
        "/reports/ab%00cd",
        "/reports/ab%00cd.json",
        "/reports.json?q=x%00",
        "/leaderboard.json?task=%00",
        "/api/v1/export.csv?zone=%00",
    ],
)
def test_nul_in_urls_is_a_400(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 400, (url, r.status_code, r.text)
    assert r.json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quality_metrics": {"k" * 101: 0.5}}, "quality_metrics"),
        ({"counters": {"c" * 500: 1.0}}, "counters"),
        ({"measurement": {"method": "hw_counter", "boundary": ["host"] * 30}}, "measurement"),
        ({"task": "t" * 101}, "task"),
        ({"system": {"model_id": "m" * 301}}, "system.model_id"),
    ],
)
def test_what_the_api_accepts_fits_both_databases(
    client: TestClient, auth: dict[str, str], overrides: dict[str, Any], field: str
) -> None:
    r = post(client, sample_report(**overrides), auth)
    assert r.status_code == 422, r.text
    fields = [f["field"] for f in r.json()["error"]["fields"]]
    assert any(f.startswith(field) for f in fields), fields
    longest = sample_report(
        quality_metrics={"q" * 100: 0.5},
        measurement={
            "method": "hw_counter",
            "boundary": ["accelerators", "host", "idle", "facility"],
            "duration_s": 10.0,
        },
        task="t" * 100,
    )
    assert post(client, longest, auth).status_code == 201
    _public_pages_answer(client)


# -- 3. concurrent corrections ---------------------------------------------------------------


def test_concurrent_corrections_one_wins(app: FastAPI, token: str) -> None:
    sessions = app.state.ctx.sessions
    with sessions() as s:
        tok = store.find_token(s, token)
        assert tok is not None
        tid = tok.id
        old = sample_report()
        store.ingest(s, [(validate_report(old), old)], token_id=tid)
    n = 10
    barrier = threading.Barrier(n)
    outcomes: list[str] = []
    lock = threading.Lock()

    def correct(i: int) -> None:
        new = sample_report(supersedes=old["report_id"], energy_kwh=0.1 + i)
        barrier.wait()
        with sessions() as s:
            try:
                store.ingest(s, [(validate_report(new), new)], token_id=tid)
                result = "ok"
            except Conflict as exc:
                result = "409:" + exc.fields[0][0]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=correct, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1, outcomes
    assert outcomes.count("409:supersedes") == n - 1, outcomes
    with sessions() as s:
        from sqlalchemy import func, select

        from empreinte.observatory.storage.db import ReportRow

        live = s.scalar(select(func.count(ReportRow.pk)).where(ReportRow.superseded_by.is_(None)))
        assert live == 1


def test_concurrent_corrections_over_http(client: TestClient, auth: dict[str, str]) -> None:
    old = sample_report()
    assert post(client, old, auth).status_code == 201
    codes: list[int] = []
    lock = threading.Lock()

    def correct(i: int) -> None:
        r = post(client, sample_report(supersedes=old["report_id"], energy_kwh=1.0 + i), auth)
        with lock:
            codes.append(r.status_code)

    threads = [threading.Thread(target=correct, args=(i,)) for i in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(codes) == [201] + [409] * 9, codes
    assert len(client.get("/api/v1/reports").json()["reports"]) == 1


# -- 4. empty Idempotency-Key ----------------------------------------------------------------


def test_empty_idempotency_key_is_no_key(client: TestClient, auth: dict[str, str]) -> None:
    for _ in range(3):
        r = post(client, sample_report(), auth, **{"Idempotency-Key": ""})
        assert r.status_code == 201, r.text
    assert len(client.get("/api/v1/reports").json()["reports"]) == 3


# -- 6. bounds: cursors, dates, timestamps ---------------------------------------------------


def _cursor(value: Any, pk: Any) -> str:
    import base64

    raw = json.dumps([value, pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "value", "pk"),
    [
        ("-created_at", "2025-01-01T00:00:00", 2**63),
        ("-created_at", "2025-01-01T00:00:00", 2**64 + 5),
        ("-created_at", "2025-01-01T00:00:00", -(2**63) - 1),
        ("energy_kwh", 2**63, 1),
        ("energy_kwh", 10**400, 1),
        ("-energy_kwh", -(2**70), 1),
        ("-created_at", "9999-12-31T23:59:59-05:00", 1),
        ("-created_at", "0001-01-01T00:00:00+05:00", 1),
        ("created_at", 5, 1),
        ("energy_kwh", "x", 1),
    ],
)
def test_cursor_bounds(
    client: TestClient, auth: dict[str, str], sort: str, value: Any, pk: Any
) -> None:
    assert post(client, sample_report(), auth).status_code == 201
    c = _cursor(value, pk)
    r = client.get(f"/api/v1/reports?sort={sort}&cursor={c}")
    assert r.status_code in (200, 400, 422), (r.status_code, r.text)
    assert client.get(f"/reports.json?sort={sort}&cursor={c}").status_code in (200, 400, 422)
    for bad in ("Infinity", "NaN"):
        raw = f"[{bad}, 1]".encode()
        import base64

        cur = base64.urlsafe_b64encode(raw).decode()
        assert client.get(f"/api/v1/reports?sort=energy_kwh&cursor={cur}").status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        "to=9999-12-31",
        "from=9999-12-31",
        "from=0001-01-01&to=9999-12-31",
        "from=0001-01-01",
        "to=0001-01-01",
        "from=2025-13-40",
        "to=99999-01-01",
    ],
)
def test_date_bounds(client: TestClient, auth: dict[str, str], query: str) -> None:
    assert post(client, sample_report(), auth).status_code == 201
    for base in (
        "/api/v1/reports",
        "/api/v1/stats",
        "/reports.json",
        "/index.json",
        "/api/v1/export.csv",
    ):
        r = client.get(f"{base}?{query}")
        assert r.status_code < 500 and r.status_code in (200, 400, 422), (base, query, r.text)
    r = client.get("/api/v1/reports?to=9999-12-31")
    assert len(r.json()["reports"]) == 1


@pytest.mark.parametrize(
    ("created_at", "ok"),
    [
        ("9999-12-31T23:59:59-01:00", False),
        ("0001-01-01T00:00:00+01:00", False),
        ("9999-12-31T23:59:59+14:00", True),
        ("0001-01-01T00:00:00-14:00", True),
        ("9999-12-31T23:59:59.999999Z", True),
        ("0001-01-01T00:00:00Z", True),
        ("0001-01-01T00:00:00", True),
        ("2025-06-01T12:00:00+23:59", True),
    ],
)
def test_created_at_extremes(
    client: TestClient, auth: dict[str, str], created_at: str, ok: bool
) -> None:
    r = post(client, sample_report(created_at=created_at), auth)
    if ok:
        assert r.status_code == 201, r.text
    else:
        assert r.status_code == 422, r.text
        assert r.json()["error"]["fields"][0]["field"] == "created_at"
    _public_pages_answer(client)


def test_mixed_clock_measurement_window(client: TestClient, auth: dict[str, str]) -> None:
    m = {
        "method": "hw_counter",
        "started_at": "2025-01-01T00:00:00",
        "ended_at": "2025-01-01T01:00:00+02:00",
    }
    r = post(client, sample_report(measurement=m), auth)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "measurement"


# -- 7. CSV formula injection ----------------------------------------------------------------


FORMULAS = [
    "llama\r=cmd|' /C calc'!A0",
    " =1+1",
    "\n=1+1",
    "\t=1",
    "+1",
    "-1",
    "@SUM(A1)",
    '=HYPERLINK("http://x")',
    "ok\n@x",
    "ok\r\n-2",
]


def test_csv_formula_injection(client: TestClient, auth: dict[str, str]) -> None:
    for i, name in enumerate(FORMULAS):
        rep = sample_report(name=name, model=f"m{i}", task=name.strip() or "t")
        assert post(client, rep, auth).status_code == 201
    text = client.get("/api/v1/export.csv").text
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == len(FORMULAS)
    for row in rows:
        for col in ("name", "task"):
            for line in row[col].splitlines():
                assert line.lstrip(" \t")[:1] not in ("=", "+", "-", "@"), (col, row[col])
            assert row[col].lstrip(" \t\r\n")[:1] not in ("=", "+", "-", "@")
    # a reader splitting rows on any CR or LF never sees a line starting a formula
    for line in text.replace("\r", "\n").split("\n"):
        assert line.lstrip(' \t"')[:1] not in ("=", "+", "-", "@"), line
    rid = rows[0]["report_id"]
    one = client.get(f"/reports/{rid}/download/csv")
    if one.status_code == 200:
        for line in one.text.replace("\r", "\n").split("\n"):
            assert line.lstrip(' \t"')[:1] not in ("=", "+", "-", "@"), line


# -- 9. a 500 answers and keeps the connection; HEAD ----------------------------------------


def test_unhandled_error_is_a_500_answer(app: FastAPI, client: TestClient) -> None:
    def boom() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/boom-test", boom)
    r = client.get("/boom-test")
    assert r.status_code == 500
    assert r.json()["error"]["code"] == "internal"
    assert client.get("/api/v1/stats").status_code == 200


def test_head_is_get_without_body(client: TestClient) -> None:
    for path in ("/", "/reports", "/api/v1/stats", "/index.json"):
        r = client.head(path)
        assert r.status_code == 200, (path, r.status_code)
        assert r.content == b""


# -- the whole corpus ------------------------------------------------------------------------


def _corpus(auth: dict[str, str]) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    """``(method, url, body, headers)`` of every hostile request."""
    out: list[tuple[str, str, bytes | None, dict[str, str]]] = []
    h = {**auth, "content-type": "application/json"}

    def body(d: Any) -> bytes:
        return json.dumps(d).encode()

    for literal, _ in NON_FINITE_TEXT:
        raw = json.dumps(sample_report(count=12345.0)).replace("12345.0", literal)
        out.append(("POST", "/api/v1/reports", raw.encode(), h))
        out.append(("POST", "/api/v1/reports", f"[{raw}]".encode(), h))
    for path, value in NON_FINITE_FIELDS:
        raw = json.dumps(_with(path, 7654321.0)).replace(
            "7654321.0", repr(value).replace("inf", "1e999")
        )
        out.append(("POST", "/api/v1/reports", raw.encode(), h))
    gpu = {"kind": "gpu", "name": "x", "count": 1e308}
    out.append(("POST", "/api/v1/reports", body(sample_report(hardware=[gpu, gpu])), h))
    for path in ("name", "task", "system.model_id", "location.zone", "quality_metrics.a"):
        out.append(("POST", "/api/v1/reports", body(_with(path, "a\x00b")), h))
    out.append(("POST", "/api/v1/reports", body(sample_report(quality_metrics={"\x00": 1})), h))
    for o in (
        {"quality_metrics": {"k" * 300: 0.5}},
        {"measurement": {"method": "hw_counter", "boundary": ["host", "idle"] * 40}},
        {"tags": ["x" * 10_000]},
        {"created_at": "9999-12-31T23:59:59-01:00"},
        {"created_at": "0001-01-01T00:00:00+01:00"},
        {"created_at": "not a date"},
        {"report_id": "x" * 65},
        {"supersedes": "nope-" + "x" * 20},
        {"supersedes": "a\x00b"},
        {"provenance": {"explain": [{"x": 1e999}]}},
        {
            "provenance": {
                "explain": [
                    {"x": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}
                ]
            }
        },
        {"statistics": {"e": {"unit": "Wh", "n": 2, "mean": 1e999}}},
        {"topology": {"nodes": 10**30}},
    ):
        out.append(("POST", "/api/v1/reports", body(sample_report(**o)), h))
    for raw in (
        b"",
        b"null",
        b"[]",
        b"{}",
        b"[[[]]]",
        b"[" * 100_000,
        b'{"reports": 5}',
        b'{"reports": [], "x": 1}',
        b"\xff\xfe\x00",
        b'"\\u0000"',
        b"1e999",
        b"NaN",
        b'{"a": Infinity}',
    ):
        out.append(("POST", "/api/v1/reports", raw, h))
    for key in ("", " ", "k" * 201):
        hk = {**h, "Idempotency-Key": key}
        out.append(("POST", "/api/v1/reports", body(sample_report()), hk))
    out.append(("POST", "/api/v1/reports", body(sample_report()), {"Authorization": "Bearer "}))
    out.append(("POST", "/api/v1/reports", body(sample_report()), {"Authorization": "Bearer \x7f"}))
    big = (2**63, 2**64, 10**30, -1)
    for pk in big:
        out.append(
            ("GET", f"/api/v1/reports?cursor={_cursor('2025-01-01T00:00:00', pk)}", None, {})
        )
        out.append(("GET", f"/api/v1/reports?sort=energy_kwh&cursor={_cursor(pk, 1)}", None, {}))
    for q in (
        "to=9999-12-31", "from=9999-12-31", "from=0001-01-01", "to=0001-01-01",
        "q=%00", "task=%00", "model=a%00", "hardware=%00", "zone=%00", "unit=%00", "tier=%00",
        "sort=%00", "cursor=%00", "limit=99999999999999999999", "limit=-1", "limit=NaN",
        "sort=-pk", "q=%25%5F%5C", "include_superseded=maybe", "tier=M1,M9",
    ):  # fmt: skip
        for base in ("/api/v1/reports", "/api/v1/stats", "/reports.json", "/api/v1/export.csv"):
            out.append(("GET", f"{base}?{q}", None, {}))
    for q in (
        "task=%00", "task=x&min_quality=Infinity", "task=x&min_quality=1e999", "gate=NaN",
        "gate=0", "limit=0", "task=text-generation&unit=%00", "task=" + "t" * 5000,
    ):  # fmt: skip
        out.append(("GET", f"/api/v1/leaderboard?{q}", None, {}))
        out.append(("GET", f"/leaderboard.json?{q}", None, {}))
    for path in (
        "/api/v1/reports/%00", "/reports/%00", "/reports/%00.json", "/reports/x/download/%00",
        "/reports/" + "x" * 5000, "/compare.json?ids=%00", "/compare.json?ids=" + "a," * 500,
        "/compare?ids=", "/static/%00", "/static/../../etc/passwd", "/%00",
    ):  # fmt: skip
        out.append(("GET", path, None, {}))
    for u in (  # invalid UTF-8 and encoded surrogates in paths and filters
        "/api/v1/reports?q=%ff", "/api/v1/reports?q=%ed%a0%80", "/api/v1/reports/%ff",
        "/reports/%ed%a0%80.json", "/api/v1/reports?task=%c0%80", "/api/v1/stats?model=%ff%fe",
        "/leaderboard.json?task=%ed%a0%80", "/compare.json?ids=%ff,%fe", "/api/v1/reports?sort=%ff",
    ):  # fmt: skip
        out.append(("GET", u, None, {}))
    for method in ("PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"):
        for path in ("/", "/api/v1/reports", "/api/v1/reports/x", "/reports.json"):
            out.append((method, path, b"{}", h))
    for path in ("/", "/reports", "/api/v1/stats", "/reports/x/download/json"):
        out.append(("POST", path, b"{}", h))
    for ctype in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data"):
        out.append(("POST", "/api/v1/reports", body(sample_report()), {**h, "content-type": ctype}))
    out.append(("POST", "/api/v1/reports", body(sample_report()), {**h, "content-length": "-1"}))
    out.append(("POST", "/api/v1/reports", body([sample_report()] * 1001), h))
    return out


def test_hostile_corpus(client: TestClient, auth: dict[str, str]) -> None:
    """Every hostile request answers below 500, and the public pages answer 200 afterwards."""
    good = sample_report()
    assert post(client, good, auth).status_code == 201
    corpus = _corpus(auth)
    assert len(corpus) >= 200
    failures: list[tuple[str, str, int]] = []
    for method, url, body, headers in corpus:
        r = client.request(method, url, content=body, headers=headers)
        if r.status_code >= 500:
            failures.append((method, url[:80], r.status_code))
        elif r.status_code >= 400 and method != "HEAD":
            err = r.json()["error"]  # one error shape everywhere
            assert err["code"] and err["message"]
    assert failures == [], failures
    _public_pages_answer(client)
    assert client.get(f"/reports/{good['report_id']}").status_code == 200
    stats = client.get("/api/v1/stats").json()
    assert stats["totals"]["reports"] >= 1


@pytest.mark.parametrize("big", [1e100, 1e300, 1.7e308])
def test_charts_draw_the_largest_finite_values(big: float) -> None:
    """No OverflowError from 10**x on an axis, whatever finite value reaches a chart."""
    from empreinte.observatory.views import charts

    pts = [("a", big, 0.9), ("b", 1e-300, 0.5), ("c", 1.0, 0.7)]
    svg = charts.scatter(pts, pts[:1], "energy", "quality", "t", gate=0.6)
    assert "<svg" in svg
    assert "<svg" in charts.line_chart([("2024", big), ("2025", 1e-300)], "kWh", "t")
    assert "<svg" in charts.bar_chart([("x", big), ("y", 1.0)], "kWh", "t")
