"""Operating the observatory (issue 10): dump/load across databases, moderation, failures.

* ``server dump`` -> ``server load`` round-trips exactly in all four directions (SQLite and
  PostgreSQL to SQLite and PostgreSQL): same counts and content hashes.
* A dump row that no database can store (from an old database) is named and skipped.
* ``server withdraw ID --reason``: kept, shown as withdrawn, counted nowhere.
* A corrupt SQLite file or an unreachable server is one line, not a traceback; a locked
  SQLite answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from obs_samples import post, sample_report
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from empreinte.cli import main
from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import admin, store
from empreinte.observatory.storage.db import ReportRow, TokenRow, TotalRow, WithdrawalRow
from empreinte.report.validate import validate_report

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
PG_URL = os.environ.get(
    "EMPREINTE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)  # as in conftest.py (not imported: another folder's conftest may hold that name)


@contextmanager
def fresh_db(kind: str, tmp_path: Path, name: str) -> Iterator[str]:
    """The URL of an empty database of ``kind`` (a fresh PostgreSQL schema, dropped after)."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / name}.sqlite3"
        return
    schema = f"t_{uuid.uuid4().hex[:10]}"
    eng = create_engine(PG_URL)
    try:
        with eng.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
    except OperationalError as exc:
        eng.dispose()
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}: {type(exc).__name__}")
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with eng.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        eng.dispose()


def _populate(url: str, tmp_path: Path) -> None:
    sessions = admin.open_db(Settings(database_url=url, data_dir=tmp_path))
    with sessions() as s:
        store.create_token(s, "alice")
        store.create_token(s, "bob")
        store.revoke_token(s, "bob")
        alice = s.scalar(select(TokenRow.id).where(TokenRow.name == "alice"))
        reps = [sample_report(energy_kwh=0.1 * (i + 1), model=f"org/m-{i}") for i in range(20)]
        reps += [
            sample_report(name="ünïcødé — 漢字 \U0001f600", created_at="0001-01-01T00:00:00Z"),
            sample_report(created_at="9999-12-31T23:59:59.999999Z", task="t" * 100),
            sample_report(energy_kwh=1e90, count=1e-5, quality_metrics={"q" * 100: 1e-100}),
            sample_report(created_at="2025-06-01T12:00:00+14:00", quality=None),
        ]
        items = [(validate_report(r), r) for r in reps]
        store.ingest(s, items, token_id=alice, idempotency_key="batch-1")
        fix = sample_report(supersedes=reps[0]["report_id"], energy_kwh=0.05)
        store.ingest(s, [(validate_report(fix), fix)], token_id=alice)
        anon = sample_report(model="anonymous/seed")
        store.ingest(s, [(validate_report(anon), anon)], token_id=None)
        store.withdraw(s, reps[1]["report_id"], "duplicate of a published figure")
    sessions.kw["bind"].dispose()


def _snapshot(url: str, tmp_path: Path) -> dict[str, Any]:
    """Everything a dump must carry, independent of surrogate keys."""
    sessions = admin.open_db(Settings(database_url=url, data_dir=tmp_path))
    with sessions() as s:
        names = dict(s.execute(select(TokenRow.id, TokenRow.name)).all())
        reports = sorted(
            (
                r.report_id,
                r.content_hash,
                hashlib.sha256(r.body.encode()).hexdigest(),
                r.superseded_by,
                names.get(r.token_id),
                r.idempotency_key,
                r.created_at.isoformat(),
                r.received_at.isoformat(),
                r.energy_kwh,
                r.quality_metric,
            )
            for r in s.scalars(select(ReportRow))
        )
        tokens = sorted(
            (t.name, t.token_hash, t.revoked_at is not None) for t in s.scalars(select(TokenRow))
        )
        totals = sorted(
            (t.year, t.stage, t.task, t.fu_type, t.hardware, t.m_tier, t.reports, t.gwp_n)
            for t in s.scalars(select(TotalRow))
        )
        withdrawals = sorted((w.report_id, w.reason) for w in s.scalars(select(WithdrawalRow)))
    sessions.kw["bind"].dispose()
    return {"reports": reports, "tokens": tokens, "totals": totals, "withdrawals": withdrawals}


