"""``empreinte config show``: every setting, its value and where it came from."""

from __future__ import annotations

import json

import typer

__all__ = ["register"]

config_app = typer.Typer(
    help="Settings: option > environment variable > config file > default.",
    no_args_is_help=True,
)


@config_app.command("show")
def show(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print each setting's value and where it came from (secrets hidden); exit 2 if one is
    invalid (each bad one is shown with its error)."""
    from empreinte.config import SETTINGS, Config, Value
    from empreinte.errors import ConfigError

    cfg = Config()
    values: list[Value] = []
    bad = 0
    for s in SETTINGS:
        try:
            values.append(cfg.value(s.name))
        except ConfigError as exc:
            bad += 1
            values.append(Value(s.name, None, "error", f"error: {exc}"))
    files = [{"path": str(f), "found": f.is_file()} for f in cfg.files]
    if as_json:
        out = {"files": files, "settings": [v.as_dict() for v in values]}
        typer.echo(json.dumps(out, indent=2))
        raise SystemExit(2 if bad else 0)
    width = max(len(v.name) for v in values)
    texts = ["(invalid)" if v.source == "error" else v.shown for v in values]
    vwidth = min(max(len(t) for t in texts), 60)
    for v, text in zip(values, texts, strict=True):
        where = v.origin if v.source in ("default", "error") else f"{v.source} {v.origin}"
        typer.echo(f"{v.name:<{width}}  {text:<{vwidth}}  {where}")
    for f in files:
        typer.echo(f"# config file {f['path']}{'' if f['found'] else ' (absent)'}")
    if bad:
        raise SystemExit(2)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")
