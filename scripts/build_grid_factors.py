"""Build ``src/empreinte/factors/data/grid.csv`` from the shared electricity-factors file.

Reproducible audit of the EcoLogits electricity-mix file (see docs/factors.md, "Grid audit"):

1. ``WOR`` ADPe (1.349e-8 kgSb/kWh) and PE (2.5871 MJ/kWh) disagree with ADEME's world mix
   (7.38e-8 kgSb/kWh, 9.99 MJ/kWh) by 5x and 4x: they are replaced by ADEME's values.
2. Zones whose ADPe / PE / water fall back to the world figure inherit the corrected world
   value, with a range spanning the 10th-90th percentiles of zones that have their own data
   (a fallback says nothing about the zone, so the range must be wide).
3. ``CAF`` has a GWP of 0.0 (operational emissions of an almost all-hydro grid); a life-cycle
   factor is never zero: IPCC AR5 Annex III hydropower (min 1, median 24 gCO2e/kWh) is used,
   with the high bound at 200 g.
4. GWP: the latest year per zone of Ember's carbon intensity via Our World in Data
   (``scripts/data/ember-owid-carbon-intensity.csv``, mostly 2023) replaces the EcoLogits
   figure (an older year, not recorded: FRA was 0.0414 against 0.056 in 2023); the year goes in
   ``gwp_year``. The range spans both data years, and at least ±10 % around the latest (an
   assumption standing for the 10-25 % year-to-year swings of the series; source
   ``empreinte-default``). ``WOR`` and ``EEE`` are not in the newer file and keep EcoLogits'.
5. Primary energy has one definition, total primary energy (renewable + non-renewable), as the
   world and embodied values are. Zone values below 3.6 MJ/kWh (e.g. ISL 0.013, NOR 0.139)
   count non-renewable energy only: under the physical energy content method (Eurostat) a kWh
   of electricity is at least 3.6 MJ of primary energy, so they become 3.6 MJ/kWh (low) with
   the high bound of the fallback band, flagged ``audit-pe-nonrenewable-only``.
6. ADPe and water: zone-specific values carry no spread in the source: low = high = value.

Run: ``python scripts/build_grid_factors.py [SOURCE_CSV]``.
"""

from __future__ import annotations

import csv
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT.parent / "shared" / "data" / "electricity-factors-by-country.csv"
OUT = ROOT / "src" / "empreinte" / "factors" / "data" / "grid.csv"

ADEME_WORLD = {"adpe": 7.38e-8, "pe": 9.99}
EMBER = ROOT / "scripts" / "data" / "ember-owid-carbon-intensity.csv"
YEAR_SWING = 0.10  # assumption: minimum relative half-width of a zone's GWP range
PE_FLOOR_MJ = 3.6  # MJ of primary energy per kWh of electricity, physical energy content


def ember() -> dict[str, tuple[float, int]]:
    lines = [ln for ln in EMBER.read_text(encoding="utf-8").splitlines() if not ln.startswith("#")]
    return {
        r["zone"]: (float(r["gco2e_per_kwh"]) / 1000.0, int(r["year"]))
        for r in csv.DictReader(lines)
    }


COLS = {
    "gwp": "gwp_kgco2e_per_kwh",
    "adpe": "adpe_kgsbe_per_kwh",
    "pe": "pe_mj_per_kwh",
    "water": "water_offsite_l_per_kwh",
}
FLAG = {
    "adpe": "electricity-mix-adpe-world",
    "pe": "electricity-mix-pe-world",
    "water": "electricity-mix-wue-world",
}


def pct(values: list[float], q: float) -> float:
    qs = statistics.quantiles(values, n=100, method="inclusive")
    return qs[int(q) - 1]


def main(src: Path = SRC) -> None:
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    own: dict[str, list[float]] = {k: [] for k in COLS}
    for r in rows:
        flags = set(filter(None, r["fallback_flags"].split(";")))
        for k, col in COLS.items():
            if r["zone"] not in ("WOR", "EEE") and FLAG.get(k) not in flags:
                own[k].append(float(r[col]))
    bands = {k: (pct(v, 10), pct(v, 90)) for k, v in own.items()}
    world = {k: float(next(r for r in rows if r["zone"] == "WOR")[c]) for k, c in COLS.items()}
    world.update(ADEME_WORLD)

    latest = ember()
    out = []
    for r in rows:
        flags = [f for f in r["fallback_flags"].split(";") if f]
        sources = ["ecologits-electricity-mix"]
        rec: dict[str, object] = {"zone": r["zone"], "gwp_year": ""}
        for k, col in COLS.items():
            v = float(r[col])
            lo = hi = v
            if r["zone"] == "WOR" and k in ADEME_WORLD:
                v = lo = hi = ADEME_WORLD[k]
                flags.append(f"audit-world-{k}-ademe")
                sources.append("ademe-world-mix")
            elif FLAG.get(k) in flags:
                v = world[k]
                lo, hi = min(bands[k][0], v), max(bands[k][1], v)
                if k in ADEME_WORLD:
                    sources.append("ademe-world-mix")
                sources.append("empreinte-grid-audit")
            if k == "gwp" and r["zone"] in latest:
                new, year = latest[r["zone"]]
                if new > 0:
                    rec["gwp_year"] = year
                    lo = min(v, new, new * (1 - YEAR_SWING)) if v > 0 else new * (1 - YEAR_SWING)
                    hi = max(v, new, new * (1 + YEAR_SWING))
                    v = new
                    sources += ["ember-owid-carbon-intensity", "empreinte-default"]
            if k == "gwp" and v == 0.0:
                v, lo, hi = 0.024, 0.001, 0.2
                flags.append("audit-gwp-zero-replaced")
                sources.append("ipcc-ar5-annex3")
            if k == "pe" and v < PE_FLOOR_MJ:
                v, lo, hi = PE_FLOOR_MJ, PE_FLOOR_MJ, max(bands["pe"][1], PE_FLOOR_MJ)
                flags.append("audit-pe-nonrenewable-only")
                sources.append("eurostat-energy-balances")
            rec[k], rec[k + "_low"], rec[k + "_high"] = (f"{x:.6g}" for x in (v, lo, hi))
        rec["sources"] = ";".join(dict.fromkeys(sources))
        rec["flags"] = ";".join(flags)
        out.append(rec)
    fields = (
        ["zone"]
        + [f"{k}{s}" for k in COLS for s in ("", "_low", "_high")]
        + ["gwp_year", "sources", "flags"]
    )
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        fh.write(
            "# grid factors per zone: gwp kgCO2e/kWh, adpe kgSbeq/kWh, pe MJ/kWh, "
            "water (off-site) L/kWh. Built by scripts/build_grid_factors.py; see docs/factors.md\n"
        )
        w = csv.DictWriter(fh, fieldnames=fields, lineterminator="\n")
        w.writeheader()
        w.writerows(out)
    print(f"wrote {len(out)} zones to {OUT.relative_to(ROOT)}; fallback bands P10-P90: {bands}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else SRC)