@pytest.mark.parametrize("src", BACKENDS)
@pytest.mark.parametrize("dst", BACKENDS)
def test_dump_load_round_trips_between_databases(
    src: str, dst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fresh_db(src, tmp_path, "src") as a, fresh_db(dst, tmp_path, "dst") as b:
        _populate(a, tmp_path)
        before = _snapshot(a, tmp_path)
        assert len(before["reports"]) == 26 and len(before["withdrawals"]) == 1
        dump = tmp_path / "a.jsonl.gz"
        assert main(["server", "dump", "--out", str(dump), "--db", a]) == 0
        assert main(["server", "load", str(dump), "--db", b]) == 0
        out = capsys.readouterr()
        assert "loaded 26 reports and 2 tokens" in out.out, out
        assert "warning" not in out.err
        after = _snapshot(b, tmp_path)
        assert after == before
        # and back again: a dump of the copy is the same data
        dump2 = tmp_path / "b.jsonl"
        assert main(["server", "dump", "--out", str(dump2), "--db", b]) == 0
        for line in dump2.read_text("utf-8").splitlines():
            json.loads(line, parse_constant=lambda c: pytest.fail(f"non-standard JSON {c}"))
        assert main(["server", "load", str(dump2), "--db", a]) == 0
        assert "loaded 0 reports and 0 tokens" in capsys.readouterr().out


@pytest.mark.parametrize("dst", BACKENDS)
def test_load_names_and_skips_rows_no_database_can_store(
    dst: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with fresh_db("sqlite", tmp_path, "src") as a, fresh_db(dst, tmp_path, "dst") as b:
        _populate(a, tmp_path)
        # what an old SQLite database could hold: NUL characters and over-long values
        con = sqlite3.connect(a.split(":///", 1)[1])
        first, second, third = [r[0] for r in con.execute("SELECT report_id FROM reports LIMIT 3")]
        nul = "UPDATE reports SET model = 'a' || char(0) || 'b' WHERE report_id = ?"
        con.execute(nul, (first,))
        con.execute(
            "UPDATE reports SET quality_metric = ? WHERE report_id = ?", ("k" * 150, second)
        )
        con.execute("UPDATE reports SET boundary = ? WHERE report_id = ?", ("host+" * 40, third))
        con.commit()
        con.close()
        dump = tmp_path / "old.jsonl"
        assert main(["server", "dump", "--out", str(dump), "--db", a]) == 0
        assert main(["server", "load", str(dump), "--db", b]) == 0
        out = capsys.readouterr()
        assert "loaded 23 reports and 2 tokens" in out.out and "3 skipped" in out.out
        warnings = [w for w in out.err.splitlines() if w.startswith("warning:")]
        assert len(warnings) == 3
        assert any(first in w and "model: holds a NUL" in w for w in warnings)
        assert any(second in w and "quality_metric: 150 characters" in w for w in warnings)
        assert any(third in w and "boundary" in w for w in warnings)


@pytest.mark.parametrize("head", ["", "null", "[1]", '{"format": "x"}', "\x00\x01"])
def test_load_refuses_what_is_not_a_dump(
    head: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(head + "\n", "utf-8")
    code = main(["server", "load", str(f), "--db", f"sqlite:///{tmp_path / 'd.sqlite3'}"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "not an observatory dump" in err[0]


# -- moderation ------------------------------------------------------------------------------


def test_withdraw_a_report(
    client: TestClient,
    auth: dict[str, str],
    settings: Settings,
    capsys: pytest.CaptureFixture[str],
) -> None:
    keep = sample_report(energy_kwh=1.0)
    bad = sample_report(energy_kwh=1000.0, model="spam/model")
    assert post(client, keep, auth).status_code == 201
    assert post(client, bad, auth).status_code == 201
    assert client.get("/api/v1/stats").json()["totals"]["reports"] == 2
    db = ["--db", settings.database_url]
    why = "spam: not a measurement"
    code = main(["server", "withdraw", bad["report_id"], "--reason", why, *db])
    assert code == 0 and "withdrew" in capsys.readouterr().out
    # counted nowhere
    stats = client.get("/api/v1/stats").json()
    assert stats["totals"]["reports"] == 1
    assert stats["totals"]["energy_kwh"] == pytest.approx(1.0)
    ids = [r["report_id"] for r in client.get("/api/v1/reports").json()["reports"]]
    assert ids == [keep["report_id"]]
    board = client.get("/api/v1/leaderboard?task=text-generation").json()
    assert bad["report_id"] not in json.dumps(board)
    assert bad["report_id"] not in client.get("/api/v1/export.csv").text
    # kept and shown as withdrawn, with the reason
    d = client.get(f"/api/v1/reports/{bad['report_id']}").json()
    assert d["withdrawn"]["reason"] == "spam: not a measurement" and d["superseded_by"] is None
    page = client.get(f"/reports/{bad['report_id']}").text
    assert "withdrawn" in page and "spam: not a measurement" in page
    assert client.get(f"/api/v1/reports/{keep['report_id']}").json()["withdrawn"] is None
    # cannot be corrected, withdrawn twice, or resubmitted as new
    fix = sample_report(supersedes=bad["report_id"])
    r = post(client, fix, auth)
    assert r.status_code == 409 and "withdrawn" in r.json()["error"]["fields"][0]["message"]
    assert post(client, bad, auth).status_code == 200  # the same report: already stored
    code = main(["server", "withdraw", bad["report_id"], "--reason", "again", *db])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "already withdrawn" in err[0]
    code = main(["server", "withdraw", "nope-nope", "--reason", "x", *db])
    assert code == 2 and "no report" in capsys.readouterr().err
    code = main(["server", "withdraw", keep["report_id"], "--reason", "  ", *db])
    assert code == 2 and "reason" in capsys.readouterr().err
    assert client.get("/api/v1/stats").json()["totals"]["reports"] == 1


# -- failures: one line, 503 -----------------------------------------------------------------


def test_corrupt_sqlite_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "corrupt.sqlite3"
    f.write_bytes(b"this is not a database" * 100)
    for args in (["server", "migrate"], ["server", "token", "list"], ["server", "seed"]):
        code = main([*args, "--db", f"sqlite:///{f}"])
        err = capsys.readouterr().err.strip().splitlines()
        assert code == 1 and len(err) == 1, err
        assert err[0].startswith("error: ") and str(f) in err[0] and "not a database" in err[0]


def test_unreachable_postgres_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:9/nothing?connect_timeout=2"
    code = main(["server", "migrate", "--db", url])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1, err
    assert err[0].startswith("error: ") and "127.0.0.1:9" in err[0] and "unreachable" in err[0]


def test_locked_sqlite_answers_503(tmp_path: Path) -> None:
    from empreinte.observatory.http.app import create_app

    db = tmp_path / "locked.sqlite3"
    settings = Settings(database_url=f"sqlite:///{db}", data_dir=tmp_path, busy_timeout_s=0.5)
    app: FastAPI = create_app(settings)
    with app.state.ctx.sessions() as s:
        secret = store.create_token(s, "t")
    holder = sqlite3.connect(db, timeout=0)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        with TestClient(app) as c:
            r = post(c, sample_report(), {"Authorization": f"Bearer {secret}"})
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"].isdigit()
            assert r.json()["error"]["code"] == "unavailable"
    finally:
        holder.rollback()
        holder.close()
        app.state.ctx.engine.dispose()


# -- a real server: auth before body, keep-alive after errors --------------------------------


def test_real_server_checks_the_token_before_reading_the_body(db_url: str, tmp_path: Path) -> None:
    import socket

    from obs_server import free_port, start_server, stop

    port = free_port()
    proc = start_server(db_url, tmp_path, port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            # 10 MB announced, one byte sent: the answer must not wait for the rest
            sock.sendall(
                b"POST /api/v1/reports HTTP/1.1\r\nHost: t\r\ncontent-type: application/json\r\n"
                b"Authorization: Bearer nope\r\ncontent-length: 10000000\r\n\r\n{"
            )
            head = sock.recv(4096)
            assert head.startswith(b"HTTP/1.1 401"), head[:200]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            # errors do not close the keep-alive connection: three requests on one socket
            for path in (b"/api/v1/reports/nope", b"/api/v1/reports?cursor=%00", b"/api/v1/stats"):
                sock.sendall(b"GET " + path + b" HTTP/1.1\r\nHost: t\r\n\r\n")
                data = b""
                while b"\r\n\r\n" not in data:
                    data += sock.recv(65536)
                head, _, rest = data.partition(b"\r\n\r\n")
                length = int(
                    next(
                        line.split(b":")[1]
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length")
                    )
                )
                while len(rest) < length:
                    rest += sock.recv(65536)
                assert head.split(b" ")[1] in (b"404", b"400", b"200"), head[:100]
            assert head.startswith(b"HTTP/1.1 200")
    finally:
        stop(proc)
