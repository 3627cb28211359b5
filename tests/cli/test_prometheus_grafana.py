"""A real Prometheus (Debian's ``/usr/bin/prometheus``, started here on a free port) scrapes a
running ``empreinte run --metrics-port`` job every second and sees its energy counter grow, with
the run's labels; the Grafana dashboard of the docs (docs/integrations/grafana-dashboard.json)
is valid JSON, names only metrics a real run serves, and each of its expressions returns data
from that Prometheus; the grid factors it offers are grid.csv's."""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families

from empreinte.factors.grid import get_zone
from empreinte.measure.monitor import track
from empreinte.testing import ScriptedMeter, advance_powercap, make_powercap_zone

EMPREINTE = str(Path(sys.executable).parent / "empreinte")
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
# the measured job: runs until the test is done with it (at most 60 s)
JOB = """
import os, sys, time
t0 = time.monotonic()
while not os.path.exists(sys.argv[1]) and time.monotonic() - t0 < 60:
    time.sleep(0.05)
"""

DASHBOARD = Path(__file__).resolve().parents[2] / "docs" / "integrations" / "grafana-dashboard.json"


def dashboard() -> dict[str, Any]:
    data = json.loads(DASHBOARD.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def expressions() -> list[str]:
    """Every PromQL expression of the dashboard: panel targets and query variables."""
    d = dashboard()
    out = [t["expr"] for p in d["panels"] for t in p.get("targets", [])]
    for v in d["templating"]["list"]:
        if v["type"] == "query":
            out.append(v["definition"])
    return out


def grid_options() -> dict[str, float]:
    """The grid-factor variable's options, ``{label: kgCO2e/kWh}`` (Grafana's ``k : v``)."""
    [var] = [v for v in dashboard()["templating"]["list"] if v["name"] == "grid_factor"]
    pairs = (opt.rsplit(" : ", 1) for opt in var["query"].split(", "))
    return {k: float(v) for k, v in pairs}


def metric_names(expr: str) -> set[str]:
    """Metric names in a PromQL expression (or a ``label_values(metric, label)`` query)."""
    m = re.fullmatch(r"label_values\((\w+),\s*\w+\)", expr)
    if m:
        return {m.group(1)}
    s = re.sub(r'"[^"]*"', "", expr)  # strings
    s = re.sub(r"\$\w+", "", s)  # dashboard variables
    s = re.sub(r"\{[^}]*\}|\[[^\]]*\]", "", s)  # label matchers, range selectors
    s = re.sub(r"\b(by|without)\s*\([^)]*\)", "", s)  # grouping labels
    s = re.sub(r"\b\d+(\.\d+)?(e[+-]?\d+)?\b", "", s)  # numbers (3.6e6)
    return set(re.findall(r"\b([a-zA-Z_:][\w:]*)\b(?!\s*\()", s))  # not a function call


def instantiate(expr: str) -> str:
    """The expression as Grafana sends it, for the run ``prom-job``."""
    factor = next(iter(grid_options().values()))
    return (
        expr.replace("$run", "prom-job")
        .replace("$grid_factor", repr(factor))
        .replace("$__rate_interval", "5s")
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_expressions_name_only_metrics_a_real_run_serves() -> None:
    port = _free_port()
    meter = ScriptedMeter({"gpu:0": 300.0, "cpu:0": 40.0, "ram:0": 5.0})
    with track("dash", meters=[meter], interval_s=0.02, live=False, metrics_port=port):
        deadline = time.monotonic() + 10
        while meter.reads < 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            text = r.read().decode()
    served = {s.name for f in text_string_to_metric_families(text) for s in f.samples}
    assert served == {"empreinte_energy_joules_total", "empreinte_power_watts"}
    exprs = expressions()
    assert len(exprs) >= 6
    used: set[str] = set()
    for expr in exprs:
        names = metric_names(expr)
        assert names, f"no metric in {expr!r}"
        assert names <= served, f"{expr!r} names {names - served}, not served"
        used |= names
    assert used == served  # energy and power both charted


def test_metric_name_parser() -> None:
    expr = 'sum by (component) (rate(empreinte_energy_joules_total{run=~"$run"}[5m])) / 3.6e6'
    assert metric_names(expr) == {"empreinte_energy_joules_total"}
    assert metric_names("label_values(empreinte_power_watts, run)") == {"empreinte_power_watts"}
    assert metric_names("sum(foo_bar{a='b'}) * $grid_factor") == {"foo_bar"}


def test_grid_factors_are_the_grid_data_and_co2e_is_labelled_an_estimate() -> None:
    options = grid_options()
    assert len(options) >= 5
    for label, value in options.items():
        zone = get_zone(label.split()[0])
        assert value == pytest.approx(zone.gwp_kgco2e_per_kwh.value, rel=1e-6), label
    co2 = [p for p in dashboard()["panels"] if "co2e" in p["title"].lower()]
    assert co2 and all("ESTIMATE" in p["title"] and "estimate" in p["description"] for p in co2)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.loads(r.read())


def _query(prom: str, expr: str) -> list[dict[str, Any]]:
    """``/api/v1/query`` (instant query at now): the result list."""
    body = _get(f"{prom}/api/v1/query?" + urllib.parse.urlencode({"query": expr}))
    assert body["status"] == "success", body
    result = body["data"]["result"]
    assert isinstance(result, list)
    return result


@pytest.fixture
def job(tmp_path: Path) -> Iterator[tuple[int, Path, Path, subprocess.Popen[str]]]:
    """A running ``empreinte run --metrics-port PORT`` job on a fake RAPL counter:
    ``(port, report file, stop marker, process)``; stopped (and the counter) at teardown."""
    root = tmp_path / "powercap"
    pkg = make_powercap_zone(root, "intel-rapl:0", "package-0", 5_000_000_000)
    adv = advance_powercap({pkg: 40.0})  # a RAPL package drawing 40 W, in real time
    port, report, marker = _free_port(), tmp_path / "r.json", tmp_path / "stop"
    env = {k: v for k, v in os.environ.items() if k not in ("EMPREINTE_LOCATION", "RANK")}
    env["EMPREINTE_POWERCAP_ROOT"] = str(root)
    proc = subprocess.Popen(
        [EMPREINTE, "run", "--name", "prom-job", "--stage", "training", "--interval", "0.2",
         "--metrics-port", str(port), "--out", str(report), "--",
         sys.executable, "-c", JOB, str(marker)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        yield port, report, marker, proc
    finally:
        marker.touch()
        try:
            proc.wait(timeout=30)
        finally:
            if proc.poll() is None:
                proc.kill()
            adv.kill()
            adv.wait()


@pytest.fixture
def prometheus(tmp_path: Path) -> Iterator[Any]:
    """Start Prometheus scraping ``127.0.0.1:TARGET`` every second: a function of the target
    port returning the server's base URL."""
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip(f"no prometheus binary at {PROMETHEUS} (Debian package prometheus)")
    procs: list[subprocess.Popen[bytes]] = []
    logs: list[Any] = []

    def start(target: int) -> str:
        port = _free_port()
        config = tmp_path / "prometheus.yml"
        config.write_text(
            "global: {scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s}\n"
            "scrape_configs:\n"
            "  - job_name: empreinte\n"
            f"    static_configs: [{{targets: ['127.0.0.1:{target}']}}]\n"
        )
        log = (tmp_path / "prometheus.log").open("wb")
        logs.append(log)
        procs.append(
            subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                    f"--web.listen-address=127.0.0.1:{port}",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{url}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return url
            except OSError:
                time.sleep(0.1)
        raise AssertionError(
            f"prometheus did not start: {(tmp_path / 'prometheus.log').read_text()}"
        )

    yield start
    for p in procs:
        p.terminate()
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    for log in logs:
        log.close()


def test_prometheus_scrapes_the_growing_energy_of_a_running_job(
    prometheus: Any, job: tuple[int, Path, Path, subprocess.Popen[str]]
) -> None:
    port, report, marker, proc = job
    prom = prometheus(port)
    # the cpu counter's samples over the last minute, one per scrape
    expr = 'empreinte_energy_joules_total{job="empreinte",component="cpu"}[1m]'
    series: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        series = _query(prom, expr)
        if series and len(series[0]["values"]) >= 3:
            break
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.25)
    assert len(series) == 1 and len(series[0]["values"]) >= 3, series
    labels, values = series[0]["metric"], series[0]["values"]
    times = [float(t) for t, _ in values]
    joules = [float(v) for _, v in values]
    assert times == sorted(times) and len(set(times)) == len(times)  # distinct scrapes
    # a counter: never down between scrapes, and up over the job's run (a scrape on a loaded
    # machine may come before the sampler's next reading: equal values are allowed)
    assert all(b >= a for a, b in itertools.pairwise(joules)) and joules[-1] > joules[0]
    assert labels["run"] == "prom-job" and labels["stage"] == "training"
    assert labels["instance"] == f"127.0.0.1:{port}"
    # every expression of the Grafana dashboard returns data for this run
    for e in expressions():
        if e.startswith("label_values("):
            got = _get(f"{prom}/api/v1/label/run/values")["data"]
            assert "prom-job" in got
            continue
        result = _query(prom, instantiate(e))
        assert result, f"no data for the dashboard's {e!r}"
        assert all(float(r["value"][1]) > 0 for r in result), (e, result)
    marker.touch()  # the job ends; its report carries the id Prometheus saw
    assert proc.wait(timeout=30) == 0, proc.stderr.read() if proc.stderr else ""
    assert json.loads(report.read_text("utf-8"))["report_id"] == labels["report_id"]
