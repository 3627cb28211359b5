"""EmpreinteCallback with a real ``Trainer``: a tiny GPT-2 built from a config, on CPU."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from empreinte.report.models import Report
from empreinte.testing import ScriptedMeter

from .conftest import SEQ, token_rows

pytest.importorskip("transformers")

POWER_W = 250.0


def _train(model: Any, out: Path, *, epochs: int = 2, **cb_options: Any) -> Any:
    from transformers import Trainer, TrainingArguments

    from empreinte.integrations.transformers import EmpreinteCallback

    args = TrainingArguments(
        output_dir=str(out),
        num_train_epochs=epochs,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=4,
        eval_strategy="epoch",
        save_strategy="no",
        logging_strategy="no",
        report_to="none",
        use_cpu=True,
        include_num_input_tokens_seen=True,
        disable_tqdm=True,
    )
    cb = EmpreinteCallback(meters=[ScriptedMeter({"gpu:0": POWER_W})], location="FRA", **cb_options)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=token_rows(16),
        eval_dataset=token_rows(8, seed=1),
        callbacks=[cb],
    )
    trainer.train()
    return trainer, cb


def test_two_epochs_leave_a_report_with_windows_tokens_and_a_model_card(
    tiny_lm: Any, tmp_path: Path
) -> None:
    trainer, cb = _train(tiny_lm, tmp_path / "run")
    path = tmp_path / "run" / "empreinte-report.json"
    report = Report.model_validate_json(path.read_text("utf-8"))
    assert report.status == "complete"
    assert report.lifecycle_stage == "training"  # built from a config, not pretrained
    assert report.system is not None and report.system.architecture == "GPT2LMHeadModel"
    assert report.system.parameters_total == tiny_lm.num_parameters()
    epochs = [w for w in report.windows if w.name.startswith("epoch-")]
    evals = [w for w in report.windows if w.name.startswith("evaluation-")]
    assert [w.name for w in epochs] == ["epoch-1", "epoch-2"]
    assert [w.name for w in evals] == ["evaluation-1", "evaluation-2"]
    # 16 rows of SEQ tokens per epoch, 4 optimizer steps of 4 samples
    assert [w.counters["tokens"] for w in epochs] == [16 * SEQ, 16 * SEQ]
    assert [w.counters["samples"] for w in epochs] == [16, 16]
    assert report.counters["tokens"] == 2 * 16 * SEQ
    assert report.functional_unit is not None and report.functional_unit.type == "tokens"
    assert report.per_unit is not None
    per_token = report.per_unit.energy_kwh.value
    assert per_token == pytest.approx(report.energy.total_kwh.value / (2 * 16 * SEQ))
    # windows are ordered in time, evaluation after its epoch, energy from the meter's power
    assert epochs[0].end_s <= evals[0].start_s <= evals[0].end_s <= epochs[1].start_s
    for w in epochs:
        assert w.energy_kwh.value == pytest.approx(
            POWER_W * (w.end_s - w.start_s) / 3.6e6, rel=0.01
        )
    codes = {w.code for w in report.warnings}
    assert "work-from-steps" in codes and "tokens-not-counted" not in codes
    assert cb.report is not None and cb.report.report_id == report.report_id

    card = (tmp_path / "run" / "README.md").read_text("utf-8")
    from empreinte.integrations.modelcard import read_card

    meta, body = read_card(tmp_path / "run" / "README.md")
    co2 = meta["co2_eq_emissions"]
    assert report.impacts.gwp_kgco2e is not None
    assert co2["emissions"] == pytest.approx(report.impacts.gwp_kgco2e.total.value * 1000)
    assert co2["training_type"] == "pre-training" and "FRA" in co2["geographical_location"]
    assert co2["source"].startswith("empreinte")
    assert "Environmental impact" in body and card.startswith("---\n")

    # the Trainer's own card replaces README.md: co2_eq_emissions is added again, its keys kept
    trainer.create_model_card(model_name="tiny", tags=["empreinte-test"])
    meta, body = read_card(tmp_path / "run" / "README.md")
    assert meta["co2_eq_emissions"] == co2
    assert "empreinte-test" in meta["tags"] and "tiny" in body


def test_samples_only_and_fine_tuning_are_said(tiny_lm: Any, tmp_path: Path) -> None:
    from transformers import Trainer, TrainingArguments

    from empreinte.integrations.transformers import EmpreinteCallback

    tiny_lm.name_or_path = "local/tiny-gpt2"  # as if loaded with from_pretrained
    cb = EmpreinteCallback("ft", meters=[ScriptedMeter({"gpu:0": POWER_W})], model_card=False)
    args = TrainingArguments(
        output_dir=str(tmp_path / "ft"),
        num_train_epochs=1,
        per_device_train_batch_size=8,
        save_strategy="no",
        report_to="none",
        use_cpu=True,
        disable_tqdm=True,
    )
    Trainer(model=tiny_lm, args=args, train_dataset=token_rows(16), callbacks=[cb]).train()
    report = cb.report
    assert report is not None and report.name == "ft"
    assert report.lifecycle_stage == "fine_tuning"
    assert report.system is not None and report.system.model_id == "local/tiny-gpt2"
    assert report.functional_unit is not None and report.functional_unit.type == "samples"
    assert report.functional_unit.count == 16
    assert {"work-from-steps", "tokens-not-counted"} <= {w.code for w in report.warnings}
    assert [w.name for w in report.windows] == ["epoch-1"]
    assert not (tmp_path / "ft" / "README.md").exists()
    saved = json.loads((tmp_path / "ft" / "empreinte-report.json").read_text("utf-8"))
    assert saved["report_id"] == report.report_id


def test_write_model_card_keeps_the_trainers_metadata(tmp_path: Path) -> None:
    from empreinte.integrations.transformers import write_model_card
    from empreinte.measure.monitor import track

    with track("t", meters=[ScriptedMeter({"gpu:0": 100.0})], location="FRA") as t:
        pass
    report = t.report()
    (tmp_path / "README.md").write_text(
        "---\nlicense: apache-2.0\ntags:\n- generated_from_trainer\n---\n\n# my model\n\ntext\n"
    )
    write_model_card(tmp_path, report)
    text = (tmp_path / "README.md").read_text("utf-8")
    assert text.index("license:") < text.index("co2_eq_emissions:")  # order kept
    assert text.endswith("# my model\n\ntext\n")
    from empreinte.integrations.modelcard import read_card

    meta, _ = read_card(tmp_path / "README.md")
    assert meta["tags"] == ["generated_from_trainer"]
    assert meta["co2_eq_emissions"]["emissions"] > 0
    # from the report file, when none is given
    (tmp_path / "empreinte-report.json").write_text(report.to_json())
    (tmp_path / "README.md").unlink()
    write_model_card(tmp_path)
    meta, body = read_card(tmp_path / "README.md")
    assert meta["co2_eq_emissions"]["training_type"] == "other"
    assert report.report_id in body
