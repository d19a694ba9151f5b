"""Where a webhook may go: https only (http when a setting allows it), public addresses only
(other networks when a setting names them); a name is resolved once and the call pinned to it."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from app.settings import Settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], list[str]]
MAX_URL_LENGTH = 2000


class UnsafeDestination(Exception):
    """The URL or the address it resolves to is not one a webhook may reach."""


@dataclass(frozen=True)
class Destination:
    """A checked URL and the one address the call connects to."""

    host: str
    port: int
    address: str


def _kind(ip: IPAddress) -> str | None:
    """Why an address is not public, or None when it is."""
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global:
        return "not public"
    return None


def refusal(address: str, settings: Settings) -> str | None:
    """Why a webhook may not connect to `address`, or None when it may."""
    ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 is 10.0.0.1
    if any(ip in network for network in settings.webhook_networks):
        return None
    kind = _kind(ip)
    return None if kind is None else f"{address} is a {kind} address"


def _literal(host: str) -> str | None:
    """The address a host names without DNS: an IP literal, or localhost's."""
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        pass
    if host == "localhost" or host.endswith(".localhost"):
        return "127.0.0.1"  # RFC 6761: localhost names always mean the loopback
    return None


def problems(url: str, settings: Settings) -> list[str]:
    """What is wrong with a subscription URL as written (no DNS look-up); empty when fine."""
    if len(url) > MAX_URL_LENGTH:
        return [f"longer than {MAX_URL_LENGTH} characters"]
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return [f"not a URL: {exc}"]
    schemes = ("https", "http") if settings.webhook_allow_http else ("https",)
    found: list[str] = []
    if parts.scheme not in schemes:
        found.append(
            "must be an https URL"
            if not settings.webhook_allow_http
            else "must be an http or https URL"
        )
    host = parts.hostname
    if not host:
        found.append("has no host")
    if parts.username is not None or parts.password is not None:
        found.append("may not carry a user name or password")
    if parts.fragment:
        found.append("may not have a #fragment")
    if port == 0:
        found.append("port 0 is not a port")
    if host:
        literal = _literal(host)
        if literal is not None and (why := refusal(literal, settings)):
            found.append(f"refused: {why}")
    return found


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def resolve(url: str, settings: Settings, resolver: Resolver = system_resolver) -> Destination:
    """Check the URL, resolve its host once and check every address; raise UnsafeDestination."""
    found = problems(url, settings)
    if found:
        raise UnsafeDestination(f"the URL {found[0]}")
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    literal = _literal(host)
    try:
        addresses = [literal] if literal is not None else resolver(host, port)
    except (OSError, UnicodeError) as exc:
        raise UnsafeDestination(f"{host} does not resolve: {exc}") from exc
    if not addresses:
        raise UnsafeDestination(f"{host} does not resolve")
    # A name with any refused address is refused: no chance that another resolution picks it.
    for address in addresses:
        if why := refusal(address, settings):
            raise UnsafeDestination(f"{host} resolves to a refused address: {why}")
    return Destination(host=host, port=port, address=addresses[0].split("%", 1)[0])
