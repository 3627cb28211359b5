"""``empreinte server ...``, ``serve`` and ``submit`` end to end (real server subprocess)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

pytest.importorskip("fastapi")

from empreinte.cli import main

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "observatory"))
from importlib.resources import files

from obs_samples import sample_report
from obs_server import free_port, start_server, stop

HEAD = max(  # the newest migration: v0006_x.py -> "0006"
    p.name[1:5]
    for p in files("empreinte.observatory.storage.migrations").joinpath("versions").iterdir()
    if p.name.startswith("v0")
)


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_token_lifecycle_migrate_dump_load(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'a.sqlite3'}"
    code, out, _ = cli(capsys, "server", "migrate", "--db", db)
    assert code == 0 and f"revision {HEAD}" in out
    code, secret, _ = cli(capsys, "server", "token", "create", "--name", "alice", "--db", db)
    assert code == 0 and secret.strip().startswith("emp_")
    code, _, err = cli(capsys, "server", "token", "create", "--name", "alice", "--db", db)
    assert code != 0 and "already exists" in err
    code, out, _ = cli(capsys, "server", "token", "list", "--db", db)
    assert "alice\tactive" in out and secret.strip() not in out
    # a report stored through the library, then a full backup and restore
    from empreinte.observatory.settings import Settings
    from empreinte.observatory.storage import store
    from empreinte.observatory.storage.admin import open_db
    from empreinte.report.validate import validate_report

    sessions = open_db(Settings(database_url=db, data_dir=tmp_path))
    rep = sample_report()
    with sessions() as s:
        store.ingest(s, [(validate_report(rep), rep)], token_id=1)
    dump = tmp_path / "backup.jsonl.gz"
    code, out, _ = cli(capsys, "server", "dump", "--out", str(dump), "--db", db)
    assert code == 0 and "1 reports and 1 tokens" in out
    db2 = f"sqlite:///{tmp_path / 'b.sqlite3'}"
    code, out, _ = cli(capsys, "server", "load", str(dump), "--db", db2)
    assert code == 0 and "loaded 1 reports and 1 tokens" in out
    code, out, _ = cli(capsys, "server", "load", str(dump), "--db", db2)
    assert "loaded 0 reports and 0 tokens" in out  # idempotent
    from empreinte.observatory.storage.query import get_report

    with open_db(Settings(database_url=db2, data_dir=tmp_path))() as s:
        row = get_report(s, rep["report_id"])
        assert row is not None and json.loads(row.body)["verification"]["a_tier"] == "A1"
        assert store.find_token(s, secret.strip()) is not None  # the hashed token still works
    code, out, _ = cli(capsys, "server", "token", "revoke", "--name", "alice", "--db", db)
    assert code == 0
    code, out, _ = cli(capsys, "server", "token", "list", "--db", db)
    assert "alice\trevoked" in out
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"format": "other"}\n')
    code, _, err = cli(capsys, "server", "load", str(bad), "--db", db2)
    assert code != 0 and "not an observatory dump" in err


def test_seed_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("empreinte.observatory.seed")
    db = f"sqlite:///{tmp_path / 's.sqlite3'}"
    code, out, _ = cli(capsys, "server", "seed", "--db", db)
    assert code == 0
    added = int(out.split(":")[1].split()[0])
    assert added > 100
    code, out, _ = cli(capsys, "server", "seed", "--db", db)
    assert f"0 reports added, {added} already present" in out


@pytest.mark.slow
def test_run_submit_list_export_stats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The issue's flow: `empreinte run` -> `empreinte submit` -> list, CSV, stats; no dupes."""
    db = f"sqlite:///{tmp_path / 'srv.sqlite3'}"
    code, token, _ = cli(capsys, "server", "token", "create", "--name", "bob", "--db", db)
    token = token.strip()
    report = tmp_path / "report.json"
    env = {**os.environ, "EMPREINTE_DATA_DIR": str(tmp_path / "client")}
    run = subprocess.run(
        [sys.executable, "-m", "empreinte.cli", "run", "--stage", "inference", "--name",
         "submit-flow", "--out", str(report), "--", sys.executable, "-c", "pass"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    rid = json.loads(report.read_text())["report_id"]
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    client_dir = str(tmp_path / "client")
    # the server is not up yet: the report waits in the outbox
    code, _, err = cli(
        capsys, "submit", str(report), "--server", server, "--token", token,
        "--retries", "1", "--backoff", "0", "--data-dir", client_dir,
    )  # fmt: skip
    assert code != 0 and "outbox" in err
    assert len(list((tmp_path / "client" / "outbox").glob("*.json"))) == 1
    proc = start_server(db, tmp_path, port)
    try:
        code, out, err = cli(
            capsys, "submit", "--server", server, "--token", token, "--data-dir", client_dir
        )  # sends the outbox
        assert code == 0, err
        assert f"accepted: {rid}" in out
        assert not list((tmp_path / "client" / "outbox").glob("*.json"))
        code, out, _ = cli(
            capsys, "submit", str(report), "--server", server, "--token", token,
            "--data-dir", client_dir,
        )  # fmt: skip
        assert code == 0 and f"already there: {rid}" in out
        listed = httpx.get(f"{server}/api/v1/reports").json()["reports"]
        assert [r["report_id"] for r in listed] == [rid]
        rows = list(csv.DictReader(io.StringIO(httpx.get(f"{server}/api/v1/export.csv").text)))
        assert [r["report_id"] for r in rows] == [rid]
        assert httpx.get(f"{server}/api/v1/stats").json()["totals"]["reports"] == 1
        anon = httpx.post(f"{server}/api/v1/reports", json=json.loads(report.read_text()))
        assert anon.status_code == 401
        broken = json.loads(report.read_text())
        broken["measurement"]["method"] = "guess"
        bad = httpx.post(
            f"{server}/api/v1/reports", json=broken, headers={"Authorization": f"Bearer {token}"}
        )
        assert bad.status_code == 422
        assert "measurement.method" in [f["field"] for f in bad.json()["error"]["fields"]]
        # the CLI shows the server's refusal with the field (local validation comes first)
        bad_file = tmp_path / "bad.json"
        bad_file.write_text(json.dumps(broken))
        code, _, err = cli(
            capsys, "submit", str(bad_file), "--server", server, "--token", token,
            "--data-dir", client_dir,
        )  # fmt: skip
        assert code != 0 and "measurement.method" in err
        code, _, err = cli(capsys, "submit", str(report), "--server", server, "--data-dir",
                           client_dir, "--token", "emp_wrong")  # fmt: skip
        assert code != 0 and "401" in err
    finally:
        stop(proc)
