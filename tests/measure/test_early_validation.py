"""``track()`` checks its options at entry, and the sampler survives a failing checkpoint."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from empreinte import track
from empreinte.errors import ConfigError, SettingError, UnknownKeyError, WarningCode
from empreinte.factors.site import Site, resolve_site
from empreinte.measure import monitor
from empreinte.measure.sampler import Sampler, Totals
from empreinte.testing import ScriptedMeter
from empreinte.vocabulary import STAGES


def test_bad_stage_fails_at_entry_naming_the_field_and_the_values() -> None:
    with pytest.raises(SettingError) as info:
        track("x", stage="bogus", meters=[ScriptedMeter({"cpu:0": 1.0})], live=False)
    err = info.value
    assert isinstance(err, ConfigError) and isinstance(err, ValueError)
    assert err.setting == "stage" and err.value == "bogus" and err.allowed == STAGES
    assert "stage" in str(err) and "fine_tuning" in str(err) and "'bogus'" in str(err)


@pytest.mark.parametrize("pue", [0.9, float("nan"), float("inf")])
def test_bad_pue_fails_at_entry(pue: float) -> None:
    with pytest.raises(SettingError, match="pue"):
        track("x", pue=pue, live=False)


def test_unknown_location_fails_at_entry() -> None:
    with pytest.raises(UnknownKeyError, match="FRX"):
        track("x", location="FRX", live=False)


def test_site_is_resolved_once_and_passed_down(monkeypatch: pytest.MonkeyPatch) -> None:
    t = track(
        "x",
        location="cloud:Google:europe-west1",
        pue=1.3,
        meters=[ScriptedMeter({"cpu:0": 10.0})],
        live=False,
    )
    assert isinstance(t.site, Site)
    assert (t.site.provider, t.site.region, t.site.zone) == ("gcp", "europe-west1", "BEL")
    assert t.site.pue == 1.3

    def no_reparse(location: object) -> object:
        raise AssertionError(f"location re-parsed: {location!r}")

    monkeypatch.setattr("empreinte.impacts.assess.resolve_location", no_reparse)
    with t:
        pass
    r = t.report()
    assert r.location.cloud_provider == "gcp" and r.location.cloud_region == "europe-west1"
    assert r.datacenter.pue is not None and r.datacenter.pue.value == 1.3


def test_resolve_site_checks_everything() -> None:
    s = resolve_site("cloud:aws:eu-west-3")
    assert (s.zone, s.provider, s.region, s.datacenter) == ("FRA", "aws", "eu-west-3", "aws")
    assert resolve_site(None).zone == "WOR"
    with pytest.raises(SettingError, match="wue"):
        resolve_site("FRA", wue_l_per_kwh=-1.0)
    with pytest.raises(UnknownKeyError, match="data centre"):
        resolve_site("FRA", datacenter="nope")


def test_sampler_survives_a_failing_on_sample() -> None:
    calls: list[float] = []

    def on_sample(totals: Totals) -> None:
        calls.append(totals.time_s)
        if len(calls) <= 2:
            raise OSError(28, "No space left on device")

    s = Sampler([ScriptedMeter({"cpu:0": 5.0})], interval_s=0.01, on_sample=on_sample)
    s.start()
    deadline = time.monotonic() + 10
    while len(calls) < 5 and time.monotonic() < deadline:
        time.sleep(0.01)
    s.stop()
    assert len(calls) >= 5, "the sampler thread stopped after a failing on_sample"
    codes = [w for w in s.meter_warnings() if w.code == WarningCode.CHECKPOINT_FAILED]
    assert len(codes) == 1
    assert "2 periodic checkpoints failed" in codes[0].message
    assert "No space left on device" in codes[0].message


def test_failed_checkpoint_becomes_a_warning_on_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = monitor.write_atomic
    failures = {"n": 0}

    def flaky(path: object, text: str) -> None:
        if json.loads(text)["status"] == "incomplete" and failures["n"] < 1:
            failures["n"] += 1
            raise OSError(28, "No space left on device")
        real(path, text)  # type: ignore[arg-type]

    monkeypatch.setattr(monitor, "write_atomic", flaky)
    out = tmp_path / "r.json"
    t = track(
        "x",
        meters=[ScriptedMeter({"cpu:0": 100.0})],
        interval_s=0.02,
        checkpoint_s=0.02,
        out=out,
        live=False,
    ).start()
    deadline = time.monotonic() + 10
    while not out.exists() and time.monotonic() < deadline:  # a later checkpoint succeeds
        time.sleep(0.01)
    assert out.exists(), "no checkpoint after the failing one: sampling stopped"
    r = t.stop()
    assert r.status == "complete"
    assert WarningCode.CHECKPOINT_FAILED in [w.code for w in r.warnings]
    assert WarningCode.CHECKPOINT_FAILED in [
        w["code"] for w in json.loads(out.read_text())["warnings"]
    ]


def test_track_without_a_location_loads_no_reference_data() -> None:
    """Checking the options at entry stays cheap: no grid, no pydantic, when nothing is given."""
    import subprocess
    import sys

    code = (
        "import sys; from empreinte import track; "
        "t = track('x', live=False); "
        "assert t.site.query is None and t.site.zone == 'WOR'; "
        "print('pydantic' in sys.modules, 'empreinte.factors.grid' in sys.modules)"
    )
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
