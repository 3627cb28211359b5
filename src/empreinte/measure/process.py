"""Measure any command (and its children): the library side of ``empreinte run``.

Attribution is machine-level by default: the report holds what the meters read while the
command ran. With ``attribution="process"`` the report also keeps the raw machine energy
(``energy.machine_total_kwh``) and scales CPU and RAM energy by the command's share of the
machine's busy CPU time; the idle share is stated in a warning. The command's CPU time comes
from ``wait4``'s resource usage, which includes every descendant it waited for (a daemon that
detaches is not counted: the share is then a lower bound). GPU energy is not scaled.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Sequence
from types import FrameType
from typing import TYPE_CHECKING

from empreinte.errors import ConfigError
from empreinte.measure.result import Attribution
from empreinte.vocabulary import ATTRIBUTIONS

if TYPE_CHECKING:
    from empreinte.measure.monitor import Tracker
    from empreinte.report.models import Report

__all__ = ["ATTRIBUTIONS", "exit_code", "run_command"]


def exit_code(status: int) -> int:
    """A shell-style exit code from a wait status (``128 + signal`` when killed)."""
    code = os.waitstatus_to_exitcode(status)
    return 128 - code if code < 0 else code


def _machine_cpu() -> tuple[float, float]:
    from empreinte.measure.fallback import machine_cpu_seconds

    return machine_cpu_seconds()


def run_command(
    cmd: Sequence[str], tracker: Tracker, attribution: str = "machine"
) -> tuple[int, Report]:
    """Run ``cmd`` under ``tracker``; return its exit code and the report.

    The report records the command's exit code (``measurement.exit_code``) and, when a signal
    killed it, the signal (``measurement.signal``) with ``status: incomplete``.
    """
    if attribution not in ATTRIBUTIONS:
        raise ConfigError(f"attribution must be one of {ATTRIBUTIONS}, got {attribution!r}")
    if not cmd:
        raise ConfigError("no command given: empreinte run [OPTIONS] -- CMD ...")
    tracker.start()
    busy0, total0 = _machine_cpu()
    try:
        proc = subprocess.Popen(list(cmd))
    except OSError as exc:
        tracker.stop("incomplete")
        raise ConfigError(f"cannot run {cmd[0]!r}: {exc.strerror or exc}") from exc

    def forward(signum: int, _frame: FrameType | None) -> None:
        proc.send_signal(signum)

    previous = {s: signal.signal(s, forward) for s in (signal.SIGTERM, signal.SIGHUP)}
    old_int = signal.signal(signal.SIGINT, signal.SIG_IGN)  # the child gets Ctrl-C itself
    try:
        while True:
            try:
                _, status, usage = os.wait4(proc.pid, 0)
                break
            except InterruptedError:  # pragma: no cover - PEP 475 retries already
                continue
    finally:
        for s, h in previous.items():
            signal.signal(s, h)
        signal.signal(signal.SIGINT, old_int)
    code = exit_code(status)
    proc.returncode = code
    killed = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
    tracker.command_exit = (code, signal.Signals(killed).name if killed else None)
    if attribution == "process":
        busy1, total1 = _machine_cpu()
        busy, total = busy1 - busy0, total1 - total0
        proc_cpu = usage.ru_utime + usage.ru_stime
        share = min(proc_cpu / busy, 1.0) if busy > 0 else 1.0
        idle = (total - busy) / total if total > 0 else 0.0
        tracker.attribution = Attribution(share, idle, "Detached descendants are not counted.")
    # a job killed by a signal did not run to its end: its report is not complete
    return code, tracker.stop("incomplete" if killed else "complete")
