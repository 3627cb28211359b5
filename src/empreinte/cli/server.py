"""``empreinte serve``, ``empreinte server ...`` and ``empreinte submit``."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from empreinte.observatory.settings import Settings

__all__ = ["register"]

DB_HELP = "Database URL [setting: database_url; default: SQLite in the data directory]."
DIR_HELP = "Data directory [setting: data_dir; default: the user data directory]."

server_app = typer.Typer(help="Operate an observatory database.", no_args_is_help=True)
token_app = typer.Typer(help="Manage API tokens (stored hashed).", no_args_is_help=True)
server_app.add_typer(token_app, name="token")


def _settings(db: str | None, data_dir: Path | None, **kw: Any) -> Settings:
    from empreinte.observatory.settings import Settings

    return Settings.from_env(db, data_dir, **kw)


def _sessions(db: str | None, data_dir: Path | None) -> sessionmaker[Session]:
    from empreinte.observatory.storage.admin import open_db

    return open_db(_settings(db, data_dir))


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
    seed: bool = typer.Option(True, help="Seed an empty database with the published figures."),
    rate_limit: int | None = typer.Option(
        None, help="Write requests per minute per token [setting: rate_limit; default: 120]."
    ),
    workers: int = typer.Option(
        1,
        min=1,
        help="Worker processes (validation is CPU-bound; rate limits are per worker).",
        metavar="<int>",
    ),
) -> None:
    """Run the observatory (migrates the database, and seeds it on first start)."""

    import uvicorn

    from empreinte.errors import ServerError
    from empreinte.observatory.http.app import create_app
    from empreinte.observatory.settings import Settings
    from empreinte.observatory.storage import admin

    settings = Settings.from_env(db, data_dir, rate_limit_per_minute=rate_limit)
    rate_limit = settings.rate_limit_per_minute
    sessions = admin.open_db(settings)
    with sessions() as s:
        if seed and admin.count_reports(s) == 0:
            try:
                created, _ = admin.seed(s)
                typer.echo(f"seeded {created} published reports")
            except ServerError as exc:
                typer.echo(f"warning: not seeded: {exc}", err=True)
    where = (
        settings.database_url.split("@")[-1]
        if "@" in settings.database_url
        else settings.database_url
    )
    typer.echo(f"observatory on http://{host}:{port}/ (database {where})")
    if workers == 1:
        app = create_app(settings, migrate=False)
        uvicorn.run(app, host=host, port=port, log_level="info")
        return
    os.environ["EMPREINTE_DATABASE_URL"] = settings.database_url
    os.environ["EMPREINTE_DATA_DIR"] = str(settings.data_dir)
    os.environ["EMPREINTE_RATE_LIMIT"] = str(rate_limit)
    uvicorn.run(
        "empreinte.observatory.http.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )


@server_app.command("migrate")
def migrate(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """Bring the database schema to the latest revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from empreinte.observatory.storage.db import make_engine, open_error
    from empreinte.observatory.storage.migrate import current_revision, upgrade

    settings = _settings(db, data_dir)
    engine = make_engine(settings.database_url)
    try:
        before = current_revision(engine)
        upgrade(engine)
    except SQLAlchemyError as exc:
        raise open_error(exc, settings.database_url) from None
    typer.echo(f"database at revision {current_revision(engine)} (was {before or 'empty'})")


