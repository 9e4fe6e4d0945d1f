"""Website origins a web_chat channel allows: `https://shop.example`, `http://localhost:3000`,
`https://*.shop.example` (any subdomain), or `*` (any site)."""

from __future__ import annotations

from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


class InvalidOrigin(ValueError):
    pass


def normalize(value: str) -> str:
    """An origin as browsers send it (`scheme://host[:port]`, lower case, no default port),
    or raise with a message saying what is wrong."""
    raw = value.strip()
    if raw == "*":
        return raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        raise InvalidOrigin(f"'{value}' is not an origin such as https://shop.example") from None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        raise InvalidOrigin(
            f"'{value}' is not an origin: give the scheme and host, e.g. https://shop.example"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        raise InvalidOrigin(
            f"'{value}' has a path or more: an origin is only scheme, host and port "
            "(https://shop.example)"
        )
    host = parts.hostname.lower()
    if "*" in host and (not host.startswith("*.") or "*" in host[2:] or host.count(".") < 2):
        raise InvalidOrigin(
            f"'{value}': a wildcard stands for subdomains only, e.g. https://*.shop.example"
        )
    if ":" in host:
        host = f"[{host}]"
    if port is None or port == DEFAULT_PORTS[parts.scheme]:
        return f"{parts.scheme}://{host}"
    return f"{parts.scheme}://{host}:{port}"


def allows(patterns: list[str], origin: str) -> bool:
    """Whether a browser `Origin` header matches one of the allowed origins."""
    try:
        given = normalize(origin)
    except InvalidOrigin:
        return False  # `null` (a file or a sandboxed frame) and anything malformed
    if given == "*":
        return False
    for pattern in patterns:
        if pattern == "*" or pattern == given:
            return True
        scheme, _, rest = pattern.partition("://")
        if rest.startswith("*."):
            given_scheme, _, given_rest = given.partition("://")
            if given_scheme == scheme and given_rest.endswith(rest[1:]):
                return True
    return False
