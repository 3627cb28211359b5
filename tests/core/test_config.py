"""The settings table and its resolver: option > environment > config file > default."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from empreinte.config import CONFIG_ENV, SETTINGS, Config
from empreinte.errors import ConfigError, SettingError

ROOT = Path(__file__).resolve().parents[2]
EMPREINTE = str(Path(sys.executable).parent / "empreinte")


def test_order_option_env_project_file_user_file_default(tmp_path: Path) -> None:
    project = tmp_path / "empreinte.toml"
    user = tmp_path / "user.toml"
    project.write_text('location = "DEU"\n')
    user.write_text('location = "SWE"\npue = 1.3\nrate_limit = 7\n')
    env = {"EMPREINTE_LOCATION": "FRA"}
    cfg = Config(environ=env, files=[project, user])
    v = cfg.value("location", "ESP")
    assert (v.value, v.source, v.origin) == ("ESP", "option", "--location")
    v = cfg.value("location")
    assert (v.value, v.source, v.origin) == ("FRA", "env", "EMPREINTE_LOCATION")
    cfg = Config(environ={}, files=[project, user])
    v = cfg.value("location")
    assert (v.value, v.source, v.origin) == ("DEU", "file", str(project))
    v = cfg.value("pue")  # not in the project file: the next file
    assert (v.value, v.source, v.origin) == (1.3, "file", str(user))
    assert cfg.get("rate_limit") == 7
    cfg = Config(environ={}, files=[tmp_path / "absent.toml"])
    v = cfg.value("rate_limit")
    assert (v.value, v.source, v.origin) == (120, "default", "default")
    assert cfg.get("location") is None


def test_files_found_from_cwd_user_dir_and_empreinte_config(tmp_path: Path) -> None:
    files = Config.find_files({}, tmp_path)
    assert files[0] == tmp_path / "empreinte.toml" and files[1].name == "config.toml"
    one = tmp_path / "one.toml"
    one.write_text('server = "https://obs.example"\n')
    cfg = Config(environ={CONFIG_ENV: str(one)}, cwd=tmp_path)
    assert cfg.files == [one] and cfg.get("server") == "https://obs.example"
    with pytest.raises(ConfigError, match=CONFIG_ENV):
        Config(environ={CONFIG_ENV: str(tmp_path / "missing.toml")})


def test_bad_values_name_where_they_came_from(tmp_path: Path) -> None:
    with pytest.raises(SettingError, match="EMPREINTE_PUE must be a finite number >= 1"):
        Config(environ={"EMPREINTE_PUE": "0.5"}, files=[]).get("pue")
    with pytest.raises(SettingError, match="EMPREINTE_RATE_LIMIT must be a positive integer"):
        Config(environ={"EMPREINTE_RATE_LIMIT": "ten"}, files=[]).get("rate_limit")
    with pytest.raises(SettingError, match="--pue"):
        Config(environ={}, files=[]).get("pue", 0.9)
    f = tmp_path / "empreinte.toml"
    f.write_text("location = 3\n")
    with pytest.raises(SettingError, match=re.escape(f"{f}: location must be a string")):
        Config(environ={}, files=[f]).get("location")
    f.write_text('loction = "FRA"\n')
    with pytest.raises(ConfigError, match="unknown setting 'loction' \\(did you mean: location"):
        Config(environ={}, files=[f])
    f.write_text("location = \n")
    with pytest.raises(ConfigError, match="cannot read the config file"):
        Config(environ={}, files=[f])


def test_computed_defaults_follow_other_settings(tmp_path: Path) -> None:
    cfg = Config(environ={"EMPREINTE_DATA_DIR": str(tmp_path)}, files=[])
    assert cfg.get("data_dir") == tmp_path
    assert cfg.get("database_url") == f"sqlite:///{tmp_path / 'observatory.sqlite3'}"


def test_the_table_is_complete_and_unique() -> None:
    names = [s.name for s in SETTINGS]
    envs = [s.env for s in SETTINGS]
    keys = [s.key for s in SETTINGS]
    assert len(set(names)) == len(names) and len(set(envs)) == len(envs)
    assert len(set(keys)) == len(keys)
    for s in SETTINGS:
        assert s.env.startswith("EMPREINTE_") and s.help and s.commands


def test_every_environment_variable_in_src_is_a_setting() -> None:
    known = {s.env for s in SETTINGS} | {CONFIG_ENV}
    used: set[str] = set()
    for f in (ROOT / "src" / "empreinte").rglob("*.py"):
        used |= set(re.findall(r"EMPREINTE_[A-Z_]+", f.read_text("utf-8")))
    assert used <= known, f"not in the settings table: {sorted(used - known)}"


def test_only_the_resolver_reads_empreinte_variables() -> None:
    """One resolver: no module reads an EMPREINTE_ variable by itself (writing one for
    child processes, as ``serve --workers`` does, is allowed)."""
    pattern = re.compile(
        r"(environ\.get\(\s*[\"']EMPREINTE_|getenv\(\s*[\"']EMPREINTE_"
        r"|environ\[\s*[\"']EMPREINTE_[A-Z_]+[\"']\s*\](?!\s*=))"
    )
    bad = []
    for f in (ROOT / "src" / "empreinte").rglob("*.py"):
        if f.name == "config.py" and f.parent.name == "empreinte":
            continue
        if pattern.search(f.read_text("utf-8")):
            bad.append(str(f.relative_to(ROOT)))
    assert not bad, f"read EMPREINTE_ variables outside empreinte.config: {bad}"


def test_settings_are_documented_from_the_table() -> None:
    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    for s in SETTINGS:
        assert f"| `{s.key}` | `{s.env}` |" in text, f"{s.name} is not in docs/cli.md"
    assert f"`{CONFIG_ENV}`" in text


def test_observatory_settings_do_only_what_they_say(tmp_path: Path) -> None:
    from empreinte.observatory.settings import Settings

    fields = {f.name for f in dataclasses.fields(Settings)}
    assert not fields & {"page_size", "max_page_size", "seed_on_start", "extra"}
    s = Settings.from_env(None, tmp_path, rate_limit_per_minute=5)
    assert s.rate_limit_per_minute == 5 and s.data_dir == tmp_path
    assert s.database_url == f"sqlite:///{tmp_path / 'observatory.sqlite3'}"


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMPREINTE_")}
    env["XDG_CONFIG_HOME"] = str(tmp_path / "xdg")
    env.update(extra)
    return env


def test_config_show_prints_values_and_their_sources(tmp_path: Path) -> None:
    (tmp_path / "empreinte.toml").write_text('location = "cloud:aws:eu-west-3"\npue = 1.25\n')
    env = _env(tmp_path, EMPREINTE_TOKEN="s3cret", EMPREINTE_PUE="1.4")
    proc = subprocess.run(
        [EMPREINTE, "config", "show"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    rows = {ln.split()[0]: ln for ln in proc.stdout.splitlines() if not ln.startswith("#")}
    assert set(rows) == {s.name for s in SETTINGS}
    assert "cloud:aws:eu-west-3" in rows["location"]
    assert rows["location"].endswith(str(tmp_path / "empreinte.toml"))
    assert "1.4" in rows["pue"] and rows["pue"].endswith("EMPREINTE_PUE")
    assert "s3cret" not in proc.stdout and rows["token"].endswith("EMPREINTE_TOKEN")
    assert rows["rate_limit"].split()[1:] == ["120", "default"]
    proc = subprocess.run(
        [EMPREINTE, "config", "show", "--json"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    by = {s["name"]: s for s in data["settings"]}
    assert by["pue"] == {
        "name": "pue",
        "value": 1.4,
        "source": "env",
        "origin": "EMPREINTE_PUE",
        "env": "EMPREINTE_PUE",
        "key": "pue",
    }
    assert by["location"]["source"] == "file" and by["token"]["value"] == "(hidden)"
    assert data["files"][0] == {"path": str(tmp_path / "empreinte.toml"), "found": True}


def test_config_show_flags_a_bad_value_with_exit_2(tmp_path: Path) -> None:
    proc = subprocess.run(
        [EMPREINTE, "config", "show"],
        env=_env(tmp_path, EMPREINTE_RATE_LIMIT="-3"),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("rate_limit"))
    assert "EMPREINTE_RATE_LIMIT must be a positive integer, got '-3'" in line


def test_run_reads_location_from_a_config_file(tmp_path: Path) -> None:
    (tmp_path / "empreinte.toml").write_text('location = "FRX"\n')
    proc = subprocess.run(
        [EMPREINTE, "run", "--", "true"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        f"error: {tmp_path / 'empreinte.toml'}: unknown zone 'FRX' (did you mean: FRO, FRA?)"
    )


TRAINING = ["estimate", "training", "--hardware", "nvidia-h100-sxm", "--accelerator-hours", "9"]


@pytest.mark.parametrize(
    ("args", "env", "line"),
    [
        (
            ["impacts", "--energy-kwh", "1"],
            {"EMPREINTE_LOCATION": "XXX"},
            "error: EMPREINTE_LOCATION: unknown zone 'XXX'",
        ),
        (
            ["impacts", "--energy-kwh", "1"],
            {"EMPREINTE_PUE": "0.9"},
            "error: EMPREINTE_PUE must be a finite number >= 1, got '0.9'",
        ),
        (
            TRAINING,
            {"EMPREINTE_LOCATION": "cloud:aws:mars-1"},
            "error: EMPREINTE_LOCATION: unknown aws region 'mars-1'",
        ),
        (
            [*TRAINING, "--pue", "0.5:1.2"],
            {},
            "error: --pue must be a finite number >= 1, got Range(0.85, low=0.5, high=1.2)",
        ),
    ],
)
def test_commands_resolve_location_and_pue_through_the_table(
    tmp_path: Path, args: list[str], env: dict[str, str], line: str
) -> None:
    proc = subprocess.run(
        [EMPREINTE, *args],
        env=_env(tmp_path, **env),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2, (proc.stdout, proc.stderr)
    assert proc.stderr.strip().startswith(line), proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_impacts_reads_location_and_pue_from_a_config_file(tmp_path: Path) -> None:
    (tmp_path / "empreinte.toml").write_text('location = "cloud:Google:europe-west1"\npue = 1.1\n')
    proc = subprocess.run(
        [EMPREINTE, "impacts", "--energy-kwh", "1", "--json"],
        env=_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["location"]["zone"] == "BEL"
    assert data["datacenter"]["pue"]["value"] == pytest.approx(1.1)
    assert data["energy"]["facility_kwh"]["value"] == pytest.approx(1.1)
