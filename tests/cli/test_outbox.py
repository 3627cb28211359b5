"""The submit outbox against a real server (issue 10, finding 5): a refused report is set
aside and never blocks later ones; entries can be listed and dropped; ``http://h:p/`` and
``http://h:p`` are one server."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

pytest.importorskip("fastapi")

from empreinte.cli import main
from empreinte.submit import Outbox

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "observatory"))
from obs_samples import sample_report
from obs_server import free_port, start_server, stop


def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_refused_report_does_not_block_the_outbox(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'srv.sqlite3'}"
    code, token, _ = cli(capsys, "server", "token", "create", "--name", "c", "--db", db)
    token = token.strip()
    first = sample_report(energy_kwh=1.0)
    clash = sample_report(energy_kwh=2.0, report_id=first["report_id"])  # 409 once first is in
    later = sample_report(energy_kwh=3.0)
    after = sample_report(energy_kwh=4.0)
    files = {}
    for name, rep in (("first", first), ("clash", clash), ("later", later), ("after", after)):
        files[name] = tmp_path / f"{name}.json"
        files[name].write_text(json.dumps(rep), "utf-8")
    port = free_port()
    server = f"http://127.0.0.1:{port}"
    client = str(tmp_path / "client")
    box = Outbox(tmp_path / "client" / "outbox")
    # queued for "http://h:p/" while the server is down ...
    box.add(server + "/", json.loads(files["later"].read_text("utf-8")))
    proc = start_server(db, tmp_path, port)
    try:
        common = ["--server", server, "--token", token, "--data-dir", client]
        code, out, err = cli(capsys, "submit", str(files["first"]), *common)
        assert code == 0, err
        # ... sent by --server http://h:p (no slash)
        assert f"accepted: {first['report_id']}" in out
        assert f"accepted: {later['report_id']}" in out
        # a refused report is set aside; the one queued with it is still sent
        box.add(server, json.loads(files["clash"].read_text("utf-8")))
        code, out, err = cli(capsys, "submit", str(files["after"]), *common, "--retries", "0")
        assert code == 1
        assert f"accepted: {after['report_id']}" in out
        assert "refused:" in err and "report_id" in err and "409" in err
        assert box.pending() == []
        code, out, _ = cli(capsys, "submit", "--list", "--data-dir", client)
        refused = [line for line in out.splitlines() if line.startswith("refused\t")]
        assert code == 0 and len(refused) == 1 and "report_id" in refused[0]
        name = refused[0].split("\t")[1]
        # nothing waits any more: a later submit is not blocked
        code, out, _ = cli(capsys, "submit", *common)
        assert code == 0 and "nothing to send" in out
        code, out, _ = cli(capsys, "submit", "--drop", name, "--data-dir", client)
        assert code == 0 and "dropped" in out
        assert box.rejected() == []
        code, _, err = cli(capsys, "submit", "--drop", name, "--data-dir", client)
        assert code == 1 and err.startswith("error: no outbox entry")
        # an unreadable entry is named, with the way out
        (box.root / "broken.json").write_text("{not json", "utf-8")
        code, _, err = cli(capsys, "submit", *common)
        assert code == 1 and "broken.json" in err and "--drop" in err
        assert cli(capsys, "submit", "--drop", "broken", "--data-dir", client)[0] == 0
    finally:
        stop(proc)
