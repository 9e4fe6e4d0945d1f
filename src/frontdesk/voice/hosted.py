"""What the hosted speech providers share: the SSRF guard, time-outs, and errors that name the
provider and the HTTP status but never carry the key (or the provider's error body, which may
echo part of it)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx

from frontdesk.errors import AppError
from frontdesk.kit import ssrf

# Read time-out between two chunks of a streamed answer, not for the whole answer.
TIMEOUT = httpx.Timeout(10.0, connect=5.0)
_HTTP_SCHEME = {"ws": "http", "wss": "https"}


async def guard(url: str, allow_private: bool, error: type[AppError], provider: str) -> None:
    """Raise `error` unless the SSRF guard lets `url` (http(s) or ws(s)) through."""
    scheme, sep, rest = url.partition("://")
    checked = f"{_HTTP_SCHEME.get(scheme.lower(), scheme)}{sep}{rest}"
    try:
        await ssrf.check_url(checked, allow_private)
    except ssrf.UnsafeURL as exc:
        raise error(
            f"{provider}: refusing to connect to its configured address: {exc}",
            details={"provider": provider.lower()},
        ) from None


def status_error(error: type[AppError], provider: str, status: int) -> AppError:
    details: dict[str, Any] = {"provider": provider.lower(), "status_code": status}
    if status in (401, 403):
        message = f"{provider} rejected the API key (HTTP {status})"
    elif status == 429:
        message = f"{provider} is rate limiting or out of credit (HTTP 429)"
    elif status in (400, 404, 422):
        message = f"{provider} refused the request (HTTP {status}); check its settings"
    else:
        message = f"{provider} answered HTTP {status}"
    return error(message, details=details)


def transport_error(error: type[AppError], provider: str, exc: Exception) -> AppError:
    details = {"provider": provider.lower()}
    if isinstance(exc, ssrf.UnsafeURL):  # the guarded client refused the connection
        return error(
            f"{provider}: refusing to connect to its configured address: {exc}", details=details
        )
    if isinstance(exc, httpx.TimeoutException | TimeoutError):
        return error(f"{provider} timed out", details=details)
    reason = str(exc) or type(exc).__name__
    return error(f"{provider} is unreachable: {reason}", details=details)


async def stream_pcm(
    http: httpx.AsyncClient,
    url: str,
    *,
    provider: str,
    error: type[AppError],
    headers: dict[str, str],
    body: dict[str, Any],
    params: dict[str, str] | None = None,
) -> AsyncIterator[bytes]:
    """POST `body` and yield the PCM16 answer as it arrives, always in whole samples."""
    try:
        async with http.stream(
            "POST",
            url,
            headers=headers,
            json=body,
            params=params,
            timeout=TIMEOUT,
            follow_redirects=False,  # a redirect could point past the SSRF guard
        ) as response:
            if response.status_code != 200:
                raise status_error(error, provider, response.status_code)
            carry = b""
            async for chunk in response.aiter_bytes():
                if carry:
                    chunk = carry + chunk
                whole = len(chunk) & ~1
                carry = chunk[whole:]
                if whole:
                    yield chunk[:whole] if carry else chunk
    except httpx.HTTPError as exc:
        raise transport_error(error, provider, exc) from exc


async def get_json(
    http: httpx.AsyncClient,
    url: str,
    *,
    provider: str,
    error: type[AppError],
    headers: dict[str, str],
) -> Any:
    try:
        response = await http.get(url, headers=headers, timeout=TIMEOUT, follow_redirects=False)
    except httpx.HTTPError as exc:
        raise transport_error(error, provider, exc) from exc
    if response.status_code != 200:
        raise status_error(error, provider, response.status_code)
    try:
        return response.json()
    except ValueError:
        raise error(f"{provider} answered with malformed JSON") from None
