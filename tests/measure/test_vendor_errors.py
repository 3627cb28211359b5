"""The vendor-error tables cover every vendor error class (httpx-style completeness test)."""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import pynvml
import pytest

from empreinte.errors import MeterError, MeterUnavailable
from empreinte.measure.vendor_errors import AMDSMI_ERRORS, NVML_ERRORS, translate


def _all_subclasses(cls: type) -> set[type]:
    out = set()
    for sub in cls.__subclasses__():
        out |= {sub, *_all_subclasses(sub)}
    return out


def test_every_nvml_error_has_a_row() -> None:
    names = {c.__name__ for c in _all_subclasses(pynvml.NVMLError)}
    assert names, "pynvml defines its error classes at import"
    assert sorted(names - set(NVML_ERRORS)) == []


def test_every_amdsmi_exception_has_a_row() -> None:
    spec = importlib.util.find_spec("amdsmi")
    if spec is None or spec.submodule_search_locations is None:
        pytest.skip("amdsmi is not installed")
    src = Path(next(iter(spec.submodule_search_locations))) / "amdsmi_exception.py"
    tree = ast.parse(src.read_text())  # importing it needs libamd_smi.so
    names = {
        n.name
        for n in tree.body
        if isinstance(n, ast.ClassDef)
        and n.name.startswith("AmdSmi")
        and any(isinstance(b, ast.Name) and "Exception" in b.id for b in n.bases)
    }
    assert names and sorted(names - set(AMDSMI_ERRORS)) == []


def test_translate_keeps_cause_and_fix() -> None:
    exc = pynvml.NVMLError_NoPermission()
    err = translate(exc, "NVML nvmlInit")
    assert isinstance(err, MeterUnavailable) and err.__cause__ is exc
    assert err.reason.startswith("NVML nvmlInit: no permission") and err.fix


def test_translate_read_error_is_meter_error() -> None:
    err = translate(pynvml.NVMLError_GpuIsLost())
    assert type(err) is MeterError and "lost" in str(err)


def test_translate_unknown_vendor_class() -> None:
    class Weird(Exception):
        pass

    assert "unexpected Weird" in str(translate(Weird()))
