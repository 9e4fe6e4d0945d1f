"""The references the authenticated read is measured against, each served by the same uvicorn:

- `app`: a bare Starlette endpoint returning constant JSON (the 100% of the ratio);
- `fastapi_app`: the same answer from a FastAPI route with a header dependency and a response
  model, no middleware (what any FastAPI route costs before it does anything);
- `read_app`: a bare Starlette endpoint that makes the API-key read itself (SHA-256 of the bearer
  token, one indexed select on `api_keys` through SQLAlchemy on the database of
  `BENCH_DATABASE_URL`), no framework, no middleware, no rate limit.
"""

from __future__ import annotations

import os
from typing import Annotated

from fastapi import Depends, FastAPI, Header
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from frontdesk.kit.crypto import hash_token

ANSWER = {"id": "00000000-0000-0000-0000-000000000000", "role": "admin"}


async def constant(request: Request) -> JSONResponse:
    return JSONResponse(ANSWER)


app = Starlette(routes=[Route("/v1/auth/me", constant)])


class Principal(BaseModel):
    id: str
    role: str


async def _bearer(authorization: Annotated[str | None, Header()] = None) -> str:
    # Asynchronous, as Frontdesk's own dependencies are: FastAPI runs a plain `def` dependency in
    # a worker thread, which would cost this reference a thread hop per request.
    return (authorization or "").removeprefix("Bearer ")


fastapi_app = FastAPI()


@fastapi_app.get("/v1/auth/me")
async def fastapi_constant(token: Annotated[str, Depends(_bearer)]) -> Principal:
    return Principal(**ANSWER)


_engine: AsyncEngine | None = None
_KEY = text("SELECT id, role FROM api_keys WHERE key_hash = :key_hash")


async def read(request: Request) -> JSONResponse:
    global _engine
    if _engine is None:
        url = os.environ["BENCH_DATABASE_URL"].replace("postgresql://", "postgresql+asyncpg://")
        # As many connections as wrk keeps requests in flight, all kept (overflow connections
        # would be opened and closed all the time).
        _engine = create_async_engine(url, pool_size=64, max_overflow=0)
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    async with _engine.connect() as conn:
        row = (await conn.execute(_KEY, {"key_hash": hash_token(token)})).first()
    if row is None:
        return JSONResponse({"error": "Unknown API key"}, status_code=401)
    return JSONResponse({"id": str(row[0]), "role": row[1]})


read_app = Starlette(routes=[Route("/v1/auth/me", read)])
