"""``create_app(settings)``: one observatory instance (API, pages, static assets)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from empreinte._version import __version__
from empreinte.observatory.http import api, pages, sites
from empreinte.observatory.http.context import Ctx, Exporter
from empreinte.observatory.http.errors import install_handlers
from empreinte.observatory.http.security import RateLimiter, SecurityMiddleware
from empreinte.observatory.settings import Settings
from empreinte.observatory.storage.db import make_engine, make_sessionmaker, open_error
from empreinte.observatory.summaries.aggregates import Aggregates

__all__ = ["app_from_env", "available_exporters", "create_app"]

log = logging.getLogger("empreinte.observatory")


def available_exporters() -> dict[str, Exporter]:
    """``{format: export function}``: every format of :data:`empreinte.report.exporters.FORMATS`
    (``json``, the stored report itself, is served apart)."""
    from empreinte.report.exporters import FORMATS, export_report

    return dict.fromkeys(FORMATS, export_report)


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    from fastapi.openapi.utils import get_openapi

    from empreinte.report.models import Report

    schema = get_openapi(
        title="empreinte observatory",
        version=__version__,
        description="Open database of AI footprint reports (schema empreinte.report/1).",
        routes=app.routes,
    )
    report = Report.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = report.pop("$defs", {})
    comps = schema.setdefault("components", {}).setdefault("schemas", {})
    comps.update(defs)
    comps["Report"] = report
    schema["components"].setdefault("securitySchemes", {})["bearer"] = {
        "type": "http",
        "scheme": "bearer",
    }
    post = schema["paths"]["/api/v1/reports"]["post"]
    post["security"] = [{"bearer": []}]
    app.openapi_schema = schema
    return schema


def create_app(settings: Settings, *, migrate: bool = True) -> FastAPI:
    """A new observatory app over ``settings.database_url`` (schema migrated unless told not)."""
    engine = make_engine(settings.database_url, busy_timeout_s=settings.busy_timeout_s)
    if migrate:
        from sqlalchemy.exc import SQLAlchemyError

        from empreinte.observatory.storage.migrate import upgrade

        try:
            upgrade(engine)
        except SQLAlchemyError as exc:
            engine.dispose()
            raise open_error(exc, settings.database_url) from None
    ctx = Ctx(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        aggregates=Aggregates(),
        limiter=RateLimiter(settings.rate_limit_per_minute),
        exporters=available_exporters(),
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        engine.dispose()

    app = FastAPI(
        title="empreinte observatory",
        version=__version__,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,  # the Swagger UI loads scripts from a CDN: not served
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.ctx = ctx
    templates_dir = resources.files("empreinte.observatory").joinpath("templates")
    static_dir = resources.files("empreinte.observatory").joinpath("static")
    app.state.templates = Jinja2Templates(directory=str(templates_dir))
    pages.configure_templates(app.state.templates)
    install_handlers(app)
    app.include_router(api.router)
    app.include_router(sites.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=str(static_dir)), name="static")
    app.add_middleware(SecurityMiddleware, max_body=settings.max_body_bytes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """The app of one worker process of ``empreinte serve --workers N`` (an uvicorn factory).

    Settings come from ``EMPREINTE_DATABASE_URL``, ``EMPREINTE_DATA_DIR`` and
    ``EMPREINTE_RATE_LIMIT`` (set by ``serve``, resolved by :mod:`empreinte.config`); the
    parent has already migrated the schema.
    """
    return create_app(Settings.from_env(), migrate=False)
