"""What the SSRF tests stand on: a loopback server that records every request (a trap that must
never be reached, or a stand-in for a public server on a second loopback address), names that
resolve where a test says, and a TLS certificate for a name."""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from tests.fixtures.loopback import LoopbackServer

# A second loopback address that the tests let the guard take for a public one: a server there
# stands for a public site (reachable in a sandbox), while 127.0.0.1 stays private.
PUBLIC_STAND_IN = "127.0.0.2"
# What a rebinding name answers first: a public address nothing in the tests connects to.
PUBLIC = "93.184.215.14"


@dataclass
class Trap(LoopbackServer):
    """`/start` redirects to `target`; any other path answers 200 with a page. Every request is
    recorded with its Host header, so a test shows what was, and was not, reached."""

    target: str = ""
    hits: list[str] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)

    def url(self, path: str, host: str | None = None) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://{host or self.host}:{self.port}{path}"

    def _app(self) -> Starlette:
        async def any_path(request: Request) -> Response:
            self.hits.append(request.url.path)
            self.hosts.append(request.headers.get("host", ""))
            if request.url.path == "/start":
                return RedirectResponse(self.target, status_code=302)
            html = "<html><head><title>Secret</title></head><body><p>internal</p></body></html>"
            return Response(html, media_type="text/html")

        methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]
        return Starlette(routes=[Route("/{path:path}", any_path, methods=methods)])


def certificate_for(name: str, directory: Path) -> tuple[tuple[str, str], ssl.SSLContext]:
    """A certificate for `name` alone, signed by a throwaway authority: the server's (certificate
    file, key file), and a client context that trusts that authority only."""
    now = datetime.datetime.now(datetime.UTC)

    def issue(subject: str, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
        return (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(hours=1))
        )

    authority_key = ec.generate_private_key(ec.SECP256R1())
    authority_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test authority")])
    authority = (
        issue("Test authority", authority_key)
        .issuer_name(authority_name)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(authority_key.public_key()), critical=False
        )
        .sign(authority_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        issue(name, key)
        .issuer_name(authority_name)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority_key.public_key()),
            critical=False,
        )
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(authority_key, hashes.SHA256())
    )
    certificate_file, key_file = directory / f"{name}.pem", directory / f"{name}.key"
    certificate_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    trusting = ssl.create_default_context(
        cadata=authority.public_bytes(serialization.Encoding.PEM).decode()
    )
    return (str(certificate_file), str(key_file)), trusting


def is_stand_in(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    return address == ipaddress.ip_address(PUBLIC_STAND_IN)
