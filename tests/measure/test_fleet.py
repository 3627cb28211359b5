"""Fleet agents as meters: Kepler, Scaphandre and Alumet texts (written from their documented
formats, see data/fleet/README.md) served by a real local HTTP server, one recorded scrape
per request, so counters advance between reads."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from empreinte.errors import ConfigError, MeterError, WarningCode
from empreinte.measure.doctor import diagnose, named_meters
from empreinte.measure.fleet import (
    AlumetMeter,
    KeplerMeter,
    ScaphandreMeter,
    parse_metrics,
    parse_selector,
)
from empreinte.measure.monitor import track
from empreinte.measure.registry import METERS

DATA = Path(__file__).parent / "data" / "fleet"
ROOT = Path(__file__).parents[2]


def recorded(name: str) -> str:
    return (DATA / name).read_text("utf-8")


class Exporter:
    """A real HTTP server answering ``/metrics`` with the next recorded scrape (the last one
    again once all were served)."""

    def __init__(self) -> None:
        self.scrapes: list[str] = []
        self.served = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path.split("?")[0] != "/metrics":
                    self.send_error(404)
                    return
                i = min(outer.served, len(outer.scrapes) - 1)
                outer.served += 1
                body = outer.scrapes[i].encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/metrics"

    def serve(self, *texts: str) -> str:
        self.scrapes, self.served = list(texts), 0
        return self.url


@pytest.fixture
def exporter() -> Iterator[Exporter]:
    e = Exporter()
    thread = threading.Thread(target=e.server.serve_forever, daemon=True)
    thread.start()
    yield e
    e.server.shutdown()
    e.server.server_close()


class Clock:
    """Scrape times for the gauges' integration (no timed assertion: the times are given)."""

    def __init__(self, *times: float) -> None:
        self.times = list(times)

    def __call__(self) -> float:
        return self.times.pop(0)


def by_component(energy: dict[str, float]) -> dict[str, float]:
    out: dict[str, float] = {}
    for ch, v in energy.items():
        comp = ch.partition(":")[0]
        out[comp] = out.get(comp, 0.0) + v
    return out


def read_all(meter: KeplerMeter | ScaphandreMeter | AlumetMeter, n: int) -> dict[str, float]:
    first = meter.read()
    last = first
    for _ in range(n - 1):
        last = meter.read()
    return {ch: v - first.energy_j.get(ch, 0.0) for ch, v in last.energy_j.items()}


# -- parsing ------------------------------------------------------------------------------
def test_exposition_and_openmetrics_text_parse() -> None:
    samples = parse_metrics(recorded("alumet-1.prom"))
    names = {s.name for s in samples}
    assert names == {
        "rapl_consumed_energy_J",
        "nvml_energy_consumption_mJ",
        "nvml_instant_power_mW",
    }
    gpu = next(s for s in samples if s.name == "nvml_energy_consumption_mJ")
    assert gpu.labels["resource_id"] == "00000000:3B:00.0" and gpu.value == 210000
    # escapes and a federation timestamp
    (s,) = parse_metrics('m{a="x\\"y\\\\z",b="1"} 2.5 1700000000000\n')
    assert s.labels == {"a": 'x"y\\z', "b": "1"} and s.value == 2.5


def test_selector_syntax() -> None:
    sel = parse_selector('{level="pod", pod_namespace="ml", pod_name=~"train-.*", zone!="core"}')
    assert sel.level == "pod"
    assert sel.matches({"pod_namespace": "ml", "pod_name": "train-0", "zone": "package"})
    assert not sel.matches({"pod_namespace": "ml", "pod_name": "web-1", "zone": "package"})
    assert not sel.matches({"pod_namespace": "ml", "pod_name": "train-0", "zone": "core"})
    assert parse_selector(None).level == "node"
    with pytest.raises(ConfigError, match="bad meter selector"):
        parse_selector("pod_name")
    with pytest.raises(ConfigError, match="no level 'pod'"):
        ScaphandreMeter("http://127.0.0.1:9/metrics", "level=pod")


# -- Kepler -------------------------------------------------------------------------------
def test_kepler_node_counters_from_rapl(exporter: Exporter) -> None:
    url = exporter.serve(*(recorded(f"kepler-current-{i}.prom") for i in (1, 2, 3)))
    meter = KeplerMeter(url)
    assert meter.method == "hw_counter"
    energy = by_component(read_all(meter, 3))
    meter.close()
    # package 1000.5 -> 1300.5 J, dram 200 -> 240 J; the core zone is part of the package
    assert energy == pytest.approx({"cpu": 300.0, "ram": 40.0})
    assert meter.source == "kepler-metrics" and not meter.warnings


