"""Benchmark: request logs at scale — streaming (DuckDB), Spark local mode, EcoLogits per request.

Usage::

    python benchmarks/bench_logs_scale.py                      # 10M and 100M rows, Spark on 10M
    python benchmarks/bench_logs_scale.py --rows 1000000 --spark-rows 1000000   # a quick look

Writes synthetic logs as Parquet with DuckDB (5 models, 4 zones, 3 providers, a year of
timestamps; each row's values are hashes of its number; files of 1M rows under ``--dir``,
shared by the sizes and reused; nothing downloaded), then, each in a fresh process whose peak
memory is measured (resident set of the process and its children, sampled every 50 ms, and the
kernel's ``ru_maxrss``):

- ``stream_log`` (what ``empreinte estimate log DIR`` runs) on every size: rows/s, CPU seconds
  (all threads: the rate an idle machine would reach), peak RSS;
- DuckDB SQL on ``--sql-rows``: the registered function and the Arrow-batch relation, rows/s;
- Spark local mode (``local[2]``) on ``--spark-rows``: ``estimate_logs`` then ``log_totals``
  by model, day, provider and grid zone in one job; its totals are checked against the
  streaming path's (relative difference ≤ 1e-9 on every total) and the worst is printed;
- EcoLogits' ``compute_llm_impacts`` per request as the reference, in its own environment
  (``--peers``, default ``benchmarks/.venv-peers``: ``python -m venv benchmarks/.venv-peers &&
  benchmarks/.venv-peers/bin/pip install ecologits``; never a project dependency). Skipped with
  a message when that environment has no EcoLogits.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

MODELS = ["llama-3.1-8b", "qwen3-8b", "gpt-4o", "gpt-4o-mini", "meta-llama/Llama-3.1-70B-Instruct"]
ZONES = ["FRA", "USA", "DEU", "cloud:aws:eu-west-3"]
PROVIDERS = ["openai", "meta", "alibaba"]
FILE_ROWS = 1_000_000
ROOT = Path(__file__).resolve().parents[1]


_ROWS_SQL = """COPY (SELECT
  {models}[1 + (hash(i, 1) % 5)::INTEGER] AS model,
  (10 + hash(i, 2) % 1990)::BIGINT AS input_tokens,
  (1 + hash(i, 3) % 1499)::BIGINT AS output_tokens,
  make_timestamp((1767225600 + hash(i, 4) % (86400 * 365))::BIGINT * 1000000) AS timestamp,
  {zones}[1 + (hash(i, 5) % 4)::INTEGER] AS zone,
  {providers}[1 + (hash(i, 6) % 3)::INTEGER] AS provider
FROM range({start}, {stop}) t(i)) TO '{path}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)"""


def write_log(root: Path, rows: int) -> Path:
    """A directory of ``rows`` synthetic requests: links to the first ``rows / 1M`` files of a
    shared pool, so 10M rows are the first tenth of 100M. Row ``i``'s columns are hashes of
    ``i`` (deterministic, uniform), written by DuckDB."""
    import duckdb

    pool = root / "pool"
    pool.mkdir(parents=True, exist_ok=True)
    d = root / f"log-{rows}"
    d.mkdir(exist_ok=True)
    con = duckdb.connect()
    for i, start in enumerate(range(0, rows, FILE_ROWS)):
        n = min(FILE_ROWS, rows - start)
        f = pool / f"part-{i:05d}-{n}.parquet"
        if not f.exists():
            tmp = f.with_suffix(".tmp")
            con.execute(
                _ROWS_SQL.format(
                    models=MODELS,
                    zones=ZONES,
                    providers=PROVIDERS,
                    start=start,
                    stop=start + n,
                    path=tmp,
                )
            )
            tmp.rename(f)
        link = d / f.name
        if not link.exists():
            link.symlink_to(f)
    con.close()
    return d


def _measured(cmd: list[str], timeout: float) -> tuple[dict[str, Any], float, float, float]:
    """Run ``cmd`` (prints one JSON line last); its result, wall s, peak RSS of its process
    tree (sampled) and its own ru_maxrss, in MiB."""
    import tempfile

    import psutil

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        ps = psutil.Process(proc.pid)
        peak = 0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            try:
                tree = [ps, *ps.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            if time.perf_counter() - t0 > timeout:
                proc.kill()
                raise TimeoutError(f"{cmd[:3]} ran past {timeout} s")
            time.sleep(0.05)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"benchmark step failed:\n{err.read()[-3000:]}")
        result = json.loads(out.read().strip().splitlines()[-1])
    return result, wall, peak / 2**20, usage.ru_maxrss / 1024


