"""The SSRF guard every outbound URL goes through (webhooks, custom actions, workflow webhooks,
URL sources, agent webhooks, hosted speech providers, Twilio's API).

Only http(s) URLs whose host resolves exclusively to public addresses pass, unless
`FRONTDESK_ALLOW_PRIVATE_URLS` is set. The guard acts twice:

- `check_url` refuses a URL before any request, with a clear reason;
- the client from `client()` checks again at every connection it opens: its transport resolves
  the host itself, refuses unless every address is public, and connects to one of the addresses
  it checked. The host name stays in the Host header, TLS SNI and the certificate check. A name
  whose answer changes between the check and the connection (DNS rebinding) therefore cannot
  reach a private address, and neither can a redirect, since each hop opens its own connection.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from frontdesk.errors import ValidationFailed

MAX_URL_LENGTH = 2048
# What the C resolver reads as an IPv4 address besides dotted quads: 2130706433, 0x7f000001,
# 017700000001, 127.1 (inet_aton's forms), all of them 127.0.0.1.
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)
DEFAULT_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=20)

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class UnsafeURL(ValueError):
    pass


class Unresolvable(UnsafeURL):
    """The host name has no address (or the resolver failed)."""


class RefusedConnection(UnsafeURL, httpx.ConnectError):
    """The guarded client would not connect: the host is, or resolves to, a private address.
    An `UnsafeURL` for callers that report the guard's refusals, and an `httpx.ConnectError`
    for those that only handle transport errors."""

    def __init__(self, message: str) -> None:
        httpx.ConnectError.__init__(self, message)


def is_public(address: Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal(host: str) -> Address | None:
    """The address a host names without DNS (any spelling the resolver accepts), or None."""
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _loopback_name(host: str) -> bool:
    name = host.lower().rstrip(".")
    return name == "localhost" or name.endswith(".localhost")


async def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` resolves to (the system resolver)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise Unresolvable(f"cannot resolve {host}: {exc.strerror}") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


async def public_addresses(host: str, port: int) -> list[Address]:
    """The addresses `host` stands for, or UnsafeURL unless every one of them is public."""
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    elif _loopback_name(host):
        raise UnsafeURL("loopback hosts are not allowed")
    else:
        addresses = await resolve(host, port)
    blocked = [str(a) for a in addresses if not is_public(a)]
    if blocked:
        raise UnsafeURL(f"{host} resolves to a private or reserved address ({blocked[0]})")
    if not addresses:
        raise Unresolvable(f"cannot resolve {host}: no address")
    return addresses


def check_syntax(url: str) -> tuple[str, int]:
    """Scheme, host and port of a well-formed http(s) URL, or UnsafeURL."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"URL longer than {MAX_URL_LENGTH} characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"malformed URL: {exc}") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("only http and https URLs are allowed")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURL("credentials in the URL are not allowed; use headers")
    return parts.hostname, port or (443 if parts.scheme == "https" else 80)


async def check_url(url: str, allow_private: bool) -> None:
    """Raise UnsafeURL unless every address the host resolves to is public (or allowed).
    The early check, for a clear error; the connection itself is guarded by `client()`."""
    host, port = check_syntax(url)
    if not allow_private:
        await public_addresses(host, port)


def validate_url_field(url: str, field: str, allow_private: bool) -> None:
    """Syntax check for a URL given in a request (resolution happens at call time)."""
    try:
        host, _ = check_syntax(url)
        if not allow_private:
            literal = _literal(host)
            if (literal is not None and not is_public(literal)) or _loopback_name(host):
                raise UnsafeURL("private and loopback addresses are not allowed")
    except UnsafeURL as exc:
        raise ValidationFailed(f"{field}: {exc}", details={field: str(exc)}) from None


class _GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network layer with the guard in the connect step: the name is resolved here,
    every address checked, and the socket opened to a checked address. `core` is httpcore, or
    httpcore2 (the same interface, under the providers' SDKs' httpx2)."""

    def __init__(self, core: Any = httpcore) -> None:
        self._core = core
        self._inner = core.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            async with asyncio.timeout(timeout):
                addresses = await public_addresses(host, port)
        except TimeoutError:
            raise self._core.ConnectTimeout(f"resolving {host} timed out") from None
        except Unresolvable as exc:
            raise self._core.ConnectError(str(exc)) from None
        except UnsafeURL as exc:
            raise RefusedConnection(str(exc)) from None
        failure: Exception | None = None
        for address in addresses:
            left = None if deadline is None else max(deadline - time.monotonic(), 0.001)
            try:
                return await self._inner.connect_tcp(
                    str(address), port, left, local_address, socket_options
                )
            except (self._core.ConnectError, self._core.ConnectTimeout) as exc:
                failure = exc
        assert failure is not None  # public_addresses never answers an empty list
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise RefusedConnection("Unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport whose connections all pass the guard; it never uses a proxy (a proxy
    would resolve the name itself, out of the guard's sight)."""

    def __init__(
        self,
        *,
        verify: ssl.SSLContext | bool = True,
        limits: httpx.Limits = DEFAULT_LIMITS,
    ) -> None:
        ssl_context = httpx.create_ssl_context(verify=verify)
        super().__init__(verify=ssl_context, limits=limits)
        # The same pool httpx builds, on the guarded network backend.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=ssl_context,
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_GuardedBackend(),
        )


def client(
    allow_private: bool,
    *,
    verify: ssl.SSLContext | bool = True,
    limits: httpx.Limits = DEFAULT_LIMITS,
    **options: Any,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` for user-supplied URLs: every connection it opens, each redirect
    hop included, passes the guard. `options` are the client's (timeout, headers,
    follow_redirects, ...); a transport, mounts or a proxy would bypass the guard. With
    `allow_private` there is nothing to guard: httpx's own transport, and the proxy the
    environment names if any."""
    for name in ("transport", "mounts", "proxy"):
        if name in options:
            raise TypeError(f"a guarded client takes no {name}")
    if allow_private:
        return httpx.AsyncClient(verify=verify, limits=limits, **options)
    return httpx.AsyncClient(transport=GuardedTransport(verify=verify, limits=limits), **options)


_sdk_clients: dict[bool, Any] = {}


def sdk_client(allow_private: bool) -> Any:
    """The process's guarded `httpx2.AsyncClient` for the providers' SDKs (the OpenAI- and
    Anthropic-compatible endpoints an agent or a knowledge base names; both SDKs are built on
    httpx2): shared, so connections are pooled. Imported on first use, like the SDKs."""
    import httpcore2
    import httpx2

    shared = _sdk_clients.get(allow_private)
    if shared is None or shared.is_closed:
        limits = httpx2.Limits(max_connections=100, max_keepalive_connections=20)
        timeout = httpx2.Timeout(60.0, connect=10.0)
        if allow_private:
            shared = httpx2.AsyncClient(limits=limits, timeout=timeout)
        else:
            transport = httpx2.AsyncHTTPTransport(limits=limits, trust_env=False)
            transport._pool = httpcore2.AsyncConnectionPool(  # the guarded network backend
                ssl_context=httpx2.create_ssl_context(),
                max_connections=limits.max_connections,
                max_keepalive_connections=limits.max_keepalive_connections,
                keepalive_expiry=limits.keepalive_expiry,
                network_backend=_GuardedBackend(httpcore2),  # type: ignore[arg-type]  # same interface
            )
            shared = httpx2.AsyncClient(transport=transport, timeout=timeout, trust_env=False)
        _sdk_clients[allow_private] = shared
    return shared
