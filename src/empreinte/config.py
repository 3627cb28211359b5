"""Every setting of empreinte in one table, and the one resolver that reads them.

A setting's value comes from the first of, in order:

1. the command-line option (or the argument given to the library),
2. the environment variable (``EMPREINTE_...``),
3. a TOML config file: ``$EMPREINTE_CONFIG`` when set (and then only that file), otherwise
   ``empreinte.toml`` in the current directory, then ``config.toml`` in the user config
   directory (``~/.config/empreinte/`` on Linux); the first file that sets the key wins,
4. the default.

A config file holds ``key = value`` lines with the keys of :data:`SETTINGS`
(``location = "FRA"``, ``pue = 1.2``); an unknown key or a value of the wrong type is an
error naming the file and the key. ``empreinte config show`` prints each value and where it
came from; the settings section of ``docs/cli.md`` is generated from :data:`SETTINGS`.

This module is at the lowest layer (standard library and platformdirs only): commands, the
monitor, the observatory and the integrations all resolve through it.
"""

from __future__ import annotations

import math
import os
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from empreinte.errors import ConfigError, SettingError

__all__ = [
    "CONFIG_ENV",
    "PROJECT_FILE",
    "SETTINGS",
    "Config",
    "Setting",
    "Value",
    "get",
    "setting",
    "user_config_file",
    "user_data_dir",
]

CONFIG_ENV = "EMPREINTE_CONFIG"
"""Environment variable naming the one config file to read (instead of the usual ones)."""

PROJECT_FILE = "empreinte.toml"
"""Config file looked up in the current directory."""

DB_FILENAME = "observatory.sqlite3"


def user_config_file() -> Path:
    """``config.toml`` in the user config directory (it may not exist)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("empreinte")) / "config.toml"


def user_data_dir() -> Path:
    """The platform's user data directory for empreinte."""
    import platformdirs

    return Path(platformdirs.user_data_dir("empreinte", appauthor=False))


def _positive(x: Any) -> bool:
    return bool(x > 0)


def _positive_finite(x: Any) -> bool:
    return math.isfinite(x) and x > 0


def _pue(x: Any) -> bool:
    return math.isfinite(x) and x >= 1


@dataclass(frozen=True)
class Setting:
    """One row of the settings table."""

    name: str
    env: str
    key: str
    type: type
    help: str
    default: Any = None
    default_text: str | None = None  # how the docs state a computed default
    factory: Callable[[Config], Any] | None = None  # computed default
    check: Callable[[Any], bool] | None = None
    expected: str | None = None  # what ``check`` wants, for the error message
    secret: bool = False
    commands: tuple[str, ...] = ()

    def parse(self, raw: Any, where: str) -> Any:
        """``raw`` (a string from the environment, a TOML value) as :attr:`type`, checked."""
        kind = {str: "a string", int: "an integer", float: "a number", Path: "a path"}[self.type]
        value: Any
        try:
            if isinstance(raw, bool):
                raise TypeError
            if self.type is str or self.type is Path:
                if not isinstance(raw, str) or not raw.strip():
                    raise TypeError
                value = self.type(raw.strip())
            elif self.type is int:
                value = int(raw, 10) if isinstance(raw, str) else raw
                if not isinstance(value, int):
                    raise TypeError
            else:
                value = float(raw) if isinstance(raw, str | int) else raw
                if not isinstance(value, float):
                    raise TypeError
        except (TypeError, ValueError):
            raise SettingError(where, raw, expected=self.expected or kind) from None
        if self.check is not None and not self.check(value):
            raise SettingError(where, raw, expected=self.expected or kind)
        return value

    @property
    def default_doc(self) -> str:
        if self.default_text is not None:
            return self.default_text
        return "unset" if self.default is None else f"`{self.default}`"


