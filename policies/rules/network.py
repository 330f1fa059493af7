"""Security groups: no ingress from the internet (or a large public range) except allowed ports.

Judged over the whole family: ``ec2.SecurityGroup`` and ``ec2.DefaultSecurityGroup`` inline
ingress, ``ec2.SecurityGroupRule`` (type ingress) and ``vpc.SecurityGroupIngressRule``. Source
ranges are unioned per protocol and port, so several rules that between them cover the internet
are as public as ``0.0.0.0/0``; separate rule resources are unioned per security group by a
stack policy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from . import address_space
from .common import config_value, get, get_item, label

SECURITY_GROUP = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SECURITY_GROUP_RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS_RULE = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
GROUP_TYPES = frozenset({SECURITY_GROUP, DEFAULT_SECURITY_GROUP})
RULE_TYPES = frozenset({SECURITY_GROUP_RULE, INGRESS_RULE})
_ALL = "all"
_PROTOCOLS = {"-1": _ALL, "all": _ALL, "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}
_PORTED = frozenset({"tcp", "udp"})
_MAX_PORT = 65535


@dataclass(frozen=True)
class Ingress:
    """One ingress permission: protocol, inclusive port range, source CIDRs, where it is."""

    protocol: str
    low: int
    high: int
    cidrs: tuple[str, ...]
    where: str


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in (get_item(value, i) for i in range(len(value))) if isinstance(v, str)]
    return []


def _port(value: Any, default: int) -> int:
    if isinstance(value, bool):
        return default
    if isinstance(value, int | float):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    return default


def _ingress(rule: Mapping[str, Any], protocol_key: str, where: str, *keys: str) -> Ingress:
    raw = get(rule, protocol_key)
    protocol = _PROTOCOLS.get(str(raw).strip().lower(), str(raw).strip().lower())
    low, high = _port(get(rule, "fromPort"), 0), _port(get(rule, "toPort"), _MAX_PORT)
    if protocol == _ALL or protocol not in _PORTED or low < 0 or high < 0:
        low, high = 0, _MAX_PORT  # every port (AWS ignores ports for these protocols)
    cidrs = tuple(c for key in keys for c in _strings(get(rule, key)))
    return Ingress(protocol, low, high, cidrs, where)


def resource_ingress(resource_type: str, props: Mapping[str, Any]) -> list[Ingress]:
    """The ingress permissions a security-group family resource declares."""
    if resource_type in GROUP_TYPES:
        ingress = get(props, "ingress")
        found = []
        if isinstance(ingress, Sequence) and not isinstance(ingress, str):
            for index in range(len(ingress)):
                rule = get_item(ingress, index)
                if isinstance(rule, Mapping):
                    found.append(
                        _ingress(
                            rule, "protocol", f"ingress[{index}]", "cidrBlocks", "ipv6CidrBlocks"
                        )
                    )
        return found
    if resource_type == SECURITY_GROUP_RULE and get(props, "type") == "ingress":
        return [_ingress(props, "protocol", "rule", "cidrBlocks", "ipv6CidrBlocks")]
    if resource_type == INGRESS_RULE:
        return [_ingress(props, "ipProtocol", "rule", "cidrIpv4", "cidrIpv6")]
    return []


@dataclass(frozen=True)
class PublicExposure:
    """A protocol and port range whose sources together reach too much of the internet."""

    protocol: str
    low: int
    high: int
    wheres: tuple[str, ...]
    cidrs: tuple[str, ...]
    coverage: address_space.Coverage

    def ports(self) -> str:
        """``port 22``, ``ports 0-65535`` or ``all traffic``."""
        if self.protocol == _ALL:
            return "all ports of every protocol"
        if self.protocol not in _PORTED:
            return f"protocol {self.protocol}"
        shown = f"port {self.low}" if self.low == self.high else f"ports {self.low}-{self.high}"
        return f"{self.protocol} {shown}"


def _intervals(items: Sequence[Ingress], protocol: str) -> list[tuple[int, int]]:
    """Elementary port intervals over which the same rules apply."""
    bounds = {0, _MAX_PORT + 1}
    for item in items:
        if item.protocol in (protocol, _ALL):
            bounds.update({item.low, item.high + 1})
    edges = sorted(b for b in bounds if 0 <= b <= _MAX_PORT + 1)
    return [(a, b - 1) for a, b in zip(edges, edges[1:], strict=False)]


def exposures(items: Sequence[Ingress], allowed: Iterable[int]) -> list[PublicExposure]:
    """Protocol/port ranges whose combined sources are the internet or a large public range.

    Raises :class:`address_space.InvalidCidrError` for a source that is not a CIDR block.
    """
    allowed_ports = set(allowed)
    found: list[PublicExposure] = []
    protocols = {item.protocol for item in items} or set()
    for protocol in sorted(protocols):
        for low, high in _intervals(items, protocol):
            applying = [
                i
                for i in items
                if i.protocol in (protocol, _ALL) and i.low <= low and high <= i.high and i.cidrs
            ]
            if not applying:
                continue
            if protocol != _ALL and _large([i for i in applying if i.protocol == _ALL]):
                continue  # reported once, under all traffic
            cidrs = tuple(dict.fromkeys(c for i in applying for c in i.cidrs))
            reach = address_space.coverage(cidrs)
            if not reach.large:
                continue
            ports_ok = protocol in _PORTED and all(p in allowed_ports for p in range(low, high + 1))
            if ports_ok:
                continue
            shown = protocol if protocol != _ALL else _ALL
            exposure = PublicExposure(
                shown, low, high, tuple(dict.fromkeys(i.where for i in applying)), cidrs, reach
            )
            if found and _merges(found[-1], exposure):
                last = found.pop()
                exposure = PublicExposure(
                    last.protocol, last.low, high, last.wheres, last.cidrs, last.coverage
                )
            found.append(exposure)
    return found


def _large(items: Sequence[Ingress]) -> bool:
    return bool(items) and address_space.coverage(c for i in items for c in i.cidrs).large


def _merges(previous: PublicExposure, current: PublicExposure) -> bool:
    return (
        previous.protocol == current.protocol
        and previous.high + 1 == current.low
        and previous.cidrs == current.cidrs
    )


def _allowed_ports(args: ResourceValidationArgs | StackValidationArgs) -> list[int]:
    value = config_value(args, "allowedPublicIngressPorts", [])  # type: ignore[arg-type]
    return [
        int(p)
        for p in (value if isinstance(value, Sequence) else [])
        if isinstance(p, int | float) and not isinstance(p, bool)
    ]


def _message(subject: str, exposure: PublicExposure) -> str:
    kind = "the internet" if exposure.coverage.whole_internet else "a large public range"
    return (
        f"{subject} {', '.join(exposure.wheres)} allow(s) ingress from "
        f"{', '.join(exposure.cidrs)} on {exposure.ports()}: together {kind} "
        f"({exposure.coverage.describe()}); restrict the source to a security group or known "
        "CIDR, or list the port in allowedPublicIngressPorts"
    )


def validate_no_public_ingress(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Report ingress whose sources reach the internet or a large public range."""
    if args.resource_type not in GROUP_TYPES | RULE_TYPES:
        return
    items = resource_ingress(args.resource_type, args.props)
    try:
        for exposure in exposures(items, _allowed_ports(args)):
            report(_message(label(args), exposure), None)
    except address_space.InvalidCidrError as exc:
        report(f"{label(args)} ingress cannot be checked: {exc}", None)


