"""Provisioned fleets (inference, log, lifecycle), the log's stated grid factor on every path,
empty logs, and the embodied warnings of lifecycles and logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from empreinte.errors import EstimateError
from empreinte.estimate import estimate_log, read_log
from empreinte.estimate.inference import estimate_inference

EXE = [sys.executable, "-m", "empreinte.cli"]
FLEET = {"model": "llama-3.1-70b", "output_tokens": 300, "requests": 7200, "location": "USA"}


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "160"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def one_line_error(out: subprocess.CompletedProcess[str], *needles: str) -> str:
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for n in needles:
        assert n in lines[0], lines[0]
    return lines[0]


def _rng(r) -> tuple[float, float, float]:
    return (float(r.value), float(r.low), float(r.high))


# ------------------------------------------------------------------ inference: --fleet
def test_the_inference_cli_uses_the_fleet_it_is_given():
    args = ["estimate", "inference", "--model", "llama-3.1-70b", "--output-tokens", "300"]
    args += ["--requests", "7200", "--provisioned-hours", "24", "--location", "USA", "--json"]
    per = {}
    for fleet in (16, 4):
        out = run(*args, "--fleet", str(fleet))
        assert out.returncode == 0, out.stderr
        per[fleet] = json.loads(out.stdout)["per_request_wh"]
        lib = estimate_inference(**FLEET, fleet=fleet, provisioned_hours=24)
        for layer in ("idle", "full"):
            r = getattr(lib.per_request, layer)
            got = per[fleet][layer]
            assert (got["value"], got["low"], got["high"]) == pytest.approx(
                tuple(x * 1e3 for x in _rng(r)), rel=1e-9
            )
    assert per[16]["idle"]["value"] > 3 * per[4]["idle"]["value"]  # 384 vs 96 GPU-hours


def test_the_documented_fleet_example_holds():
    # docs/estimate.md: about 7.7 Wh per request, of which 4.8 Wh idle, against 0.11 Wh
    e = estimate_inference(**FLEET, fleet=16, provisioned_hours=24)
    assert float(e.per_request.full.value) * 1e3 == pytest.approx(7.7, abs=0.05)
    assert float(e.per_request.idle.value) * 1e3 == pytest.approx(4.8, abs=0.05)
    base = estimate_inference(**FLEET)
    assert float(base.per_request.full.value) * 1e3 == pytest.approx(0.11, abs=0.005)


def test_fleet_without_hours_and_bad_hours_are_errors(tmp_path):
    with pytest.raises(EstimateError, match="--provisioned-hours"):
        estimate_inference(**FLEET, fleet=16)
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(EstimateError, match="provisioned-hours"):
            estimate_inference(**FLEET, fleet=16, provisioned_hours=bad)
    path = tmp_path / "log.csv"
    path.write_text("model,output_tokens\n" + "llama-3.1-70b,300\n" * 10)
    data = read_log(path)
    with pytest.raises(EstimateError, match="--provisioned-hours"):
        estimate_log(data, fleet=16)
    with pytest.raises(EstimateError, match="--fleet"):
        estimate_log(data, provisioned_hours=24)
    for bad in (0.0, -1.0, float("nan")):
        with pytest.raises(EstimateError, match="provisioned-hours"):
            estimate_log(data, fleet=16, provisioned_hours=bad)
    with pytest.raises(EstimateError, match="fleet"):
        estimate_log(data, fleet=0.5, provisioned_hours=24)


def test_fleet_options_through_the_cli(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("model,output_tokens\n" + "llama-3.1-70b,300\n" * 10)
    inf = ["estimate", "inference", "--model", "llama-3.1-70b", "--output-tokens", "300"]
    one_line_error(run(*inf, "--fleet", "16"), "--provisioned-hours")
    one_line_error(run("estimate", "log", str(path), "--fleet", "16"), "--provisioned-hours")
    for bad in ("0", "-1", "nan"):
        one_line_error(
            run("estimate", "log", str(path), "--fleet", "16", f"--provisioned-hours={bad}"),
            "provisioned-hours",
        )


# ------------------------------------------------------------------ log: provisioned fleet
@pytest.mark.parametrize("fleet", [4, 16])
def test_a_log_on_a_fleet_gives_the_inference_layers_with_their_bounds(tmp_path, fleet):
    path = tmp_path / "log.csv"
    path.write_text("model,output_tokens\n" + "llama-3.1-70b,300\n" * 7200)
    le = estimate_log(read_log(path), location="USA", fleet=fleet, provisioned_hours=24)
    one = estimate_inference(**FLEET, fleet=fleet, provisioned_hours=24)
    for layer in ("accelerators", "host", "idle", "facility"):
        assert _rng(le.layers_kwh[layer]) == pytest.approx(
            _rng(getattr(one.total, layer)), rel=1e-9
        ), layer
    assert _rng(le.total(le.energy_kwh)) == pytest.approx(_rng(one.total.full), rel=1e-9)
    # the idle energy cannot exceed the whole fleet idling at full TDP (0.7 kW) with its hosts
    assert float(le.layers_kwh["idle"].high) < fleet * 24 * 0.7
    report = le.to_report(name="log")
    assert report.energy.layers["idle"].high == pytest.approx(float(one.total.idle.high))


def test_a_fleet_s_idle_energy_goes_to_the_rows_by_their_active_energy(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(
        "model,output_tokens\n" + "llama-3.1-70b,300\n" * 50 + "llama-3.1-8b,900\n" * 50
    )
    le = estimate_log(read_log(path), location="FRA", fleet=8, provisioned_hours=2)
    ratio = le.energy_kwh.value[0] / le.energy_kwh.value[-1]
    base = estimate_log(read_log(path), location="FRA")
    assert ratio == pytest.approx(base.energy_kwh.value[0] / base.energy_kwh.value[-1])
    idle = le.layers_kwh["idle"]
    it = le.total(le.energy_kwh) / float(le.pue.value)  # IT energy of the value
    active = le.layers_kwh["accelerators"] + le.layers_kwh["host"]
    assert float(it.value) == pytest.approx(float(idle.value + active.value))


# ------------------------------------------------------------------ log: --grid-gwp
def test_grid_gwp_applies_to_streamed_totals_as_to_the_whole_file(tmp_path):
    pytest.importorskip("duckdb")
    from empreinte.estimate.logstream import stream_log

    path = tmp_path / "nozone.csv"
    path.write_text(
        "model,output_tokens,input_tokens\n"
        + "llama-3.1-70b,300,100\n" * 40
        + "llama-3.1-8b,1200,5000\n" * 30
    )

    def gwp(report):
        t = report.impacts.gwp_kgco2e.total
        return (t.value, t.low, t.high)

    streamed = {
        g: gwp(stream_log(path, grid_gwp=g, batch_rows=16).to_report(name="x"))
        for g in (None, 0.5, 1.0)
    }
    whole = gwp(estimate_log(read_log(path), grid_gwp=1.0).to_report(name="x"))
    assert streamed[1.0] == pytest.approx(whole, rel=1e-12)
    assert streamed[1.0] != pytest.approx(streamed[None])
    assert streamed[1.0] == pytest.approx(tuple(2 * x for x in streamed[0.5]), rel=1e-12)
    for bad in (float("nan"), -1.0, float("inf")):
        with pytest.raises(EstimateError, match="grid-gwp"):
            stream_log(path, grid_gwp=bad)


def test_grid_gwp_through_the_cli_streamed_and_whole(tmp_path):
    path = tmp_path / "nozone.csv"
    path.write_text("model,output_tokens\n" + "llama-3.1-70b,300\n" * 20)

    def gwp(*extra: str) -> dict[str, float]:
        out = run("estimate", "log", str(path), "--json", *extra)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)["report"]["impacts"]["gwp_kgco2e"]["total"]

    default, streamed = gwp(), gwp("--grid-gwp", "1.0")
    assert streamed == pytest.approx(gwp("--grid-gwp", "1.0", "--skip-bad-rows"), rel=1e-12)
    assert streamed["value"] > 1.5 * default["value"]  # the world mix is below 1 kg/kWh
    for bad in ("nan", "-1", "inf"):
        one_line_error(run("estimate", "log", str(path), f"--grid-gwp={bad}"), "grid-gwp")


# ------------------------------------------------------------------ empty logs
def test_a_log_with_a_header_and_no_rows_is_a_one_line_error(tmp_path):
    path = tmp_path / "hdr.csv"
    path.write_text("model,output_tokens\n")
    for extra in ((), ("--skip-bad-rows",)):
        one_line_error(run("estimate", "log", str(path), *extra), "the log has no rows")
    pytest.importorskip("duckdb")
    from empreinte.estimate.logstream import stream_log

    totals = stream_log(path)
    assert totals.rows == 0
    with pytest.raises(EstimateError, match="no rows"):
        totals.to_report(name="x")


# ------------------------------------------------------------------ embodied warnings
def test_a_lifecycle_without_a_server_says_its_embodied_impacts_are_partial():
    from empreinte.estimate.lifecycle import Scenario, run_scenario

    base = {
        "name": "s",
        "model": "llama-3.1-8b",
        "location": "FRA",
        "inference": {"requests_per_day": 1e5, "output_tokens": 300, "days": 30},
    }
    msgs = {w.code: w.message for w in run_scenario(Scenario.model_validate(base)).warnings}
    assert "accelerators only" in msgs["embodied-partial"]
    served = run_scenario(Scenario.model_validate(base | {"server": "hgx-8gpu"}))
    assert "embodied-partial" not in [w.code for w in served.warnings]


def test_a_log_says_it_assesses_usage_only_even_with_hardware(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("model,output_tokens,zone\nllama-3.1-70b,300,FRA\nllama-3.1-70b,300,USA\n")
    for rows in (path.read_text(), "model,output_tokens\nllama-3.1-70b,300\n"):
        path.write_text(rows)
        report = estimate_log(read_log(path), hardware="nvidia-h100-sxm").to_report(name="x")
        msgs = {w.code: w.message for w in report.warnings}
        assert "usage only" in msgs["embodied-unknown"]
        assert "no hardware given" not in msgs["embodied-unknown"]


def test_a_fleet_smaller_than_one_replica_is_an_error(tmp_path):
    with pytest.raises(EstimateError, match="smaller than one replica"):
        estimate_inference(**FLEET, fleet=1, provisioned_hours=24)
    path = tmp_path / "log.csv"
    path.write_text("model,output_tokens\n" + "llama-3.1-70b,300\n" * 3)
    with pytest.raises(EstimateError, match="smaller than one replica"):
        estimate_log(read_log(path), fleet=1, provisioned_hours=24)
    # a replica given by --count is what the fleet must hold
    e = estimate_inference(**FLEET, fleet=8, provisioned_hours=24, count=8)
    assert e.provisioned_accelerator_hours == pytest.approx(8 * 24)
