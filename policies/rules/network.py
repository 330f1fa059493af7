"""Security groups: no ingress from the whole internet except on ports the stack allows."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import UNKNOWN, config_value, get, get_item, label

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
OPEN_CIDRS = frozenset({"0.0.0.0/0", "::/0"})
_ALL_PROTOCOLS = {"-1", "all"}


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in (get_item(value, i) for i in range(len(value))) if isinstance(v, str)]
    return []


def _port(value: Any, default: int) -> int:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _ports(rule: Mapping[str, Any], protocol_key: str) -> tuple[int, int] | None:
    """The (from, to) port range of a rule; None when it opens every port/protocol."""
    protocol = get(rule, protocol_key)
    if isinstance(protocol, str | int) and str(protocol).lower() in _ALL_PROTOCOLS:
        return None
    low = _port(get(rule, "fromPort"), 0)
    high = _port(get(rule, "toPort"), 65535)
    if low in (-1,) or high in (-1,):
        return None
    return low, high


def _open_cidrs(rule: Mapping[str, Any], *keys: str) -> list[str]:
    """The internet-wide CIDRs among a rule's CIDR inputs (string or list)."""
    return [c for key in keys for c in _strings(get(rule, key)) if c.strip() in OPEN_CIDRS]


def _public_rules(
    args: ResourceValidationArgs,
) -> Iterator[tuple[str, tuple[int, int] | None, str]]:
    """(where, port range, open CIDR) for every ingress rule open to the internet."""
    props = args.props
    if args.resource_type == SECURITY_GROUP:
        ingress = get(props, "ingress")
        if isinstance(ingress, Sequence) and not isinstance(ingress, str):
            for index in range(len(ingress)):
                rule = get_item(ingress, index)
                if isinstance(rule, Mapping):
                    for cidr in _open_cidrs(rule, "cidrBlocks", "ipv6CidrBlocks"):
                        yield f"ingress[{index}]", _ports(rule, "protocol"), cidr
    elif args.resource_type == SECURITY_GROUP_RULE and get(props, "type") == "ingress":
        for cidr in _open_cidrs(props, "cidrBlocks", "ipv6CidrBlocks"):
            yield "rule", _ports(props, "protocol"), cidr
    elif args.resource_type == INGRESS_RULE:
        for cidr in _open_cidrs(props, "cidrIpv4", "cidrIpv6"):
            yield "rule", _ports(props, "ipProtocol"), cidr


def validate_no_public_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report ingress from 0.0.0.0/0 or ::/0 on ports the config does not allow."""
    if args.resource_type not in (SECURITY_GROUP, SECURITY_GROUP_RULE, INGRESS_RULE):
        return
    allowed = {
        int(p)
        for p in config_value(args, "allowedPublicIngressPorts", [])
        if isinstance(p, int | float) and not isinstance(p, bool)
    }
    for where, ports, cidr in _public_rules(args):
        if (
            ports is not None
            and ports is not UNKNOWN
            and all(port in allowed for port in range(ports[0], ports[1] + 1))
        ):
            continue
        shown = (
            "all ports"
            if ports is None
            else (f"port {ports[0]}" if ports[0] == ports[1] else f"ports {ports[0]}-{ports[1]}")
        )
        report(
            f"{label(args)} {where} allows ingress from {cidr} on {shown}; restrict the source to "
            "a security group or known CIDR, or list the port in allowedPublicIngressPorts",
            None,
        )


no_public_ingress = ResourceValidationPolicy(
    name="sg-no-public-ingress",
    description=(
        "Security groups (SecurityGroup ingress, SecurityGroupRule type ingress, "
        "vpc.SecurityGroupIngressRule) allow no ingress from 0.0.0.0/0 or ::/0 "
        "except allowed ports."
    ),
    validate=validate_no_public_ingress,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedPublicIngressPorts": {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 65535},
                "default": [],
                "description": "Ports that may be open to the internet (e.g. [443]).",
            },
        },
    ),
)
