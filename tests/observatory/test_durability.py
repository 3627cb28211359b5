"""Killing the server (SIGKILL) during batch ingestion loses no acknowledged report."""

from __future__ import annotations

import signal
import threading
import time
from pathlib import Path

import httpx
import pytest
from obs_samples import sample_report
from obs_server import free_port, start_server, stop

from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import store
from empreinte.observatory.storage.admin import open_db

pytestmark = pytest.mark.slow


def test_kill_9_during_batch_ingest(db_url: str, tmp_path: Path) -> None:
    sessions = open_db(Settings(database_url=db_url, data_dir=tmp_path))
    with sessions() as s:
        token = store.create_token(s, "durability")
    port = free_port()
    proc = start_server(db_url, tmp_path, port)
    acked: list[str] = []
    stop_flag = threading.Event()

    def feed() -> None:
        with httpx.Client(timeout=10) as c:
            while not stop_flag.is_set():
                batch = [sample_report(energy_kwh=0.1 + i * 1e-3) for i in range(200)]
                try:
                    r = c.post(
                        f"http://127.0.0.1:{port}/api/v1/reports",
                        json={"reports": batch},
                        headers={"Authorization": f"Bearer {token}"},
                    )
                except httpx.HTTPError:
                    return  # the server died mid-request: this batch was never acknowledged
                if r.status_code == 201:
                    acked.extend(x["id"] for x in r.json()["results"])

    t = threading.Thread(target=feed)
    t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 1000 and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)  # no shutdown, no flush: like a power cut of the process
    proc.wait()
    stop_flag.set()
    t.join(30)
    assert len(acked) >= 1000, "the feeder did not get enough acknowledgements"

    proc = start_server(db_url, tmp_path, port)
    try:
        stored: set[str] = set()
        with httpx.Client(timeout=30) as c:
            url = f"http://127.0.0.1:{port}/api/v1/reports?limit=500"
            while url:
                page = c.get(url).json()
                stored.update(r["report_id"] for r in page["reports"])
                url = page["next"]
        missing = set(acked) - stored
        assert not missing, f"{len(missing)} acknowledged reports lost"
        # batches are atomic: whatever was stored is whole batches of 200
        assert len(stored) % 200 == 0
    finally:
        stop(proc)
