from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from empreinte.measure.distributed import combine
from empreinte.measure.result import Measured


def _measured(energy: dict[str, tuple[float, float, float]]) -> Measured:
    now = datetime.now(UTC)
    return Measured(
        "x", "training", energy, [("s", "hw_counter", ch) for ch in energy], 1.0, 5.0, now, now
    )


def test_combine_sums_node_measurers_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLURM_JOB_ID", "1234")
    m = _measured({"gpu:0": (10.0, 10.0, 10.0)})
    payloads = [
        {
            "node": "a",
            "measurer": True,
            "energy_j": {"gpu:0": (10.0, 10.0, 10.0)},
            "meters": [("nvml", "hw_counter", "gpu:0")],
            "warnings": [],
            "duration_s": 5.0,
        },
        {
            "node": "a",
            "measurer": False,
            "energy_j": {},
            "meters": [],
            "warnings": [],
            "duration_s": 5.0,
        },
        {
            "node": "b",
            "measurer": True,
            "energy_j": {"gpu:0": (30.0, 30.0, 30.0)},
            "meters": [("nvml", "hw_counter", "gpu:0")],
            "warnings": [("w", "msg")],
            "duration_s": 6.0,
        },
    ]
    out = combine(m, payloads, "nccl")
    assert out.energy_j == {"gpu:a/0": (10.0, 10.0, 10.0), "gpu:b/0": (30.0, 30.0, 30.0)}
    assert out.topology == {
        "nodes": 2,
        "ranks": 3,
        "devices": 2,
        "hostnames": ["a", "b"],
        "slurm_job_id": "1234",
        "backend": "nccl",
    }
    assert out.duration_s == 6.0 and out.warnings[0].message == "b: msg"


SCRIPT = textwrap.dedent("""
    import sys, time
    import torch.distributed as dist
    from empreinte import track
    from empreinte.testing import ScriptedMeter

    dist.init_process_group("gloo")
    watts = 10.0 * (dist.get_rank() + 1)
    with track("ddp", stage="training", meters=[ScriptedMeter({"cpu:0": watts})],
               out=sys.argv[1], live=False) as t:
        time.sleep(0.3)
        t.count(samples=8)
    dist.destroy_process_group()
""")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_two_nodes_on_gloo_reduce_into_one_report(tmp_path: Path) -> None:
    pytest.importorskip("torch.distributed")
    out = tmp_path / "report.json"
    port = _free_port()
    procs = []
    for rank in range(2):
        env = {
            **os.environ,
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "WORLD_SIZE": "2",
            "RANK": str(rank),
            "LOCAL_RANK": "0",
            "SLURMD_NODENAME": f"node-{rank}",
            "SLURM_JOB_ID": "777",
        }
        procs.append(subprocess.Popen([sys.executable, "-c", SCRIPT, str(out)], env=env))
    assert [p.wait(timeout=60) for p in procs] == [0, 0]
    r = json.loads(out.read_text())
    assert r["topology"] == {
        "nodes": 2,
        "ranks": 2,
        "devices": 0,
        "hostnames": ["node-0", "node-1"],
        "slurm_job_id": "777",
        "backend": "gloo",
    }
    cpu_j = r["energy"]["cpu_kwh"]["value"] * 3.6e6
    assert cpu_j == pytest.approx(30.0 * 0.3, rel=0.5)  # 10 W + 20 W for ~0.3 s
    assert {m["device"] for m in r["measurement"]["meters"]} == {"cpu:node-0/0", "cpu:node-1/0"}
