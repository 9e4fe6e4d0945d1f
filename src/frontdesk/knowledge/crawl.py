"""Fetching a URL source: redirects followed one by one through the SSRF guard, a size cap, and
failures that name what went wrong with the page."""

from __future__ import annotations

import httpx

from frontdesk.kit import ssrf

MAX_REDIRECTS = 5
ACCEPT = "text/html,application/xhtml+xml,text/plain,application/pdf;q=0.9,*/*;q=0.5"
FETCH_TIMEOUT = 30.0


class SourceFailed(Exception):
    """Ends the source `failed` with this message (the document, not the machine, is at fault)."""


async def fetch_url(
    http: httpx.AsyncClient, url: str, allow_private: bool, max_bytes: int
) -> tuple[bytes, str | None, str]:
    """The page at `url`, following redirects through the SSRF guard; (body, type, final url)."""
    for _ in range(MAX_REDIRECTS + 1):
        try:
            await ssrf.check_url(url, allow_private)
        except ssrf.UnsafeURL as exc:
            raise SourceFailed(f"The address was refused: {exc}") from None
        try:
            async with http.stream(
                "GET",
                url,
                follow_redirects=False,
                timeout=FETCH_TIMEOUT,
                headers={
                    "Accept": ACCEPT,
                    "User-Agent": "Frontdesk knowledge crawler",
                },
            ) as response:
                if response.is_redirect and "location" in response.headers:
                    url = str(response.url.join(response.headers["location"]))
                    continue
                if response.status_code >= 400:
                    raise SourceFailed(f"The page answered HTTP {response.status_code}")
                body = bytearray()
                async for part in response.aiter_bytes():
                    body.extend(part)
                    if len(body) > max_bytes:
                        raise SourceFailed(
                            f"The page is larger than {max_bytes // (1024 * 1024)} MiB"
                        )
                return bytes(body), response.headers.get("content-type"), str(response.url)
        except ssrf.UnsafeURL as exc:  # the guarded client refused the connection
            raise SourceFailed(f"The address was refused: {exc}") from None
        except httpx.TimeoutException:
            raise SourceFailed(f"The page did not answer within {FETCH_TIMEOUT:g} s") from None
        except httpx.HTTPError as exc:
            raise SourceFailed(
                f"The page could not be fetched ({type(exc).__name__}: {exc})"
            ) from None
    raise SourceFailed(f"The page redirected more than {MAX_REDIRECTS} times")
