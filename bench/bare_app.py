"""The baseline: a bare Starlette endpoint returning constant JSON."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def constant(request: Request) -> JSONResponse:
    return JSONResponse({"id": "00000000-0000-0000-0000-000000000000", "role": "admin"})


app = Starlette(routes=[Route("/v1/auth/me", constant)])
