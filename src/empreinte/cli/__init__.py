"""The ``empreinte`` command line: a thin Typer layer over the library.

Each area registers its commands from its own module (``cli/<area>.py`` exposing
``register(app)``); heavy imports happen inside the commands, so ``empreinte --help`` stays fast.
Library errors become one-line messages with a non-zero exit code (see :func:`main`).
"""

from __future__ import annotations

import importlib
import sys

import typer

from empreinte._version import __version__

__all__ = ["app", "main", "run"]

AREAS = ("impacts", "report", "measure", "estimate", "server", "bench")
"""Modules of ``empreinte.cli`` that register commands, in help order."""

EXIT_USAGE = 2
EXIT_ERROR = 1

app = typer.Typer(
    name="empreinte",
    help="Measure, assess, report and share the environmental footprint of AI.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"empreinte {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", help="Print the version and exit.", callback=_version, is_eager=True
    ),
) -> None:
    """Measure, assess, report and share the environmental footprint of AI."""


for _area in AREAS:
    try:
        _mod = importlib.import_module(f"empreinte.cli.{_area}")
    except ModuleNotFoundError as _exc:  # an area not built yet in this checkout
        if _exc.name != f"empreinte.cli.{_area}":
            raise
        continue
    _mod.register(app)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the app, turning library errors into one-line messages.

    Usage errors (missing option, unknown command) are reported by Typer with exit code 2.
    """
    from empreinte.errors import EmpreinteError

    try:
        app(args=argv, standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else EXIT_ERROR
    except EmpreinteError as exc:
        typer.echo(f"error: {exc}", err=True)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_ERROR
    except KeyboardInterrupt:
        typer.echo("interrupted", err=True)
        return 130
    return 0


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
