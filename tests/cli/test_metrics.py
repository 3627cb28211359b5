"""``empreinte run --metrics-port``: a running job's OpenMetrics, scraped over HTTP and parsed
by prometheus_client's own parser; the energy counter grows while the job runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

from empreinte.measure.metrics import by_component, power_by_component
from empreinte.testing import advance_powercap, make_powercap_zone

EMPREINTE = str(Path(sys.executable).parent / "empreinte")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scrape(port: int) -> dict[tuple[str, str], float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    out = {}
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[(s.name, s.labels["component"])] = s.value
            assert s.labels["stage"] == "training" and s.labels["run"] == "metrics-job"
    return out


def test_a_running_job_serves_growing_energy_and_its_power(tmp_path: Path) -> None:
    root = tmp_path / "powercap"
    pkg = make_powercap_zone(root, "intel-rapl:0", "package-0", 5_000_000_000)
    adv = advance_powercap({pkg: 40.0})  # a RAPL package drawing 40 W, in real time
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("EMPREINTE_LOCATION", "RANK")}
    env["EMPREINTE_POWERCAP_ROOT"] = str(root)
    job = subprocess.Popen(
        [EMPREINTE, "run", "--name", "metrics-job", "--stage", "training", "--interval", "0.2",
         "--metrics-port", str(port), "--out", str(tmp_path / "r.json"), "--", "sleep", "4"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        first = None
        deadline = time.monotonic() + 20
        while first is None and time.monotonic() < deadline:
            try:
                first = _scrape(port)
            except OSError:
                time.sleep(0.1)
        assert first is not None, "no /metrics while the job runs"
        time.sleep(1.0)
        second = _scrape(port)
        key = ("empreinte_energy_joules_total", "cpu")
        assert second[key] > first[key]  # the counter grows while the job runs
        assert second[("empreinte_power_watts", "cpu")] == pytest.approx(40.0, rel=0.25)
        assert job.wait(timeout=30) == 0, job.stderr.read() if job.stderr else ""
    finally:
        adv.kill()
        adv.wait()
        if job.poll() is None:
            job.kill()
    with pytest.raises(OSError):  # the server stops with the job
        _scrape(port)


def test_bad_port_is_refused_before_the_command_starts(tmp_path: Path) -> None:
    marker = tmp_path / "started"
    proc = subprocess.run(
        [EMPREINTE, "run", "--metrics-port", "0", "--", "touch", str(marker)],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2 and not marker.exists()


def test_channels_add_up_by_component() -> None:
    got = by_component({"gpu:0": (3.0, 2.0, 4.0), "gpu:1": (5.0, 4.0, 6.0), "cpu:0": (1.0, 1, 1)})
    assert got == {"gpu": 8.0, "cpu": 1.0}


def test_power_needs_an_interval_of_its_own() -> None:
    """A component first read at ``last`` gets no power (its joules since the start are not
    the last interval's); none at all without a positive interval."""
    from empreinte.measure.sampler import Totals

    prev = Totals(1.0, {"gpu:0": (100.0, 90.0, 110.0)})
    last = Totals(3.0, {"gpu:0": (300.0, 280.0, 320.0), "cpu:0": (5000.0, 5000.0, 5000.0)})
    assert power_by_component(last, prev) == {"gpu": 100.0}
    assert power_by_component(last, None) == {}
    assert power_by_component(prev, prev) == {}
