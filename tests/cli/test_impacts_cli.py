"""``empreinte impacts`` and ``--version`` through real subprocesses."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from empreinte import __version__

EXE = [sys.executable, "-m", "empreinte.cli"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "EMPREINTE_LOCATION": ""}
    return subprocess.run([*EXE, *args], capture_output=True, text=True, env=env, timeout=60)


def test_version() -> None:
    out = run("--version")
    assert out.returncode == 0
    assert out.stdout.strip() == f"empreinte {__version__}"


def test_impacts_json_has_all_criteria_bounds_and_sources() -> None:
    out = run("impacts", "--energy-kwh", "100", "--location", "FRA", "--pue", "1.2", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert set(data["impacts"]) == {"gwp_kgco2e", "adpe_kgsbe", "pe_mj", "water_l"}
    for crit in data["impacts"].values():
        assert {"value", "low", "high"} <= set(crit["total"])
    assert abs(data["impacts"]["gwp_kgco2e"]["usage"]["value"] - 6.72468) < 1e-9
    assert "ecologits-electricity-mix" in data["sources"]
    assert any(s["name"] == "facility_energy_kwh" for s in data["explain"])


def test_impacts_table_with_hardware() -> None:
    out = run(
        "impacts",
        "--energy-kwh",
        "100",
        "--location",
        "FRA",
        "--pue",
        "1.2",
        "--hardware",
        "H100 SXM",
        "--count",
        "8",
        "--hours",
        "10",
        "--server",
        "hgx-8gpu",
    )
    assert out.returncode == 0, out.stderr
    assert "gwp_kgco2e" in out.stdout and "embodied" in out.stdout


def test_unknown_zone_is_one_line_with_suggestions() -> None:
    out = run("impacts", "--energy-kwh", "1", "--location", "FRQ")
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "error: --location: unknown zone 'FRQ' (did you mean: IRQ, FRO, FRA?)"
    )
    assert "Traceback" not in out.stderr


def test_missing_hours_is_a_clear_error() -> None:
    out = run("impacts", "--energy-kwh", "1", "--location", "FRA", "--hardware", "H100 SXM")
    assert out.returncode == 2
    assert "--hours" in out.stderr


def test_impacts_non_finite_numbers_are_one_line_errors() -> None:
    """``inf`` passes Typer's ``min=0``: it must not reach the JSON as ``Infinity``."""
    for args in (
        ["--energy-kwh", "inf", "--json"],
        ["--energy-kwh", "10", "--pue", "inf"],
        ["--energy-kwh", "10", "--wue", "inf"],
        ["--energy-kwh", "10", "--hardware", "nvidia-h100-sxm", "--hours", "inf"],
        ["--energy-kwh", "10", "--hardware", "nvidia-h100-sxm", "--hours", "1", "--count", "inf"],
    ):
        out = run("impacts", *args)
        assert out.returncode == 2, (args, out.stdout)
        assert "Infinity" not in out.stdout
        lines = out.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), out.stderr
        assert "finite" in lines[0] and args[args.index("inf") - 1] in lines[0], lines[0]


def test_impacts_table_uses_the_units_rule() -> None:
    """Issue 9: one units rule in the CLI (MWh and tCO2e, never exponents)."""
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "empreinte.cli", "impacts", "--energy-kwh", "1287000",
         "--location", "USA", "--pue", "1.1"],
        capture_output=True, text=True, timeout=60, env={**__import__("os").environ,
        "COLUMNS": "200"},
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "IT energy 1,287 MWh, facility 1,416 MWh" in out.stdout
    assert "tCO2e" in out.stdout and "e+0" not in out.stdout and "e-0" not in out.stdout


def test_count_needs_hardware_and_more_than_zero() -> None:
    out = run("impacts", "--energy-kwh", "10", "--count", "8")
    assert out.returncode == 2 and "--count applies" in out.stderr
    out = run("impacts", "--energy-kwh", "10", "--hardware", "H100 SXM", "--hours", "10",
              "--count", "0")  # fmt: skip
    assert out.returncode == 2 and "--count must be more than 0" in out.stderr
    eight = run("impacts", "--energy-kwh", "10", "--hardware", "H100 SXM", "--hours", "10",
                "--count", "8", "--json")  # fmt: skip
    one = run("impacts", "--energy-kwh", "10", "--hardware", "H100 SXM", "--hours", "10", "--json")
    emb8 = json.loads(eight.stdout)["impacts"]["gwp_kgco2e"]["embodied"]["value"]
    emb1 = json.loads(one.stdout)["impacts"]["gwp_kgco2e"]["embodied"]["value"]
    assert emb8 > 7 * emb1  # eight accelerators' share (the default is one)
