"""Where the fetcher may connect: schemes, address classes, one name resolution per connection.

A feed URL is untrusted input that makes this machine send requests (server-side request forgery):
a feed that redirects to `http://127.0.0.1/admin`, or a list entry pointing at the cloud metadata
service (`http://169.254.169.254/`), would have the internal answer stored and shown. The rules:

- only `http` and `https`, on every hop;
- link-local, cloud-metadata and reserved addresses (0.0.0.0, multicast, 240/4) are always refused;
- a private or loopback address is allowed only while the redirect chain has not passed through a
  public address, i.e. for the feeds a person lists on their own machine or network, and a redirect
  from a public address to a private one is refused;
- strict mode (`MPM_BLOCK_PRIVATE=1`, for shared deployments) refuses private and loopback always.

The name is resolved once per connection, by `resolve`, and the connection is made to the address
that was checked, never to the name again, so a DNS answer that changes between the check and the
connect (DNS rebinding) cannot reach an address the check refused. `resolve` is a module-level hook:
tests replace it to give a name on 127.0.0.1 the class "public" (see tests/ingest/test_netguard.py).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import unicodedata
from urllib.parse import urlsplit, urlunsplit

from ingest import config

SCHEMES = ("http", "https")
PUBLIC, PRIVATE, LOOPBACK, LINK_LOCAL, METADATA, RESERVED = (
    "public",
    "private",
    "loopback",
    "link-local",
    "cloud metadata",
    "reserved",
)
ALWAYS_REFUSED = (LINK_LOCAL, METADATA, RESERVED)

# Instance-metadata services answer credentials to any request from the machine. Most live on the
# link-local 169.254.169.254 (refused as link-local anyway); these are the ones outside 169.254/16
# or worth naming, each with where it is documented.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata (docs.aws.amazon.com, task-metadata-endpoint)
    ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6 (docs.aws.amazon.com, instancedata-data-retrieval)
    ipaddress.ip_address("fd20:ce::254"),  # GCP metadata server over IPv6 (cloud.google.com/compute/docs/metadata)
    ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud ECS metadata (alibabacloud.com, ECS instance metadata)
    ipaddress.ip_address("192.0.0.192"),  # Oracle Cloud Infrastructure Classic metadata (docs.oracle.com)
}
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))  # RFC 6052, RFC 8215
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # RFC 791: Linux connects 0.0.0.0 to the local host


class Refused(Exception):
    """A URL or address the rules above do not allow; the message says which rule and why."""


def classify(address: str) -> str:
    """The class of one IP address: public, private, loopback, link-local, cloud metadata or reserved.

    IPv6 forms that carry an IPv4 address (mapped ::ffff:a.b.c.d, NAT64 64:ff9b::/96, 6to4 2002::/16,
    the deprecated compatible ::a.b.c.d) are judged by the IPv4 address they lead to.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone (fe80::1%eth0) is not part of it
    if ip.version == 6:
        if ip in METADATA_ADDRESSES:
            return METADATA
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and any(ip in net for net in _NAT64):
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if inner is None and int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d (RFC 4291 §2.5.5.1)
            inner = ipaddress.IPv4Address(int(ip))
        if inner is not None:
            ip = inner
    if ip in METADATA_ADDRESSES:
        return METADATA
    if ip.is_link_local:
        return LINK_LOCAL
    if ip.is_loopback:
        return LOOPBACK
    if ip.is_unspecified or ip.is_multicast or (ip.version == 4 and (ip.is_reserved or ip in _THIS_NETWORK)):
        return RESERVED
    if ip.is_global:
        return PUBLIC
    return PRIVATE  # RFC 1918, unique-local fc00::/7, shared 100.64/10, documentation and benchmark ranges


def resolve(host: str, port: int) -> list[tuple[str, str]]:
    """Every address of `host` as (address, class), in the resolver's order, duplicates dropped.

    One getaddrinfo call; an IP literal (including the numeric IPv4 forms inet_aton accepts, such as
    2852039166 or 0xa9fea9fe) is converted without any DNS query. Raises OSError (socket.gaierror)
    when the name does not resolve. Tests replace this function to map names to 127.0.0.1.
    """
    seen: dict[str, str] = {}
    for family, _type, _proto, _name, sockaddr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        if family in (socket.AF_INET, socket.AF_INET6):
            address = str(sockaddr[0])
            seen.setdefault(address, classify(address))
    return list(seen.items())


