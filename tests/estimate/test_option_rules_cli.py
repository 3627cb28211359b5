"""Estimator options (issue 12, review): ranges in order, options without their method or mode,
data options that are not finite, empty scenario files. Real subprocesses, as a user runs them;
the library rules are checked too, for Python users."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from empreinte.errors import ConfigError, EstimateError
from empreinte.ranges import Range, parse_range

EXE = [sys.executable, "-m", "empreinte.cli"]
TRAIN = ["estimate", "training", "--hardware", "nvidia-h100-sxm"]
TRAIN_TOKENS = [*TRAIN, "--model", "llama-3.1-8b", "--tokens", "15e12"]
INFER = ["estimate", "inference", "--model", "llama-3.1-70b", "--output-tokens", "300"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "200"}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=120)


def assert_error(out: subprocess.CompletedProcess[str], *words: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
    for w in words:
        assert w in lines[0], lines[0]


# -- the range parser ---------------------------------------------------------------------


def test_parse_range_forms() -> None:
    assert parse_range("0.4", "x") == 0.4
    assert parse_range("0.2:0.6", "x") == Range.span(0.2, 0.6)
    assert parse_range("0.4:0.2:0.6", "x") == Range(0.4, 0.2, 0.6)
    assert parse_range(None, "x") is None
    assert parse_range("3:3", "x") == Range(3.0, 3.0, 3.0)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("400:200", ["LOW must not exceed HIGH"]),
        ("5:1:2", ["VALUE must lie within"]),
        ("0.5:1:2", ["VALUE must lie within"]),
        ("1:3:2", ["LOW must not exceed HIGH"]),
        ("a:b", ["not a number or range"]),
        ("1:2:3:4", ["expected VALUE"]),
    ],
)
def test_parse_range_refuses_disorder(text: str, words: list[str]) -> None:
    with pytest.raises(ConfigError) as exc:
        parse_range(text, "--output-tokens")
    assert str(exc.value).startswith("--output-tokens: ")
    for w in words:
        assert w in str(exc.value)


@pytest.mark.parametrize(
    ("args", "opt"),
    [
        ([*INFER[:-2], "--output-tokens", "400:200"], "--output-tokens"),
        ([*INFER, "--pue", "1.5:1.2"], "--pue"),
        ([*INFER, "--grid-gwp", "0.4:0.1"], "--grid-gwp"),
        ([*INFER, "--input-tokens", "2000:1000"], "--input-tokens"),
        ([*TRAIN, "--accelerator-hours", "2e6:1e6"], "--accelerator-hours"),
        ([*TRAIN, "--accelerator-hours", "3e6:1e6:2e6"], "--accelerator-hours"),
        (["impacts", "--energy-kwh", "100", "--grid-gwp", "0.4:0.1"], "--grid-gwp"),
    ],
)
def test_cli_low_above_high_is_an_error(args: list[str], opt: str) -> None:
    out = run(*args)
    assert_error(out, opt)
    assert "LOW must not exceed HIGH" in out.stderr or "VALUE must lie within" in out.stderr


# -- --grid-gwp as a range on impacts and lifecycle -----------------------------------------


def _impacts_gwp(*extra: str) -> dict[str, float]:
    out = run("impacts", "--energy-kwh", "100", "--location", "FRA", *extra, "--json")
    assert out.returncode == 0, out.stderr
    usage: dict[str, float] = json.loads(out.stdout)["impacts"]["gwp_kgco2e"]["usage"]
    return usage


def test_impacts_grid_gwp_range() -> None:
    r = _impacts_gwp("--grid-gwp", "0.2:0.4")
    point = _impacts_gwp("--grid-gwp", "0.3")
    # the usage GWP's bounds follow the stated factor's: ×2 from low to high
    assert r["low"] < point["value"] < r["high"]
    assert r["high"] / r["low"] == pytest.approx(2.0 * point["high"] / point["low"], rel=1e-6)


def _scenario(tmp_path: Path, extra: str = "") -> Path:
    f = tmp_path / "sc.yaml"
    f.write_text(
        "name: a\nmodel: llama-3.1-8b\nlocation: USA\n"
        f"{extra}inference: {{requests_per_day: 1000, days: 10, output_tokens: 300}}\n",
        encoding="utf-8",
    )
    return f


def _lifecycle_gwp(*args: str) -> dict[str, float]:
    out = run("estimate", "lifecycle", *args, "--json")
    assert out.returncode == 0, out.stderr
    total: dict[str, float] = json.loads(out.stdout)["scenarios"][0]["total"]["gwp_kgco2e"]
    return total


def test_lifecycle_grid_gwp_range_option_and_key(tmp_path: Path) -> None:
    f = _scenario(tmp_path)
    low = _lifecycle_gwp(str(f), "--grid-gwp", "0.1")
    ranged = _lifecycle_gwp(str(f), "--grid-gwp", "0.1:0.3")
    keyed = _lifecycle_gwp(str(_scenario(tmp_path, 'grid_gwp: "0.1:0.3"\n')))
    assert ranged == keyed
    assert ranged["value"] > low["value"]
    assert ranged["high"] > low["high"]


def test_lifecycle_grid_gwp_disorder(tmp_path: Path) -> None:
    f = _scenario(tmp_path)
    assert_error(run("estimate", "lifecycle", str(f), "--grid-gwp", "0.3:0.1"), "--grid-gwp")
    g = _scenario(tmp_path, 'grid_gwp: "0.3:0.1"\n')
    assert_error(run("estimate", "lifecycle", str(g)), "grid_gwp", "LOW must not exceed HIGH")


# -- data options and empty scenario files ----------------------------------------------------


@pytest.mark.parametrize(
    "opt", ["--dataset-tb", "--checkpoints-tb", "--retention-years", "--replicas", "--transfer-gb"]
)
def test_training_data_options_must_be_finite(opt: str) -> None:
    base = ["--dataset-tb", "1", "--retention-years", "1"]
    args = [*TRAIN_TOKENS, *[a for a in base if a != opt], opt, "1e999"]
    if opt in base:  # the option replaces the base's value
        i = base.index(opt)
        args = [*TRAIN_TOKENS, *base[:i], *base[i + 2 :], opt, "1e999"]
    assert_error(run(*args), opt, "finite")


def test_lifecycle_data_option_must_be_finite(tmp_path: Path) -> None:
    f = _scenario(tmp_path)
    assert_error(
        run("estimate", "lifecycle", str(f), "--dataset-tb", "1e999"), "--dataset-tb", "finite"
    )


def test_lifecycle_scenario_data_must_be_finite(tmp_path: Path) -> None:
    f = _scenario(tmp_path, "data: {dataset_tb: .inf}\n")
    assert_error(run("estimate", "lifecycle", str(f)), "data.dataset_tb")


@pytest.mark.parametrize("text", ["[]\n", "{}\n"])
def test_lifecycle_empty_file(tmp_path: Path, text: str) -> None:
    f = tmp_path / "empty.yaml"
    f.write_text(text, encoding="utf-8")
    out = run("estimate", "lifecycle", str(f))
    assert_error(out, str(f))
    if text == "[]\n":
        assert "no scenario" in out.stderr


# -- options of a method or mode given without it ---------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ([*INFER, "--mfu", "0.3"], ["mfu belongs to the flops method"]),
        ([*INFER, "--mfu", "0.3", "--load", "0.5"], ["mfu, load belong to the flops method"]),
        ([*INFER, "--user-location", "FRA"], ["user-location belongs to the end-to-end"]),
        (
            [*INFER, "--method", "flops", "--hardware", "nvidia-a100-sxm4-80gb", "--task", "gpqa"],
            ["task belongs to the fitted method", "nvidia-a100-sxm4-80gb"],
        ),
        (
            [*INFER, "--method", "flops", "--hardware", "nvidia-a100-sxm4-80gb", "--batch", "4"],
            ["batch belongs to the fitted method"],
        ),
        ([*TRAIN, "--accelerator-hours", "1e6", "--flops", "1e24"], ["accelerator-hours", "flops"]),
        (
            [*TRAIN, "--accelerator-hours", "1e6", "--boundary", "accelerators", "--pue", "1.2"],
            ["pue does not apply to the accelerators boundary"],
        ),
        (["impacts", "--energy-kwh", "100", "--hours", "10"], ["--hours applies", "--hardware"]),
        (
            ["impacts", "--energy-kwh", "100", "--lifetime-years", "4", "--utilisation", "0.5"],
            ["--lifetime-years, --utilisation apply", "--hardware"],
        ),
    ],
)
def test_option_without_its_mode(args: list[str], words: list[str]) -> None:
    assert_error(run(*args), *words)


def test_flops_method_task_sets_the_cross_check_on_a_fitted_gpu() -> None:
    """On H100 the FLOP method runs the fitted method beside it: --task is used there."""
    base = run(*INFER, "--method", "flops", "--json")
    gpqa = run(*INFER, "--method", "flops", "--task", "gpqa", "--json")
    assert base.returncode == 0 and gpqa.returncode == 0, (base.stderr, gpqa.stderr)
    b, g = json.loads(base.stdout), json.loads(gpqa.stdout)
    assert b["per_request_wh"]["accelerators"] == g["per_request_wh"]["accelerators"]
    assert b["cross_check"]["accelerators_wh"] != g["cross_check"]["accelerators_wh"]


def test_user_location_with_end_to_end_is_used() -> None:
    e2e = [*INFER, "--boundary", "end-to-end", "--device-seconds", "30", "--location", "USA"]
    here = run(*e2e, "--json")
    fra = run(*e2e, "--user-location", "FRA", "--json")
    assert here.returncode == 0 and fra.returncode == 0, (here.stderr, fra.stderr)
    assert json.loads(here.stdout)["end_to_end"] != json.loads(fra.stdout)["end_to_end"]


def test_library_rules_for_python_users() -> None:
    from empreinte.estimate.inference import estimate_inference
    from empreinte.estimate.training import estimate_training

    with pytest.raises(EstimateError, match="user-location belongs"):
        estimate_inference(model="llama-3.1-8b", output_tokens=300, user_location="FRA")
    with pytest.raises(EstimateError, match="batch belongs to the fitted method"):
        estimate_inference(
            model="llama-3.1-8b",
            output_tokens=300,
            method="flops",
            hardware="nvidia-a100-sxm4-80gb",
            batch=8,
        )
    with pytest.raises(EstimateError, match="not both"):
        estimate_training(hardware="nvidia-h100-sxm", accelerator_hours=1e6, flops=1e24)


# -- the table's boundary label ---------------------------------------------------------------


@pytest.mark.parametrize("boundary", ["full", "accelerators"])
def test_training_table_names_its_boundary(boundary: str) -> None:
    out = run(*TRAIN, "--accelerator-hours", "1e6", "--boundary", boundary)
    assert out.returncode == 0, out.stderr
    assert f"energy: {boundary} boundary (MWh)" in out.stdout
    other = "full" if boundary == "accelerators" else "accelerators"
    assert f"energy: {other} boundary" not in out.stdout
