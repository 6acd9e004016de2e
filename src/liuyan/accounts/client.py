"""The address a request comes from, trusting a forwarded address only from a configured proxy.

`X-Forwarded-For` is written by whoever sends the request: taken at its word, a client picks its own
address and walks past every per-address limit. Only when the connection comes from one of
`LIUYAN_TRUSTED_PROXIES` is the header read, right to left, skipping the trusted proxies themselves.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=16)
def _networks(proxies: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(proxy, strict=False) for proxy in proxies)


def _parse(value: str) -> Address | None:
    try:
        return ipaddress.ip_address(value.strip())
    except ValueError:
        return None


def _trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_address(request: HttpRequest) -> str | None:
    """The client's IP address as text, or None when the connection gives none that parses."""
    peer = _parse(request.META.get("REMOTE_ADDR", ""))
    if peer is None:
        return None
    networks = _networks(tuple(settings.LIUYAN_TRUSTED_PROXIES))
    if not networks or not _trusted(peer, networks):
        return str(peer)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    for hop in reversed([part for part in forwarded.split(",") if part.strip()]):
        address = _parse(hop)
        if address is None:
            break  # a malformed hop: stop at the last address a trusted proxy vouched for
        if not _trusted(address, networks):
            return str(address)
        peer = address
    return str(peer)
