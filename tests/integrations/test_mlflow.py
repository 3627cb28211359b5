"""MLflow receives the metrics and the report artifact (a real client on a local file store)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from empreinte.errors import ConfigError
from empreinte.report.models import Report
from empreinte.testing import ScriptedMeter

from .conftest import token_rows

mlflow = pytest.importorskip("mlflow")


def _artifact(client: Any, run_id: str) -> Report:
    path = client.download_artifacts(run_id, "empreinte/empreinte-report.json")
    return Report.model_validate_json(Path(path).read_text("utf-8"))


def test_track_logs_to_the_active_run(mlflow_uri: str) -> None:
    from empreinte.measure.monitor import track

    meters = [ScriptedMeter({"gpu:0": 200.0})]
    with (
        mlflow.start_run() as run,
        track("job", meters=meters, location="FRA") as t,
        t.window("load"),
    ):
        t.count(requests=3)
    report = t.report()
    client = mlflow.MlflowClient()
    data = client.get_run(run.info.run_id).data
    assert data.metrics["empreinte.energy_kwh"] == pytest.approx(report.energy.total_kwh.value)
    assert data.metrics["empreinte.energy_gpu_kwh"] == pytest.approx(report.energy.total_kwh.value)
    assert report.impacts.gwp_kgco2e is not None
    gwp = report.impacts.gwp_kgco2e.total
    assert data.metrics["empreinte.gwp_kgco2e"] == pytest.approx(gwp.value)
    assert (
        data.metrics["empreinte.gwp_kgco2e_low"]
        <= gwp.value
        <= data.metrics["empreinte.gwp_kgco2e_high"]
    )
    assert "empreinte.water_l" in data.metrics and "empreinte.pe_mj" in data.metrics
    assert data.metrics["empreinte.per_request.energy_kwh"] == pytest.approx(
        report.energy.total_kwh.value / 3
    )
    assert "empreinte.window.load.energy_kwh" in data.metrics
    assert data.tags["empreinte.report_id"] == report.report_id
    assert data.tags["empreinte.tier"] == "M2" and data.tags["empreinte.location"] == "FRA"
    assert _artifact(client, run.info.run_id).report_id == report.report_id


def test_track_without_a_run_logs_nothing(mlflow_uri: str) -> None:
    from empreinte.measure.monitor import track

    with track("job", meters=[ScriptedMeter({"gpu:0": 200.0})]):
        pass
    assert mlflow.active_run() is None
    assert mlflow.search_runs(search_all_experiments=True, output_format="list") == []


def test_log_report_for_a_report_file_and_a_finished_run(mlflow_uri: str, tmp_path: Path) -> None:
    from empreinte.integrations.mlflow import log_report
    from empreinte.measure.monitor import track

    with pytest.raises(ConfigError, match="no MLflow run"):
        log_report(_report(tmp_path))
    with mlflow.start_run() as run:
        pass  # finished before the report comes (e.g. from `empreinte run`)
    path = tmp_path / "r.json"
    with track("cmd", meters=[ScriptedMeter({"cpu:0": 50.0})], out=path):
        pass
    assert log_report(path, run_id=run.info.run_id) == run.info.run_id
    client = mlflow.MlflowClient()
    metrics = client.get_run(run.info.run_id).data.metrics
    saved = json.loads(path.read_text("utf-8"))
    assert metrics["empreinte.energy_cpu_kwh"] == pytest.approx(
        saved["energy"]["total_kwh"]["value"]
    )
    assert _artifact(client, run.info.run_id).report_id == saved["report_id"]


def _report(tmp_path: Path) -> Report:
    from empreinte.measure.monitor import track

    with track("x", meters=[ScriptedMeter({"gpu:0": 10.0})]) as t:
        pass
    return t.report()


def test_transformers_callback_logs_to_the_trainers_mlflow_run(
    tiny_lm: Any, tmp_path: Path, mlflow_uri: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from transformers import Trainer, TrainingArguments

    from empreinte.integrations.transformers import EmpreinteCallback

    monkeypatch.setenv("MLFLOW_TRACKING_URI", mlflow_uri)
    args = TrainingArguments(
        output_dir=str(tmp_path / "run"),
        num_train_epochs=2,
        per_device_train_batch_size=8,
        save_strategy="no",
        report_to=["mlflow"],  # the Trainer's MLflowCallback starts the run and ends it first
        use_cpu=True,
        disable_tqdm=True,
    )
    cb = EmpreinteCallback(meters=[ScriptedMeter({"gpu:0": 300.0})], location="FRA")
    Trainer(model=tiny_lm, args=args, train_dataset=token_rows(16), callbacks=[cb]).train()
    runs = mlflow.search_runs(search_all_experiments=True, output_format="list")
    assert len(runs) == 1
    run_id = runs[0].info.run_id
    client = mlflow.MlflowClient()
    data = client.get_run(run_id).data
    assert cb.report is not None
    assert data.metrics["empreinte.energy_kwh"] == pytest.approx(cb.report.energy.total_kwh.value)
    history = client.get_metric_history(run_id, "empreinte.epoch.energy_kwh")
    assert [m.step for m in history] == [1, 2]
    windows = {w.name: w.energy_kwh.value for w in cb.report.windows}
    assert [m.value for m in history] == pytest.approx([windows["epoch-1"], windows["epoch-2"]])
    assert _artifact(client, run_id).report_id == cb.report.report_id


def test_lightning_callback_logs_to_the_mlflow_logger_run(tmp_path: Path, mlflow_uri: str) -> None:
    pl = pytest.importorskip("lightning.pytorch")
    from lightning.pytorch.loggers import MLFlowLogger

    from empreinte.integrations.lightning import EmpreinteCallback

    from .test_lightning import TinyLM, _loader, _trainer

    logger = MLFlowLogger(experiment_name="tiny", tracking_uri=mlflow_uri)
    cb = EmpreinteCallback(meters=[ScriptedMeter({"gpu:0": 300.0})])
    _trainer(tmp_path, cb, logger=logger, max_epochs=1).fit(TinyLM(), _loader(8))
    assert pl is not None and cb.report is not None
    data = logger.experiment.get_run(logger.run_id).data
    assert data.metrics["empreinte.energy_kwh"] == pytest.approx(cb.report.energy.total_kwh.value)
    assert data.tags["empreinte.functional_unit"] == "tokens"
    assert _artifact(logger.experiment, logger.run_id).report_id == cb.report.report_id


def test_an_mlflow_failure_is_a_warning_not_a_failed_job(mlflow_uri: str, tmp_path: Path) -> None:
    from empreinte.measure.monitor import track

    path = tmp_path / "r.json"
    client = mlflow.MlflowClient()
    with mlflow.start_run() as run:
        client.delete_run(run.info.run_id)  # logging to it now fails
        with (
            pytest.warns(UserWarning, match="logging to MLflow failed"),
            track("job", meters=[ScriptedMeter({"gpu:0": 1.0})], out=path),
        ):
            pass
        client.restore_run(run.info.run_id)  # so that the run can end
    assert Report.model_validate_json(path.read_text()).status == "complete"
