"""The life of a vendor SDK's handles, written once for every SDK meter (NVML, AMD SMI).

:class:`SdkMeter` initialises the SDK on first probe, opens one handle per visible device
(``channel -> handle``, from the subclass's :meth:`~SdkMeter._open_devices`), reads each
device's cumulative joules (:meth:`~SdkMeter._device_joules`), shuts the SDK down on
:meth:`~SdkMeter.close`, and translates every vendor exception at the boundary
(:func:`empreinte.measure.vendor_errors.translate`). :func:`import_sdk` imports the vendor
module with the meter's row of :mod:`empreinte.measure.registry` saying what to install
when it is missing.
"""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from empreinte.errors import CodedWarning, MeterError
from empreinte.measure.base import Availability, EnergySample
from empreinte.measure.registry import MeterSpec
from empreinte.measure.vendor_errors import translate

__all__ = ["SdkMeter", "import_sdk"]


def import_sdk(
    row: MeterSpec,
    errors: tuple[type[BaseException], ...] = (ImportError,),
    quiet: bool = False,
) -> Any:
    """Import the vendor module of ``row``; ``errors`` raised by the import become the row's
    :meth:`~MeterSpec.sdk_unavailable`. ``quiet`` silences a loader that prints."""
    import importlib

    assert row.sdk is not None
    try:
        if not quiet:
            return importlib.import_module(row.sdk)
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            return importlib.import_module(row.sdk)
    except errors as exc:
        raise row.sdk_unavailable() from exc


class SdkMeter:
    """A meter over a vendor SDK: one handle per device, one channel per handle.

    A subclass sets the class attributes (``name``, ``vendor`` for error contexts, the SDK's
    ``init_call``/``shutdown_call``, its base ``error_class``, the reason ``none_visible``)
    and implements :meth:`_sdk`, :meth:`_open_devices`, :meth:`_describe` and
    :meth:`_device_joules`.
    """

    name: ClassVar[str]
    method = "hw_counter"
    vendor: ClassVar[str]
    init_call: ClassVar[str]
    shutdown_call: ClassVar[str]
    error_class: ClassVar[str]
    none_visible: ClassVar[str]

    def __init__(self) -> None:
        self.warnings: list[CodedWarning] = []
        self.poll_interval_s: float | None = None
        self._handles: dict[str, Any] | None = None
        self._initialised = False

    # -- what a subclass provides ------------------------------------------------------
    def _sdk(self) -> Any:
        """The vendor module (imported on first use; raises :class:`MeterUnavailable`)."""
        raise NotImplementedError

    def _open_devices(self) -> dict[str, Any]:
        """``channel -> handle`` for each visible device (the SDK is initialised)."""
        raise NotImplementedError

    def _describe(self, handles: Mapping[str, Any]) -> str:
        """The probe's one-line description of the devices found."""
        raise NotImplementedError

    def _device_joules(self, channel: str, handle: Any, now: float) -> float:
        """Cumulative joules of one device at ``now`` (a :func:`time.monotonic` reading)."""
        raise NotImplementedError

    # -- the lifecycle -----------------------------------------------------------------
    def _call(self, fn: str, *args: Any) -> Any:
        """``sdk.fn(*args)``, with the vendor's exceptions translated to ours."""
        sdk = self._sdk()
        try:
            return getattr(sdk, fn)(*args)
        except getattr(sdk, self.error_class) as exc:
            raise translate(exc, f"{self.vendor} {fn}") from exc

    def _open(self) -> dict[str, Any]:
        if self._handles is None:
            self._call(self.init_call)
            self._initialised = True
            self._handles = self._open_devices()
        return self._handles

    def probe(self) -> Availability:
        return Availability.of_devices(self._open, self.none_visible, self._describe)

    def read(self) -> EnergySample:
        handles = self._open()
        now = time.monotonic()
        return EnergySample(now, {ch: self._device_joules(ch, h, now) for ch, h in handles.items()})

    def close(self) -> None:
        if self._initialised:
            self._initialised = False
            self._handles = None
            with contextlib.suppress(MeterError):  # the driver may already be gone
                self._call(self.shutdown_call)
