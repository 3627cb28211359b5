"""``empreinte.spark`` in Spark local mode: the single-machine totals, rel 1e-9 on every one.

One SparkSession for the module (local[1], no UI, small Arrow batches so that a partition is
estimated in several batches), a 3,000-row log,
two Spark jobs.
"""

from __future__ import annotations

import os
import shutil
import sys

import pytest

pytest.importorskip("pyspark")
pytest.importorskip("pandas")
pytest.importorskip("duckdb")
if shutil.which("java") is None:
    pytest.skip("PySpark needs a Java runtime (java not found)", allow_module_level=True)

from empreinte.estimate.logstream import stream_log
from empreinte.spark import IMPACT_COLUMNS, estimate_logs, log_totals, output_schema

from .logs_data import make_table, rel, write_formats

KEYS = ("model", "day", "provider", "grid_zone")


@pytest.fixture(scope="module")
def spark():
    from pyspark.sql import SparkSession

    # the workers run this interpreter (with empreinte and pyarrow), not whatever `python3`
    # is first on PATH
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (
        SparkSession.builder.master("local[1]")
        .appName("empreinte-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", "1000")
        .config("spark.driver.memory", "512m")
        # a short run on a small machine: a quick JIT and no code generation to compile
        .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    paths = write_formats(make_table(), tmp_path_factory.mktemp("spark"))
    return paths, stream_log(paths["parquet"], pue=1.2)


def test_spark_totals_match_the_single_machine_path(spark, log):
    paths, want = log
    df = spark.read.parquet(str(paths["dataset"]))  # partitioned: several Spark partitions
    impacts = estimate_logs(df, pue=1.2)
    assert impacts.schema == output_schema(df.schema)
    fine = log_totals(impacts, by=list(KEYS)).collect()  # one job, rolled up per key below
    worst = 0.0
    for key in KEYS:
        single = {
            r[key if key != "grid_zone" else "zone"]: r
            for r in want.totals_by(key if key != "grid_zone" else "zone")
        }
        spark_by: dict[str, list[float]] = {}
        for r in fine:
            acc = spark_by.setdefault(str(r[key]), [0, 0] + [0.0] * 6)
            acc[0] += r["requests"]
            acc[1] += r["estimated"]
            for j, c in enumerate(("energy_kwh", "gwp_kgco2e")):
                for m, s in enumerate(("", "_low", "_high")):
                    acc[2 + 3 * j + m] += r[f"{c}{s}"] or 0.0  # summed over groups, then checked
        assert sorted(spark_by) == sorted(single), key
        for k, acc in spark_by.items():
            w = single[k]
            assert acc[:2] == [w["requests"], w["estimated"]], (key, k)
            if not w["estimated"]:  # e.g. the unknown model: null sums in Spark, not zero
                assert w["energy_kwh"] is None and acc[2] == 0.0
                assert all(r["energy_kwh"] is None for r in fine if str(r[key]) == k)
                continue
            for j, q in enumerate(("energy_kwh", "gwp_kgco2e")):
                for m, s in enumerate(("value", "low", "high")):
                    worst = max(worst, rel(acc[2 + 3 * j + m], w[q][s]))
    assert worst <= 1e-9, worst


def test_spark_grand_total_and_rows_left_unestimated(spark, log):
    paths, want = log
    impacts = estimate_logs(spark.read.parquet(str(paths["parquet"])), pue=1.2)
    (total,) = log_totals(impacts, by=None).collect()
    assert total["requests"] == want.rows == 3000
    assert total["requests"] - total["estimated"] == want.unestimated > 0
    for q, crit in (("energy_kwh", "facility_energy_kwh"), ("gwp_kgco2e", "gwp_kgco2e")):
        t = want.total(crit)
        assert rel(total[q], t.value) <= 1e-9 and rel(total[f"{q}_high"], t.high) <= 1e-9
    assert rel(total["water_l"], want.total("water_l").value) <= 1e-9
    row = impacts.where("model = 'qwen3-8b' AND output_tokens > 0").first()
    assert row is not None and row["energy_wh_low"] < row["energy_wh"] < row["energy_wh_high"]
    assert set(IMPACT_COLUMNS) <= set(impacts.columns) and row["day"].startswith("2026-01")
