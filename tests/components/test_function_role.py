"""A VPC function's execution role and interface grant outlive its subnets and groups.

Read from the destroy order the offline preview computes for the program itself.
"""

from __future__ import annotations

import json

import pytest

from tests import shared_runs
from tools.preview.destroy import DestroyPlan
from tools.preview.destroy_checks import RELEASE_ACTION, allows_action
from tools.preview.model import PreviewResource
from tools.preview.options import resolve_options
from tools.preview.values import plain_properties

HOLDERS = {"aws:ec2/subnet:Subnet", "aws:ec2/securityGroup:SecurityGroup"}


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[PreviewResource]]:
    """Each stack's resources with their effective options, as the preview resolves them."""
    return {
        stack: resolve_options(shared_runs.stack_resources(tmp_path_factory, stack))
        for stack in ("dev", "prod")
    }


def _vpc_functions(resources: list[PreviewResource]) -> list[PreviewResource]:
    return [
        r
        for r in resources
        if r.type == "aws:lambda/function:Function"
        and (plain_properties(r.inputs).get("vpcConfig") or {}).get("subnetIds")
    ]


def _release_grants(resources: list[PreviewResource], role: PreviewResource) -> list[str]:
    return [
        r.urn
        for r in resources
        if r.type == "aws:iam/rolePolicy:RolePolicy"
        and role.urn in r.options.property_dependencies.get("role", ())
        and allows_action(plain_properties(r.inputs).get("policy"), RELEASE_ACTION)
    ]


def _role_of(function: PreviewResource, by_urn: dict[str, PreviewResource]) -> PreviewResource:
    [role] = [
        by_urn[u]
        for u in function.options.property_dependencies["role"]
        if by_urn[u].type == "aws:iam/role:Role"
    ]
    return role


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_function_role_and_grant_are_destroyed_after_the_vpc_function_s_network(
    stack: str, previews: dict[str, list[PreviewResource]]
) -> None:
    resources = previews[stack]
    by_urn = {r.urn: r for r in resources}
    plan = DestroyPlan(resources)
    functions = _vpc_functions(resources)
    assert functions, f"{stack} has no VPC function"
    for function in functions:
        holders = [
            u
            for u in function.options.property_dependencies["vpcConfig"]
            if by_urn[u].type in HOLDERS
        ]
        role = _role_of(function, by_urn)
        grants = _release_grants(resources, role)
        assert holders and grants, f"{function.urn}: holders {holders}, grants {grants}"
        for needed in (role.urn, *grants):
            for holder in holders:
                assert plan.outlives(needed, holder), f"{needed} can go before {holder}"
                assert plan.step(needed).wave > plan.step(holder).wave  # type: ignore[union-attr]


@pytest.mark.slow
def test_function_role_grant_names_no_subnet_or_group(
    previews: dict[str, list[PreviewResource]],
) -> None:
    resources = previews["dev"]
    for function in _vpc_functions(resources):
        role = _role_of(function, {r.urn: r for r in resources})
        for grant in _release_grants(resources, role):
            document = json.loads(
                plain_properties(next(r for r in resources if r.urn == grant).inputs)["policy"]
            )
            text = json.dumps(document)
            assert "subnet/" not in text and "security-group/" not in text, text
