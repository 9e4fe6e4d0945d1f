"""The SSRF guard every outbound URL goes through (webhooks, custom actions, URL sources).

Only http(s) URLs whose host resolves exclusively to public addresses pass, unless
`FRONTDESK_ALLOW_PRIVATE_URLS` is set. Redirects are never followed by the callers, so a public
URL cannot bounce a request to a private one.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import socket
from urllib.parse import urlsplit

from frontdesk.errors import ValidationFailed

MAX_URL_LENGTH = 2048
# What the C resolver reads as an IPv4 address besides dotted quads: 2130706433, 0x7f000001,
# 017700000001, 127.1 (inet_aton's forms), all of them 127.0.0.1.
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)


class UnsafeURL(ValueError):
    pass


def _public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_global and not address.is_multicast


def _literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
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


async def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address `host` resolves to (the system resolver)."""
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise UnsafeURL(f"cannot resolve {host}: {exc.strerror}") from None
    return [ipaddress.ip_address(info[4][0]) for info in infos]


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
    """Raise UnsafeURL unless every address the host resolves to is public (or allowed)."""
    host, port = check_syntax(url)
    if allow_private:
        return
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    elif _loopback_name(host):
        raise UnsafeURL("loopback hosts are not allowed")
    else:
        addresses = await resolve(host, port)
    blocked = [str(a) for a in addresses if not _public(a)]
    if blocked:
        raise UnsafeURL(f"{host} resolves to a private or reserved address ({blocked[0]})")


def validate_url_field(url: str, field: str, allow_private: bool) -> None:
    """Syntax check for a URL given in a request (resolution happens at call time)."""
    try:
        host, _ = check_syntax(url)
        if not allow_private:
            literal = _literal(host)
            if (literal is not None and not _public(literal)) or _loopback_name(host):
                raise UnsafeURL("private and loopback addresses are not allowed")
    except UnsafeURL as exc:
        raise ValidationFailed(f"{field}: {exc}", details={field: str(exc)}) from None
