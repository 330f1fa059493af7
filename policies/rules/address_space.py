"""How much of the public internet a set of CIDR ranges covers, by arithmetic.

Ranges are unioned first, so ``0.0.0.0/1`` + ``128.0.0.0/1`` or four ``/2`` blocks are the whole
internet just as ``0.0.0.0/0`` is. Only public addresses count: private, loopback, link-local,
documentation, multicast and reserved IPv4 blocks are taken out; IPv6's public space is the
global unicast block ``2000::/3``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "LARGE_IPV4_ADDRESSES",
    "LARGE_IPV6_ADDRESSES",
    "Coverage",
    "InvalidCidrError",
    "coverage",
]

IPv4 = ipaddress.IPv4Network
IPv6 = ipaddress.IPv6Network

# Not reachable from the internet (RFC 6890 special-purpose blocks).
_NON_PUBLIC_V4 = tuple(
    ipaddress.IPv4Network(block)
    for block in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/3",  # multicast 224/4 and reserved 240/4
    )
)
_PUBLIC_V6 = ipaddress.IPv6Network("2000::/3")
PUBLIC_IPV4_ADDRESSES = 2**32 - sum(block.num_addresses for block in _NON_PUBLIC_V4)
PUBLIC_IPV6_ADDRESSES = _PUBLIC_V6.num_addresses

LARGE_IPV4_ADDRESSES = 2**24
"""A "large public range": at least a /8's worth of public IPv4 addresses (16,777,216), the
size of the largest blocks ever allocated to one organisation."""
LARGE_IPV6_ADDRESSES = 2**96
"""A "large public range" in IPv6: at least a /32's worth, the allocation a whole ISP gets."""


class InvalidCidrError(ValueError):
    """A source range that is not a CIDR block."""


@dataclass(frozen=True)
class Coverage:
    """Public addresses a set of ranges covers, per IP version."""

    ipv4: int
    ipv6: int

    @property
    def whole_internet(self) -> bool:
        """Every public IPv4 address or every public IPv6 address."""
        return self.ipv4 >= PUBLIC_IPV4_ADDRESSES or self.ipv6 >= PUBLIC_IPV6_ADDRESSES

    @property
    def large(self) -> bool:
        """At least the documented threshold of public addresses in either version."""
        return self.ipv4 >= LARGE_IPV4_ADDRESSES or self.ipv6 >= LARGE_IPV6_ADDRESSES

    def describe(self) -> str:
        """``"the whole IPv4 internet"`` or ``"33,554,432 public IPv4 addresses"``."""
        parts = []
        if self.ipv4 >= PUBLIC_IPV4_ADDRESSES:
            parts.append("the whole IPv4 internet")
        elif self.ipv4:
            parts.append(f"{self.ipv4:,} public IPv4 addresses")
        if self.ipv6 >= PUBLIC_IPV6_ADDRESSES:
            parts.append("the whole IPv6 internet")
        elif self.ipv6 >= LARGE_IPV6_ADDRESSES:
            parts.append(f"2^{self.ipv6.bit_length() - 1} or more public IPv6 addresses")
        return " and ".join(parts) or "no public addresses"


def parse(cidr: str) -> IPv4 | IPv6:
    """A CIDR block (host bits allowed, as AWS normalises them); a clear error otherwise."""
    try:
        return ipaddress.ip_network(cidr.strip(), strict=False)
    except ValueError as exc:
        raise InvalidCidrError(f"'{cidr}' is not a CIDR block ({exc})") from exc


def _public_v4(network: IPv4) -> int:
    pieces = [network]
    for block in _NON_PUBLIC_V4:
        next_pieces: list[IPv4] = []
        for piece in pieces:
            if piece.subnet_of(block):
                continue
            if block.subnet_of(piece):
                next_pieces.extend(piece.address_exclude(block))
            else:
                next_pieces.append(piece)
        pieces = next_pieces
    return sum(piece.num_addresses for piece in pieces)


def _public_v6(network: IPv6) -> int:
    if network.subnet_of(_PUBLIC_V6):
        return network.num_addresses
    if _PUBLIC_V6.subnet_of(network):
        return _PUBLIC_V6.num_addresses
    return 0


def coverage(cidrs: Iterable[str]) -> Coverage:
    """The public addresses the ranges cover together. Raises :class:`InvalidCidrError`."""
    networks = [parse(c) for c in cidrs]
    v4 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, IPv4))
    v6 = ipaddress.collapse_addresses(n for n in networks if isinstance(n, IPv6))
    return Coverage(sum(_public_v4(n) for n in v4), sum(_public_v6(n) for n in v6))
