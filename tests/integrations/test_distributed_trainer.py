"""Two ranks of a real ``Trainer`` on gloo (one node): one measurer, one report, one card."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEQ

SCRIPT = """
import sys
import torch, transformers
from transformers import Trainer, TrainingArguments
from empreinte.integrations.transformers import EmpreinteCallback
from empreinte.testing import ScriptedMeter

torch.manual_seed(0)
config = transformers.GPT2Config(n_layer=1, n_head=2, n_embd=32, vocab_size=128,
                                 n_positions={seq}, bos_token_id=0, eos_token_id=0)
ids = torch.randint(0, 128, (16, {seq}), generator=torch.Generator().manual_seed(0))
rows = [{{"input_ids": r, "labels": r}} for r in ids]
args = TrainingArguments(output_dir=sys.argv[1], num_train_epochs=2, use_cpu=True,
                         per_device_train_batch_size=4, save_strategy="no", report_to="none",
                         include_num_input_tokens_seen=True, disable_tqdm=True)
cb = EmpreinteCallback(meters=[ScriptedMeter({{"gpu:0": 100.0}})], location="FRA")
Trainer(model=transformers.GPT2LMHeadModel(config), args=args, train_dataset=rows,
        callbacks=[cb]).train()
assert torch.distributed.is_initialized() and torch.distributed.get_world_size() == 2
print("REPORT", cb.report is not None, flush=True)
# a process group left alive at exit can abort the interpreter's teardown (gloo's threads):
# end it as a real job's script does
torch.distributed.barrier()
torch.distributed.destroy_process_group()
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_two_ranks_leave_one_report_with_the_whole_jobs_work(tmp_path: Path) -> None:
    pytest.importorskip("transformers")
    pytest.importorskip("accelerate")
    pytest.importorskip("torch.distributed")
    port = _free_port()
    procs = []
    for rank in range(2):
        env = {
            **os.environ,
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "WORLD_SIZE": "2",
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
            "LOCAL_WORLD_SIZE": "2",
            "OMP_NUM_THREADS": "1",
        }
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", SCRIPT.format(seq=SEQ), str(tmp_path / "out")],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    outputs = [p.communicate(timeout=240) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs[0][1][-2000:] + outputs[1][1][-2000:]
    assert "REPORT True" in outputs[0][0] and "REPORT False" in outputs[1][0]
    files = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert files == ["README.md", "empreinte-report.json"]
    r = json.loads((tmp_path / "out" / "empreinte-report.json").read_text())
    assert r["topology"]["ranks"] == 2 and r["topology"]["nodes"] == 1
    assert len(r["measurement"]["meters"]) == 1  # local rank 1 read no meter
    epochs = [w for w in r["windows"] if w["name"].startswith("epoch-")]
    assert [w["name"] for w in epochs] == ["epoch-1", "epoch-2"]
    for w in epochs:  # the whole job's work, both ranks: 16 rows of SEQ tokens per epoch
        assert w["counters"] == {"samples": 16, "tokens": 16 * SEQ}
    assert r["functional_unit"] == {"type": "tokens", "count": 2 * 16 * SEQ}
