"""Observatory benchmark: batch ingest rate, and read latency at a million reports.

    python benchmarks/bench_observatory.py --backend sqlite --ingest 100000 --rows 1000000
    python benchmarks/bench_observatory.py --backend postgres   # EMPREINTE_TEST_POSTGRES_URL

1. Ingest: ``--ingest`` reports POSTed to a real ``empreinte serve`` (uvicorn, ``--workers``
   processes) in batches of 1,000 through ``/api/v1/reports`` (validation, verification,
   hashing, commit) from ``--clients`` connections. Bodies are encoded before the clock
   starts; the server's CPU time per report (and PostgreSQL's, when local) is reported.
2. Reads: the table is filled to ``--rows`` with bulk inserts (rows derived from real
   reports), then ``--repeat`` requests each of list, filter, stats and leaderboard over HTTP;
   p50/p95 in ms. Stats and leaderboard are cached per data version; the first (cold) call is
   reported apart. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import psutil
from sqlalchemy import create_engine, insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "observatory"))
from obs_samples import sample_report
from obs_server import free_port, start_server, stop

from empreinte.observatory.settings import Settings
from empreinte.observatory.storage import store
from empreinte.observatory.storage.admin import open_db
from empreinte.observatory.storage.db import ReportRow
from empreinte.observatory.summaries import maintain
from empreinte.report.validate import validate_report
from empreinte.report.verification import verify

PG_URL = os.environ.get(
    "EMPREINTE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
TASKS = ["text-generation", "image-classification", "summarization", "asr", "embedding"]
STAGES = ["inference"] * 6 + ["training", "fine_tuning", "evaluation", "data_preparation"]
GPUS = ["NVIDIA H100 80GB HBM3", "NVIDIA A100-SXM4-80GB", "NVIDIA L4", "NVIDIA T4"]


def varied_report(rng: random.Random) -> dict[str, Any]:
    r = sample_report(
        energy_kwh=rng.uniform(0.01, 0.6),
        count=float(rng.choice([100, 1000, 10000])),
        model=f"org/model-{rng.randrange(500)}",
        quality=rng.uniform(0.3, 0.95),
        task=rng.choice(TASKS),
        lifecycle_stage=rng.choice(STAGES),
        created_at=f"20{rng.randrange(19, 26)}-{rng.randrange(1, 13):02d}-15T00:00:00Z",
    )
    r["hardware"][0]["name"] = rng.choice(GPUS)
    return r


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


def _cpu_s(procs: list[psutil.Process]) -> float:
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
        except psutil.Error:  # a process that ended: its time is lost (not expected here)
            continue
        total += t.user + t.system
    return total


def _server_procs(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _postgres_procs() -> list[psutil.Process]:
    names = ("postgres", "postmaster")
    return [p for p in psutil.process_iter(["name"]) if p.info["name"] in names]


def bench_ingest(
    base: str,
    token: str,
    n: int,
    batch: int,
    clients: int = 1,
    *,
    server_pid: int,
    postgres: bool = False,
) -> dict[str, float]:
    """POST ``n`` reports in batches of ``batch`` from ``clients`` concurrent connections.

    The request bodies are generated and JSON-encoded before the clock starts, so the load
    generator only sends bytes; the CPU time of the server processes (and of PostgreSQL's,
    when it runs on this machine) is measured over the run, beside the wall-clock rate.
    """  # fmt: skip
    rng = random.Random(1)
    bodies = [
        json.dumps({"reports": [varied_report(rng) for _ in range(batch)]}).encode()
        for _ in range(n // batch)
    ]
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def send(mine: list[bytes]) -> None:
        with httpx.Client(timeout=120) as c:
            for b in mine:
                r = c.post(f"{base}/api/v1/reports", content=b, headers=headers)
                assert r.status_code == 201, r.text[:300]

    procs = _server_procs(server_pid)
    pg = _postgres_procs() if postgres else []
    cpu0, pg0, me0 = _cpu_s(procs), _cpu_s(pg), time.process_time()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(send, [bodies[i::clients] for i in range(clients)]))
    dt = time.perf_counter() - t0
    server_cpu = _cpu_s(procs) - cpu0
    out = {
        "reports": float(n), "seconds": dt, "reports_per_s": n / dt, "clients": clients,
        "server_cpu_s": server_cpu, "server_cpu_us_per_report": server_cpu / n * 1e6,
        "client_cpu_us_per_report": (time.process_time() - me0) / n * 1e6,
        "cpus": float(os.cpu_count() or 0),
    }  # fmt: skip
    if postgres:
        out["postgres_cpu_us_per_report"] = (_cpu_s(pg) - pg0) / n * 1e6
    return out


def fill(url: str, rows: int, chunk: int = 20_000) -> float:
    """Bulk-insert rows up to ``rows`` (bodies and columns of real verified reports)."""
    eng = create_engine(url)
    with eng.connect() as c:
        have = c.execute(text("SELECT count(*) FROM reports")).scalar_one()
    rng = random.Random(2)
    templates = []
    for _ in range(200):
        raw = varied_report(rng)
        rep = validate_report(raw)
        rep = rep.model_copy(update={"verification": verify(rep)})
        templates.append((store.report_columns(rep), rep.model_dump_json(exclude_none=True)))
    now = store.utcnow()
    t0 = time.perf_counter()
    todo = rows - have
    while todo > 0:
        batch = []
        for _ in range(min(chunk, todo)):
            cols, body = rng.choice(templates)
            rid = uuid.uuid4().hex
            batch.append(
                {**cols, "report_id": rid, "content_hash": rid + rid, "idempotency_key": None,
                 "token_id": None, "received_at": now, "body": body}
            )  # fmt: skip
        with eng.begin() as c:
            c.execute(insert(ReportRow), batch)
        todo -= len(batch)
    with eng.begin() as c:
        maintain.rebuild(c)  # the summaries ingestion keeps, rebuilt after the bulk insert
        c.execute(text("UPDATE meta SET value = value + 1 WHERE key = 'data_version'"))
        if url.startswith("postgresql"):
            c.execute(text("ANALYZE reports"))
        else:
            c.execute(text("ANALYZE"))
    eng.dispose()
    return time.perf_counter() - t0


def after_writes(base: str, token: str, q: str, repeat: int) -> dict[str, float]:
    """p50/p95 of ``q`` right after a write (one report submitted before each request)."""
    rng = random.Random(3)
    times = []
    with httpx.Client(timeout=300) as c:
        for _ in range(repeat):
            r = varied_report(rng)
            r["task"] = "text-generation"
            c.post(
                f"{base}/api/v1/reports", json=r, headers={"Authorization": f"Bearer {token}"}
            ).raise_for_status()
            t0 = time.perf_counter()
            c.get(base + q).raise_for_status()
            times.append((time.perf_counter() - t0) * 1000)
    return {"p50_ms": statistics.median(times), "p95_ms": pct(times, 95), "max_ms": max(times)}


def bench_reads(base: str, repeat: int) -> dict[str, dict[str, float]]:
    queries = {
        "list": "/api/v1/reports?limit=50",
        "list_page2": None,
        "filter": "/api/v1/reports?stage=training&task=summarization&tier=M2&limit=50",
        "filter_sorted": "/api/v1/reports?task=asr&sort=energy_kwh&limit=50",
        "stats": "/api/v1/stats",
        "leaderboard": "/api/v1/leaderboard?task=text-generation&unit=inference",
    }
    out: dict[str, dict[str, float]] = {}
    with httpx.Client(timeout=300) as c:
        queries["list_page2"] = (
            "/api/v1/reports?limit=50&cursor="
            + c.get(base + "/api/v1/reports?limit=50").json()["next_cursor"]
        )
        for name, q in queries.items():
            assert q is not None
            t0 = time.perf_counter()
            r = c.get(base + q)
            cold = (time.perf_counter() - t0) * 1000
            assert r.status_code == 200, r.text[:300]
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                c.get(base + q).raise_for_status()
                times.append((time.perf_counter() - t0) * 1000)
            out[name] = {
                "first_ms": cold,
                "p50_ms": statistics.median(times),
                "p95_ms": pct(times, 95),
            }
    return out


def run(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="bench-obs-"))
    if backend == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
        drop = None
    else:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_URL)
        with admin.begin() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
        drop = (admin, schema)
    try:
        sessions = open_db(Settings(database_url=url, data_dir=tmp))
        with sessions() as s:
            token = store.create_token(s, "bench")
        port = free_port()
        proc = start_server(url, tmp, port, "--workers", str(args.workers))
        base = f"http://127.0.0.1:{port}"
        try:
            ingest = bench_ingest(
                base, token, args.ingest, args.batch, args.clients,
                server_pid=proc.pid, postgres=backend == "postgres",
            )  # fmt: skip
            ingest["workers"] = args.workers
            print(backend, "ingest", json.dumps(ingest), flush=True)
        finally:
            stop(proc)
        fill_s = fill(url, args.rows)
        print(backend, f"filled to {args.rows} rows in {fill_s:.0f} s", flush=True)
        proc = start_server(url, tmp, port)
        try:
            reads = bench_reads(base, args.repeat)
            reads["leaderboard_after_write"] = after_writes(
                base, token, "/api/v1/leaderboard?task=text-generation&unit=inference", args.repeat
            )
            reads["stats_after_write"] = after_writes(base, token, "/api/v1/stats", 10)
        finally:
            stop(proc)
        print(backend, "reads", json.dumps(reads, indent=1), flush=True)
        return {"backend": backend, "ingest": ingest, "rows": args.rows, "reads": reads}
    finally:
        if drop is not None:
            with drop[0].begin() as c:
                c.execute(text(f'DROP SCHEMA "{drop[1]}" CASCADE'))
            drop[0].dispose()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    p.add_argument("--ingest", type=int, default=100_000)
    p.add_argument("--batch", type=int, default=1000)
    p.add_argument("--workers", type=int, default=2, help="server processes for the ingest")
    p.add_argument("--clients", type=int, default=2, help="concurrent submitting connections")
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--repeat", type=int, default=50)
    p.add_argument("--json", type=Path, help="write the results here")
    args = p.parse_args()
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    results = [run(b, args) for b in backends]
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
