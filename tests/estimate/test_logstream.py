"""Streaming request logs through DuckDB: the numbers of the in-memory path, in bounded batches."""

from __future__ import annotations

import json
import threading
import time

import numpy as np
import pytest

pytest.importorskip("duckdb")
pa = pytest.importorskip("pyarrow")

from empreinte.errors import ConfigError, EstimateError  # noqa: E402
from empreinte.estimate import estimate_log, read_log  # noqa: E402
from empreinte.estimate.logstream import map_batches, open_log, stream_log  # noqa: E402

from .logs_data import assert_same_numbers, assert_same_totals, make_table, write_formats  # noqa: E402

KEYS = ("model", "day", "provider")
REPORT_KEYS = ("energy", "impacts", "per_unit", "functional_unit", "location", "warnings")


@pytest.fixture(scope="module")
def log_files(tmp_path_factory):
    return write_formats(make_table(), tmp_path_factory.mktemp("logs"))


@pytest.fixture(scope="module")
def in_memory(log_files):
    """The reference: today's path (whole file in memory) on the Parquet file."""
    return estimate_log(read_log(log_files["parquet"]), pue=1.2)


def _report(x):
    data = json.loads(x.to_report(name="log").to_json())
    return {k: data[k] for k in REPORT_KEYS}


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_streaming_gives_the_in_memory_totals(log_files, fmt):
    old = estimate_log(read_log(log_files[fmt]), pue=1.2)
    new = stream_log(log_files[fmt], pue=1.2, batch_rows=700, workers=2)
    assert (new.rows, new.unestimated) == (old.rows, old.unestimated) == (3000, new.unestimated)
    assert new.unestimated > 600  # the unknown model and the bad token counts: not zero
    assert_same_totals(old, new, KEYS, tol=1e-12)
    assert_same_numbers(_report(old), _report(new), tol=1e-12)


def test_a_directory_and_a_glob_give_the_file_totals(log_files, in_memory):
    d = log_files["dataset"]
    for source in (d, f"{d}/part=*/*.parquet"):
        new = stream_log(source, pue=1.2, batch_rows=1000)
        assert new.rows == in_memory.rows
        assert_same_totals(in_memory, new, KEYS, tol=1e-12)


def test_zone_totals_add_up_to_the_whole(log_files, in_memory):
    new = stream_log(log_files["parquet"], pue=1.2, batch_rows=512)
    zones = new.totals_by("zone")
    assert [z["zone"] for z in zones] == ["DEU", "FRA", "USA"]  # the AWS region is in France
    assert sum(z["requests"] for z in zones) == 3000
    total = sum(z["energy_kwh"]["value"] for z in zones)
    assert total == pytest.approx(in_memory.total(in_memory.energy_kwh).value, rel=1e-12)


def test_rows_out_parquet_csv_and_partitioned(log_files, in_memory, tmp_path):
    import pyarrow.csv as pc
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq

    outs = {k: tmp_path / n for k, n in (("pq", "rows.parquet"), ("csv", "rows.csv"))}
    outs["dir"] = tmp_path / "rows"
    for out in outs.values():
        stream_log(log_files["parquet"], pue=1.2, batch_rows=1000, rows_out=out)
    tables = {
        "pq": pq.read_table(outs["pq"]),
        "csv": pc.read_csv(outs["csv"]),
        "dir": ds.dataset(outs["dir"], partitioning="hive").to_table(),
    }
    assert sorted(p.name for p in outs["dir"].iterdir())[0] == "day=2026-01-01"
    want = in_memory.energy_kwh.value * 1e3
    for name, t in tables.items():
        assert t.num_rows == 3000, name
        e = t.column("energy_wh")
        assert e.null_count == in_memory.unestimated  # empty, never zero
        tol = 1e-6 if name == "csv" else 1e-12  # the CSV keeps 7 digits, like today's
        assert pa.compute.sum(e).as_py() == pytest.approx(np.nansum(want), rel=tol)
    np.testing.assert_array_equal(tables["pq"].column("energy_wh").to_numpy(), want)
    assert tables["pq"].column_names[:4] == ["model", "day", "provider", "zone"]


def test_the_pipeline_keeps_few_batches_in_flight():
    """Memory is bounded by the batch size: at most workers + 1 batches are read ahead."""
    read, worked, most = [0], [0], [0]
    lock = threading.Lock()

    class Batch:
        num_rows = 10

    def batches():
        for _ in range(40):
            with lock:
                read[0] += 1
                most[0] = max(most[0], read[0] - worked[0])
            yield Batch()

    def work(b):
        time.sleep(0.001)
        return b

    for _ in map_batches(batches(), work, workers=2):
        with lock:
            worked[0] += 1
    assert worked[0] == 40 and most[0] <= 4


