"""The upgrade from release 32aa575 deletes nothing account-wide.

Release 32aa575's dev stack owned the API Gateway account setting, its role and the role's
policy attachment. This release declares them again at their old URNs with their old inputs,
retained on delete, so the upgrade's ``pulumi up`` changes options only and a later release can
drop them without deleting them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.components.support import whole_stack
from tools.pulumi_mocks import ACCOUNT_ID, RecordedResource

REPO_ROOT = Path(__file__).resolve().parents[1]
OLD_PARENT = "cw-analytics:api:ApiWithHandler"
ROLE_NAME = "cw-analytics-dev-apigw-cloudwatch-role"
# URNs and inputs of release 32aa575's dev preview (`git show 32aa575:components/api_logging.py`).
HELD_IN_32AA575 = {
    f"{OLD_PARENT}$aws:iam/role:Role::api-cloudwatch-role": {
        "assumeRolePolicy": json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {"Service": "apigateway.amazonaws.com"},
                        "Action": "sts:AssumeRole",
                        "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT_ID}},
                    }
                ],
            }
        ),
        "description": "API Gateway writes execution and access logs of this account/region",
        "name": ROLE_NAME,
    },
    f"{OLD_PARENT}$aws:iam/rolePolicyAttachment:RolePolicyAttachment::api-cloudwatch-role-logs": {
        "policyArn": "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
        "role": ROLE_NAME,
    },
    f"{OLD_PARENT}$aws:apigateway/account:Account::api-account": {
        "cloudwatchRoleArn": f"arn:aws:iam::{ACCOUNT_ID}:role/{ROLE_NAME}",
    },
}


def _held(stack: str) -> dict[str, RecordedResource]:
    prefix = f"urn:pulumi:{stack}::cw-analytics::"
    return {
        r.urn.removeprefix(prefix): r
        for r in whole_stack(stack).resources
        if r.urn.removeprefix(prefix) in HELD_IN_32AA575
    }


def test_legacy_account_dev_keeps_the_old_urns_and_inputs_retained() -> None:
    held = _held("dev")
    assert set(held) == set(HELD_IN_32AA575), sorted(held)
    for urn, inputs in HELD_IN_32AA575.items():
        resource = held[urn]
        assert resource.inputs == inputs, f"{urn}: inputs changed, the upgrade would update it"
        assert resource.options.retain_on_delete is True, f"{urn} is not retained"


def test_legacy_account_setting_is_never_written_again_by_dev() -> None:
    account = _held("dev")[f"{OLD_PARENT}$aws:apigateway/account:Account::api-account"]
    assert account.options.ignore_changes == ("cloudwatchRoleArn",), account


def test_legacy_account_prod_never_held_it_and_declares_none() -> None:
    assert _held("prod") == {}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_legacy_account_only_dev_s_stack_file_keeps_it(stack: str) -> None:
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    keeps = config.get("cw-analytics:legacyApiGatewayAccount", False)
    assert keeps is (stack == "dev"), stack
