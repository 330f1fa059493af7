"""AWS managed policies judged by what their documents grant, from a derived, committed list."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules.iam import WHOLE_SERVICE_POLICIES_FILE, validate_no_broad_managed_policy
from tools import refresh_managed_policies as refresh

from .helpers import engine_args, run

ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
MANAGED = "arn:aws:iam::aws:policy/"


def attach(arn: str) -> list[str]:
    args = engine_args(ATTACHMENT, {"role": "r", "policyArn": arn})
    return run(validate_no_broad_managed_policy, args)


@pytest.mark.parametrize(
    "path",
    [
        "AWSLambdaExecute",  # logs:* on *
        "SecretsManagerReadWrite",
        "service-role/AmazonElasticMapReduceforEC2Role",
        "AWSCodeBuildAdminAccess",
        "AWSSupportAccess",
    ],
)
def test_managed_policies_rejects_whole_service_policy_not_named_full_access(path: str) -> None:
    found = attach(MANAGED + path)
    assert found, f"role policy attachment 'res' of {path} accepted"


def test_managed_policies_rejects_whole_service_policy_in_another_partition() -> None:
    found = attach("arn:aws-us-gov:iam::aws:policy/AWSLambdaExecute")
    assert found, "role policy attachment 'res' of GovCloud AWSLambdaExecute accepted"


@pytest.mark.parametrize(
    "path", ["service-role/AWSLambdaBasicExecutionRole", "AWSXRayDaemonWriteAccess"]
)
def test_managed_policies_accepts_narrow_managed_policy(path: str) -> None:
    found = attach(MANAGED + path)
    assert found == [], f"role policy attachment 'res' of {path} flagged: {found}"


def test_managed_policies_keeps_full_access_name_rule_for_newer_policies() -> None:
    found = attach(MANAGED + "AmazonSomethingLaunchedTomorrowFullAccess")
    assert found, "role policy attachment 'res' of an unlisted *FullAccess policy accepted"


def _policy(arn: str, *statements: dict[str, Any]) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return {"arn": arn, "latestVersionId": "v2", "versions": {"v2": {"document": document}}}


def test_managed_policies_derivation_lists_only_whole_service_grants() -> None:
    policies = {
        "Wide": _policy(MANAGED + "Wide", {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}),
        "Narrow": _policy(
            MANAGED + "Narrow", {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}
        ),
        "Not": _policy(MANAGED + "Not", {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}),
        "Denied": _policy(MANAGED + "Denied", {"Effect": "Deny", "Action": "*", "Resource": "*"}),
    }
    assert refresh.whole_service_arns(policies) == [MANAGED + "Not", MANAGED + "Wide"]


def test_managed_policies_data_file_matches_installed_package() -> None:
    try:
        expected = refresh.render()
    except refresh.SourceMissingError as exc:
        pytest.skip(f"{refresh.PACKAGE} is not installed under node_modules ({exc})")
    committed = WHOLE_SERVICE_POLICIES_FILE.read_text(encoding="utf-8")
    assert committed == expected, (
        f"{WHOLE_SERVICE_POLICIES_FILE.name} is stale for the installed {refresh.PACKAGE}: run "
        "`venv/bin/python -m tools.refresh_managed_policies` and commit the result"
    )
