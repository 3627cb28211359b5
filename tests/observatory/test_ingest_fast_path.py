"""The ingestion fast path keeps behaviour: hash definition, decoding, GC pause, Estimate checks."""

from __future__ import annotations

import gc
import hashlib
import json
import threading

import pytest
from obs_samples import sample_report
from pydantic_core import from_json

from empreinte.errors import ReportError
from empreinte.observatory.storage.gcpause import gc_paused
from empreinte.observatory.storage.store import content_hash
from empreinte.report.validate import validate_report


def test_content_hash_definition_is_stable() -> None:
    # Pinned: databases filled before this change must keep deduplicating resubmissions.
    raw = {"b": [1.5e-05, 2, "é"], "a": {"z": None, "y": 0.1}, "verification": {"m_tier": "M1"}}
    canonical = '{"a":{"y":0.1,"z":null},"b":[1.5e-05,2,"é"]}'

    assert content_hash(raw) == hashlib.sha256(canonical.encode()).hexdigest()


def test_fast_decoder_gives_the_same_hash_as_json_loads() -> None:
    for i in range(50):
        r = sample_report(energy_kwh=0.0123456789 * (i + 1) / 7, quality=1 / (i + 3))
        r["name"] = 'naïve <model> \u2028 "quoted" \\ tab\t'
        body = json.dumps(r).encode()
        assert content_hash(from_json(body)) == content_hash(json.loads(body))


def test_gc_paused_is_counted_across_threads() -> None:
    assert gc.isenabled()
    inside = threading.Event()
    release = threading.Event()

    def other() -> None:
        with gc_paused():
            inside.set()
            release.wait(5)

    t = threading.Thread(target=other)
    with gc_paused():
        assert not gc.isenabled()
        t.start()
        assert inside.wait(5)
    assert not gc.isenabled()  # the other batch is still in progress
    release.set()
    t.join(5)
    assert gc.isenabled()


def test_gc_paused_leaves_a_disabled_collector_disabled() -> None:
    gc.disable()
    try:
        with gc_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


@pytest.mark.parametrize(
    ("estimate", "message"),
    [
        ({"value": 2.0, "low": 1.0, "high": 1.5}, "bounds must satisfy low <= value <= high"),
        ({"value": float("inf"), "low": 1.0, "high": 1.5}, "must be finite"),
        ({"value": 1.0, "low": float("nan"), "high": 1.5}, "must be finite"),
        ({"value": 1.0, "low": -float("inf"), "high": 1.5}, "must be finite"),
    ],
)
def test_estimate_checks_still_name_the_field(estimate: dict[str, float], message: str) -> None:
    r = sample_report()
    r["energy"]["total_kwh"] = estimate
    with pytest.raises(ReportError) as exc:
        validate_report(r)
    assert any(f.startswith("energy.total_kwh") and message in m for f, m in exc.value.errors)


def test_estimate_rounding_tolerance_and_shorthands_still_accepted() -> None:
    r = sample_report()
    r["energy"]["total_kwh"] = {"value": 1.0 + 1e-12, "low": 0.5, "high": 1.0}
    r["energy"]["gpu_kwh"] = 0.25
    r["energy"]["cpu_kwh"] = {"value": 0.1}
    rep = validate_report(r)
    assert rep.energy.gpu_kwh is not None and rep.energy.gpu_kwh.low == 0.25
    assert rep.energy.cpu_kwh is not None and rep.energy.cpu_kwh.high == 0.1
