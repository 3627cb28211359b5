"""The one unit-formatting rule (empreinte.units): per token in J, per request in Wh, runs in
kWh/MWh/GWh, g/kg/t CO2e, and never two prefixes that differ only by case."""

from __future__ import annotations

import re

import pytest

from empreinte import units


@pytest.mark.parametrize(
    ("kwh", "per", "shown"),
    [
        (8.5e-8, "token", "0.306 J"),
        (8.5e-8, "output_token", "0.306 J"),
        (0.00024, "prompt", "0.24 Wh"),
        (0.000221, "request", "0.221 Wh"),
        (3e-8, "request", "0.108 J"),  # below 0.001 Wh: joules, not mWh
        (3.737e-05, None, "0.0374 Wh"),  # `report show` used to print 3.737e-05 kWh
        (3.79, "run", "3.79 kWh"),
        (1287000.0, None, "1,287 MWh"),
        (1.17e6, None, "1,170 MWh"),
        (5e7, None, "50 GWh"),
        (None, None, "—"),  # no reading is a dash, never zero
    ],
)
def test_energy_by_functional_unit(kwh: float | None, per: str | None, shown: str) -> None:
    assert units.energy(kwh, per) == shown


@pytest.mark.parametrize(
    ("kg", "shown"),
    [
        (666_900.0, "667 tCO2e"),  # the CLI used to print 6.669e+05 kgCO2e
        (552_100.0, "552 tCO2e"),
        (42_941.66, "42.9 tCO2e"),
        (12.0, "12 kgCO2e"),
        (3e-5, "0.03 gCO2e"),  # Google's per-prompt figure, as quoted
        (2e9, "2 MtCO2e"),
    ],
)
def test_mass(kg: float, shown: str) -> None:
    assert units.human(kg, "kgCO2e") == shown


def test_four_digits_for_published_figures() -> None:
    assert units.human(291_420.0, "kgCO2e", 4) == "291.4 tCO2e"
    assert units.human(24_690.0, "kgCO2e", 4) == "24.69 tCO2e"


def test_no_two_prefixes_differ_only_by_case_and_no_exponent() -> None:
    seen: dict[str, set[str]] = {}
    for unit in ("kWh", "kgCO2e", "L", "MJ", "kgSbeq", "GB"):
        for e in range(-12, 13):
            for m in (1.0, 3.3):
                shown = units.human(m * 10.0**e, unit)
                assert "e+" not in shown and "e-" not in shown, shown
                sym = shown.split(" ", 1)[1]
                seen.setdefault(sym.lower(), set()).add(sym)
    clashes = {k: v for k, v in seen.items() if len(v) > 1}
    assert not clashes, clashes
    assert not any(re.fullmatch(r"m(Wh|J)", s) for v in seen.values() for s in v)


def test_axis_unit_is_that_of_the_largest_value() -> None:
    assert units.axis_unit([0.000572, 690_000.0, None], "kWh") == (1e3, "MWh")
    assert units.axis_unit([None], "kWh") == (1.0, "kWh")


def test_extreme_magnitudes_never_divide_by_zero() -> None:
    # a subnormal float: 10.0 ** -324 underflows to 0, the mantissa comes from the float's text
    assert units.number(5e-324) == "4.94×10^-324"
    assert units.number(-2.5e-15) == "-2.5×10^-15" and units.number(3e20) == "3×10^20"


def test_a_duration_is_a_number_of_seconds_and_a_missing_one_is_not_zero() -> None:
    """The CLI summaries show a duration this way: a missing duration is ``—``, never ``0 s``."""
    assert units.human(12.345, "s") == "12.3 s"
    assert units.human(3725.0, "s") == "3,725 s"
    assert units.human(None, "s") == "—"


def test_data_quantities_in_bytes_prefixes() -> None:
    assert units.human(2e-6, "GB") == "2 kB"  # 2,000 bytes of a request, not 0.000002 GB
    assert units.human(0.05, "GB") == "50 MB" and units.human(1000.0, "GB") == "1 TB"
    assert units.human(3e-9, "GB") == "3 B" and units.human(2.5e6, "GB") == "2.5 PB"