def test_kepler_pod_is_a_software_model_attribution(exporter: Exporter) -> None:
    url = exporter.serve(*(recorded(f"kepler-current-{i}.prom") for i in (1, 2, 3)))
    meter = KeplerMeter(url, "level=pod,pod_namespace=ml,pod_name=train-0")
    avail = meter.probe()
    assert avail.ok and avail.channels == (
        "cpu:kepler/ml/train-0/5f1c0e2a-9b1d-4c53-8d0e-0b4a2f6c7d11/package",
        "ram:kepler/ml/train-0/5f1c0e2a-9b1d-4c53-8d0e-0b4a2f6c7d11/dram",
    )
    exporter.served = 0
    energy = by_component(read_all(meter, 3))
    meter.close()
    assert energy == pytest.approx({"cpu": 180.0, "ram": 12.0})  # web-1 not counted
    assert meter.method == "software_model"
    codes = [w.code for w in meter.warnings]
    assert codes == [WarningCode.PROCESS_ATTRIBUTION]
    assert "model" in meter.warnings[0].message


def test_kepler_legacy_container_components(exporter: Exporter) -> None:
    url = exporter.serve(recorded("kepler-legacy-1.prom"), recorded("kepler-legacy-2.prom"))
    meter = KeplerMeter(url, "level=container,container_namespace=ml,pod_name=train-0")
    energy = by_component(read_all(meter, 2))
    meter.close()
    # package dynamic +40 and idle +10, dram +5, gpu +45, other +0; the *_joules_total sum
    # of the components is not added to them
    assert energy == pytest.approx({"cpu": 50.0, "ram": 5.0, "gpu": 45.0, "other": 0.0})
    assert meter.method == "software_model"


def test_kepler_legacy_node_source_label(exporter: Exporter) -> None:
    text = recorded("kepler-legacy-1.prom")
    url = exporter.serve(text)
    meter = KeplerMeter(url)
    meter.read()
    assert meter.method == "hw_counter"  # source="rapl-sysfs"
    meter.close()
    modelled = text.replace('source="rapl-sysfs"', 'source="trained_power_model"')
    meter = KeplerMeter(exporter.serve(modelled))
    meter.read()
    assert meter.method == "software_model"
    meter.close()


# -- Scaphandre ---------------------------------------------------------------------------
def test_scaphandre_host_counter_survives_a_restart(exporter: Exporter) -> None:
    url = exporter.serve(*(recorded(f"scaphandre-{i}.prom") for i in (1, 2, 3)))
    meter = ScaphandreMeter(url)
    energy = read_all(meter, 3)
    meter.close()
    # +60 J, then the agent restarted: its counter's new value (2.5 J) is counted, no negative
    assert energy == pytest.approx({"cpu:scaphandre/-": 62.5})
    assert meter.method == "hw_counter"
    assert [w.code for w in meter.warnings] == [WarningCode.COUNTER_RESET]


def test_scaphandre_process_power_is_integrated(exporter: Exporter) -> None:
    url = exporter.serve(*(recorded(f"scaphandre-{i}.prom") for i in (1, 2, 3)))
    meter = ScaphandreMeter(url, "level=process,exe=python3", clock=Clock(0.0, 2.0, 4.0))
    energy = read_all(meter, 3)
    meter.close()
    # 12.5, 17.5, 15 W at 0, 2, 4 s: trapezoids 30 + 32.5 J; sshd not selected
    assert energy == pytest.approx({"cpu:scaphandre/4242/python3": 62.5})
    assert meter.method == "hw_counter"
    codes = {w.code for w in meter.warnings}
    assert codes == {WarningCode.SERIES_SAMPLED, WarningCode.PROCESS_ATTRIBUTION}


# -- Alumet -------------------------------------------------------------------------------
def test_alumet_interval_gauges(exporter: Exporter) -> None:
    url = exporter.serve(recorded("alumet-1.prom"), recorded("alumet-2.prom"))
    meter = AlumetMeter(url, clock=Clock(10.0, 12.0))
    energy = by_component(read_all(meter, 2))
    meter.close()
    # 40 J and 4 J per 1 s poll over 2 s; GPU 190000 mJ per poll; package_total not added
    assert energy == pytest.approx({"cpu": 80.0, "ram": 8.0, "gpu": 380.0})
    assert meter.method == "hw_counter"
    assert [w.code for w in meter.warnings] == [WarningCode.SERIES_SAMPLED]


def test_alumet_poll_interval_scales_the_gauges(exporter: Exporter) -> None:
    """The same recorded text from an agent polling every 0.5 s: each gauge holds half a
    second's energy, so the energy over the same 2 s scrape interval is twice the 1 s case."""
    url = exporter.serve(recorded("alumet-1.prom"), recorded("alumet-2.prom"))
    meter = AlumetMeter(url, poll_s=0.5, clock=Clock(10.0, 12.0))
    energy = by_component(read_all(meter, 2))
    meter.close()
    assert energy == pytest.approx({"cpu": 160.0, "ram": 16.0, "gpu": 760.0})
    assert "poll 0.5 s" in meter.warnings[0].message


