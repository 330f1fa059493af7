"""The shared IAM documents (components.lib.iam), judged by what each action's resources must be."""

from __future__ import annotations

import json

import pytest
from parliament import analyze_policy_string

from components.lib import iam
from components.lib.account import AccountContext
from tests.components.support import ROLE_POLICY, whole_stack
from tests.harness import as_list, parse_document

WHERE = AccountContext("123456789012", "aws", "eu-west-1")
SUBNETS = ["subnet-0aaa", "subnet-0bbb"]
GROUP = "sg-0function"
ARN = "arn:aws:ec2:eu-west-1:123456789012"


def _interface_statements() -> list[dict[str, object]]:
    """Both halves of a VPC function's interface grant: creation (the function's) and release
    (the FunctionRole's)."""
    return [
        *iam.interface_create_statements(WHERE, SUBNETS, GROUP),
        *iam.interface_release_statements(WHERE),
    ]


def test_vpc_interface_create_is_granted_in_exactly_one_statement() -> None:
    """CreateNetworkInterface is authorised against the subnet, the group and the new interface
    together; split over statements, each would name only part of what the action touches."""
    creating = [
        s for s in _interface_statements() if "ec2:CreateNetworkInterface" in as_list(s["Action"])
    ]
    assert len(creating) == 1, f"CreateNetworkInterface granted in {len(creating)} statements"


def test_vpc_interface_create_names_subnets_group_and_interfaces() -> None:
    (create,) = [
        s for s in _interface_statements() if "ec2:CreateNetworkInterface" in as_list(s["Action"])
    ]
    assert set(as_list(create["Resource"])) == {
        f"{ARN}:subnet/subnet-0aaa",
        f"{ARN}:subnet/subnet-0bbb",
        f"{ARN}:security-group/{GROUP}",
        f"{ARN}:network-interface/*",
    }, f"CreateNetworkInterface resources {create['Resource']}"


def test_vpc_interface_create_allows_no_other_security_group() -> None:
    """Only the function's own group: no group may be swapped in (on destroy or otherwise)."""
    groups = {
        resource
        for statement in _interface_statements()
        for resource in as_list(statement["Resource"])
        if ":security-group/" in resource
    }
    assert groups == {f"{ARN}:security-group/{GROUP}"}, f"interface statements name {groups}"


def test_vpc_interface_statements_keep_interface_only_actions_on_interfaces() -> None:
    """Delete/assign/unassign act on interfaces only: no subnet or group ARN beside them."""
    for statement in _interface_statements():
        actions = set(as_list(statement["Action"]))
        if actions & {"ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses"}:
            assert as_list(statement["Resource"]) == [f"{ARN}:network-interface/*"], statement


def test_vpc_interface_statements_have_no_resource_mismatch_for_parliament() -> None:
    """parliament reports RESOURCE_MISMATCH when an action's statement names only part of the
    resources it needs (CreateNetworkInterface's subnet and group apart from its interface)."""
    found = analyze_policy_string(json.dumps(iam.document(_interface_statements())))
    assert not [f.issue for f in found.findings], [(f.issue, f.detail) for f in found.findings]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_stack_role_policies_have_no_resource_mismatch_for_parliament(stack: str) -> None:
    run = whole_stack(stack)
    for policy in run.of_type(ROLE_POLICY):
        document = json.dumps(parse_document(policy.inputs["policy"]))
        issues = [f.issue for f in analyze_policy_string(document).findings]
        assert "RESOURCE_MISMATCH" not in issues, f"{policy.name}: {issues}"
