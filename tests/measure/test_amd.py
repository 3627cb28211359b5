"""AMD SMI meter against a mock autospec'd from amdsmi's own interface source.

The real ``amdsmi`` package cannot be imported without ROCm's ``libamd_smi.so`` (it raises
at import), so the spec is built from the signatures in its ``amdsmi_interface.py``.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path
from types import ModuleType
from unittest import mock

import pytest

from empreinte.errors import WarningCode
from empreinte.measure import amd
from empreinte.measure.amd import AmdMeter

USED = (
    "amdsmi_init",
    "amdsmi_shut_down",
    "amdsmi_get_processor_handles",
    "amdsmi_get_energy_count",
    "amdsmi_get_power_info",
)


def _amdsmi_dir() -> Path:
    spec = importlib.util.find_spec("amdsmi")
    if spec is None or spec.submodule_search_locations is None:
        pytest.skip("amdsmi is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


def _spec_module() -> ModuleType:
    tree = ast.parse((_amdsmi_dir() / "amdsmi_interface.py").read_text())
    mod = ModuleType("amdsmi_spec")
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name in USED:
            args = node.args
            for a in [*args.args, *args.kwonlyargs]:
                a.annotation = None
            stub = ast.FunctionDef(
                name=node.name,
                args=args,
                body=[ast.Expr(ast.Constant(...))],
                decorator_list=[],
                returns=None,
                type_params=[],
            )
            code = ast.unparse(ast.fix_missing_locations(ast.Module([stub], [])))
            exec(code, {"AmdSmiInitFlags": mock.MagicMock()}, mod.__dict__)
    assert all(hasattr(mod, n) for n in USED)
    return mod


class AmdSmiException(Exception):
    pass


@pytest.fixture
def fake_amdsmi(monkeypatch: pytest.MonkeyPatch) -> mock.MagicMock:
    fake = mock.create_autospec(_spec_module(), instance=False)
    fake.AmdSmiException = AmdSmiException
    monkeypatch.setattr(amd, "amdsmi", fake)
    monkeypatch.delenv("ROCR_VISIBLE_DEVICES", raising=False)
    monkeypatch.delenv("HIP_VISIBLE_DEVICES", raising=False)
    return fake


def _energy(acc: int, res: float = 15.3) -> dict[str, float]:
    return {"energy_accumulator": acc, "counter_resolution": res, "timestamp": 0}


def test_energy_counter_in_joules(fake_amdsmi: mock.MagicMock) -> None:
    fake_amdsmi.amdsmi_get_processor_handles.return_value = ["a"]
    fake_amdsmi.amdsmi_get_energy_count.side_effect = iter(
        [_energy(1000), _energy(1000), _energy(1000 + 1_000_000)]
    )
    meter = AmdMeter()
    assert meter.probe().channels == ("gpu:0",)
    meter.read()
    assert meter.read().energy_j["gpu:0"] == pytest.approx(15.3)
    meter.close()
    fake_amdsmi.amdsmi_shut_down.assert_called_once_with()


def test_dual_die_odd_index_dropped(fake_amdsmi: mock.MagicMock) -> None:
    fake_amdsmi.amdsmi_get_processor_handles.return_value = ["d0", "d1"]
    fake_amdsmi.amdsmi_get_energy_count.side_effect = lambda h: _energy(500 if h == "d0" else 0)
    meter = AmdMeter()
    assert meter.probe().channels == ("gpu:0",)
    assert "dual-die" in meter.warnings[0].message


def test_validation_against_power(
    fake_amdsmi: mock.MagicMock, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_amdsmi.amdsmi_get_processor_handles.return_value = ["a"]
    # 2 s apart, 1e6 J/1e6 * 1000 ticks... counter says 100 W, the GPU says 400 W
    fake_amdsmi.amdsmi_get_energy_count.side_effect = iter(
        [_energy(0, 1.0), _energy(200_000_000, 1.0)]
    )
    fake_amdsmi.amdsmi_get_power_info.return_value = {"average_socket_power": 400}
    times = iter([0.0, 2.0])
    monkeypatch.setattr(amd.time, "monotonic", lambda: next(times))
    meter = AmdMeter()
    meter.probe()
    assert meter.read().energy_j["gpu:0"] == pytest.approx(200.0)
    assert [w.code for w in meter.warnings] == [WarningCode.METER_FAILED]
    assert "100 W" in meter.warnings[0].message


def test_library_missing_is_unavailable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amd, "amdsmi", None)
    monkeypatch.setattr(amd, "_IMPORT_FAILED", None)
    monkeypatch.setattr(amd, "_driver_present", lambda: True)
    import sys

    monkeypatch.setitem(sys.modules, "amdsmi", None)  # import raises ImportError
    avail = AmdMeter().probe()
    assert not avail.ok and "libamd_smi" in avail.reason


def test_no_driver_is_unavailable_without_importing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(amd, "amdsmi", None)
    monkeypatch.setattr(amd, "_IMPORT_FAILED", None)
    monkeypatch.setattr(amd, "_DRIVER_NODES", ("/nonexistent/kfd",))
    monkeypatch.setattr("sys.platform", "linux")
    import sys

    monkeypatch.delitem(sys.modules, "amdsmi", raising=False)
    avail = AmdMeter().probe()
    assert not avail.ok and "no AMD GPU driver" in avail.reason and avail.fix
    assert "amdsmi" not in sys.modules