@server_app.command("seed")
def seed_cmd(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """Load the bundled published figures (idempotent)."""
    from empreinte.observatory.storage import admin

    with _sessions(db, data_dir)() as s:
        created, existing = admin.seed(s)
    typer.echo(f"seed: {created} reports added, {existing} already present")


@server_app.command("dump")
def dump_cmd(
    out: Path = typer.Option(..., "--out", help="Backup file (JSON Lines; .gz to compress)."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """Write a full, re-importable backup (tokens hashed, reports with their verification)."""
    from empreinte.observatory.storage import admin

    with _sessions(db, data_dir)() as s:
        n_tok, n_rep = admin.dump(s, out)
    typer.echo(f"wrote {n_rep} reports and {n_tok} tokens to {out}")


@server_app.command("load")
def load_cmd(
    file: Path = typer.Argument(..., help="A file written by `empreinte server dump`."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """Restore a backup (rows already present are kept)."""
    from empreinte.observatory.storage import admin

    skipped: list[str] = []
    with _sessions(db, data_dir)() as s:
        n_tok, n_rep = admin.load(s, file, skipped=skipped)
    for why in skipped:
        typer.echo(f"warning: not loaded, no database can store it: {why}", err=True)
    more = f" ({len(skipped)} skipped, listed above)" if skipped else ""
    typer.echo(f"loaded {n_rep} reports and {n_tok} tokens from {file}{more}")


@server_app.command("withdraw")
def withdraw_cmd(
    report_id: str = typer.Argument(..., help="Id of the report to withdraw."),
    reason: str = typer.Option(..., "--reason", help="Why (shown on the report's page)."),
    operator: str | None = typer.Option(None, "--operator", help="Who withdraws it."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """Withdraw a report (moderation): kept and shown as withdrawn, counted nowhere."""
    from empreinte.observatory.storage import store

    with _sessions(db, data_dir)() as s:
        w = store.withdraw(s, report_id, reason, operator=operator)
    typer.echo(f"withdrew {report_id} ({w.withdrawn_at:%Y-%m-%d %H:%M} UTC): {w.reason}")


@token_app.command("create")
def token_create(
    name: str = typer.Option(..., "--name", help="Who the token is for."),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """Create a token and print it (only this once)."""
    from empreinte.observatory.storage import store

    with _sessions(db, data_dir)() as s:
        secret = store.create_token(s, name)
    typer.echo(secret)


@token_app.command("revoke")
def token_revoke(
    name: str = typer.Option(..., "--name"),
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """Revoke a token: it can no longer submit."""
    from empreinte.observatory.storage import store

    with _sessions(db, data_dir)() as s:
        store.revoke_token(s, name)
    typer.echo(f"revoked {name}")


@token_app.command("list")
def token_list(
    db: str | None = typer.Option(None, "--db", help=DB_HELP),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
) -> None:
    """List tokens (names and dates, never the secrets)."""
    from empreinte.observatory.storage import store

    with _sessions(db, data_dir)() as s:
        rows = store.list_tokens(s)
    for t in rows:
        state = f"revoked {t.revoked_at:%Y-%m-%d}" if t.revoked_at else "active"
        used = f"last used {t.last_used_at:%Y-%m-%d}" if t.last_used_at else "never used"
        typer.echo(f"{t.name}\t{state}\tcreated {t.created_at:%Y-%m-%d}\t{used}")


def submit(
    files: list[Path] = typer.Argument(None, help="Report files; none: send the outbox."),
    server: str | None = typer.Option(None, help="Observatory URL [setting: server]."),
    token: str | None = typer.Option(None, help="API token [setting: token]."),
    retries: int = typer.Option(
        4, min=0, help="Retries on network errors, 5xx and 429.", metavar="<int>"
    ),
    backoff: float = typer.Option(
        1.0, min=0, help="First retry delay in seconds (doubles).", metavar="<float>"
    ),
    data_dir: Path | None = typer.Option(None, "--data-dir", help=DIR_HELP),
    list_: bool = typer.Option(
        False, "--list", help="List the outbox (waiting and refused reports) and exit."
    ),
    drop: list[str] = typer.Option(
        [], "--drop", help="Remove this outbox entry (a name from --list); repeatable."
    ),
) -> None:
    """Send reports to an observatory; unsent ones wait in a local outbox."""
    from empreinte.submit import Outbox, default_outbox, server_and_token, submit_files

    box = Outbox(default_outbox(data_dir))
    if list_ or drop:
        for name in drop:
            typer.echo(f"dropped {box.drop(name)}")
        if list_:
            for p, srv, rep in box.pending():
                typer.echo(f"waiting\t{p.name}\t{srv}\t{rep.get('report_id', '?')}")
            for p in box.rejected():
                why = p.with_suffix(".reason.txt")
                reason = why.read_text("utf-8").strip() if why.is_file() else ""
                typer.echo(f"refused\t{p.name}\t{reason}")
        return

    server, token = server_and_token(server, token)
    results = submit_files(files or [], server, token, box, retries=retries, backoff_s=backoff)
    refused = 0
    for r in results:
        if r.error is not None:
            refused += 1
            typer.echo(f"refused: {r.report_id} {r.error} (set aside: {r.path})", err=True)
            continue
        typer.echo(f"{'accepted' if r.created else 'already there'}: {r.report_id} {r.url}")
    if refused:
        typer.echo(
            f"error: {refused} report(s) refused; see empreinte submit --list, "
            "then --drop NAME once handled",
            err=True,
        )
        raise SystemExit(1)
    if not results:
        typer.echo("nothing to send")


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(server_app, name="server")
    app.command("submit")(submit)
