"""Impacts from DuckDB SQL (``empreinte.duckdb``): the streaming path's numbers."""

from __future__ import annotations

import pytest

duckdb = pytest.importorskip("duckdb")
pytest.importorskip("pyarrow")

import empreinte.duckdb as edb  # noqa: E402
from empreinte.estimate.logstream import stream_log  # noqa: E402

from .logs_data import make_table, rel, write_formats  # noqa: E402

SUMS = ", ".join(
    f"sum(i.{c}{s}) AS {c}{s}" for c in ("energy_wh", "gwp_gco2e") for s in ("", "_low", "_high")
)


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    paths = write_formats(make_table(), tmp_path_factory.mktemp("sql"))
    return paths["parquet"], stream_log(paths["parquet"], pue=1.2)


def _check(rows, want, key):
    """SQL totals (Wh, g) against the streaming totals (kWh, kg), rel 1e-12; null when none."""
    by = {
        r["zone" if key == "grid_zone" else key]: r
        for r in want.totals_by("zone" if key == "grid_zone" else key)
    }
    assert sorted(r[0] for r in rows) == sorted(by)
    worst = 0.0
    for k, n, done, *sums in rows:
        w = by[k]
        assert (n, done) == (w["requests"], w["estimated"])
        if not done:
            assert all(s is None for s in sums)  # no estimated row: null, not zero
            continue
        for j, q in enumerate(("energy_kwh", "gwp_kgco2e")):
            for m, s in enumerate(("value", "low", "high")):
                worst = max(worst, rel(sums[3 * j + m] / 1e3, w[q][s]))
    assert worst <= 1e-12


def test_registered_function_gives_the_streaming_totals(log):
    path, want = log
    con = duckdb.connect()
    edb.register(con, pue=1.2)
    for key in ("model", "provider", "grid_zone"):
        col = "i.grid_zone" if key == "grid_zone" else key
        rows = con.sql(
            f"SELECT {col} AS k, count(*), count(i.energy_wh), {SUMS} FROM ("
            f"  SELECT *, empreinte_impacts(model, input_tokens, output_tokens, zone) AS i"
            f"  FROM read_parquet('{path}')) GROUP BY k"
        ).fetchall()
        _check(rows, want, key)


def test_registered_function_with_no_zone_uses_the_location():
    con = duckdb.connect()
    edb.register(con, name="fr", location="FRA", pue=1.2)
    row = con.sql("SELECT fr('qwen3-8b', NULL, 300, NULL) AS i").fetchall()[0][0]
    assert (
        row["grid_zone"] == "FRA"
        and row["energy_wh_low"] < row["energy_wh"] < row["energy_wh_high"]
    )
    nothing = con.sql("SELECT fr('no-such-model', NULL, 300, NULL) AS i").fetchall()[0][0]
    assert nothing["energy_wh"] is None  # not estimated: null, never zero


def test_impacts_relation_gives_the_streaming_totals(log):
    path, want = log
    con = duckdb.connect()
    rel_ = edb.impacts(con, f"SELECT * FROM read_parquet('{path}')", batch_rows=700, pue=1.2)
    con.register("impacts", rel_)
    con.execute("CREATE TABLE t AS SELECT * FROM impacts")
    assert con.sql("SELECT count(*) FROM t").fetchall()[0][0] == 3000
    for key in ("model", "day", "grid_zone"):
        cols = ", ".join(
            f"sum({c}{s})" for c in ("energy_wh", "gwp_gco2e") for s in ("", "_low", "_high")
        )
        rows = con.sql(
            f"SELECT {key}, count(*), count(energy_wh), {cols} FROM t GROUP BY {key}"
        ).fetchall()
        _check([(str(r[0]), *r[1:]) for r in rows], want, key)
