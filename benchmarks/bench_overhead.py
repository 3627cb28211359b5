"""Overhead of empreinte's measurement against CodeCarbon (and Zeus where it runs).

Measured in the same run, each in fresh processes: import time, cold start+stop (the first
tracker in a process, hardware detection included), warm start+stop (mean of later ones), CPU
time used by the sampler over ``--seconds`` at 1 s interval (as % of one core), and the cost
of a window (CodeCarbon: a task). Competitors run from another interpreter so they never
become dependencies::

    python -m venv /tmp/bench-venv && /tmp/bench-venv/bin/pip install codecarbon zeus
    python benchmarks/bench_overhead.py --other-python /tmp/bench-venv/bin/python --seconds 60
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
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
        "def start(t): t.start()\n"
        "def stop(t): t.stop()\n"
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
        "def window(t):\n"
        "    t.m.begin_window('w'); t.m.end_window('w')\n",
    },
}

BODY = {
    "cold": "t0=time.perf_counter(); t=make(); start(t); stop(t)\n"
    "out(value=time.perf_counter()-t0)",
    "warm": "t=make(); start(t); stop(t)\nN=20\nt0=time.perf_counter()\n"
    "for _ in range(N):\n    t=make(); start(t); stop(t)\nout(value=(time.perf_counter()-t0)/N)",
    "sampler": "t=make(); start(t); time.sleep(1.5)\nc0=time.process_time(); w0=time.monotonic()\n"
    "time.sleep(SECONDS)\nc=time.process_time()-c0; w=time.monotonic()-w0\nstop(t)\n"
    "out(value=100*c/w)",
    "window": "t=make(); start(t)\nN=NWIN\nwindow(t)\nt0=time.perf_counter()\n"
    "for _ in range(N):\n    window(t)\nout(value=(time.perf_counter()-t0)/N)\nstop(t)",
}


def run(python: str, tool: str, what: str, seconds: float) -> float | str:
    snip = SNIPPETS[tool]
    if what == "import":
        code = COMMON + snip["import"]
    else:
        nwin = "2000" if tool == "empreinte" else "50"
        body = BODY[what].replace("SECONDS", str(seconds)).replace("NWIN", nwin)
        code = COMMON + snip["setup"] + body
    proc = subprocess.run(
        [python, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=seconds + 300
    )
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT "):
            return float(json.loads(line[7:])["value"])
    err = (proc.stderr.strip().splitlines() or ["no output"])[-1]
    return f"failed: {err[:120]}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--other-python", default=None, help="interpreter with codecarbon/zeus")
    ap.add_argument("--seconds", type=float, default=60.0, help="sampler measurement length")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    tools = [("empreinte", sys.executable)]
    if args.other_python:
        tools += [("codecarbon", args.other_python), ("zeus", args.other_python)]
    results: dict[str, dict[str, float | str]] = {}
    for tool, python in tools:
        results[tool] = {
            w: run(python, tool, w, args.seconds)
            for w in ("import", "cold", "warm", "sampler", "window")
        }
    if args.json:
        print(json.dumps(results, indent=2))
        return
    units = {
        "import": ("ms", 1e3),
        "cold": ("ms", 1e3),
        "warm": ("ms", 1e3),
        "sampler": ("% core", 1.0),
        "window": ("µs", 1e6),
    }
    print(f"{'metric':<10}" + "".join(f"{t:>18}" for t, _ in tools) + f"{'cc/empreinte':>14}")
    for w, (unit, k) in units.items():
        cells = []
        for t, _ in tools:
            v = results[t][w]
            cells.append(f"{v * k:>14.3f} {unit:<3}" if isinstance(v, float) else f"{'n/a':>18}")
        e, c = results["empreinte"][w], results.get("codecarbon", {}).get(w)
        ratio = f"{c / e:>13.1f}x" if isinstance(c, float) and isinstance(e, float) and e else ""
        print(f"{w:<10}" + "".join(cells) + ratio)
    for t, r in results.items():
        for w, v in r.items():
            if isinstance(v, str):
                print(f"note: {t} {w}: {v}")


if __name__ == "__main__":
    main()
