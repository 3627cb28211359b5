"""Checks every command makes before it starts work (one copy, one message)."""

from __future__ import annotations

import os
from pathlib import Path

from empreinte.errors import ConfigError

__all__ = ["check_writable"]


def check_writable(path: Path) -> None:
    """Refuse a report path whose folder cannot be written, before the job runs, not after."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ConfigError(f"cannot write the report {path}: {folder} is not a writable folder")
