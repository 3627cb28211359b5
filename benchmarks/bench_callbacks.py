"""Cost per training step of EmpreinteCallback against transformers' CodeCarbonCallback.

Both callbacks run in the same process, one after the other, inside transformers' own
``CallbackHandler`` with a real ``TrainingArguments``/``TrainerState``/``TrainerControl`` and
the ``DefaultFlowCallback`` every ``Trainer`` has; the baseline is that handler alone. Per
tool:

- ``own hooks``: one step's events (``on_step_begin``, ``on_pre_optimizer_step``,
  ``on_optimizer_step``, ``on_step_end``) called on the callback itself, the state advancing
  as in training (``global_step``, ``num_input_tokens_seen``): median and min of ``--repeat``
  runs of ``--steps`` steps; ``dispatch``: the same events through the handler, minus the
  baseline handler (noisy on a shared machine: the handler's own cost is tens of µs);
- ``background``: the CPU time of the tool's threads (process CPU minus the main thread's)
  while a loop dispatches one step every ``--step-ms`` for ``--seconds``, per step;
- the timings start ``--settle`` s (3) after ``on_train_begin``, once the tools' threads did
  their one-time work (empreinte's first tick looks up the CPU in its catalog);
- ``start``/``stop``: ``on_init_end`` + ``on_train_begin``, and ``on_train_end`` (empreinte
  builds and writes its report there; ``empreinte@15s`` samples at CodeCarbon's interval).

Per step = own hooks + background CPU per step.

Each tool runs with its defaults as a user gets them: empreinte samples its meters every 1 s
(``track()``'s default), CodeCarbon every 15 s (``EmissionsTracker``'s default, as the
``report_to="codecarbon"`` callback builds it). CodeCarbon is never a dependency: run this from
the peers' environment::

    python3 -m venv benchmarks/.venv-peers
    benchmarks/.venv-peers/bin/pip install torch==2.13.0
    uv pip install --python benchmarks/.venv-peers/bin/python codecarbon==3.3.2 \\
        transformers==5.24.0 accelerate==1.15.0 pydantic numpy typer rich platformdirs psutil pyyaml
    PYTHONPATH=src benchmarks/.venv-peers/bin/python benchmarks/bench_callbacks.py
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

TOKENS_PER_STEP = 8 * 1024


def make_handler(callback: Any, out: str) -> tuple[Any, Any, Any, Any]:
    from transformers import TrainingArguments
    from transformers.trainer_callback import (
        CallbackHandler,
        DefaultFlowCallback,
        TrainerControl,
        TrainerState,
    )

    args = TrainingArguments(
        output_dir=out,
        report_to="none",
        use_cpu=True,
        include_num_input_tokens_seen=True,
        logging_strategy="no",
        eval_strategy="no",
        save_strategy="no",
    )
    callbacks = [DefaultFlowCallback] + ([callback] if callback is not None else [])
    handler = CallbackHandler(callbacks, None, None, None, None)
    state = TrainerState(max_steps=10**9, num_train_epochs=1)
    return handler, args, state, TrainerControl()


def step(handler: Any, args: Any, state: Any, control: Any) -> None:
    state.global_step += 1
    state.num_input_tokens_seen += TOKENS_PER_STEP
    handler.on_step_begin(args, state, control)
    handler.on_pre_optimizer_step(args, state, control)
    handler.on_optimizer_step(args, state, control)
    handler.on_step_end(args, state, control)


def own_step(cb: Any, args: Any, state: Any, control: Any) -> None:
    """One step's events called on the callback itself (its own code, no dispatch)."""
    state.global_step += 1
    state.num_input_tokens_seen += TOKENS_PER_STEP
    cb.on_step_begin(args, state, control)
    cb.on_pre_optimizer_step(args, state, control)
    cb.on_optimizer_step(args, state, control)
    cb.on_step_end(args, state, control)


