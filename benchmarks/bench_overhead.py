"""Overhead of empreinte's measurement against CodeCarbon (and Zeus where it runs).

Measured in the same run, each in fresh processes, ``--repeat`` times (median and min are
printed): import time, cold start+stop (the first tracker in a process, hardware detection
included), warm start+stop (mean of 20 later ones), CPU time used by the sampler over
``--seconds`` (default 60) at 1 s interval (as % of one core), and the cost of a window
(CodeCarbon: a task). empreinte's start+stop is the ``with`` block (enter/exit), which
finalises the energy but builds no report; building the full report (``t.report()``:
pydantic, impacts, windows) is measured and printed separately (``report`` rows), and the
cold total is printed too. CodeCarbon builds its output inside ``stop()``.

Every interpreter runs with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` unset, caches
under a temporary ``PYTHONPYCACHEPREFIX``, one warm-up import first), as after a
``pip install``. Competitors run from another interpreter so they never become
dependencies::

    python -m venv /tmp/bench-measure-venv
    /tmp/bench-measure-venv/bin/pip install -e . codecarbon zeus
    python benchmarks/bench_overhead.py --other-python /tmp/bench-measure-venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap

COMMON = """
import json, os, sys, time, tempfile
os.chdir(tempfile.mkdtemp())
def out(**kw): print("RESULT " + json.dumps(kw))
"""

SNIPPETS = {
    "empreinte": {
        "import": "t0=time.perf_counter(); import empreinte.measure.monitor; "
        "out(value=time.perf_counter()-t0)",
        "setup": "from empreinte.measure.monitor import Tracker\n"
        "def make(): return Tracker('b', interval_s=1.0, live=False)\n"
        "def start(t): t.__enter__()\n"
        "def stop(t): t.__exit__(None, None, None)\n"
        "def report(t): t.report()\n"
        "def window(t):\n"
        "    with t.window('w'): pass\n",
    },
    "codecarbon": {
        "import": "t0=time.perf_counter(); import codecarbon; out(value=time.perf_counter()-t0)",
        "setup": "import logging\nfrom codecarbon import OfflineEmissionsTracker\n"
        "def make(): return OfflineEmissionsTracker(country_iso_code='FRA', save_to_file=False,"
        " log_level='error', measure_power_secs=1)\n"
        "def start(t): t.start()\n"
        "def stop(t): t.stop()\n"
        "report = None\n"
        "def window(t):\n"
        "    t.start_task('w'); t.stop_task()\n",
    },
    "zeus": {
        "import": "t0=time.perf_counter(); import zeus.monitor; out(value=time.perf_counter()-t0)",
        "setup": "from zeus.monitor import ZeusMonitor\n"
        "class T:\n"
        "    def __init__(self): self.m = ZeusMonitor(approx_instant_energy=True)\n"
        "def make(): return T()\n"
        "def start(t): t.m.begin_window('run')\n"
        "def stop(t): t.m.end_window('run')\n"
        "report = None\n"
        "def window(t):\n"
        "    t.m.begin_window('w'); t.m.end_window('w')\n",
    },
}

BODY = {
    "cold": "t0=time.perf_counter(); t=make(); start(t); stop(t); t1=time.perf_counter()\n"
    "r = None\nif report is not None:\n    report(t); r = time.perf_counter()-t1\n"
    "out(value=t1-t0, report=r)",
    "warm": "t=make(); start(t); stop(t)\nreport and report(t)\nN=20\ntotal=0.0; rep=0.0\n"
    "for _ in range(N):\n    t0=time.perf_counter(); t=make(); start(t); stop(t)\n"
    "    t1=time.perf_counter(); total+=t1-t0\n"
    "    if report is not None:\n        report(t); rep+=time.perf_counter()-t1\n"
    "out(value=total/N, report=rep/N if report is not None else None)",
    "sampler": "t=make(); start(t); time.sleep(1.5)\nc0=time.process_time(); w0=time.monotonic()\n"
    "time.sleep(SECONDS)\nc=time.process_time()-c0; w=time.monotonic()-w0\nstop(t)\n"
    "out(value=100*c/w)",
    "window": "t=make(); start(t)\nN=NWIN\nwindow(t)\nt0=time.perf_counter()\n"
    "for _ in range(N):\n    window(t)\nout(value=(time.perf_counter()-t0)/N)\nstop(t)",
}

Result = dict[str, float | str]


def _env(cache: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    return env


def run(python: str, tool: str, what: str, seconds: float, cache: str) -> Result:
    snip = SNIPPETS[tool]
    if what == "import":
        code = COMMON + snip["import"]
    else:
        nwin = "2000" if tool == "empreinte" else "50"
        body = BODY[what].replace("SECONDS", str(seconds)).replace("NWIN", nwin)
        code = COMMON + snip["setup"] + body
    proc = subprocess.run(
        [python, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        timeout=seconds + 300,
        env=_env(cache),
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            raw = json.loads(line[7:])
            out: Result = {"value": float(raw["value"])}
            if raw.get("report") is not None:
                out["report"] = float(raw["report"])
            return out
    err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return {"value": f"failed: {err[:120]}"}


METRICS = {  # metric -> (unit, scale)
    "import": ("ms", 1e3),
    "cold": ("ms", 1e3),
    "cold report": ("ms", 1e3),
    "cold total": ("ms", 1e3),
    "warm": ("ms", 1e3),
    "warm report": ("ms", 1e3),
    "sampler": ("% core", 1.0),
    "window": ("µs", 1e6),
}


def measure(
    python: str, tool: str, seconds: float, repeat: int, cache: str
) -> dict[str, list[float] | str]:
    run(python, tool, "import", seconds, cache)  # warm-up: write the bytecode caches
    got: dict[str, list[float] | str] = {}

    def add(key: str, value: float | str) -> None:
        if isinstance(value, str):
            got[key] = value
        elif not isinstance(got.get(key), str):
            got.setdefault(key, [])
            cell = got[key]
            assert isinstance(cell, list)
            cell.append(value)

    for what in ("import", "cold", "warm", "sampler", "window"):
        for _ in range(1 if what == "sampler" else repeat):
            r = run(python, tool, what, seconds, cache)
            add(what, r["value"])
            if "report" in r:
                add(f"{what} report", r["report"])
                if what == "cold" and isinstance(r["value"], float):
                    add("cold total", r["value"] + float(r["report"]))
    return got


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--other-python", default=None, help="interpreter with codecarbon/zeus")
    ap.add_argument("--seconds", type=float, default=60.0, help="sampler measurement length")
    ap.add_argument("--repeat", type=int, default=5, help="fresh processes per metric")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tools = [("empreinte", sys.executable)]
    if args.other_python:
        tools += [("codecarbon", args.other_python), ("zeus", args.other_python)]
    with tempfile.TemporaryDirectory(prefix="bench-pycache-") as cache:
        results = {t: measure(py, t, args.seconds, args.repeat, cache) for t, py in tools}
    if args.json:
        print(json.dumps(results, indent=2))
        return
    print(
        f"median (min) of {args.repeat} fresh processes; sampler: one run of "
        f"{args.seconds:.0f} s at 1 s interval"
    )
    print(f"{'metric':<12}" + "".join(f"{t:>24}" for t, _ in tools) + f"{'cc/empreinte':>14}")
    for w, (unit, k) in METRICS.items():
        cells, medians = [], {}
        for t, _ in tools:
            v = results[t].get(w)
            if isinstance(v, list) and v:
                medians[t] = statistics.median(v)
                cell = f"{medians[t] * k:.3f} ({min(v) * k:.3f}) {unit}"
            else:
                cell = "n/a"
            cells.append(f"{cell:>24}")
        e, c = medians.get("empreinte"), medians.get("codecarbon")
        ratio = f"{c / e:>13.1f}x" if e and c else ""
        print(f"{w:<12}" + "".join(cells) + ratio)
    for t, r in results.items():
        for w, v in r.items():
            if isinstance(v, str):
                print(f"note: {t} {w}: {v}")


if __name__ == "__main__":
    main()
