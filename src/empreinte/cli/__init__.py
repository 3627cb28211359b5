"""The ``empreinte`` command line: a thin Typer layer over the library.

Each area registers its commands from its own module (``cli/<area>.py`` exposing
``register(app)``); heavy imports happen inside the commands, so ``empreinte --help`` stays fast.
Library errors become one-line messages with a non-zero exit code (see :func:`main`).
"""

from __future__ import annotations

import importlib
import sys
from typing import Any

import typer

from empreinte._version import __version__

__all__ = ["app", "main", "run"]

AREAS = (
    "impacts",
    "report",
    "measure",
    "estimate",
    "advise",
    "server",
    "bench",
    "slurm",
    "config",
)
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
    importlib.import_module(f"empreinte.cli.{_area}").register(app)


def _click_exception() -> type[Exception]:
    """Click's base exception as Typer raises it (Typer >= 0.20 vendors its own click)."""
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            cls: type[Exception] = importlib.import_module(name).ClickException
        except (ImportError, AttributeError):
            continue
        return cls
    raise ImportError("no click exceptions module")  # pragma: no cover


_ClickException = _click_exception()


def main(argv: list[str] | None = None) -> int:
    """Entry point: every error becomes one line ``error: ...`` and a non-zero exit code.

    Exit codes: 2 for invalid input (usage errors, bad values, unknown names, malformed
    reports), 1 for other failures, 130 when interrupted; a command may return its own.
    """
    from empreinte.errors import EmpreinteError

    try:
        rv = app(args=argv, standalone_mode=False)
    except EmpreinteError as exc:
        typer.echo(f"error: {exc}", err=True)
        return EXIT_USAGE if isinstance(exc, ValueError) else EXIT_ERROR
    except _ClickException as exc:
        msg = " ".join(exc.format_message().split())  # type: ignore[attr-defined]
        typer.echo(f"error: {msg}", err=True)
        return int(getattr(exc, "exit_code", EXIT_USAGE))
    except typer.Abort:
        typer.echo("error: aborted", err=True)
        return EXIT_ERROR
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        return 130
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else EXIT_ERROR
    except Exception as exc:
        if not _is_pydantic_validation(exc):
            raise
        # a result the report format refuses (e.g. beyond its 1e100 magnitude bound): inputs
        # of absurd magnitude; one line naming the field, never a traceback
        typer.echo(f"error: {_validation_line(exc)}", err=True)
        return EXIT_USAGE
    return rv if isinstance(rv, int) else 0


def _is_pydantic_validation(exc: BaseException) -> bool:
    t = type(exc)
    return t.__name__ == "ValidationError" and t.__module__.startswith("pydantic")


def _validation_line(exc: Any) -> str:
    """The first error of a pydantic ``ValidationError`` as one line, its field named."""
    err = exc.errors()[0]
    where = ".".join(str(x) for x in err.get("loc", ())) or exc.title
    return (
        f"{where}: {err.get('msg', 'invalid')} (the inputs' magnitudes give a result the "
        "report format cannot hold)"
    )


def run() -> None:
    """Console-script entry point."""
    sys.exit(main())
