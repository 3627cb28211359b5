"""Fakes at our boundary: an autospec'd pynvml (powercap trees: empreinte.testing)."""

from __future__ import annotations

from unittest import mock

import pytest


@pytest.fixture
def fake_pynvml(monkeypatch: pytest.MonkeyPatch) -> mock.MagicMock:
    """``pynvml`` autospec'd from the real module, patched where our meter binds it."""
    import pynvml

    from empreinte.measure import nvml

    fake = mock.create_autospec(pynvml, instance=False)
    fake.NVMLError = pynvml.NVMLError
    for cls in pynvml.NVMLError.__subclasses__():
        setattr(fake, cls.__name__, cls)
    monkeypatch.setattr(nvml, "pynvml", fake)
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    return fake
