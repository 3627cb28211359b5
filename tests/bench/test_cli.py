"""``empreinte bench list|run|leaderboard`` end to end (tiny sizes) and the submit client."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from empreinte.bench.leaderboard import build_rows, latest_results
from empreinte.bench.results import load_result
from empreinte.bench.submit import submit_report
from empreinte.cli import main
from empreinte.errors import ConfigError, ServerError
from empreinte.report import validate_report

TINY = ["--samples", "20", "--repeats", "2", "--min-window", "0.05", "--idle", "0.05"]


def test_list_shows_tasks_and_models(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "list", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {t["name"] for t in data["tasks"]} == {"breast-cancer", "digits", "text-topics", "wine"}
    names = {m["name"] for m in data["models"]}
    assert {"logreg", "random-forest", "tfidf-logreg", "naive-bayes"} <= names


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bench")
    out = folder / "report.json"
    assert (
        main(
            [
                "bench",
                "run",
                "--task",
                "wine",
                "--model",
                "naive-bayes",
                *TINY,
                "--results-dir",
                str(folder / "results"),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert (
        main(
            [
                "bench",
                "run",
                "--task",
                "wine",
                "--model",
                "logreg",
                *TINY,
                "--results-dir",
                str(folder / "results"),
            ]
        )
        == 0
    )
    return folder


def test_run_writes_a_valid_report_and_a_result(results: Path) -> None:
    report = validate_report(json.loads((results / "report.json").read_text()))
    assert report.lifecycle_stage == "inference" and report.task == "wine"
    assert set(report.quality_metrics) == {"accuracy", "macro_f1"}
    files = sorted((results / "results").glob("wine__*.json"))
    assert len(files) == 2
    r = load_result(files[0])
    assert r.repeats == 2 and r.energy_wh_per_1000.ci_low is not None
    assert r.energy_wh_per_1000.mean > 0  # measured by the machine's meters, never zero-filled
    assert r.energy_class in "ABCDEFG"


def test_leaderboard_writes_chart_page_and_snapshot(results: Path) -> None:
    out = results / "board"
    assert (
        main(
            [
                "bench",
                "leaderboard",
                "--results-dir",
                str(results / "results"),
                "--out-dir",
                str(out),
            ]
        )
        == 0
    )
    png = (out / "pareto.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    page = (out / "leaderboard.html").read_text()
    assert "<svg" in page and "naive-bayes" in page and "logreg" in page
    snaps = list((out / "snapshots").glob("leaderboard-*.json"))
    assert len(snaps) == 1
    rows = json.loads(snaps[0].read_text())["rows"]
    assert {r["model"] for r in rows} == {"naive-bayes", "logreg"}
    assert all(r["rank"] is None for r in rows if not r["passed_gate"])


def test_rows_rank_only_gated_entries(results: Path) -> None:
    rows = build_rows(latest_results(results / "results"))
    ranked = [r for r in rows if r.rank is not None]
    assert all(r.quality >= r.gate_min for r in ranked)
    assert all((r.energy_class is None) == (not r.passed_gate) for r in rows)
    assert any(r.on_front for r in rows)


def test_errors_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["bench", "leaderboard", "--results-dir", str(tmp_path)]) != 0
    assert main(["bench", "run", "--task", "wine", "--model", "nope"]) != 0
    assert main(["bench", "run", "--task", "all", "--model", "logreg", "--out", "x.json"]) != 0
    err = capsys.readouterr().err
    assert "error: no bench results" in err and "unknown model 'nope'" in err


def test_submit_posts_the_report_with_the_token(
    results: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EMPREINTE_DATA_DIR", str(tmp_path))  # the shared client's outbox
    report = validate_report(json.loads((results / "report.json").read_text()))
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(201, json={"id": report.report_id, "url": "/reports/x"})

    answer = submit_report(
        report, "http://obs.test/", "tok", transport=httpx.MockTransport(handler)
    )
    assert answer["id"] == report.report_id
    req = seen[0]
    assert str(req.url) == "http://obs.test/api/v1/reports"
    assert req.headers["authorization"] == "Bearer tok"
    assert json.loads(req.content)["report_id"] == report.report_id

    def refuse(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, json={"error": {"code": "unauthorized", "message": "bad"}})

    assert not list((tmp_path / "outbox").glob("*.json"))  # accepted: out of the outbox
    with pytest.raises(ServerError, match="401"):
        submit_report(report, "http://obs.test", "tok", transport=httpx.MockTransport(refuse))
    assert len(list((tmp_path / "outbox").glob("*.json"))) == 1  # refused: kept
    monkeypatch.delenv("EMPREINTE_SERVER", raising=False)
    monkeypatch.delenv("EMPREINTE_TOKEN", raising=False)
    with pytest.raises(ConfigError):
        submit_report(report, None, None)


def test_run_unwritable_out_is_refused_before_running(tmp_path: Path) -> None:
    """A real subprocess: one line, exit 2, no traceback, and no result saved (nothing ran)."""
    import os
    import subprocess
    import sys

    bad = tmp_path / "no" / "such" / "r.json"
    res = tmp_path / "results"
    out = subprocess.run(
        [
            *(sys.executable, "-m", "empreinte.cli", "bench", "run", "--task", "wine"),
            *("--model", "logreg", *TINY, "--out", str(bad), "--results-dir", str(res)),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "EMPREINTE_LOCATION": ""},
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "r.json" in lines[0]
    assert not res.exists()


def test_leaderboard_unknown_task_is_named(
    results: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["bench", "leaderboard", "--results-dir", str(results), "--task", "nope"]) == 2
    assert "unknown task 'nope'" in capsys.readouterr().err