def _group_entries(args: StackValidationArgs) -> dict[str, list[tuple[str, Ingress]]]:
    """(urn, ingress) per security group id: separate rule resources by their
    ``securityGroupId``, and each group's own inline ingress by the group's ``id``."""
    groups: dict[str, list[tuple[str, Ingress]]] = {}
    for resource in args.resources:
        if resource.resource_type in RULE_TYPES:
            group = get(resource.props, "securityGroupId")
        elif resource.resource_type in GROUP_TYPES:
            group = get(resource.props, "id")  # the provider's state carries the group id
        else:
            continue
        if not isinstance(group, str) or not group:
            continue
        for item in resource_ingress(resource.resource_type, resource.props):
            where = f"{resource.resource_type} '{resource.name}'"
            if resource.resource_type in GROUP_TYPES:
                where += f" {item.where}"
            groups.setdefault(group, []).append((resource.urn, _replace_where(item, where)))
    return groups


def validate_rules_together(args: StackValidationArgs, report: ReportViolation) -> None:
    """Union each security group's inline ingress and its separate ingress rule resources and
    report what no resource shows alone (a resource's own exposure is reported by
    :func:`validate_no_public_ingress`)."""
    allowed = _allowed_ports(args)
    for group, entries in _group_entries(args).items():
        items = [item for _, item in entries]
        try:
            combined = exposures(items, allowed)
        except address_space.InvalidCidrError:
            continue  # reported per resource
        for exposure in combined:
            urns = list(
                dict.fromkeys(urn for urn, item in entries if item.where in exposure.wheres)
            )
            if len(urns) < 2:  # noqa: PLR2004
                continue  # one resource alone: already reported on that resource
            for urn in urns:
                report(_message(f"security group {group}:", exposure), urn)


def _replace_where(item: Ingress, where: str) -> Ingress:
    return Ingress(item.protocol, item.low, item.high, item.cidrs, where)


_PORTS_SCHEMA = PolicyConfigSchema(
    properties={
        "allowedPublicIngressPorts": {
            "type": "array",
            "items": {"type": "integer", "minimum": 0, "maximum": 65535},
            "default": [],
            "description": "TCP/UDP ports that may be open to the internet (e.g. [443]).",
        },
    },
)

no_public_ingress = ResourceValidationPolicy(
    name="sg-no-public-ingress",
    description=(
        "Security groups (SecurityGroup and DefaultSecurityGroup ingress, SecurityGroupRule "
        "type ingress, vpc.SecurityGroupIngressRule) allow no ingress whose IPv4/IPv6 sources "
        "together cover the internet or a large public range (a /8's worth of IPv4, a /32's "
        "worth of IPv6), except on allowed ports."
    ),
    validate=validate_no_public_ingress,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=_PORTS_SCHEMA,
)

no_public_ingress_combined = StackValidationPolicy(
    name="sg-no-public-ingress-combined",
    description=(
        "A security group's inline ingress and its separate ingress rule resources must not "
        "together open a port to the internet or a large public range."
    ),
    validate=validate_rules_together,
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=_PORTS_SCHEMA,
)
