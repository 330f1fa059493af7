"""The VPC's address plan: two public and two private subnets, one of each per zone."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass

ZONE_COUNT = 2


@dataclass(frozen=True)
class SubnetPlan:
    """CIDR blocks of the public and private subnets, one per availability zone."""

    public: tuple[str, ...]
    private: tuple[str, ...]


def plan_subnets(vpc_cidr: str) -> SubnetPlan:
    """Carve four subnets from ``vpc_cidr``: public a/b, then private a/b, in address order.

    Subnets are 4 bits longer than the VPC (room for twelve more later) but never smaller than
    /26, so a /24 VPC still gets 59 usable addresses per subnet (Lambda ENIs, RDS, endpoints).
    """
    network = ipaddress.IPv4Network(vpc_cidr, strict=True)
    new_prefix = max(network.prefixlen + 2, min(network.prefixlen + 4, 26))
    blocks = [str(block) for block in network.subnets(new_prefix=new_prefix)][: 2 * ZONE_COUNT]
    return SubnetPlan(public=tuple(blocks[:ZONE_COUNT]), private=tuple(blocks[ZONE_COUNT:]))


def pick_zone(index: int) -> Callable[[list[str]], str]:
    """The ``index``-th available zone name; fails in a region with fewer than two."""

    def pick(names: list[str]) -> str:
        if len(names) < ZONE_COUNT:
            raise ValueError(f"the region has {len(names)} available zones; {ZONE_COUNT} needed")
        return names[index]

    return pick
