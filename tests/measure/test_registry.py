"""The meter registry: ``doctor`` lists its rows, the monitor chooses from them, a new row is
one ``register`` call; rows whose driver is absent are reported without importing anything."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from empreinte.cli import main
from empreinte.errors import ConfigError
from empreinte.measure import registry
from empreinte.measure.doctor import default_meters, diagnose
from empreinte.measure.monitor import track
from empreinte.measure.registry import METERS, MeterSpec, register
from empreinte.testing import ScriptedMeter

DOCS = Path(__file__).parents[2] / "docs" / "measure.md"


class ClipMeter(ScriptedMeter):
    """A meter added by a test: it covers CPU and RAM, so no fallback is needed."""

    def __init__(self) -> None:
        super().__init__({"cpu:0": 40.0, "ram:0": 4.0}, name="clip")


@pytest.fixture
def no_rapl(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EMPREINTE_POWERCAP_ROOT", str(tmp_path / "no-powercap"))


@pytest.fixture
def clip(monkeypatch: pytest.MonkeyPatch) -> MeterSpec:
    """The ``clip`` row, registered before the fallback for this test only."""
    row = MeterSpec("clip", "hw_counter", f"{__name__}:ClipMeter")
    rows = list(METERS.items())
    monkeypatch.setattr(registry, "METERS", {})
    for _, r in rows:
        if r.role == "fallback":
            register(row)
        register(r)
    return row


def _doctor_rows(capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    assert main(["doctor", "--json"]) == 0
    rows: list[dict[str, object]] = json.loads(capsys.readouterr().out)
    return rows


def test_doctor_lists_exactly_the_registry(
    no_rapl: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without RAPL the fallback is needed, so every row is listed, in registry order."""
    rows = _doctor_rows(capsys)
    assert [r["meter"] for r in rows] == list(METERS)
    assert [r["method"] for r in rows] == [s.method for s in METERS.values()]
    assert rows[-1]["meter"] == "estimate" and rows[-1]["ok"]
    rapl = rows[0]
    assert rapl["meter"] == "rapl" and not rapl["ok"]
    assert "no-powercap does not exist" in str(rapl["reason"]) and rapl["fix"]


def test_registered_meter_shows_in_doctor_and_is_used_by_the_monitor(
    no_rapl: None, clip: MeterSpec, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = {r["meter"]: r for r in _doctor_rows(capsys)}
    assert rows["clip"]["ok"] and rows["clip"]["channels"] == ["cpu:0", "ram:0"]
    assert "estimate" not in rows  # the new meter covers CPU and RAM

    with track("registry", interval_s=0.05, live=False) as t:
        pass
    measured = t.measured()
    owners = {ch: name for name, _, ch in measured.meters}
    assert owners["cpu:0"] == "clip" and owners["ram:0"] == "clip"
    assert "estimate" not in owners.values()


def test_absent_driver_reported_from_the_row_without_importing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    row = MeterSpec(
        "phantom",
        "hw_counter",
        "empreinte_phantom_meter:PhantomMeter",
        nodes=("/nonexistent/phantom0",),
        missing="no phantom driver (none of {nodes} exists)",
        fix="install the phantom driver",
        sdk="phantom_sdk",
    )
    monkeypatch.setitem(METERS, "phantom", row)
    status = {s.name: s for s in diagnose()}["phantom"]
    assert not status.availability.ok
    assert status.availability.reason == "no phantom driver (none of /nonexistent/phantom0 exists)"
    assert status.availability.fix == "install the phantom driver"
    assert "empreinte_phantom_meter" not in sys.modules


def test_fallback_covers_only_what_counters_leave(no_rapl: None) -> None:
    meters, statuses = default_meters(describe=False)
    try:
        fallback = [m for m in meters if m.name == "estimate"]
        assert len(fallback) == 1
        assert statuses[-1].availability.channels == ("cpu:0", "ram:0")
    finally:
        for m in meters:
            m.close()


def test_register_refuses_duplicates_and_a_second_fallback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(registry, "METERS", dict(METERS))
    with pytest.raises(ConfigError, match="already registered"):
        register(MeterSpec("nvml", "hw_counter", "x:Y"))
    with pytest.raises(ConfigError, match="one fallback"):
        register(MeterSpec("guess", "software_model", "x:Y", role="fallback"))
    with pytest.raises(ConfigError, match="no meter named"):
        registry.spec("nope")
    replaced = register(MeterSpec("nvml", "hw_counter", "x:Y"), replace=True)
    assert registry.spec("nvml") is replaced


def test_every_meter_is_documented() -> None:
    """Each row has a line in docs/measure.md's meters table (style rule 14)."""
    text = DOCS.read_text()
    missing = [name for name in METERS if f"| `{name}` |" not in text]
    assert not missing, f"meters without documentation in docs/measure.md: {missing}"


def test_each_row_agrees_with_its_class() -> None:
    """A row's name and method are the ones its meter reports (doctor shows the row's)."""
    for row in METERS.values():
        cls = row.meter_class()
        assert (cls.name, cls.method) == (row.name, row.method), row.name
        if row.sdk is not None:  # the probe cache looks for the SDK bound under this name
            assert hasattr(sys.modules[row.module], row.sdk), row.name
