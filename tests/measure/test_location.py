from __future__ import annotations

from pathlib import Path

import pytest

from empreinte.errors import ConfigError
from empreinte.measure.location import resolve_location_query


def test_order_option_env_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('location = "DEU"\n')
    monkeypatch.setenv("EMPREINTE_LOCATION", "FRA")
    assert resolve_location_query("SWE", cfg) == ("SWE", "option")
    assert resolve_location_query(None, cfg) == ("FRA", "EMPREINTE_LOCATION")
    monkeypatch.delenv("EMPREINTE_LOCATION")
    assert resolve_location_query(None, cfg) == ("DEU", str(cfg))
    assert resolve_location_query(None, tmp_path / "none.toml") == (None, "none")


def test_bad_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EMPREINTE_LOCATION", raising=False)
    cfg = tmp_path / "config.toml"
    cfg.write_text("location = 3\n")
    with pytest.raises(ConfigError):
        resolve_location_query(None, cfg)