def measure(make: Callable[[], Any], opts: argparse.Namespace) -> dict[str, Any]:
    out = tempfile.mkdtemp(prefix="bench-callbacks-")
    cwd = os.getcwd()
    os.chdir(out)  # CodeCarbon writes emissions.csv where it runs
    try:
        handler, args, state, control = make_handler(make(), out)
        t0 = time.perf_counter()
        handler.on_init_end(args, state, control)
        handler.on_train_begin(args, state, control)
        handler.on_epoch_begin(args, state, control)
        start_s = time.perf_counter() - t0
        time.sleep(opts.settle)  # the tools' one-time work in their threads, not in the timings
        hook: list[float] = []
        own: list[float] = []
        cb = handler.callbacks[-1]
        for _ in range(opts.repeat):
            t = time.perf_counter_ns()
            for _ in range(opts.steps):
                step(handler, args, state, control)
            hook.append((time.perf_counter_ns() - t) / opts.steps / 1e3)
            t = time.perf_counter_ns()
            for _ in range(opts.steps):
                own_step(cb, args, state, control)
            own.append((time.perf_counter_ns() - t) / opts.steps / 1e3)
        # background threads: one step every step_ms
        n, period = 0, opts.step_ms / 1e3
        cpu0, main0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
        deadline = wall0 + opts.seconds
        while time.perf_counter() < deadline:
            step(handler, args, state, control)
            n += 1
            time.sleep(max(0.0, wall0 + n * period - time.perf_counter()))
        background = (time.process_time() - cpu0) - (time.thread_time() - main0)
        wall = time.perf_counter() - wall0
        handler.on_epoch_end(args, state, control)
        t0 = time.perf_counter()
        handler.on_train_end(args, state, control)
        stop_s = time.perf_counter() - t0
    finally:
        os.chdir(cwd)
    return {
        "hook_us": statistics.median(hook),
        "hook_min_us": min(hook),
        "own_us": statistics.median(own),
        "own_min_us": min(own),
        "background_us_per_step": background / n * 1e6,
        "background_cpu_share": background / wall,
        "steps_timed": n,
        "start_s": start_s,
        "stop_s": stop_s,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--steps", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--step-ms", type=float, default=10.0)
    ap.add_argument("--settle", type=float, default=3.0, help="s after start, before timing")
    opts = ap.parse_args()

    import codecarbon
    import transformers
    from transformers.integrations import CodeCarbonCallback

    from empreinte.integrations.transformers import EmpreinteCallback

    tools: dict[str, Callable[[], Any]] = {
        "baseline": lambda: None,
        "empreinte": lambda: EmpreinteCallback(model_card=False),
        "empreinte@15s": lambda: EmpreinteCallback(model_card=False, interval_s=15.0),
        "codecarbon": CodeCarbonCallback,
    }
    results = {name: measure(make, opts) for name, make in tools.items()}
    base = results.pop("baseline")
    for r in results.values():
        r["dispatch_us"] = r["hook_us"] - base["hook_us"]
        r["per_step_us"] = r["own_us"] + r["background_us_per_step"]

    print(
        f"{datetime.now(UTC):%Y-%m-%d}, {platform.machine()} {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, transformers {transformers.__version__}, "
        f"codecarbon {codecarbon.__version__}; {opts.steps} steps × {opts.repeat}, "
        f"background over {opts.seconds:g} s at one step per {opts.step_ms:g} ms"
    )
    print(
        f"baseline handler (DefaultFlowCallback only): {base['hook_us']:.2f} "
        f"(min {base['hook_min_us']:.2f}) µs per step"
    )
    names = list(results)
    print(f"{'metric':<36}" + "".join(f"{n:>15}" for n in names) + f"{'cc/empreinte':>14}")
    rows: list[tuple[str, Callable[[dict[str, Any]], float]]] = [
        ("own hooks, median (µs/step)", lambda r: r["own_us"]),
        ("own hooks, min (µs/step)", lambda r: r["own_min_us"]),
        ("dispatch - baseline (µs/step)", lambda r: r["dispatch_us"]),
        ("background CPU (µs/step)", lambda r: r["background_us_per_step"]),
        ("per step: hooks + background (µs)", lambda r: r["per_step_us"]),
        ("background CPU (% of a core)", lambda r: 100 * r["background_cpu_share"]),
        ("start: init_end+train_begin (ms)", lambda r: 1e3 * r["start_s"]),
        ("stop: train_end (ms)", lambda r: 1e3 * r["stop_s"]),
    ]
    for label, get in rows:
        values = [get(results[n]) for n in names]
        e, c = get(results["empreinte"]), get(results["codecarbon"])
        ratio = f"{c / e:.1f}x" if e > 0 else "-"
        print(f"{label:<36}" + "".join(f"{v:>15.2f}" for v in values) + f"{ratio:>14}")
    print("JSON " + json.dumps({"baseline": base, **results}))


if __name__ == "__main__":
    main()
