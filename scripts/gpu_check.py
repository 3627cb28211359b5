"""Check empreinte's NVML measurement on a real NVIDIA GPU (issue 13, item 7). About 2 minutes.

    PYTHONPATH=src python3 scripts/gpu_check.py [--seconds 60] [--out FILE]

1. A GPT-2-size causal LM built from a config (no download) trains on synthetic tokens in bf16
   with Hugging Face's ``Trainer``: first without empreinte (baseline steps/s), then for
   ``--seconds`` (two epochs) under ``EmpreinteCallback`` with the default meters (NVML).
2. The GPU energy of the report is compared with two readings taken beside it:
   ``nvidia-smi --query-gpu=total_energy_consumption`` just before the tracker starts and just
   after it stops (mJ; the same NVML counter, read by another program), and ``nvidia-smi``'s
   power samples every 100 ms integrated by trapezoid over the report's own start and end
   times (a different sensor path).
3. Overhead: steps/s with and without the callback, the callback's own time per step, and the
   CPU time of the sampler thread.

Prints one JSON summary (written to ``--out``, else ``$OUT/gpu_check.json`` when ``$OUT`` is
set; the full report is in it under ``report``) and exits 0. With no NVIDIA GPU it says why in
one line and exits 2, without a traceback. ``--smoke`` is for the test suite: a tiny model (on
CPU when there is no GPU) and a scripted 200 W meter, against whatever ``nvidia-smi`` is on
the ``PATH``.
Needs torch, transformers, accelerate, nvidia-ml-py and empreinte's dependencies (pydantic,
numpy, platformdirs, pyyaml, psutil); nothing is downloaded.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

NO_GPU = 2


def smi(*query: str) -> list[str]:
    """One ``nvidia-smi --query-gpu`` row of GPU 0, as strings."""
    out = subprocess.run(
        [
            "nvidia-smi",
            "-i",
            "0",
            f"--query-gpu={','.join(query)}",
            "--format=csv,noheader,nounits",
        ],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    return [v.strip() for v in out.stdout.strip().splitlines()[0].split(",")]


def smi_energy_mj() -> tuple[float | None, str | None]:
    """``nvidia-smi``'s total energy counter of GPU 0 (mJ), or ``None`` and why not: some
    drivers and virtual machines refuse the field (exit status 2)."""
    try:
        text = smi("total_energy_consumption")[0]
    except (subprocess.SubprocessError, OSError, IndexError) as exc:
        return None, f"nvidia-smi total_energy_consumption unavailable: {exc}"
    value = number(text)
    if value is None:
        return None, f"nvidia-smi prints {text!r} for total_energy_consumption"
    return value, None


def no_gpu_reason(need_cuda: bool = True) -> str | None:
    """Why this machine cannot run the check, or ``None``."""
    if shutil.which("nvidia-smi") is None:
        return "nvidia-smi not found: no NVIDIA driver on this machine"
    try:
        smi("name")
    except (subprocess.SubprocessError, OSError, IndexError) as exc:
        return f"nvidia-smi found no usable GPU ({exc})"
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if need_cuda and not torch.cuda.is_available():
        return "torch sees no CUDA device"
    return None


class PowerLog:
    """``nvidia-smi -lms 100`` power samples of GPU 0 in a subprocess, integrated on demand."""

    def __init__(self, interval_ms: int = 100) -> None:
        field = "power.draw.instant"
        try:
            smi(field)
        except subprocess.CalledProcessError:  # older drivers: the 1 s average only
            field = "power.draw"
        self.field = field
        self.proc = subprocess.Popen(
            [
                "nvidia-smi",
                "-i",
                "0",
                f"--query-gpu=timestamp,{field}",
                "--format=csv,noheader,nounits",
                f"-lms={interval_ms}",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        self.samples: list[tuple[float, float]] = []  # (epoch s, W)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                stamp, watts = (v.strip() for v in line.split(","))
                t = datetime.strptime(stamp, "%Y/%m/%d %H:%M:%S.%f").timestamp()
                self.samples.append((t, float(watts)))
            except ValueError:
                continue  # "[N/A]" or a partial line

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)
        self._reader.join(timeout=5)

    def energy_j(self, t0: float, t1: float) -> tuple[float, int]:
        return integrate_power(self.samples, t0, t1)


def integrate_power(samples: list[tuple[float, float]], t0: float, t1: float) -> tuple[float, int]:
    """Trapezoid integral (J) of power samples ``(s, W)`` over [t0, t1], linear between
    samples and at the edges; and the number of samples inside."""
    pts = sorted(samples)
    inside = [(t, w) for t, w in pts if t0 <= t <= t1]
    seq = [(t, w) for t, w in pts if t < t0][-1:] + inside + [(t, w) for t, w in pts if t > t1][:1]
    if len(seq) < 2:
        raise RuntimeError("too few nvidia-smi power samples")

    def at(t: float) -> float:
        for (ta, wa), (tb, wb) in itertools.pairwise(seq):
            if ta <= t <= tb:
                return wa + (wb - wa) * (t - ta) / (tb - ta) if tb > ta else wa
        return seq[0][1] if t < seq[0][0] else seq[-1][1]

    knots = [(t0, at(t0)), *inside, (t1, at(t1))]
    total = sum((tb - ta) * (wa + wb) / 2 for (ta, wa), (tb, wb) in itertools.pairwise(knots))
    return total, len(inside)


def number(text: str) -> float | None:
    """A number printed by nvidia-smi, or ``None`` for ``[N/A]`` and the like."""
    try:
        return float(text)
    except ValueError:
        return None


def rel(a: float, b: float) -> float:
    return (a - b) / b if b else float("nan")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=60.0, help="measured training time")
    ap.add_argument("--baseline-steps", type=int, default=40)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=1024)
    ap.add_argument("--layers", type=int, default=12)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument(
        "--smoke",
        action="store_true",
        help="tests only: a tiny model, on CPU if there is no GPU, a scripted 200 W meter",
    )
    args = ap.parse_args(argv)
    out = args.out or (
        Path(os.environ["OUT"]) / "gpu_check.json" if os.environ.get("OUT") else None
    )

    reason = no_gpu_reason(need_cuda=not args.smoke)
    if reason is not None:
        summary = {"status": "no-gpu", "reason": reason, "date": datetime.now(UTC).isoformat()}
        _emit(summary, out)
        print(f"gpu_check: skipped: {reason}", file=sys.stderr)
        return NO_GPU
    with contextlib.redirect_stdout(sys.stderr):  # the Trainer's prints: stdout is the JSON
        summary = run(args)
    _emit(summary, out)
    return 0


def run(args: argparse.Namespace) -> dict[str, Any]:
    import tempfile

    import psutil
    import torch
    import transformers
    from transformers import Trainer, TrainerCallback, TrainingArguments

    from empreinte.integrations.transformers import EmpreinteCallback

    cuda = torch.cuda.is_available()
    name, driver = smi("name", "driver_version")
    vocab, width, heads = (50257, 768, 12) if not args.smoke else (256, 32, 2)

    class Tokens(torch.utils.data.Dataset[dict[str, Any]]):
        def __init__(self, n: int) -> None:
            self.n = n

        def __len__(self) -> int:
            return self.n

        def __getitem__(self, i: int) -> dict[str, Any]:
            g = torch.Generator().manual_seed(i)
            ids = torch.randint(0, vocab, (args.seq,), generator=g)
            return {"input_ids": ids, "labels": ids}

    def model() -> Any:
        torch.manual_seed(0)
        config = transformers.GPT2Config(
            n_layer=args.layers, n_embd=width, n_head=heads, vocab_size=vocab, n_positions=args.seq
        )
        return transformers.GPT2LMHeadModel(config)

    def sync() -> None:
        if cuda:
            torch.cuda.synchronize()

    class StepClock(TrainerCallback):
        """Steps/s after a warm-up of 5 steps."""

        def __init__(self) -> None:
            self.times: list[float] = []

        def on_step_end(self, *a: Any, **k: Any) -> None:
            sync()
            self.times.append(time.perf_counter())

        def rate(self) -> float:
            t = self.times[5:]
            return (len(t) - 1) / (t[-1] - t[0]) if len(t) > 1 else float("nan")

    def targs(path: str, **kw: Any) -> TrainingArguments:
        return TrainingArguments(
            output_dir=path,
            per_device_train_batch_size=args.batch,
            bf16=cuda,
            use_cpu=not cuda,
            save_strategy="no",
            logging_strategy="no",
            report_to="none",
            include_num_input_tokens_seen=True,
            disable_tqdm=True,
            dataloader_num_workers=2 if cuda else 0,
            **kw,
        )

    tmp = tempfile.mkdtemp(prefix="gpu-check-")
    # -- baseline: no empreinte ---------------------------------------------------------------
    clock0 = StepClock()
    Trainer(
        model=model(),
        args=targs(f"{tmp}/base", max_steps=args.baseline_steps),
        train_dataset=Tokens(args.baseline_steps * args.batch),
        callbacks=[clock0],
    ).train()
    base_rate = clock0.rate()

    # -- measured: EmpreinteCallback, nvidia-smi beside it ------------------------------------
    class Timed(EmpreinteCallback):
        """The callback, with the time spent in its per-step hook."""

        step_ns = 0
        steps = 0

        def on_step_end(self, *a: Any, **k: Any) -> None:
            t = time.perf_counter_ns()
            super().on_step_end(*a, **k)
            self.step_ns += time.perf_counter_ns() - t
            self.steps += 1

    proc = psutil.Process()
    edges: dict[str, Any] = {}

    class Before(TrainerCallback):  # each event reaches it before EmpreinteCallback
        def on_train_begin(self, *a: Any, **k: Any) -> None:
            edges["threads"] = {t.id for t in proc.threads()}
            edges["smi0"], edges["smi_note"] = smi_energy_mj()

        def on_train_end(self, *a: Any, **k: Any) -> None:
            edges["sampler_cpu_s"] = sum(
                t.user_time + t.system_time for t in proc.threads() if t.id in edges["new"]
            )

    class After(TrainerCallback):  # and this one after it
        def on_train_begin(self, *a: Any, **k: Any) -> None:
            edges["new"] = {t.id for t in proc.threads()} - edges["threads"]

        def on_train_end(self, *a: Any, **k: Any) -> None:
            edges["smi1"], note = smi_energy_mj()
            edges["smi_note"] = edges["smi_note"] or note

    steps = max(int(args.seconds * base_rate), 10)
    per_epoch = (steps + 1) // 2
    options: dict[str, Any] = {"location": os.environ.get("EMPREINTE_LOCATION", "FRA")}
    if args.smoke:
        from empreinte.testing import ScriptedMeter

        options["meters"] = [ScriptedMeter({"gpu:0": 200.0}, name="nvml")]
    cb = Timed("gpu-check", **options)
    clock1 = StepClock()
    power = PowerLog()
    result = Trainer(
        model=model(),
        args=targs(f"{tmp}/measured", num_train_epochs=2),
        train_dataset=Tokens(per_epoch * args.batch),
        callbacks=[Before(), cb, After(), clock1],
    ).train()
    time.sleep(0.5)  # nvidia-smi prints the samples after the end
    power.stop()
    report = cb.report
    if report is None or report.energy.gpu_kwh is None:
        raise SystemExit("gpu_check: the report has no GPU energy (is NVML usable?)")

    j_per_kwh = 3.6e6
    ours = report.energy.gpu_kwh.value * j_per_kwh
    counter = None
    if edges["smi0"] is not None and edges["smi1"] is not None:
        counter = (edges["smi1"] - edges["smi0"]) / 1e3
    m = report.measurement
    assert m.started_at is not None and m.ended_at is not None
    t0, t1 = m.started_at.timestamp(), m.ended_at.timestamp()
    integrated, n_samples = power.energy_j(t0, t1)
    duration = t1 - t0
    return {
        "status": "ok" if not args.smoke else "smoke",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "device": name,
        "driver": driver,
        "versions": {
            "python": sys.version.split()[0],
            "torch": torch.__version__,
            "transformers": transformers.__version__,
        },
        "model": {
            "layers": args.layers,
            "parameters": report.system.parameters_total if report.system else None,
            "batch": args.batch,
            "seq": args.seq,
            "precision": "bf16" if cuda else "fp32",
        },
        "meters": [mi.model_dump(exclude_none=True) for mi in m.meters],
        "measured_s": round(duration, 3),
        "steps": len(clock1.times),
        "train_runtime_s": result.metrics.get("train_runtime"),
        "energy_j": {
            "empreinte_nvml": round(ours, 1),
            "nvidia_smi_counter": None if counter is None else round(counter, 1),
            "nvidia_smi_power_integrated": round(integrated, 1),
        },
        "nvidia_smi_counter_note": edges["smi_note"]
        or "read just before the tracker starts and just after it stops",
        "power_samples": {"field": power.field, "count": n_samples},
        "mean_gpu_power_w": round(ours / duration, 1) if duration else None,
        "relative_difference": {
            "empreinte_vs_smi_counter": None if counter is None else round(rel(ours, counter), 5),
            "empreinte_vs_smi_power": round(rel(ours, integrated), 5),
        },
        "windows": [
            {"name": w.name, "s": round(w.end_s - w.start_s, 2), "kwh": w.energy_kwh.value}
            for w in report.windows
        ],
        "tokens": report.counters.get("tokens"),
        "energy_kwh_per_token": report.per_unit.energy_kwh.value if report.per_unit else None,
        "overhead": {
            "steps_per_s_without": round(base_rate, 3),
            "steps_per_s_with": round(clock1.rate(), 3),
            "slowdown": round(1 - clock1.rate() / base_rate, 4),
            "callback_us_per_step": round(cb.step_ns / max(cb.steps, 1) / 1e3, 2),
            "sampler_threads": len(edges["new"]),  # threads the tracker started
            "sampler_cpu_s": round(edges["sampler_cpu_s"], 3),
            "sampler_cpu_share": round(edges["sampler_cpu_s"] / duration, 5) if duration else None,
        },
        "report": json.loads(report.to_json()),
    }


def _emit(summary: dict[str, Any], out: Path | None) -> None:
    text = json.dumps(summary, indent=2)
    print(text)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