def _database_default(cfg: Config) -> str:
    return f"sqlite:///{cfg.get('data_dir') / DB_FILENAME}"


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "location",
        "EMPREINTE_LOCATION",
        "location",
        str,
        "where the work runs: a grid zone (`FRA`) or a cloud region (`cloud:aws:eu-west-3`); "
        "unset: the world average with a wide range and the `location-unknown` warning",
        default_text="unset (world average)",
        commands=("run", "impacts", "estimate", "bench run", "track()"),
    ),
    Setting(
        "pue",
        "EMPREINTE_PUE",
        "pue",
        float,
        "power usage effectiveness of the data centre (>= 1); "
        "unset: the location's data-centre preset, else the documented default",
        default_text="unset (preset or default)",
        check=_pue,
        expected="a finite number >= 1",
        commands=("run", "impacts", "estimate", "bench run", "track()"),
    ),
    Setting(
        "powercap_root",
        "EMPREINTE_POWERCAP_ROOT",
        "powercap_root",
        Path,
        "root of the powercap tree read by the RAPL meter (in a container: where the host's "
        "tree is mounted)",
        default=Path("/sys/class/powercap"),
        commands=("run", "doctor", "track()"),
    ),
    Setting(
        "meter_url",
        "EMPREINTE_METER_URL",
        "meter_url",
        str,
        "endpoint read by a fleet meter (`--meter kepler|scaphandre|alumet`): the agent's "
        "`/metrics`, or a Prometheus server's `/federate?match[]=...`",
        commands=("run --meter", "doctor", "track()"),
    ),
    Setting(
        "meter_select",
        "EMPREINTE_METER_SELECT",
        "meter_select",
        str,
        "series a fleet meter reads: `level=pod,pod_namespace=ml,pod_name=train-0` "
        "(`=`, `!=`, `=~` regex; level: node, pod, container, process, vm)",
        default_text="unset (level=node, every node series)",
        commands=("run --meter", "doctor", "track()"),
    ),
    Setting(
        "meter_poll_s",
        "EMPREINTE_METER_POLL_S",
        "meter_poll_s",
        float,
        "poll interval of the Alumet agent in seconds (its exporter shows the energy of its "
        "last poll as a gauge: energy = value / poll interval x scrape interval); set it to "
        "the `poll_interval` of Alumet's config when it is not 1 s",
        default=1.0,
        default_text="`1.0` (Alumet's default)",
        check=_positive_finite,
        expected="a finite number of seconds > 0",
        commands=("run --meter", "doctor", "track()"),
    ),
    Setting(
        "slurm_energy_plugin",
        "EMPREINTE_SLURM_ENERGY_PLUGIN",
        "slurm_energy_plugin",
        str,
        "the cluster's `AcctGatherEnergyType` (rapl, ipmi, gpu, pm_counters, xcc): sets the "
        "method and coverage of sacct's ConsumedEnergy",
        default="unknown",
        commands=("slurm report",),
    ),
    Setting(
        "data_dir",
        "EMPREINTE_DATA_DIR",
        "data_dir",
        Path,
        "data directory: the observatory's SQLite database, the submission outbox, bench results",
        default_text="the platform's user data directory",
        factory=lambda cfg: user_data_dir(),
        commands=("serve", "server", "submit", "bench"),
    ),
    Setting(
        "database_url",
        "EMPREINTE_DATABASE_URL",
        "database_url",
        str,
        "observatory database URL (`sqlite:///PATH` or `postgresql+psycopg://USER@HOST/DB`)",
        default_text="SQLite file `observatory.sqlite3` in the data directory",
        factory=_database_default,
        check=lambda s: s.startswith(("sqlite", "postgresql", "postgres://")),
        expected="a URL starting with sqlite:// or postgresql+psycopg://",
        commands=("serve", "server"),
    ),
    Setting(
        "server",
        "EMPREINTE_SERVER",
        "server",
        str,
        "observatory URL that reports are submitted to",
        commands=("submit", "run --submit", "bench run --submit"),
    ),
    Setting(
        "token",
        "EMPREINTE_TOKEN",
        "token",
        str,
        "bearer token for submitting (never printed by `config show`)",
        secret=True,
        commands=("submit", "run --submit", "bench run --submit"),
    ),
    Setting(
        "rate_limit",
        "EMPREINTE_RATE_LIMIT",
        "rate_limit",
        int,
        "observatory writes per minute per token (per worker process)",
        default=120,
        check=_positive,
        expected="a positive integer",
        commands=("serve",),
    ),
)
"""The settings table: name, environment variable, config-file key, type, help, default."""

