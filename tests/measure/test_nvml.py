from __future__ import annotations

from unittest import mock

import pynvml
import pytest

from empreinte.errors import WarningCode
from empreinte.measure import nvml, sdk
from empreinte.measure.nvml import NvmlMeter, visible_devices


def _two_gpus(fake: mock.MagicMock) -> None:
    fake.nvmlDeviceGetCount.return_value = 2
    fake.nvmlDeviceGetHandleByIndex.side_effect = lambda i: f"h{i}"


def test_counter_path_in_joules(fake_pynvml: mock.MagicMock) -> None:
    _two_gpus(fake_pynvml)
    readings = {"h0": iter([1000, 1000, 6000]), "h1": iter([0, 0, 2500])}
    fake_pynvml.nvmlDeviceGetTotalEnergyConsumption.side_effect = lambda h: next(readings[h])
    meter = NvmlMeter()
    assert meter.probe().channels == ("gpu:0", "gpu:1")
    assert meter.read().energy_j == {"gpu:0": 0.0, "gpu:1": 0.0}
    assert meter.read().energy_j == {"gpu:0": 5.0, "gpu:1": 2.5}  # mJ -> J
    assert meter.poll_interval_s is None
    meter.close()
    fake_pynvml.nvmlShutdown.assert_called_once_with()


def test_polling_path_integrates_by_trapezoid(
    fake_pynvml: mock.MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_pynvml.nvmlDeviceGetCount.return_value = 1
    fake_pynvml.nvmlDeviceGetTotalEnergyConsumption.side_effect = pynvml.NVMLError_NotSupported()
    fake_pynvml.nvmlDeviceGetPowerUsage.side_effect = iter([100_000, 300_000, 300_000])
    times = iter([10.0, 10.1, 10.3])
    monkeypatch.setattr(sdk.time, "monotonic", lambda: next(times))
    meter = NvmlMeter()
    assert meter.probe().ok
    assert meter.poll_interval_s == nvml.POLL_INTERVAL_S
    meter.read()
    meter.read()
    e = meter.read().energy_j["gpu:0"]
    assert e == pytest.approx(0.1 * (100 + 300) / 2 + 0.2 * 300)
    assert [w.code for w in meter.warnings] == [WarningCode.GPU_POWER_POLLED]


def test_counter_reset_counts_from_zero_with_warning(fake_pynvml: mock.MagicMock) -> None:
    fake_pynvml.nvmlDeviceGetCount.return_value = 1
    fake_pynvml.nvmlDeviceGetTotalEnergyConsumption.side_effect = iter([0, 50_000, 80_000, 3_000])
    meter = NvmlMeter()
    meter.probe()
    meter.read()
    meter.read()
    # the probe saw 0; reads: 50 J (start), 80 J (+30), 3 J (reset: +3)
    assert meter.read().energy_j["gpu:0"] == pytest.approx(30 + 3)
    assert WarningCode.COUNTER_RESET in [w.code for w in meter.warnings]


def test_cuda_visible_devices_by_index_and_uuid(
    fake_pynvml: mock.MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,GPU-abc")
    fake_pynvml.nvmlDeviceGetHandleByIndex.side_effect = lambda i: f"h{i}"
    fake_pynvml.nvmlDeviceGetHandleByUUID.return_value = "hu"
    fake_pynvml.nvmlDeviceGetIndex.return_value = 5
    fake_pynvml.nvmlDeviceGetTotalEnergyConsumption.return_value = 0
    assert NvmlMeter().probe().channels == ("gpu:2", "gpu:5")
    fake_pynvml.nvmlDeviceGetCount.assert_not_called()


def test_visible_devices_parsing() -> None:
    assert visible_devices(None) is None
    assert visible_devices("") == []
    assert visible_devices("0,1") == ["0", "1"]
    assert visible_devices("1,-1,2") == ["1"]  # CUDA stops at the first invalid entry


def test_driver_missing_is_translated(fake_pynvml: mock.MagicMock) -> None:
    fake_pynvml.nvmlInit.side_effect = pynvml.NVMLError_DriverNotLoaded()
    avail = NvmlMeter().probe()
    assert not avail.ok and "driver is not loaded" in avail.reason
    assert avail.fix and "nvidia-smi" in avail.fix


def test_no_gpu_visible(fake_pynvml: mock.MagicMock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "")
    assert not NvmlMeter().probe().ok


def test_vendor_sdk_not_imported_by_empreinte() -> None:
    import subprocess
    import sys

    code = (
        "import sys, empreinte, empreinte.measure, empreinte.measure.nvml, "
        "empreinte.measure.amd, empreinte.measure.monitor; "
        "print([m for m in ('pynvml', 'amdsmi', 'torch') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_no_driver_is_unavailable_without_importing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nvml, "pynvml", None)
    monkeypatch.setattr(nvml, "_DRIVER_NODES", ("/nonexistent/nvidiactl",))
    monkeypatch.setattr("sys.platform", "linux")
    avail = NvmlMeter().probe()
    assert not avail.ok and "no NVIDIA driver" in avail.reason and avail.fix
    assert nvml.pynvml is None