STREAM = """
import json, resource, sys, time
from empreinte.estimate.logstream import stream_log
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0, c0 = time.perf_counter(), cpu()
t = stream_log(sys.argv[1], pue=1.2)
wall, used = time.perf_counter() - t0, cpu() - c0
t.to_report()
tot = {k: t.totals_by(k) for k in ("model", "day", "provider", "zone")}
print(json.dumps({"rows": t.rows, "seconds": wall, "cpu": used, "totals": tot}))
"""

SQL = """
import json, sys, time
import duckdb
import empreinte.duckdb as edb
con = duckdb.connect(config={"threads": 2})
edb.register(con, pue=1.2)
n = int(sys.argv[2])
src = f"(SELECT * FROM read_parquet('{sys.argv[1]}/*.parquet') LIMIT {n})"
t0 = time.perf_counter()
con.sql("SELECT sum(i.energy_wh) FROM (SELECT empreinte_impacts(model, input_tokens, "
        f"output_tokens, zone) AS i FROM {src})").fetchall()
t1 = time.perf_counter()
con.register("imp", edb.impacts(con, f"SELECT * FROM {src}", pue=1.2))
con.sql("SELECT sum(energy_wh) FROM imp").fetchall()
t2 = time.perf_counter()
print(json.dumps({"udf": t1 - t0, "relation": t2 - t1}))
"""

SPARK = """
import json, sys, time
t0 = time.perf_counter()
from pyspark.sql import SparkSession
spark = (SparkSession.builder.master("local[2]").appName("bench")
    .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "2")
    .config("spark.sql.session.timeZone", "UTC").config("spark.driver.memory", "1g")
    .config("spark.sql.execution.arrow.maxRecordsPerBatch", "500000").getOrCreate())
spark.sparkContext.setLogLevel("ERROR")
from empreinte.spark import estimate_logs, log_totals
t1 = time.perf_counter()
keys = ["model", "day", "provider", "grid_zone"]
rows = log_totals(estimate_logs(spark.read.parquet(sys.argv[1]), pue=1.2), by=keys).collect()
t2 = time.perf_counter()
spark.stop()
print(json.dumps({"start": t1 - t0, "seconds": t2 - t1, "rows": [r.asDict() for r in rows]}))
"""

ECOLOGITS = """
import json, random, sys, time
from ecologits.impacts.llm import compute_llm_impacts
rng = random.Random(0)
n = int(sys.argv[1])
args = [dict(model_active_parameter_count=70.0, model_total_parameter_count=70.0,
             output_token_count=float(rng.randint(1, 1499)), if_electricity_mix_adpe=4.858e-08,
             if_electricity_mix_pe=9.3135, if_electricity_mix_gwp=0.04144,
             if_electricity_mix_wue=3.6737, datacenter_pue=1.2, datacenter_wue=0.5,
             request_latency=5.0) for _ in range(n)]
compute_llm_impacts(**args[0])
t = time.perf_counter()
for a in args:
    compute_llm_impacts(**a)
import ecologits
print(json.dumps({"per_request": (time.perf_counter() - t) / n,
                  "version": getattr(ecologits, "__version__", "?")}))
"""


