"""The HTTP edge every request passes: request ids, body limits, content types, rate-limit
headers, idempotent replays and the access log. One ASGI layer, so the hot path pays once.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frontdesk.errors import AppError, error_response
from frontdesk.kit import idempotency
from frontdesk.kit.ratelimit import STATE_KEY as RATELIMIT_STATE
from frontdesk.kit.ratelimit import LimitState

log = structlog.get_logger("frontdesk.http")

AFTER_KEY = "frontdesk.after_response"


def after_response(scope: Scope, work: Callable[[], Awaitable[None]]) -> None:
    """Run `work` once the response is sent (best effort, not durable: use a job for that)."""
    scope.setdefault("state", {}).setdefault(AFTER_KEY, []).append(work)


_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")
_BODY_METHODS = {"POST", "PUT", "PATCH"}
_JSON = ("application/json",)
_UPLOAD = ("multipart/form-data",)


class HTTPEdgeMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int,
        max_upload_bytes: int,
        sessionmaker: async_sessionmaker[AsyncSession] | None = None,
    ) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.sessionmaker = sessionmaker

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        request_id = headers.get("x-request-id", "")
        if not _REQUEST_ID.match(request_id):
            request_id = uuid.uuid4().hex
        structlog.contextvars.bind_contextvars(request_id=request_id)
        state: dict[str, Any] = scope.setdefault("state", {})
        status_holder = [0]

        cross_origin = "origin" in headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder[0] = message["status"]
                extra = [(b"x-request-id", request_id.encode())]
                limit: LimitState | None = state.get(RATELIMIT_STATE)
                if limit is not None:
                    extra.extend(limit.headers())
                given = message.get("headers", [])
                if cross_origin:
                    # A route that answers only some origins names the one it allows.
                    named = any(k.lower() == b"access-control-allow-origin" for k, _ in given)
                    extra.extend(_CORS[1:] if named else _CORS)
                message["headers"] = [*given, *extra]
            await send(message)

        try:
            path: str = scope["path"]
            method: str = scope["method"]
            if method == "OPTIONS" and cross_origin and "access-control-request-method" in headers:
                await _preflight(send_with_headers, headers)
                return
            _refuse_nul(path, scope.get("query_string", b""))
            if method in _BODY_METHODS and path.startswith("/v1/"):
                receive = self._check_body(headers, receive)
                if (
                    method == "POST"
                    and idempotency.HEADER in headers
                    and not path.startswith("/v1/auth/")
                ):
                    await self._idempotent(scope, receive, send_with_headers, headers)
                    return
            await self.app(scope, receive, send_with_headers)
        except AppError as exc:
            await error_response(exc.status, exc.message, exc.code, exc.details, exc.headers)(
                scope, receive, send_with_headers
            )
        except HTTPException as exc:  # body over the cap while buffering for idempotency
            await error_response(exc.status_code, exc.detail, "PAYLOAD_TOO_LARGE")(
                scope, receive, send_with_headers
            )
        finally:
            for work in state.pop(AFTER_KEY, ()):
                try:
                    await work()
                except Exception:
                    log.exception("after_response_failed")
            log.info(
                "request",
                method=scope["method"],
                path=scope["path"],
                status=status_holder[0],
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )
            structlog.contextvars.unbind_contextvars("request_id")

    def _check_body(self, headers: Headers, receive: Receive) -> Receive:
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        length_header = headers.get("content-length")
        has_body = (length_header not in (None, "0")) or "transfer-encoding" in headers
        if not has_body:
            return receive
        if content_type in _UPLOAD:
            cap = self.max_upload_bytes
        elif content_type in _JSON or content_type.endswith("+json"):
            cap = self.max_body_bytes
        else:
            raise AppError(
                f"Content-Type '{content_type or 'none'}' is not accepted; send application/json",
                "UNSUPPORTED_MEDIA_TYPE",
                415,
            )
        if length_header is not None:
            try:
                length = int(length_header)
            except ValueError:
                raise AppError("Content-Length is not a number", "BAD_REQUEST", 400) from None
            if length > cap:
                raise AppError(
                    f"The request body is larger than {cap} bytes", "PAYLOAD_TOO_LARGE", 413
                )
        return _capped(receive, cap)

    async def _idempotent(
        self, scope: Scope, receive: Receive, send: Send, headers: Headers
    ) -> None:
        maker = self.sessionmaker or scope["app"].state.sessionmaker
        principal = idempotency.principal_of(
            headers.get("authorization"), headers.get("frontdesk-workspace")
        )
        if principal is None:
            await self.app(scope, receive, send)
            return
        body = await _read_all(receive)
        claimed = await idempotency.claim(
            maker, principal, headers[idempotency.HEADER], scope["method"], scope["path"], body
        )
        if isinstance(claimed, idempotency.StoredResponse):
            await send(
                {
                    "type": "http.response.start",
                    "status": claimed.status_code,
                    "headers": [
                        (b"content-type", (claimed.content_type or "application/json").encode()),
                        (b"content-length", str(len(claimed.body)).encode()),
                        (b"idempotent-replayed", b"true"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": claimed.body})
            return

        captured: dict[str, Any] = {"status": 500, "type": None, "chunks": [], "stored": False}

        async def store() -> None:
            captured["stored"] = True
            await idempotency.finish(
                maker, claimed, captured["status"], captured["type"], b"".join(captured["chunks"])
            )

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured["status"] = message["status"]
                captured["type"] = Headers(raw=message.get("headers", [])).get("content-type")
            elif message["type"] == "http.response.body":
                captured["chunks"].append(message.get("body", b""))
                if not message.get("more_body", False):
                    # Stored before the last byte leaves: a client that retries the moment it
                    # has the answer (on this process or another) gets the replay, never a 409.
                    await store()
            await send(message)

        try:
            await self.app(scope, _replay(body, receive), capture)
        finally:
            if not captured["stored"]:
                await store()


def _refuse_nul(path: str, query_string: bytes) -> None:
    """NUL is no character of any parameter: PostgreSQL cannot compare or store it (a 400 here,
    not a 500 from the database)."""
    if "\x00" in path:
        raise AppError(
            "The path contains a NUL character",
            "VALIDATION_ERROR",
            400,
            {"path": "must not contain NUL characters"},
        )
    if b"%00" in query_string or b"\x00" in query_string:
        names = [
            name.replace("\x00", "\\u0000") or "query"
            for name, value in parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
            if "\x00" in name or "\x00" in value
        ]
        raise AppError(
            f"Query parameter {', '.join(names) or 'query'} contains a NUL character",
            "VALIDATION_ERROR",
            400,
            {name: "must not contain NUL characters" for name in names or ["query"]},
        )


# The API takes bearer tokens, never cookies, so any site may call it: the widget runs on
# customers' own sites. (A web_chat channel's allowed origins are checked by the public routes,
# which then name the page's origin instead of `*`.)
_CORS = [
    (b"access-control-allow-origin", b"*"),
    (
        b"access-control-expose-headers",
        b"X-Request-ID, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
        b"Retry-After, Idempotent-Replayed",
    ),
]


async def _preflight(send: Send, headers: Headers) -> None:
    allowed = headers.get("access-control-request-headers", "authorization, content-type")
    await send(
        {
            "type": "http.response.start",
            "status": 204,
            "headers": [
                (b"access-control-allow-methods", b"GET, POST, PUT, PATCH, DELETE, OPTIONS"),
                (b"access-control-allow-headers", allowed.encode("latin-1")[:1000]),
                (b"access-control-max-age", b"600"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b""})


def _capped(receive: Receive, cap: int) -> Receive:
    seen = 0

    async def wrapped() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > cap:
                # FastAPI re-raises HTTPException from body reading; the handler renders it.
                raise HTTPException(413, f"The request body is larger than {cap} bytes")
        return message

    return wrapped


async def _read_all(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # waits for the client to go away

    return replayed
