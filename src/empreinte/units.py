"""One rule for showing quantities, in the web pages, the exports and the command line.

Values are stored in the report's units (kWh, kgCO2e, L, MJ, kgSbeq); this module only decides
how they are *shown*. The rule (``docs/report.md``, "How numbers are shown"):

- energy per **token**: joules (``0.31 J``);
- energy per **request**, prompt or query: watt-hours (``0.24 Wh``), joules below 0.001 Wh;
- energy of a **run** (any other total): ``J`` below 0.01 Wh, then ``Wh``, ``kWh``, ``MWh`` (kept up
  to 9,999 MWh, as training runs are quoted: ``1,287 MWh``), ``GWh``, ``TWh``;
- greenhouse gases: ``µg``, ``mg``, ``g`` (from 0.001 g), ``kg``, ``t`` CO2e (then ``Mt``);
- water: ``µL``, ``mL``, ``L``, ``m³``; primary energy: ``J``, ``kJ``, ``MJ``, ``GJ``, ``TJ``;
- data (stored in GB): ``B``, ``kB``, ``MB``, ``GB``, ``TB``, ``PB`` (decimal prefixes).

Never two prefixes that differ only by case (``mWh`` beside ``MWh``, ``mJ`` beside ``MJ``, ``mL``
beside ``ML``): those prefixes are not used at all. Numbers get three significant digits by
default and thousands separators; very large or small ones never fall back to ``1.2e+05``.
A chart axis takes one unit for all its ticks (:func:`axis_unit`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from empreinte.vocabulary import J_PER_KWH

__all__ = [
    "PER_REQUEST",
    "axis_unit",
    "energy",
    "human",
    "number",
    "per_scale",
    "scale",
    "with_bounds",
]

PER_REQUEST = frozenset({"request", "prompt", "query", "message", "conversation", "call"})
"""Functional units whose energy is shown in Wh (else, per token in J, else a run's scale)."""

# Stored unit -> [(threshold, size, symbol)], both in the stored unit, smallest first: a value
# is shown in the largest unit whose threshold it reaches (MWh is kept up to 9,999 MWh; grams
# down to 0.001 g, as per-prompt figures are quoted: 0.03 gCO2e; Wh down to 0.01 Wh).
_Scale = list[tuple[float, float, str]]
_MASS: _Scale = [
    (0.0, 1e-9, "µg"),
    (1e-8, 1e-6, "mg"),
    (1e-6, 1e-3, "g"),
    (1.0, 1.0, "kg"),
    (1e3, 1e3, "t"),
    (1e9, 1e9, "Mt"),
]
_SCALES: dict[str, _Scale] = {
    "kWh": [
        (0.0, 1 / J_PER_KWH, "J"),
        (1e-5, 1e-3, "Wh"),
        (1.0, 1.0, "kWh"),
        (1e3, 1e3, "MWh"),
        (1e7, 1e6, "GWh"),
        (1e9, 1e9, "TWh"),
    ],
    "kg": _MASS,
    "kgCO2e": [(t, m, f"{u}CO2e") for t, m, u in _MASS],
    "kgSbeq": [(t, m, f"{u}Sbeq") for t, m, u in _MASS],
    "L": [(0.0, 1e-6, "µL"), (1e-3, 1e-3, "mL"), (1.0, 1.0, "L"), (1e3, 1e3, "m³")],
    "MJ": [
        (0.0, 1e-6, "J"),
        (1e-3, 1e-3, "kJ"),
        (1.0, 1.0, "MJ"),
        (1e3, 1e3, "GJ"),
        (1e6, 1e6, "TJ"),
    ],
    "GB": [
        (0.0, 1e-9, "B"),
        (1e-6, 1e-6, "kB"),
        (1e-3, 1e-3, "MB"),
        (1.0, 1.0, "GB"),
        (1e3, 1e3, "TB"),
        (1e6, 1e6, "PB"),
    ],
}


def number(x: float | None, digits: int = 3) -> str:
    """``x`` with ``digits`` significant digits and thousands separators (``—`` if missing).

    >>> number(1287.4)
    '1,287'
    >>> number(0.000221)
    '0.000221'
    """
    if x is None:
        return "—"
    if x == 0:
        return "0"
    if not math.isfinite(x):
        return str(x)
    mag = abs(x)
    if mag < 1e-9 or mag >= 1e18:  # beyond any unit's range: a power of ten, not 300 zeros
        mantissa, _, exp = f"{x:.{max(digits - 1, 0)}e}".partition("e")  # no 10**-324 underflow
        return f"{number(float(mantissa), digits)}×10^{int(exp)}"
    decimals = max(0, digits - 1 - math.floor(math.log10(mag)))
    s = f"{x:,.{decimals}f}"  # the integer part is never rounded: 1,287 not 1,290
    return s.rstrip("0").rstrip(".") if "." in s else s


def scale(x: float, unit: str) -> tuple[float, str]:
    """``(size in the stored unit, symbol)`` of the unit in which ``x`` (in ``unit``) is shown."""
    steps = _SCALES.get(unit)
    if steps is None or x == 0 or not math.isfinite(x):
        return 1.0, unit
    mag = abs(x)
    size, sym = steps[0][1], steps[0][2]
    for threshold, m, u in steps:
        if mag >= threshold * 0.9995:
            size, sym = m, u
    return size, sym


def human(x: float | None, unit: str, digits: int = 3) -> str:
    """``1287000`` kWh -> ``1,287 MWh`` (digits=4); ``552100`` kgCO2e -> ``552 tCO2e``."""
    if x is None:
        return "—"
    m, sym = scale(x, unit)
    return f"{number(x / m, digits)} {sym}"


def energy(kwh: float | None, per: str | None = None, digits: int = 3) -> str:
    """Energy in kWh shown by the rule of its functional unit ``per`` (token, request or a run).

    >>> energy(8.5e-8, per="token")
    '0.306 J'
    >>> energy(0.00024, per="prompt")
    '0.24 Wh'
    >>> energy(3.737e-05)
    '0.0374 Wh'
    """
    if kwh is None:
        return "—"
    unit = (per or "").lower().rstrip("s")
    if unit in ("token", "output_token", "output-token"):
        return f"{number(kwh * J_PER_KWH, digits)} J"
    if unit in PER_REQUEST:
        if abs(kwh) * 1e3 >= 1e-3 or kwh == 0:
            return f"{number(kwh * 1e3, digits)} Wh"
        return f"{number(kwh * J_PER_KWH, digits)} J"
    return human(kwh, "kWh", digits)


def axis_unit(values: Iterable[float | None], unit: str) -> tuple[float, str]:
    """One unit for a whole axis: the unit of its largest value (so ticks never mix prefixes)."""
    finite = [abs(v) for v in values if v is not None and math.isfinite(v) and v != 0]
    if not finite:
        return 1.0, unit
    return scale(max(finite), unit)


def per_scale(kwh: float, per: str) -> tuple[float, str]:
    """``(kWh per shown unit, symbol)`` of an energy ``kwh`` per ``per``, by :func:`energy`'s
    rule (J per token, Wh per request, J below 0.001 Wh; a run's scale otherwise)."""
    unit = per.lower().rstrip("s")
    if unit in ("token", "output_token", "output-token"):
        return 1 / J_PER_KWH, "J"
    if unit in PER_REQUEST and abs(kwh) * 1e3 >= 1e-3:
        return 1e-3, "Wh"
    if unit in PER_REQUEST:
        return 1 / J_PER_KWH, "J"
    return scale(kwh, "kWh")


def with_bounds(
    value: float | None,
    low: float | None,
    high: float | None,
    unit: str,
    digits: int = 3,
    per: str | None = None,
) -> str:
    """``value unit [low – high]``, the bounds in the value's unit (``—`` if missing).

    An energy (``unit="kWh"``) per a functional unit ``per`` follows :func:`energy`'s rule.

    >>> with_bounds(666900.0, 300000.0, 1.2e6, "kgCO2e")
    '667 tCO2e [300 – 1,200]'
    >>> with_bounds(8.3e-6, 2.8e-6, 3.3e-5, "kWh", per="request")
    '0.0083 Wh [0.0028 – 0.033]'
    """
    if value is None:
        return "—"
    m, sym = per_scale(value, per) if per and unit == "kWh" else scale(value, unit)
    text = f"{number(value / m, digits)} {sym}"
    if low is not None and high is not None and (low != value or high != value):
        text += f" [{number(low / m, digits)} – {number(high / m, digits)}]"
    return text
