"""EmpreinteCallback with a real Lightning ``Trainer``: a tiny LightningModule, on CPU."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from empreinte.report.models import Report
from empreinte.testing import ScriptedMeter

from .conftest import SEQ, VOCAB

pl = pytest.importorskip("lightning.pytorch")
torch = pytest.importorskip("torch")

POWER_W = 120.0


class TinyLM(pl.LightningModule):  # type: ignore[misc]
    """An embedding and a linear head over token ids: a causal LM in miniature."""

    def __init__(self) -> None:
        super().__init__()
        self.emb = torch.nn.Embedding(VOCAB, 16)
        self.head = torch.nn.Linear(16, VOCAB)

    def _loss(self, batch: dict[str, Any]) -> Any:
        logits = self.head(self.emb(batch["input_ids"][:, :-1]))
        target = batch["input_ids"][:, 1:]
        return torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), target.reshape(-1))

    def training_step(self, batch: dict[str, Any], batch_idx: int) -> Any:
        return self._loss(batch)

    def validation_step(self, batch: dict[str, Any], batch_idx: int) -> Any:
        return self._loss(batch)

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=0.1)


def _loader(n: int, *, mask: bool = True, seed: int = 0) -> Any:
    g = torch.Generator().manual_seed(seed)
    ids = torch.randint(0, VOCAB, (n, SEQ), generator=g)
    rows: list[dict[str, Any]] = []
    for row in ids:
        item: dict[str, Any] = {"input_ids": row}
        if mask:  # the last 4 positions are padding
            item["attention_mask"] = torch.tensor([1] * (SEQ - 4) + [0] * 4)
        rows.append(item)
    return torch.utils.data.DataLoader(rows, batch_size=4)


def _trainer(root: Path, cb: Any, **kw: Any) -> Any:
    options: dict[str, Any] = {
        "max_epochs": 2,
        "logger": False,
        "num_sanity_val_steps": 1,
        **kw,
    }
    return pl.Trainer(
        default_root_dir=str(root),
        accelerator="cpu",
        devices=1,
        callbacks=[cb],
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        **options,
    )


def test_two_epochs_leave_a_report_with_windows_and_tokens(tmp_path: Path) -> None:
    from empreinte.integrations.lightning import EmpreinteCallback

    cb = EmpreinteCallback(meters=[ScriptedMeter({"gpu:0": POWER_W})], location="FRA")
    _trainer(tmp_path, cb).fit(TinyLM(), _loader(12), _loader(4, seed=1))
    report = Report.model_validate_json((tmp_path / "empreinte-report.json").read_text())
    assert report.status == "complete" and report.lifecycle_stage == "training"
    names = [w.name for w in report.windows]
    # validation runs inside the training epoch in Lightning 2; the sanity check is not a window
    assert sorted(names) == ["epoch-1", "epoch-2", "evaluation-1", "evaluation-2"]
    epochs = {w.name: w for w in report.windows if w.name.startswith("epoch-")}
    evaluation = next(w for w in report.windows if w.name == "evaluation-1")
    assert evaluation.parent == "epoch-1"
    assert epochs["epoch-1"].start_s <= evaluation.start_s <= evaluation.end_s
    assert evaluation.end_s <= epochs["epoch-1"].end_s
    for w in epochs.values():  # 12 samples of SEQ - 4 non-padding tokens per epoch
        assert w.counters == {"samples": 12, "tokens": 12 * (SEQ - 4)}
        assert w.energy_kwh.value == pytest.approx(
            POWER_W * (w.end_s - w.start_s) / 3.6e6, rel=0.01
        )
    assert report.functional_unit is not None and report.functional_unit.type == "tokens"
    assert report.functional_unit.count == 2 * 12 * (SEQ - 4)
    assert report.per_unit is not None
    assert report.per_unit.energy_kwh.value == pytest.approx(
        report.energy.total_kwh.value / (2 * 12 * (SEQ - 4))
    )
    assert report.system is not None and report.system.model_id == "TinyLM"
    assert report.system.parameters_total == VOCAB * 16 + 16 * VOCAB + VOCAB
    assert "tokens-not-counted" not in {w.code for w in report.warnings}
    assert cb.report is not None and cb.report.report_id == report.report_id
    assert not (tmp_path / "README.md").exists()  # no model card unless asked


def test_samples_only_batches_and_a_model_card_on_request(tmp_path: Path) -> None:
    from empreinte.integrations.lightning import EmpreinteCallback
    from empreinte.integrations.modelcard import read_card

    class Plain(TinyLM):
        def training_step(self, batch: Any, batch_idx: int) -> Any:
            return self._loss({"input_ids": batch[0]})

    ids = torch.randint(0, VOCAB, (10, SEQ))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(ids), batch_size=4)
    cb = EmpreinteCallback(
        "plain", meters=[ScriptedMeter({"gpu:0": POWER_W})], model_card=True, location="FRA"
    )
    _trainer(tmp_path, cb, max_epochs=1, limit_val_batches=0).fit(Plain(), loader)
    report = cb.report
    assert report is not None and report.name == "plain"
    assert report.counters == {"samples": 10}  # a short last batch counts what it holds
    assert "tokens-not-counted" in {w.code for w in report.warnings}
    meta, _ = read_card(tmp_path / "README.md")
    assert meta["co2_eq_emissions"]["training_type"] == "pre-training"