_BY_NAME = {s.name: s for s in SETTINGS}
_BY_KEY = {s.key: s for s in SETTINGS}


def setting(name: str) -> Setting:
    """The row of ``name`` (a :class:`KeyError` names the unknown setting)."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no setting {name!r}") from None


@dataclass(frozen=True)
class Value:
    """A resolved setting: its value, and where it came from.

    ``source`` is ``option``, ``env``, ``file`` or ``default``; ``origin`` says which
    (``--location``, ``EMPREINTE_LOCATION``, the file's path, ``default``)."""

    name: str
    value: Any
    source: str
    origin: str

    @property
    def shown(self) -> str:
        """The value as ``config show`` prints it (secrets hidden)."""
        if self.value is None:
            return "(unset)"
        if setting(self.name).secret:
            return "(set, hidden)"
        return str(self.value)

    def as_dict(self) -> dict[str, Any]:
        s = setting(self.name)
        value = self.value
        if value is not None and s.secret:
            value = "(hidden)"
        elif isinstance(value, Path):
            value = str(value)
        return {
            "name": self.name,
            "value": value,
            "source": self.source,
            "origin": self.origin,
            "env": s.env,
            "key": s.key,
        }


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"cannot read the config file {path}: {exc}") from exc
    unknown = sorted(set(data) - set(_BY_KEY))
    if unknown:
        import difflib

        near = difflib.get_close_matches(unknown[0], list(_BY_KEY), n=3, cutoff=0.5)
        hint = f" (did you mean: {', '.join(near)}?)" if near else ""
        raise ConfigError(
            f"{path}: unknown setting {unknown[0]!r}{hint}; known: {', '.join(sorted(_BY_KEY))}"
        )
    return data


class Config:
    """Settings resolved from options, an environment and config files (see the module doc).

    ``environ`` defaults to :data:`os.environ`; ``files`` to the files found from
    ``$EMPREINTE_CONFIG``, ``cwd`` and the user config directory (missing ones are skipped,
    except an ``$EMPREINTE_CONFIG`` that does not exist, which is an error)."""

    def __init__(
        self,
        environ: Mapping[str, str] | None = None,
        files: Sequence[Path] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.environ = os.environ if environ is None else environ
        if files is None:
            files = self.find_files(self.environ, cwd)
        self.files = [Path(f) for f in files]
        self._data = [(f, _read_file(f)) for f in self.files if f.is_file()]

    @staticmethod
    def find_files(environ: Mapping[str, str], cwd: Path | None = None) -> list[Path]:
        """The config files to read, first wins."""
        explicit = environ.get(CONFIG_ENV)
        if explicit:
            path = Path(explicit)
            if not path.is_file():
                raise ConfigError(f"{CONFIG_ENV}: no such file {path}")
            return [path]
        return [(cwd or Path.cwd()) / PROJECT_FILE, user_config_file()]

    def value(self, name: str, option: Any = None, option_name: str | None = None) -> Value:
        """The resolved :class:`Value` of ``name``; ``option`` wins when not ``None``."""
        s = setting(name)
        if option is not None:
            where = option_name or f"--{name.replace('_', '-')}"
            if isinstance(option, Path):
                option = str(option)
            if isinstance(option, str | int | float):  # a Range (estimates) passes as is
                option = s.parse(option, where)
            return Value(name, option, "option", where)
        raw = self.environ.get(s.env)
        if raw:
            return Value(name, s.parse(raw, s.env), "env", s.env)
        for path, data in self._data:
            if s.key in data:
                return Value(name, s.parse(data[s.key], f"{path}: {s.key}"), "file", str(path))
        default = s.factory(self) if s.factory is not None else s.default
        return Value(name, default, "default", "default")

    def get(self, name: str, option: Any = None) -> Any:
        """The resolved value of ``name`` (``option`` wins when not ``None``)."""
        return self.value(name, option).value

    def all(self) -> list[Value]:
        """Every setting of the table, resolved, in table order."""
        return [self.value(s.name) for s in SETTINGS]


def get(name: str, option: Any = None) -> Any:
    """The value of setting ``name`` from ``option``, the environment, config files, default."""
    return Config().get(name, option)