def test_open_log_counts_parquet_rows_and_reads_only_log_columns(log_files, tmp_path):
    t = make_table(50).append_column("prompt", pa.array(["secret"] * 50))
    import pyarrow.parquet as pq

    pq.write_table(t, tmp_path / "wide.parquet")
    log = open_log(tmp_path / "wide.parquet")
    try:
        assert log.total_rows == 50 and "prompt" not in log.columns
        assert sum(b.num_rows for b in log.batches(16)) == 50
    finally:
        log.close()


def test_bad_sources_are_clean_errors(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        stream_log(tmp_path / "nope.parquet")
    (tmp_path / "x.xlsx").write_text("a")
    with pytest.raises(ConfigError, match="unknown log format"):
        stream_log(tmp_path / "x.xlsx")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ConfigError, match="no CSV, JSONL or Parquet"):
        stream_log(tmp_path / "empty")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(ConfigError, match="cannot read log"):
        stream_log(tmp_path / "bad.parquet")
    (tmp_path / "nomodel.csv").write_text("a,b\n1,2\n")
    with pytest.raises(EstimateError, match="no 'model' column"):
        stream_log(tmp_path / "nomodel.csv")


def test_cli_streams_a_directory_with_zone_totals_and_no_progress_off_a_terminal(log_files):
    import os
    import subprocess
    import sys

    env = {**os.environ, "EMPREINTE_LOCATION": "", "COLUMNS": "160"}
    cmd = [sys.executable, "-m", "empreinte.cli", "estimate", "log", str(log_files["dataset"])]
    out = subprocess.run(
        [*cmd, "--pue", "1.2", "--batch-rows", "800", "--json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert "rows read" not in out.stderr  # progress only on a terminal
    data = json.loads(out.stdout)
    assert data["rows"] == 3000 and set(data["totals"]) == {"model", "day", "provider", "zone"}
    assert sum(z["requests"] for z in data["totals"]["zone"]) == 3000
    unknown = next(m for m in data["totals"]["model"] if m["model"] == "no-such-model")
    assert unknown["estimated"] == 0 and unknown["energy_kwh"] is None  # not zero


def test_progress_line_on_a_terminal(monkeypatch, capsys):
    import sys

    from empreinte.cli.estimate import _progress

    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    show = _progress()
    assert show is not None
    show(500, 1000)
    show(1000, 1000)
    err = capsys.readouterr().err
    assert "1,000 rows read" in err and "rows/s" in err and "ETA 0 s" in err
    monkeypatch.setattr(sys.stderr, "isatty", lambda: False, raising=False)
    assert _progress() is None


def test_cli_json_is_the_same_with_and_without_duckdb(log_files, monkeypatch, capsys, tmp_path):
    """Without DuckDB the command reads the file whole (today's path): same JSON numbers."""
    from empreinte.cli import estimate as cli

    def run(streaming: bool) -> dict:
        monkeypatch.setattr(cli, "_has_duckdb", lambda: streaming)
        rows = tmp_path / f"rows-{streaming}.csv"
        cli.log_cmd(
            file=log_files["csv"],
            fmt="auto",
            hardware="nvidia-h100-sxm",
            location=None,
            pue="1.2",
            rows_out=rows,
            partition_by="day",
            batch_rows=900,
            count=None,
            grid_gwp=None,
            datacenter=None,
            fleet=None,
            provisioned_hours=None,
            skip_bad_rows=False,
            as_json=True,
            out=None,
        )
        assert rows.exists()
        data = json.loads(capsys.readouterr().out)
        data.pop("report")
        return data

    old, new = run(False), run(True)
    for data in (old, new):  # both paths total by zone
        assert [z["zone"] for z in data["totals"]["zone"]] == ["DEU", "FRA", "USA"]
    assert_same_numbers(old, new, tol=1e-12)


def test_batch_warnings_merge_their_counts_and_whole_log_options_are_refused():
    from empreinte.errors import CodedWarning
    from empreinte.estimate.logbatch import _merge_warnings, estimate_batch

    merged = _merge_warnings(
        [
            CodedWarning("extrapolated", "3 rows with output lengths outside the data"),
            CodedWarning("pue-default", "no PUE given"),
            CodedWarning("extrapolated", "4 rows with output lengths outside the data"),
            CodedWarning("pue-default", "no PUE given"),
            CodedWarning("other", "a"),
            CodedWarning("other", "b"),
        ]
    )
    assert [(w.code, w.message) for w in merged] == [
        ("extrapolated", "7 rows with output lengths outside the data"),
        ("pue-default", "no PUE given"),
        ("other", "a"),
        ("other", "b"),
    ]
    with pytest.raises(EstimateError, match="whole log"):
        estimate_batch(make_table(10), provisioned_hours=100.0, fleet=8)