def test_alumet_poll_interval_is_a_setting(
    exporter: Exporter, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = exporter.serve(recorded("alumet-1.prom"), recorded("alumet-2.prom"))
    monkeypatch.setenv("EMPREINTE_METER_POLL_S", "0.5")
    meter = AlumetMeter(url, clock=Clock(10.0, 12.0))
    assert meter.poll_s == 0.5
    assert by_component(read_all(meter, 2))["cpu"] == pytest.approx(160.0)
    meter.close()
    assert AlumetMeter(url, poll_s=2.0).poll_s == 2.0  # the argument wins
    for bad in (0.0, -1.0):
        with pytest.raises(ConfigError, match="meter-poll-s"):
            AlumetMeter(url, poll_s=bad)
    monkeypatch.setenv("EMPREINTE_METER_POLL_S", "0")
    with pytest.raises(ConfigError, match="EMPREINTE_METER_POLL_S"):
        AlumetMeter(url)


# -- missing series, unreachable endpoint -------------------------------------------------
def test_missing_series_is_a_coded_warning_never_zero(exporter: Exporter) -> None:
    full = [recorded(f"kepler-current-{i}.prom") for i in (1, 2, 3)]
    gap = "\n".join(line for line in full[1].splitlines() if 'zone="dram"' not in line)
    url = exporter.serve(full[0], gap, full[2])
    meter = KeplerMeter(url)
    first = meter.read()
    mid = meter.read()
    ram = next(ch for ch in first.energy_j if ch.startswith("ram:"))
    assert mid.energy_j[ram] == first.energy_j[ram]  # kept, not zeroed, not dropped
    last = meter.read()
    meter.close()
    assert last.energy_j[ram] - first.energy_j[ram] == pytest.approx(40.0)  # the gap recovered
    missing = [w for w in meter.warnings if w.code == WarningCode.SERIES_MISSING]
    assert len(missing) == 1 and "absent from 1 of 3 scrapes" in missing[0].message


def test_no_matching_series_is_refused_with_the_reason(exporter: Exporter) -> None:
    url = exporter.serve(recorded("kepler-current-1.prom"))
    meter = KeplerMeter(url, "level=pod,pod_name=nope")
    avail = meter.probe()
    assert not avail.ok and "no kepler series" in avail.reason and "pod_name=nope" in avail.reason
    with pytest.raises(MeterError, match="matches"):
        meter.read()
    with pytest.raises(ConfigError, match="meter kepler cannot read here"):
        named_meters(["kepler"], url=url, select="level=pod,pod_name=nope")
    dead = KeplerMeter("http://127.0.0.1:9/metrics")
    assert not dead.probe().ok
    with pytest.raises(MeterError, match="cannot scrape"):
        dead.read()


# -- registry, tracker, CLI ---------------------------------------------------------------
def test_doctor_lists_the_fleet_meters_without_using_them(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("EMPREINTE_METER_URL", raising=False)
    rows = {s.name: s for s in diagnose()}
    for name in ("kepler", "scaphandre", "alumet"):
        assert name in METERS and not METERS[name].default
        assert not rows[name].availability.ok
        assert "--meter-url" in str(rows[name].availability.fix)


def test_track_with_a_named_fleet_meter(exporter: Exporter, tmp_path: Path) -> None:
    url = exporter.serve(*(recorded(f"kepler-current-{i}.prom") for i in (1, 2, 3)))
    with track(
        "pod",
        meters=["kepler"],
        meter_url=url,
        meter_select="level=pod,pod_name=train-0",
        interval_s=60,
        live=False,
    ) as t:
        pass
    report = t.report()
    assert report.measurement.method == "software_model"
    assert {m.name for m in report.measurement.meters} == {"kepler"}
    assert all("kepler-metrics" in (m.note or "") for m in report.measurement.meters)
    assert report.provenance.sources[0].id == "kepler-metrics"
    assert report.provenance.sources[0].url == "https://sustainable-computing.io/"
    # probe (scrape 1), start (2) and final (3) reads: 390 -> 480 J of package, 46 -> 52 J
    # of dram
    assert report.energy.cpu_kwh is not None and report.energy.ram_kwh is not None
    assert report.energy.cpu_kwh.value == pytest.approx(90 / 3.6e6)
    assert report.energy.ram_kwh.value == pytest.approx(6 / 3.6e6)


def test_run_cli_with_a_fleet_meter(exporter: Exporter, tmp_path: Path) -> None:
    s1, s2 = recorded("scaphandre-1.prom"), recorded("scaphandre-2.prom")
    url = exporter.serve(s1, s1, s2)  # probe, start of the run, end of the run
    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "empreinte.cli", "run", "--meter", "scaphandre"]
    cmd += ["--meter-url", url, "--out", str(out), "--location", "FRA", "--", "true"]
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["measurement"]["method"] == "hw_counter"
    assert [m["name"] for m in report["measurement"]["meters"]] == ["scaphandre"]
    assert report["provenance"]["sources"][0]["id"] == "scaphandre-metrics"
    assert report["energy"]["cpu_kwh"]["value"] == pytest.approx(60 / 3.6e6)

    # a selector that matches nothing stops the run before the command starts: exit 2
    marker = tmp_path / "ran"
    cmd = [sys.executable, "-m", "empreinte.cli", "run", "--meter", "scaphandre"]
    cmd += ["--meter-url", url, "--meter-select", "level=process,exe=nope"]
    cmd += ["--out", str(out), "--", "touch", str(marker)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    assert "meter scaphandre cannot read here" in proc.stderr and "exe=nope" in proc.stderr
    assert not marker.exists()


def test_the_poll_interval_reaches_the_meter_from_track_and_run(
    exporter: Exporter, tmp_path: Path
) -> None:
    url = exporter.serve(recorded("alumet-1.prom"))
    t = track("a", meters=["alumet"], meter_url=url, meter_poll_s=0.5, live=False)
    meters = t._given_meters or []
    assert [(m.name, getattr(m, "poll_s", None)) for m in meters] == [("alumet", 0.5)]
    for m in meters:
        m.close()
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    marker = tmp_path / "ran"
    base = [sys.executable, "-m", "empreinte.cli", "run"]
    for extra in (["--meter", "alumet", "--meter-url", url, "--meter-poll-s", "0"], []):
        cmd = [*base, *extra, "--meter-poll-s", "0.5", "--", "touch", str(marker)]
        if extra:
            cmd = [*base, *extra, "--", "touch", str(marker)]
        proc = subprocess.run(
            cmd, capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120
        )
        assert proc.returncode == 2 and "--meter-poll-s" in proc.stderr, proc.stderr
        assert not marker.exists()


# -- through a real Prometheus server's federation endpoint -------------------------------
def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _federated(url: str, needle: str) -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=5) as resp:
            return needle in resp.read().decode()
    except OSError:
        return False


@pytest.mark.skipif(not Path("/usr/bin/prometheus").exists(), reason="no prometheus binary")
def test_kepler_through_prometheus_federation(exporter: Exporter, tmp_path: Path) -> None:
    import time
    import urllib.parse

    texts = [recorded(f"kepler-current-{i}.prom") for i in (1, 2, 3)]
    target = exporter.serve(*texts).removeprefix("http://").removesuffix("/metrics")
    port = _free_port()
    (tmp_path / "prometheus.yml").write_text(
        "global: {scrape_interval: 1s}\n"
        "scrape_configs:\n"
        f"  - job_name: kepler\n    static_configs: [{{targets: ['{target}']}}]\n"
    )
    proc = subprocess.Popen(
        [
            "/usr/bin/prometheus",
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        match = urllib.parse.quote('{__name__=~"kepler_.*"}')
        url = f"http://127.0.0.1:{port}/federate?match[]={match}"
        # Prometheus scrapes the three recorded texts, then the last one again
        deadline = time.monotonic() + 90
        while not _federated(url, "} 480") and time.monotonic() < deadline:
            time.sleep(0.5)
        meter = KeplerMeter(url, "level=pod,pod_namespace=ml,pod_name=train-0,job=kepler")
        assert meter.probe().ok
        first = meter.read()
        # the exporter's counters advance by 100 J (package) and 10 J (dram) of the pod
        later = texts[2].replace("} 480\n", "} 580\n").replace("} 52\n", "} 62\n")
        exporter.serve(later)
        deadline = time.monotonic() + 90
        while not _federated(url, "} 580") and time.monotonic() < deadline:
            time.sleep(0.5)
        last = meter.read()
        meter.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    delta = {ch: v - first.energy_j[ch] for ch, v in last.energy_j.items()}
    assert by_component(delta) == pytest.approx({"cpu": 100.0, "ram": 10.0})
    assert meter.method == "software_model"


def test_named_fallback_covers_only_what_named_counters_leave(exporter: Exporter) -> None:
    url = exporter.serve(recorded("kepler-current-1.prom"))
    meters = named_meters(["estimate", "kepler"], url=url)  # Kepler's node: CPU and RAM
    assert [m.name for m in meters] == ["kepler"]
    meters[0].close()
    url = exporter.serve(recorded("alumet-1.prom").replace('domain="dram"', 'domain="pp0"'))
    meters = named_meters(["alumet", "estimate"], url=url)  # no DRAM series: RAM estimated
    try:
        assert [m.name for m in meters] == ["alumet", "estimate"]
        assert meters[1].probe().channels == ("ram:0",)
    finally:
        for m in meters:
            m.close()
