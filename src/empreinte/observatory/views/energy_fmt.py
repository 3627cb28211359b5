"""Energy as the leaderboard and analyses pages write it: the one place to switch to the shared
unit module when it lands (issue 9, item 5: J per token, Wh per request or prompt, kWh to GWh
per run; never two prefixes on one column that differ only by case)."""

from __future__ import annotations

from empreinte.measure.base import J_PER_KWH
from empreinte.observatory.views import charts

__all__ = ["PER_USE", "energy_text", "joules", "sig"]

PER_USE = ("request", "prompt", "query", "inference", "output_token", "token")
"""Functional units written in Wh (a use), not kWh and up (a run)."""


def joules(x: float) -> str:
    """Joules (``0.0702 J``); below a millijoule, in Wh with its prefix."""
    return f"{charts.fmt(x)} J" if x >= 1e-3 else charts.human(x / J_PER_KWH, "kWh")


def sig(x: float) -> str:
    """Three significant digits without an exponent (benchmark values go down to 1e-6 Wh)."""
    if x == 0:
        return "0"
    digits = max(0, 2 - int(f"{abs(x):e}".split("e")[1]))
    return f"{x:.{digits}f}"


def energy_text(
    kwh: float | None, unit: str | None = None, low: float | None = None, high: float | None = None
) -> str:
    """The issue's rule, in one place until the shared unit module lands: Wh per request,
    prompt or inference; kWh, MWh, GWh for a run (never mWh beside MWh in one column)."""
    if kwh is None:
        return "—"
    if unit in PER_USE:
        text = f"{charts.fmt(kwh * 1e3)} Wh"
        if low is not None and high is not None and (low, high) != (kwh, kwh):
            text += f" [{charts.fmt(low * 1e3)} – {charts.fmt(high * 1e3)}]"
        return text
    if kwh < 1.0:  # a tiny run (shown only on request): its own prefix
        return charts.human(kwh, "kWh")
    m, sym = next(
        ((m, u) for m, u in ((1e9, "TWh"), (1e6, "GWh"), (1e3, "MWh")) if kwh >= m * 0.9995),
        (1.0, "kWh"),
    )  # a run: kWh at least
    text = f"{charts.fmt(kwh / m)} {sym}"
    if low is not None and high is not None and (low, high) != (kwh, kwh):
        text += f" [{charts.fmt(low / m)} – {charts.fmt(high / m)}]"
    return text
