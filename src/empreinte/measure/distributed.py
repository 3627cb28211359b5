"""Distributed runs: one measurer per node, one report for the whole job.

Under ``torch.distributed`` (torchrun, SLURM ``srun``), the process of local rank 0 on each
node reads that node's meters; the other ranks run no sampler. When the tracker stops, every
rank takes part in one ``all_gather_object``; the node totals are summed into one report whose
``topology`` gives nodes, ranks, devices, host names, the backend and the SLURM job id.
Channels are renamed per node (``gpu:0`` on ``node-a`` becomes ``gpu:node-a/0``) so nothing
is counted twice. Windows are those of global rank 0 (its node's energy).

torch is never imported here: the module only looks at ``sys.modules``, so a job that did
not import torch is not distributed.
"""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from typing import Any

from empreinte.errors import CodedWarning
from empreinte.measure.base import component_of
from empreinte.measure.result import Measured

__all__ = ["combine", "is_distributed", "is_measurer", "node_name", "reduce"]


def node_name() -> str:
    import socket

    return os.environ.get("SLURMD_NODENAME") or socket.gethostname()


def is_measurer() -> bool:
    """Whether this process measures its node (local rank 0, or not distributed)."""
    return os.environ.get("LOCAL_RANK", os.environ.get("SLURM_LOCALID", "0")) == "0"


def _dist() -> Any:
    torch = sys.modules.get("torch")
    if torch is None:
        return None
    dist = torch.distributed
    if dist.is_available() and dist.is_initialized():
        return dist
    return None


def is_distributed() -> bool:
    return _dist() is not None


def _payload(m: Measured) -> dict[str, Any]:
    measurer = is_measurer()
    return {
        "node": node_name(),
        "measurer": measurer,
        "energy_j": m.energy_j if measurer else {},
        "meters": m.meters if measurer else [],
        "warnings": [(w.code, w.message) for w in m.warnings] if measurer else [],
        "duration_s": m.duration_s,
    }


def combine(m: Measured, payloads: list[dict[str, Any]], backend: str | None) -> Measured:
    """``m`` (rank 0's view) with the energy of every node's measurer summed in."""
    energy: dict[str, tuple[float, float, float]] = {}
    meters: list[tuple[str, str, str]] = []
    warnings: list[CodedWarning] = []
    nodes: list[str] = []
    for p in payloads:
        if p["node"] not in nodes:
            nodes.append(p["node"])
        if not p["measurer"]:
            continue
        for ch, v in p["energy_j"].items():
            comp, _, dev = ch.partition(":")
            energy[f"{comp}:{p['node']}/{dev}"] = tuple(v)
        for name, method, ch in p["meters"]:
            comp, _, dev = ch.partition(":")
            meters.append((name, method, f"{comp}:{p['node']}/{dev}"))
        warnings += [CodedWarning(c, f"{p['node']}: {msg}") for c, msg in p["warnings"]]
    devices = sum(1 for ch in energy if component_of(ch) == "gpu")
    topology = {
        "nodes": len(nodes),
        "ranks": len(payloads),
        "devices": devices,
        "hostnames": nodes,
        "slurm_job_id": os.environ.get("SLURM_JOB_ID"),
        "backend": backend,
    }
    duration = max([m.duration_s, *(p["duration_s"] for p in payloads)])
    return replace(
        m, energy_j=energy, meters=meters, warnings=warnings, topology=topology, duration_s=duration
    )


def reduce(m: Measured) -> Measured:
    """One job-wide :class:`Measured` (every rank must call it, as for any collective)."""
    dist = _dist()
    if dist is None:
        if os.environ.get("SLURM_JOB_ID") and m.topology is None:
            devices = sum(1 for ch in m.energy_j if component_of(ch) == "gpu")
            return replace(
                m,
                topology={
                    "nodes": 1,
                    "ranks": 1,
                    "devices": devices,
                    "hostnames": [node_name()],
                    "slurm_job_id": os.environ["SLURM_JOB_ID"],
                },
            )
        return m
    gathered: list[Any] = [None] * dist.get_world_size()
    dist.all_gather_object(gathered, _payload(m))
    return combine(m, gathered, str(dist.get_backend()))
