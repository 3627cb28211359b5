"""The SDK-handle lifecycle of :class:`SdkMeter`, on a minimal meter over a fake vendor module:
init once, one handle per device, cumulative joules, shutdown once, vendor errors translated."""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pynvml
import pytest

from empreinte.errors import MeterError, MeterUnavailable
from empreinte.measure.sdk import SdkMeter, import_sdk


def _fake_sdk(devices: int = 2) -> SimpleNamespace:
    calls: list[str] = []

    def log(name: str, result: Any = None) -> Any:
        def fn(*args: Any) -> Any:
            calls.append(name)
            return result(*args) if callable(result) else result

        return fn

    return SimpleNamespace(
        calls=calls,
        VendorError=pynvml.NVMLError,
        init=log("init"),
        shutdown=log("shutdown"),
        count=log("count", devices),
        millijoules=log("millijoules", lambda i: 1000.0 * (i + 1)),
    )


class ToyMeter(SdkMeter):
    name = "toy"
    vendor = "Toy"
    init_call = "init"
    shutdown_call = "shutdown"
    error_class = "VendorError"
    none_visible = "no toy device"

    def __init__(self, sdk: SimpleNamespace) -> None:
        super().__init__()
        self.sdk = sdk

    def _sdk(self) -> Any:
        return self.sdk

    def _open_devices(self) -> dict[str, Any]:
        return {f"gpu:{i}": i for i in range(self._call("count"))}

    def _describe(self, handles: Mapping[str, Any]) -> str:
        return f"{len(handles)} toy device(s)"

    def _device_joules(self, channel: str, handle: Any, now: float) -> float:
        return float(self._call("millijoules", handle)) / 1e3


def test_init_once_handles_per_device_read_and_shutdown_once() -> None:
    sdk = _fake_sdk()
    meter = ToyMeter(sdk)
    avail = meter.probe()
    assert avail.ok and avail.channels == ("gpu:0", "gpu:1")
    assert avail.reason == "2 toy device(s)"
    assert meter.read().energy_j == {"gpu:0": 1.0, "gpu:1": 2.0}
    meter.close()
    meter.close()
    assert sdk.calls.count("init") == 1 and sdk.calls.count("shutdown") == 1


def test_no_device_is_unavailable_with_the_reason() -> None:
    avail = ToyMeter(_fake_sdk(devices=0)).probe()
    assert not avail.ok and avail.reason == "no toy device" and avail.channels == ()


def test_vendor_error_is_translated_with_context_and_fix() -> None:
    sdk = _fake_sdk()

    def lost(*args: Any) -> Any:
        raise pynvml.NVMLError_DriverNotLoaded()

    sdk.init = lost
    meter = ToyMeter(sdk)
    avail = meter.probe()
    assert not avail.ok and avail.reason == "Toy init: the NVIDIA driver is not loaded"
    assert avail.fix and "nvidia-smi" in avail.fix
    with pytest.raises(MeterUnavailable) as info:
        meter.read()
    assert isinstance(info.value.__cause__, pynvml.NVMLError_DriverNotLoaded)


def test_a_failing_shutdown_is_ignored() -> None:
    sdk = _fake_sdk()

    def gone(*args: Any) -> Any:
        raise pynvml.NVMLError_Uninitialized()

    sdk.shutdown = gone
    meter = ToyMeter(sdk)
    assert meter.probe().ok
    meter.close()  # the driver went away: nothing to release, no error
    with pytest.raises(MeterError):  # but a call that fails otherwise is an error
        meter._call("shutdown")


def test_import_sdk_turns_a_missing_module_into_what_to_install() -> None:
    from empreinte.measure.registry import MeterSpec

    row = MeterSpec(
        "toy",
        "hw_counter",
        "x:Y",
        sdk="empreinte_no_such_sdk",
        sdk_missing="the toy SDK is not installed",
        sdk_fix="pip install toy-sdk",
    )
    with pytest.raises(MeterUnavailable) as info:
        import_sdk(row)
    assert info.value.reason == "the toy SDK is not installed"
    assert info.value.fix == "pip install toy-sdk"
