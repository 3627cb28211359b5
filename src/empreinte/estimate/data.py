"""Data components (storage, transfer) on estimates and reports.

The computation lives in :mod:`empreinte.impacts.data` (so that ``track()`` can use it too)
and the report items in :mod:`empreinte.report.data`; this module is the estimator's door.
"""

from __future__ import annotations

from empreinte.impacts.data import DataComponent, data_components
from empreinte.report.data import attach_data_items as attach_data

__all__ = ["DataComponent", "attach_data", "data_components"]
