"""docs/integrations/: the index links every page, every page has an example, every Python
block compiles, and each page's examples run as written (in a fresh process, in a temporary
folder), leaving what the page says they leave."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from importlib.util import find_spec
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
PAGES = sorted((DOCS / "integrations").glob("*.md"))
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def blocks(page: Path, lang: str = "python") -> list[str]:
    return [code for kind, code in BLOCK.findall(page.read_text("utf-8")) if kind == lang]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _transformers(out: str, folder: Path) -> None:
    report = json.loads((folder / "out" / "empreinte-report.json").read_text("utf-8"))
    epochs = [w["name"] for w in report["windows"] if w["name"].startswith("epoch-")]
    assert epochs == ["epoch-1", "epoch-2"] and report["functional_unit"]["type"] == "tokens"
    card = (folder / "out" / "README.md").read_text("utf-8")
    assert "co2_eq_emissions" in card and "emissions:" in card
    assert "tokens 1024" in out


def _lightning(out: str, folder: Path) -> None:
    report = json.loads((folder / "lightning-out" / "empreinte-report.json").read_text("utf-8"))
    epochs = [w["name"] for w in report["windows"] if w["name"].startswith("epoch-")]
    assert epochs == ["epoch-1", "epoch-2"] and "tokens" in out


def _mlflow(out: str, folder: Path) -> None:
    energy, method = out.split()[:2]
    assert float(energy) > 0 and method
    assert list((folder / "mlruns").rglob("empreinte-report.json"))


def _prometheus(out: str, folder: Path) -> None:
    assert 'empreinte_energy_joules_total{component="' in out
    assert "empreinte_power_watts{component=" in out


def _opentelemetry(out: str, folder: Path) -> None:
    assert "empreinte.energy J {'component'" in out and "empreinte.power W" in out


# page -> (modules its examples need, what they leave); a page not named here is compiled only
RUN: dict[str, tuple[tuple[str, ...], Callable[[str, Path], None]]] = {
    "transformers.md": (("transformers", "accelerate", "torch"), _transformers),
    "lightning.md": (("lightning", "torch"), _lightning),
    "mlflow.md": (("mlflow",), _mlflow),
    "prometheus.md": (("prometheus_client",), _prometheus),
    "opentelemetry.md": (("opentelemetry.sdk",), _opentelemetry),
}


def test_the_index_links_every_page_and_each_page_has_an_example() -> None:
    index = (DOCS / "integrations.md").read_text("utf-8")
    assert {p.name for p in PAGES} >= set(RUN)
    for page in PAGES:
        assert f"(integrations/{page.name})" in index, f"docs/integrations.md misses {page.name}"
        text = page.read_text("utf-8")
        assert BLOCK.search(text), f"{page.name} has no example"


@pytest.mark.parametrize("page", PAGES, ids=[p.name for p in PAGES])
def test_every_python_block_compiles(page: Path) -> None:
    for i, code in enumerate(blocks(page)):
        compile(code, f"{page.name}[{i}]", "exec")


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(RUN))
def test_each_page_examples_run_as_written(name: str, tmp_path: Path) -> None:
    needs, check = RUN[name]
    for module in needs:
        if find_spec(module.split(".")[0]) is None or find_spec(module) is None:
            pytest.skip(f"{module} is not installed")
    code = "\n".join(blocks(DOCS / "integrations" / name))
    assert code
    code = code.replace("9464", str(_free_port()))  # the documented port may be taken here
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EMPREINTE_", "MLFLOW_"))}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env["HF_HUB_OFFLINE"] = "1"
    proc = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-4000:]
    check(proc.stdout, tmp_path)