def spark_agreement(stream: dict[str, Any], spark_rows: list[dict[str, Any]]) -> float:
    """Worst relative difference between Spark's and the streaming path's totals."""
    worst = 0.0
    pairs = (("model", "model"), ("day", "day"), ("provider", "provider"), ("zone", "grid_zone"))
    for key, skey in pairs:
        agg: dict[str, list[float]] = {}
        for r in spark_rows:
            a = agg.setdefault(str(r[skey]), [0.0] * 8)
            a[0] += r["requests"]
            a[1] += r["estimated"]
            for j, c in enumerate(("energy_kwh", "gwp_kgco2e")):
                for m, s in enumerate(("", "_low", "_high")):
                    a[2 + 3 * j + m] += r[f"{c}{s}"] or 0.0
        for w in stream["totals"][key]:
            a = agg.pop(str(w[key]))
            assert (a[0], a[1]) == (w["requests"], w["estimated"]), (key, w[key])
            for j, q in enumerate(("energy_kwh", "gwp_kgco2e")):
                for m, s in enumerate(("value", "low", "high")):
                    if w[q] is not None:
                        x, y = a[2 + 3 * j + m], w[q][s]
                        worst = max(worst, abs(x - y) / abs(y))
        assert not agg, f"groups only in Spark: {sorted(agg)[:5]}"
    return worst


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, nargs="+", default=[10_000_000, 100_000_000])
    ap.add_argument("--spark-rows", type=int, nargs="*", default=[10_000_000])
    ap.add_argument("--sql-rows", type=int, default=1_000_000, help="DuckDB SQL rows timed")
    ap.add_argument("--dir", type=Path, default=Path("/tmp/empreinte-bench-logs"))
    ap.add_argument("--peers", type=Path, default=ROOT / "benchmarks" / ".venv-peers")
    ap.add_argument("--sample", type=int, default=2000, help="EcoLogits requests timed")
    ap.add_argument("--timeout", type=float, default=900)
    a = ap.parse_args()
    load = os.getloadavg()
    print(
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}; "
        f"Python {platform.python_version()}"
    )
    py = sys.executable
    results: dict[int, dict[str, Any]] = {}
    for rows in sorted(set(a.rows) | set(a.spark_rows)):
        t = time.perf_counter()
        d = write_log(a.dir, rows)
        print(f"{rows:>12,} rows of Parquet in {d} ({time.perf_counter() - t:.0f} s to make)")
        res, wall, peak, maxrss = _measured([py, "-c", STREAM, str(d)], a.timeout)
        results[rows] = res
        print(
            f"  streaming (DuckDB): {res['seconds']:.1f} s, {rows / res['seconds']:,.0f} rows/s "
            f"(CPU {res['cpu']:.1f} s, {res['cpu'] / rows * 1e6:.2f} CPU s per million rows); "
            f"process {wall:.1f} s; peak RSS {peak:,.0f} MiB (ru_maxrss {maxrss:,.0f} MiB)"
        )
    d = a.dir / f"log-{min(results)}"
    n = min(a.sql_rows, min(results))
    res, _, peak, _ = _measured([py, "-c", SQL, str(d), str(n)], a.timeout)
    print(
        f"  DuckDB SQL on {n:,} rows: function empreinte_impacts {n / res['udf']:,.0f} rows/s, "
        f"relation empreinte.duckdb.impacts {n / res['relation']:,.0f} rows/s"
    )
    for rows in a.spark_rows:
        d = a.dir / f"log-{rows}"
        try:
            res, wall, peak, _ = _measured([py, "-c", SPARK, str(d)], a.timeout)
        except (RuntimeError, TimeoutError) as exc:
            print(f"  Spark local[2] on {rows:,} rows: skipped ({str(exc)[:300]})")
            continue
        worst = spark_agreement(results[rows], res["rows"])
        print(
            f"  Spark local[2] on {rows:,} rows: {res['seconds']:.1f} s, "
            f"{rows / res['seconds']:,.0f} rows/s (+ {res['start']:.1f} s session start); "
            f"peak RSS of JVM + Python workers {peak:,.0f} MiB; "
            f"worst relative difference from streaming {worst:.1e}"
        )
        assert worst <= 1e-9, worst
    peers = a.peers / "bin" / "python"
    if not peers.exists():
        print(f"EcoLogits: skipped, no environment at {a.peers} (see the docstring)")
        return
    try:
        eco, _, _, _ = _measured([str(peers), "-c", ECOLOGITS, str(a.sample)], a.timeout)
    except RuntimeError as exc:
        print(f"EcoLogits: skipped, cannot run it in {a.peers}: {str(exc).splitlines()[-1]}")
        return
    per = eco["per_request"]
    best = max(r / v["seconds"] for r, v in results.items())
    print(
        f"EcoLogits {eco['version']} compute_llm_impacts: {per * 1e6:.1f} µs per request, "
        f"{1 / per:,.0f} rows/s (sample {a.sample:,}); streaming is {best * per:,.0f}x faster"
    )


if __name__ == "__main__":
    main()
