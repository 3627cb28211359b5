"""The package surface: cheap import, pinned public names, version."""

from __future__ import annotations

import json
import subprocess
import sys

import empreinte

HEAVY = [
    "numpy",
    "pydantic",
    "pynvml",
    "amdsmi",
    "torch",
    "typer",
    "rich",
    "sqlalchemy",
    "fastapi",
    "httpx",
    "requests",
    "psutil",
    "yaml",
]


def test_public_surface_is_pinned() -> None:
    assert empreinte.__all__ == sorted(empreinte.__all__)
    assert empreinte.__all__ == [
        "EmpreinteError",
        "Range",
        "Report",
        "__version__",
        "compute_impacts",
        "track",
    ]


def test_import_loads_nothing_heavy_and_is_fast() -> None:
    code = (
        "import sys, time, json; t = time.perf_counter(); import empreinte; "
        "dt = time.perf_counter() - t; "
        f"print(json.dumps({{'dt': dt, 'mods': [m for m in {HEAVY!r} if m in sys.modules]}}))"
    )
    best = None
    for _ in range(3):
        out = subprocess.run(
            [sys.executable, "-X", "frozen_modules=on", "-c", code],
            capture_output=True,
            text=True,
            check=True,
        )
        res = json.loads(out.stdout)
        assert res["mods"] == [], f"import empreinte loaded {res['mods']}"
        best = res["dt"] if best is None else min(best, res["dt"])
    assert best is not None and best < 0.1, f"import took {best * 1000:.1f} ms"


def test_lazy_names_resolve() -> None:
    assert empreinte.Range(1.0).value == 1.0
    assert issubclass(empreinte.EmpreinteError, Exception)
    assert empreinte.Report.model_fields["schema_version"].default == "empreinte.report/1"