def allowed(addresses: list[tuple[str, str]], host: str, *, public_only: bool, why: str = "") -> list[str]:
    """The addresses of `host` a connection may use; Refused (naming the first refused one) if none.

    `public_only` is true after a redirect from a public address, for a URL the person did not list
    and in strict mode; `why` says which, for the message.
    """
    ok = [a for a, kind in addresses if kind == PUBLIC or (not public_only and kind in (PRIVATE, LOOPBACK))]
    if ok:
        return ok
    if not addresses:
        raise Refused(f"refused: {host} has no address")
    address, kind = addresses[0]
    shown = host if host == address else f"{host} ({address})"
    if kind in ALWAYS_REFUSED:
        raise Refused(f"refused: {shown} is a {kind} address, never fetched")
    raise Refused(f"refused: {shown} is a {kind} address{why or ' and only public addresses are allowed here'}")


# ---------------------------------------------------------------- URLs

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_scheme(url: str) -> None:
    """Refused unless `url` is an absolute http(s) URL with a host and no control characters.

    A space is let through here (httpx percent-encodes it, and some servers do send such a Location);
    a URL a person adds to the list may not hold one (check_listed).
    """
    if _CONTROL.search(url):
        raise Refused(f"refused: the URL {shorten(url)!r} contains control characters")
    try:
        parts = urlsplit(url)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError as exc:  # e.g. an unbalanced [ in the host
        raise Refused(f"refused: not a valid URL ({exc}): {shorten(url)!r}") from exc
    if scheme not in SCHEMES:
        raise Refused(f"refused: only http and https URLs are fetched, not {scheme or 'a relative'}: {shorten(url)!r}")
    if not host:
        raise Refused(f"refused: no host in {shorten(url)!r}")


def _literal(host: str) -> str | None:
    """The IP address a host written as a number stands for, without asking DNS; None for a name."""
    try:
        return str(ipaddress.ip_address(host.strip("[]").split("%", 1)[0]))
    except ValueError:
        pass
    if re.fullmatch(r"[0-9a-fA-FxX.]+", host) and any(c.isdigit() for c in host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))  # 2852039166, 0251.0376.0251.0376, 0xa9fea9fe
        except OSError:
            return None
    return None


def check_listed(url: str, block_private: bool | None = None) -> None:
    """The checks a URL gets when a person adds it to the source list (`sources add`, `sources import`).

    The scheme and host as in check_scheme; an address written in the URL is classified at once
    (link-local, metadata and reserved refused; private and loopback too in strict mode). A name is
    not looked up here (that would be a network request on every edit of the list); it is checked
    at every fetch, on the address actually used.
    """
    if any(c.isspace() for c in url):
        raise Refused(f"refused: the URL {shorten(url)!r} contains spaces")
    check_scheme(url)
    host = urlsplit(url).hostname or ""
    address = _literal(host)
    if address is None:
        return
    strict = config.block_private() if block_private is None else block_private
    allowed(
        [(address, classify(address))],
        host,
        public_only=strict,
        why=" and MPM_BLOCK_PRIVATE=1 refuses private addresses",
    )


# ---------------------------------------------------------------- credentials

_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s]*@")  # up to the last @ of the authority


def strip_credentials(url: str) -> str:
    """The URL without `user:password@`: what may be shown, logged or exported."""
    if not isinstance(url, str) or "@" not in url:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(r"\1", url)
    if not parts.netloc or "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


def redact(text: str) -> str:
    """Free text (an error message) with the credentials of every URL in it removed."""
    return _USERINFO.sub(r"\1", text) if isinstance(text, str) and "@" in text else text


def shorten(url: str, limit: int = 120) -> str:
    """A URL for a message: credentials removed, control characters escaped, at most `limit` characters."""
    url = strip_credentials(url)
    url = "".join(c if unicodedata.category(c) != "Cc" else f"\\x{ord(c):02x}" for c in url)
    return url if len(url) <= limit else url[: limit - 1] + "…"
