"""Meta-tests that keep the docs honest (datasette's test_docs.py is the model)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from empreinte.errors import WarningCode

ROOT = Path(__file__).resolve().parents[2]


def test_cli_reference_is_generated_from_the_commands() -> None:
    out = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_cli_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr


def test_every_command_is_documented() -> None:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        from generate_cli_docs import command_paths
    finally:
        sys.path.pop(0)
    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    paths = command_paths()
    assert "empreinte impacts" in paths and "empreinte report export" in paths
    for p in paths:
        assert f"`{p}`" in text, f"{p} is not documented in docs/cli.md"


def test_every_warning_code_is_documented() -> None:
    text = (ROOT / "docs" / "methodology.md").read_text("utf-8")
    codes = [v for k, v in vars(WarningCode).items() if k.isupper()]
    assert len(codes) > 10
    for code in codes:
        assert f"`{code}`" in text, f"warning code {code} is not in docs/methodology.md"


def test_every_environment_variable_is_documented() -> None:
    used = set()
    for f in (ROOT / "src" / "empreinte").rglob("*.py"):
        used |= set(re.findall(r"EMPREINTE_[A-Z_]+", f.read_text("utf-8")))
    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    for var in sorted(used):
        assert f"`{var}`" in text, f"{var} is used in src/ but not documented in docs/cli.md"


def test_readme_gives_the_two_commands_first() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    head = readme[:800]
    assert "scripts/serve.sh" in head and "scripts/test.sh" in head
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert "scripts/test.sh" in ci
