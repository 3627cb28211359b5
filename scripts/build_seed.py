#!/usr/bin/env python3
"""Rebuild the observatory's seed data files from their inputs, reproducibly.

Inputs:
- the ML.ENERGY Leaderboard v3 export (``../shared/data/ml-energy-v3-llm.csv`` by default),
  copied row for row (same columns, same order, values as text, LF line endings) to
  ``src/empreinte/observatory/seed/data/ml_energy_v3.csv``;
- ``src/empreinte/observatory/seed/data/figures.json``, the hand-curated published figures
  (edited by hand, never generated; this script only checks it).

Writes ``data/manifest.json`` (SHA-256 of each file, row counts, source file digest), then builds
every seed report to check that each validates and that ids are unique.
``--check`` rebuilds in memory and fails if the packaged files differ (for CI).

    python scripts/build_seed.py [--ml-energy PATH] [--check]
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "src" / "empreinte" / "observatory" / "seed" / "data"
DEFAULT_SOURCE = ROOT.parent / "shared" / "data" / "ml-energy-v3-llm.csv"


def sha256(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def build_csv(source: Path) -> tuple[bytes, int]:
    sys.path.insert(0, str(ROOT / "src"))
    from empreinte.observatory.seed._mlenergy import COLUMNS

    with source.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise SystemExit(f"{source}: unexpected columns {reader.fieldnames}")
        rows = list(reader)
    for i, row in enumerate(rows, start=2):
        for col in COLUMNS[3:]:
            if col == "weight_precision" or col == "gpu_model":
                continue
            try:
                float(row[col])
            except ValueError:
                raise SystemExit(f"{source}:{i}: {col}={row[col]!r} is not a number") from None
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for row in rows:
        w.writerow([row[c] for c in COLUMNS])
    return out.getvalue().encode("utf-8"), len(rows)


def _bench_entry() -> dict[str, dict[str, object]]:
    path = DATA / "bench_reference.jsonl"
    if not path.exists():
        return {}
    data = path.read_bytes()
    n = sum(1 for line in data.splitlines() if line.strip())
    return {path.name: {"sha256": sha256(data), "reports": n, "kind": "measured"}}


def manifest(csv_bytes: bytes, n_rows: int, source: Path) -> bytes:
    figures = (DATA / "figures.json").read_bytes()
    n_fig = len(json.loads(figures)["figures"])
    doc = {
        "format": "empreinte.seed.manifest/1",
        "files": {
            "figures.json": {"sha256": sha256(figures), "figures": n_fig, "kind": "curated"},
            **_bench_entry(),
            "ml_energy_v3.csv": {
                "sha256": sha256(csv_bytes),
                "rows": n_rows,
                "kind": "generated",
                "source": source.name,
                "source_sha256": sha256(source.read_bytes()),
            },
        },
    }
    return (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("utf-8")


def check_reports() -> int:
    sys.path.insert(0, str(ROOT / "src"))
    from empreinte.observatory.seed import iter_seed_reports

    ids: set[str] = set()
    for r in iter_seed_reports():
        if r.report_id in ids:
            raise SystemExit(f"duplicate report id {r.report_id}")
        if not r.provenance.citation:
            raise SystemExit(f"{r.report_id}: no citation")
        ids.add(r.report_id)
    return len(ids)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ml-energy", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--check", action="store_true", help="fail if packaged files differ")
    args = ap.parse_args(argv)
    csv_bytes, n = build_csv(args.ml_energy)
    man = manifest(csv_bytes, n, args.ml_energy)
    targets = {DATA / "ml_energy_v3.csv": csv_bytes, DATA / "manifest.json": man}
    if args.check:
        stale = [p.name for p, b in targets.items() if not p.exists() or p.read_bytes() != b]
        if stale:
            print(f"seed data out of date: {', '.join(stale)} (run scripts/build_seed.py)")
            return 1
    else:
        for p, b in targets.items():
            p.write_bytes(b)
    count = check_reports()
    print(f"seed: {n} ML.ENERGY rows, {count} reports, all valid, ids unique")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
