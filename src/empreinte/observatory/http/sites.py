"""The data-centre registry over HTTP: ``/api/v1/datacenters`` (declare with a token, read
openly) and the pages ``/datacenters`` and ``/datacenters/{id}`` with their ``.json`` twins."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from pydantic import ValidationError
from pydantic_core import from_json

from empreinte.observatory.http.context import Ctx, authenticate, get_ctx
from empreinte.observatory.http.errors import ApiError
from empreinte.observatory.http.pages import _render
from empreinte.observatory.storage import registry, store
from empreinte.observatory.views.sites import site_detail, site_list

__all__ = ["router"]

router = APIRouter()


def _decl(raw: bytes) -> registry.DatacenterDecl:
    try:
        return registry.DatacenterDecl.model_validate(from_json(raw))
    except ValueError as exc:
        if isinstance(exc, ValidationError):
            fields = [
                (".".join(str(p) for p in e["loc"]) or "(root)", e["msg"]) for e in exc.errors()
            ]
        else:
            fields = [("(root)", str(exc))]
        first = "; ".join(f"{f}: {m}" for f, m in fields[:3])
        raise ApiError(422, f"invalid data centre: {first}", fields=fields) from None


@router.post("/api/v1/datacenters", status_code=201, tags=["api"], summary="Declare a data centre")
async def post_datacenter(
    request: Request, ctx: Ctx = Depends(get_ctx), authorization: str | None = Header(None)
) -> JSONResponse:
    token_id = await run_in_threadpool(authenticate, ctx, authorization)
    decl = _decl(await request.body())

    def work() -> bool:
        with ctx.sessions() as s:
            created = registry.upsert_site(s, decl, token_id, store.utcnow())
            store.bump_version(s)
            s.commit()
        return created

    created = await run_in_threadpool(work)
    return JSONResponse(
        {"id": decl.id, "created": created, "url": f"/datacenters/{decl.id}"},
        status_code=201 if created else 200,
        headers={"Location": f"/api/v1/datacenters/{decl.id}"},
    )


@router.get("/api/v1/datacenters", tags=["api"], summary="List the data-centre registry")
def get_datacenters(ctx: Ctx = Depends(get_ctx)) -> dict[str, Any]:
    return site_list(ctx.sessions)


@router.get("/api/v1/datacenters/{site_id}", tags=["api"], summary="One data centre")
def get_datacenter(site_id: str, ctx: Ctx = Depends(get_ctx)) -> dict[str, Any]:
    return site_detail(ctx.sessions, site_id)


@router.get("/datacenters", include_in_schema=False)
def sites_page(request: Request, ctx: Ctx = Depends(get_ctx)) -> Response:
    return _render(request, "datacenters.html", site_list(ctx.sessions), False)


@router.get("/datacenters.json", include_in_schema=False)
def sites_json(request: Request, ctx: Ctx = Depends(get_ctx)) -> Response:
    return _render(request, "datacenters.html", site_list(ctx.sessions), True)


@router.get("/datacenters/{site_id}.json", include_in_schema=False)
def site_json(site_id: str, request: Request, ctx: Ctx = Depends(get_ctx)) -> Response:
    return _render(request, "datacenter.html", site_detail(ctx.sessions, site_id), True)


@router.get("/datacenters/{site_id}", include_in_schema=False)
def site_page(site_id: str, request: Request, ctx: Ctx = Depends(get_ctx)) -> Response:
    return _render(request, "datacenter.html", site_detail(ctx.sessions, site_id), False)
