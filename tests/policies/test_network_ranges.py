"""Public ingress decided by address arithmetic over the security-group family."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import address_space, network

from .helpers import engine_args, run

SG = "aws:ec2/securityGroup:SecurityGroup"
DEFAULT_SG = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
RULE = "aws:ec2/securityGroupRule:SecurityGroupRule"
INGRESS = "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"


def ssh(**sources: Any) -> dict[str, Any]:
    return {"protocol": "tcp", "fromPort": 22, "toPort": 22, **sources}


def check(resource_type: str, props: dict[str, Any], **config: Any) -> list[str]:
    args = engine_args(resource_type, props, config=config or None)
    return run(network.validate_no_public_ingress, args)


@pytest.mark.parametrize(
    "cidrs",
    [
        ["0.0.0.0/1", "128.0.0.0/1"],
        ["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
        ["0.0.0.1/0"],
        ["1.0.0.0/8"],
    ],
)
def test_sg_no_public_ingress_rejects_ranges_covering_internet(cidrs: list[str]) -> None:
    found = check(SG, {"ingress": [ssh(cidrBlocks=cidrs)]})
    assert found, f"security group 'res' ssh from {cidrs} accepted"


def test_sg_no_public_ingress_unions_several_inline_rules_on_one_port() -> None:
    rules = [ssh(cidrBlocks=["0.0.0.0/1"]), ssh(cidrBlocks=["128.0.0.0/1"])]
    found = check(SG, {"ingress": rules})
    assert len(found) == 1 and "the whole IPv4 internet" in found[0], (
        f"security group 'res' two /1 rules not reported as the internet: {found}"
    )


@pytest.mark.parametrize("cidr", ["::/0", "2000::/3", "::/1"])
def test_sg_no_public_ingress_rejects_ipv6_internet(cidr: str) -> None:
    found = check(DEFAULT_SG, {"ingress": [ssh(ipv6CidrBlocks=[cidr])]})
    assert found, f"default security group 'res' ssh from {cidr} accepted"


@pytest.mark.parametrize(
    "cidrs", [["10.0.0.0/8"], ["203.0.113.0/24"], ["52.94.0.0/16"], ["2001:db8::/48"]]
)
def test_sg_no_public_ingress_accepts_private_or_small_ranges(cidrs: list[str]) -> None:
    key = "ipv6CidrBlocks" if ":" in cidrs[0] else "cidrBlocks"
    found = check(SG, {"ingress": [ssh(**{key: cidrs})]})
    assert found == [], f"security group 'res' ssh from {cidrs} was flagged: {found}"


def test_sg_no_public_ingress_judges_security_group_rule() -> None:
    props = {"type": "ingress", **ssh(cidrBlocks=["0.0.0.0/1", "128.0.0.0/1"])}
    found = check(RULE, props)
    assert found, f"security group rule 'res' two /1s accepted: {found}"


def test_sg_no_public_ingress_judges_vpc_ingress_rule_ipv6() -> None:
    props = {"ipProtocol": "tcp", "fromPort": 5432, "toPort": 5432, "cidrIpv6": "::/0"}
    found = check(INGRESS, props)
    assert found and "5432" in found[0], f"ingress rule 'res' ::/0 on 5432 accepted: {found}"


def test_sg_no_public_ingress_allowed_port_is_accepted() -> None:
    props = {
        "ingress": [
            {"protocol": "tcp", "fromPort": 443, "toPort": 443, "cidrBlocks": ["0.0.0.0/0"]}
        ]
    }
    found = check(SG, props, allowedPublicIngressPorts=[443])
    assert found == [], f"security group 'res' 443 allowed by config was flagged: {found}"


def test_sg_no_public_ingress_reports_invalid_cidr_clearly() -> None:
    found = check(SG, {"ingress": [ssh(cidrBlocks=["10.0.0.300/8"])]})
    assert found and "10.0.0.300/8" in found[0], f"security group 'res' bad CIDR: {found}"


def test_address_space_large_threshold_is_a_slash_eight_of_public_ipv4() -> None:
    below = address_space.coverage(["11.0.0.0/9"])
    at = address_space.coverage(["11.0.0.0/8"])
    assert not below.large and at.large, f"threshold wrong: /9={below}, /8={at}"


def test_sg_no_public_ingress_combined_unions_rule_resources_of_one_group() -> None:
    from pulumi_policy import PolicyResource, StackValidationArgs

    from .helpers import engine_args as make

    halves = ["0.0.0.0/1", "128.0.0.0/1"]
    resources = []
    for index, cidr in enumerate(halves):
        props = {
            "ipProtocol": "tcp",
            "fromPort": 22,
            "toPort": 22,
            "cidrIpv4": cidr,
            "securityGroupId": "sg-123",
        }
        args = make(INGRESS, props, name=f"half{index}")
        resources.append(
            PolicyResource(INGRESS, args.props, args.urn, args.name, args.opts, None, None, [], {})
        )
    messages = run(
        network.validate_rules_together,  # type: ignore[arg-type]
        StackValidationArgs(resources, None, {}),  # type: ignore[arg-type]
    )
    assert messages and "sg-123" in messages[0], f"rules half0+half1 on sg-123: {messages}"


def _stack_resource(resource_type: str, props: dict[str, Any], name: str) -> Any:
    from pulumi_policy import PolicyResource

    from .helpers import engine_args as make

    args = make(resource_type, props, name=name)
    return PolicyResource(
        resource_type, args.props, args.urn, args.name, args.opts, None, None, [], {}
    )


def _stack_messages(resources: list[Any]) -> list[str]:
    from pulumi_policy import StackValidationArgs

    return run(
        network.validate_rules_together,  # type: ignore[arg-type]
        StackValidationArgs(resources, None, {}),  # type: ignore[arg-type]
    )


def _inline_group(cidr: str, port: int = 3389) -> dict[str, Any]:
    return {
        "id": "sg-mixed",
        "ingress": [{"protocol": "tcp", "fromPort": port, "toPort": port, "cidrBlocks": [cidr]}],
    }


def _rule(cidr: str, port: int = 3389) -> dict[str, Any]:
    return {
        "type": "ingress",
        "protocol": "tcp",
        "fromPort": port,
        "toPort": port,
        "cidrBlocks": [cidr],
        "securityGroupId": "sg-mixed",
    }


def test_sg_no_public_ingress_combined_unions_inline_ingress_with_rule_resource() -> None:
    # Each /9 is below the threshold; the group's inline /9 and its rule's /9 make a /8.
    messages = _stack_messages(
        [
            _stack_resource(
                "aws:ec2/securityGroup:SecurityGroup", _inline_group("44.0.0.0/9"), "g"
            ),
            _stack_resource(
                "aws:ec2/securityGroupRule:SecurityGroupRule", _rule("44.128.0.0/9"), "r"
            ),
        ]
    )
    assert messages and "sg-mixed" in messages[0], (
        f"group g inline + rule r on sg-mixed: {messages}"
    )


def test_sg_no_public_ingress_combined_keeps_inline_and_rule_on_different_ports_apart() -> None:
    messages = _stack_messages(
        [
            _stack_resource(
                "aws:ec2/securityGroup:SecurityGroup", _inline_group("44.0.0.0/9"), "g"
            ),
            _stack_resource(
                "aws:ec2/securityGroupRule:SecurityGroupRule", _rule("44.128.0.0/9", 22), "r"
            ),
        ]
    )
    assert messages == [], f"group g (3389) + rule r (22) on sg-mixed flagged: {messages}"


def test_sg_no_public_ingress_combined_leaves_one_groups_inline_ingress_to_resource_rule() -> None:
    group = _inline_group("44.0.0.0/9")
    group["ingress"].append(
        {"protocol": "tcp", "fromPort": 3389, "toPort": 3389, "cidrBlocks": ["44.128.0.0/9"]}
    )
    messages = _stack_messages([_stack_resource("aws:ec2/securityGroup:SecurityGroup", group, "g")])
    assert messages == [], f"group g alone reported twice (stack rule too): {messages}"
