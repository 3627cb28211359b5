"""Vendor errors translated to ours, at the boundary, by table.

Every ``pynvml.NVMLError_*`` class and every ``amdsmi`` exception class has a row here; a
test walks the vendor's classes and fails when one is missing (so a new driver error cannot
slip through as an unexplained exception). A row gives our exception class, a reason, and,
when there is one, the fix to show the user.
"""

from __future__ import annotations

from typing import NamedTuple

from empreinte.errors import MeterError, MeterUnavailable

__all__ = ["AMDSMI_ERRORS", "NVML_ERRORS", "VendorError", "translate"]


class VendorError(NamedTuple):
    kind: type[MeterError]
    reason: str
    fix: str | None = None


_U = MeterUnavailable
_E = MeterError
_DRIVER = "install or load the NVIDIA driver (nvidia-smi must work)"

NVML_ERRORS: dict[str, VendorError] = {
    "NVMLError_AlreadyInitialized": VendorError(_E, "NVML was already initialised"),
    "NVMLError_ArgumentVersionMismatch": VendorError(
        _U,
        "the NVML library and nvidia-ml-py disagree on a structure version",
        "upgrade nvidia-ml-py to match the driver",
    ),
    "NVMLError_CorruptedInforom": VendorError(
        _U, "the GPU's infoROM is corrupted", "ask the machine's administrator to reflash it"
    ),
    "NVMLError_Deprecated": VendorError(
        _U, "this NVML call is deprecated by the driver", "upgrade nvidia-ml-py"
    ),
    "NVMLError_DriverNotLoaded": VendorError(_U, "the NVIDIA driver is not loaded", _DRIVER),
    "NVMLError_FreqNotSupported": VendorError(_E, "frequency not supported"),
    "NVMLError_FunctionNotFound": VendorError(
        _U, "the driver's NVML lacks this function (driver too old)", "upgrade the NVIDIA driver"
    ),
    "NVMLError_GpuIsLost": VendorError(
        _E,
        "the GPU fell off the bus or is otherwise lost",
        "check the GPU's health (dmesg, nvidia-smi -q)",
    ),
    "NVMLError_GpuNotFound": VendorError(_U, "no such GPU"),
    "NVMLError_InsufficientPower": VendorError(_E, "a GPU power cable is not connected properly"),
    "NVMLError_InsufficientResources": VendorError(_E, "the driver ran out of resources"),
    "NVMLError_InsufficientSize": VendorError(_E, "NVML buffer too small"),
    "NVMLError_InvalidArgument": VendorError(_E, "invalid argument to NVML"),
    "NVMLError_InvalidState": VendorError(_E, "the GPU is in an invalid state for this call"),
    "NVMLError_InUse": VendorError(_E, "the GPU is in use by another operation"),
    "NVMLError_IrqIssue": VendorError(_E, "NVIDIA kernel interrupt issue"),
    "NVMLError_LibraryNotFound": VendorError(_U, "libnvidia-ml.so was not found", _DRIVER),
    "NVMLError_LibRmVersionMismatch": VendorError(
        _U,
        "the NVIDIA kernel module and user library versions differ",
        "reboot after the driver update, or reinstall the driver",
    ),
    "NVMLError_Memory": VendorError(_E, "NVML could not allocate memory"),
    "NVMLError_NotFound": VendorError(_U, "the GPU or object was not found"),
    "NVMLError_NotReady": VendorError(_E, "the GPU is not ready yet"),
    "NVMLError_NotSupported": VendorError(_U, "not supported by this GPU"),
    "NVMLError_NoData": VendorError(_E, "NVML has no data yet"),
    "NVMLError_NoPermission": VendorError(
        _U, "no permission to query the GPU", "run as a user in the video group, or as root"
    ),
    "NVMLError_OperatingSystem": VendorError(_E, "the operating system blocked the NVML call"),
    "NVMLError_ResetRequired": VendorError(_E, "the GPU needs a reset"),
    "NVMLError_ResetTypeNotSupported": VendorError(_E, "GPU reset type not supported"),
    "NVMLError_Timeout": VendorError(_E, "NVML call timed out"),
    "NVMLError_Uninitialized": VendorError(_E, "NVML used before initialisation"),
    "NVMLError_Unknown": VendorError(_E, "unknown NVML error"),
    "NVMLError_VgpuEccNotSupported": VendorError(_U, "vGPU ECC not supported"),
}

_ROCM = "install ROCm's amd-smi library (libamd_smi.so) and the amdgpu driver"

AMDSMI_ERRORS: dict[str, VendorError] = {
    "AmdSmiException": VendorError(_E, "AMD SMI error"),
    "AmdSmiLibraryException": VendorError(_E, "the AMD SMI library returned an error"),
    "AmdSmiRetryException": VendorError(_E, "AMD SMI asked to retry"),
    "AmdSmiTimeoutException": VendorError(_E, "AMD SMI call timed out"),
    "AmdSmiParameterException": VendorError(_E, "invalid parameter to AMD SMI"),
    "AmdSmiKeyException": VendorError(_E, "AMD SMI returned an incomplete record"),
    "AmdSmiBdfFormatException": VendorError(_E, "malformed PCI bus id given to AMD SMI"),
}
"""Rows for every exception class of ``amdsmi.amdsmi_exception``."""

AMDSMI_STATUS: dict[str, VendorError] = {
    "AMDSMI_STATUS_NOT_SUPPORTED": VendorError(_U, "not supported by this GPU"),
    "AMDSMI_STATUS_NO_PERM": VendorError(
        _U, "no permission to query the GPU", "run as a user in the video and render groups"
    ),
    "AMDSMI_STATUS_DRIVER_NOT_LOADED": VendorError(_U, "the amdgpu driver is not loaded", _ROCM),
    "AMDSMI_STATUS_NOT_INIT": VendorError(_E, "AMD SMI used before initialisation"),
}
"""Finer rows for ``AmdSmiLibraryException`` by its status name, where the cause is known."""


def translate(exc: BaseException, context: str = "") -> MeterError:
    """Our exception for a vendor exception (the original is kept as ``__cause__``)."""
    name = type(exc).__name__
    row = NVML_ERRORS.get(name) or AMDSMI_ERRORS.get(name)
    info = str(getattr(exc, "err_info", ""))
    for status, status_row in AMDSMI_STATUS.items():
        if info.startswith(status):
            row = status_row
    if row is None:
        row = VendorError(MeterError, f"unexpected {name}")
    prefix = f"{context}: " if context else ""
    err: MeterError
    if row.kind is MeterUnavailable:
        err = MeterUnavailable(f"{prefix}{row.reason}", row.fix)
    else:
        err = row.kind(f"{prefix}{row.reason} ({exc})")
    err.__cause__ = exc
    return err
