"""Documented, necessary configurations the pack must accept, beside the attacks that look alike.

- AWS Transfer Family's documented session policy uses ``${transfer:HomeDirectory}``, whose value
  holds ``/`` (``bucket/home/user``): ``arn:aws:s3:::${transfer:HomeDirectory}*`` stays inside
  the user's home. A wildcard *before* the variable reaches other buckets.
- ``ignore_changes=["*"]`` on an Aurora/DocumentDB/Neptune cluster instance freezes no deletion
  setting (the cluster has them); on an instance or cluster it freezes them all.
- Session Manager's four ``ssmmessages`` actions, listed by name, are not a wildcard; patterns
  that add up to the service are.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from policies.rules import iam, rds

from .helpers import allow, doc, engine_args, run

TRANSFER_USER = "aws:transfer/user:User"
# The session policy of AWS Transfer Family's user guide ("Creating a session policy for an
# Amazon S3 bucket").
TRANSFER_SESSION_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowListingOfUserFolder",
            "Effect": "Allow",
            "Action": "s3:ListBucket",
            "Resource": "arn:aws:s3:::${transfer:HomeBucket}",
            "Condition": {
                "StringLike": {"s3:prefix": ["${transfer:HomeFolder}/*", "${transfer:HomeFolder}"]}
            },
        },
        {
            "Sid": "HomeDirObjectAccess",
            "Effect": "Allow",
            "Action": [
                "s3:PutObject",
                "s3:GetObject",
                "s3:DeleteObject",
                "s3:DeleteObjectVersion",
                "s3:GetObjectVersion",
                "s3:GetObjectACL",
                "s3:PutObjectACL",
            ],
            "Resource": "arn:aws:s3:::${transfer:HomeDirectory}*",
        },
    ],
}


def transfer(policy: Any) -> list[str]:
    props = {"policy": policy if isinstance(policy, str) else json.dumps(policy)}
    return run(iam.validate_no_wildcard, engine_args(TRANSFER_USER, props, name="user"))


def test_iam_no_wildcard_accepts_transfer_family_documented_session_policy() -> None:
    assert transfer(TRANSFER_SESSION_POLICY) == []


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::${transfer:HomeDirectory}/*",
        "arn:aws:s3:::${transfer:HomeBucket}/${transfer:UserName}/*",
        "arn:aws:s3:::${aws:username}-uploads/*",
    ],
)
def test_iam_no_wildcard_accepts_path_built_on_a_policy_variable(resource: str) -> None:
    assert transfer(doc(allow("s3:GetObject", resource))) == [], resource


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:s3:::*${transfer:HomeDirectory}",
        "arn:aws:s3:::*/${transfer:UserName}/*",
        "arn:aws:s3:::?*${transfer:HomeFolder}*",
        "arn:aws:iam::${aws:PrincipalAccount}:role/*",
    ],
)
def test_iam_no_wildcard_rejects_wildcard_around_a_policy_variable(resource: str) -> None:
    action = "iam:PassRole" if ":iam:" in resource else "s3:GetObject"
    found = transfer(doc(allow(action, resource)))
    assert found, f"{resource} accepted"


MEMBERS = [
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:docdb/clusterInstance:ClusterInstance",
    "aws:neptune/clusterInstance:ClusterInstance",
]


@pytest.mark.parametrize("resource_type", MEMBERS)
def test_rds_destroyable_accepts_ignore_all_changes_on_cluster_member(resource_type: str) -> None:
    args = engine_args(resource_type, {"clusterIdentifier": "c"}, ignore_changes=["*"])
    assert run(rds.validate_destroyable, args) == [], resource_type


@pytest.mark.parametrize(
    ("resource_type", "props"),
    [
        ("aws:rds/instance:Instance", {"skipFinalSnapshot": True}),
        ("aws:docdb/cluster:Cluster", {"skipFinalSnapshot": True}),
        ("aws:rds/globalCluster:GlobalCluster", {"forceDestroy": True}),
        ("aws:neptune/globalCluster:GlobalCluster", {}),
    ],
)
def test_rds_destroyable_rejects_ignore_all_changes_where_deletion_settings_exist(
    resource_type: str, props: dict[str, Any]
) -> None:
    found = run(rds.validate_destroyable, engine_args(resource_type, props, ignore_changes=["*"]))
    assert any("ignore_changes" in m for m in found), f"{resource_type}: {found}"


def test_rds_destroyable_rejects_ignored_force_destroy_on_global_cluster() -> None:
    args = engine_args(
        "aws:rds/globalCluster:GlobalCluster",
        {"forceDestroy": True},
        ignore_changes=["force_destroy"],
    )
    assert any("forceDestroy" in m for m in run(rds.validate_destroyable, args))


SSM_MESSAGES = [
    "ssmmessages:CreateControlChannel",
    "ssmmessages:CreateDataChannel",
    "ssmmessages:OpenControlChannel",
    "ssmmessages:OpenDataChannel",
]


def identity(*statements: dict[str, Any]) -> list[str]:
    props = {"policy": doc(*statements)}
    return run(iam.validate_no_wildcard, engine_args("aws:iam/rolePolicy:RolePolicy", props))


def test_iam_no_wildcard_accepts_session_manager_actions_listed_by_name() -> None:
    assert identity(allow(SSM_MESSAGES, "*")) == []


def test_iam_no_wildcard_accepts_named_action_beside_patterns_that_miss_it() -> None:
    # The patterns cover three of the four actions; the fourth is chosen by name.
    actions = ["ssmmessages:CreateControlChannel", "ssmmessages:*Data*", "ssmmessages:Open*"]
    assert identity(allow(actions, "*")) == []


@pytest.mark.parametrize(
    "actions",
    [
        ["ssmmessages:*"],
        ["ssmmessages:Create*", "ssmmessages:Open*"],
        ["ssmmessages:*Channel"],
        ["ssmmessages:*Control*", "ssmmessages:*Data*"],
    ],
)
def test_iam_no_wildcard_rejects_patterns_adding_up_to_session_manager_service(
    actions: list[str],
) -> None:
    found = identity(allow(actions, "*"))
    assert any("service wildcard" in m for m in found), f"{actions}: {found}"


ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"


def managed(arn: str, config: dict[str, Any] | None = None) -> list[str]:
    args = engine_args(ATTACHMENT, {"policyArn": arn, "role": "r"}, config=config)
    return run(iam.validate_no_broad_managed_policy, args)


def test_iam_no_broad_managed_policy_accepts_session_manager_core_policy() -> None:
    assert managed(SSM_CORE) == []


def test_iam_no_broad_managed_policy_config_allows_a_documented_required_policy() -> None:
    arn = "arn:aws:iam::aws:policy/AWSLambdaExecute"
    assert managed(arn), "AWSLambdaExecute (logs:*) accepted without config"
    assert managed(arn, {"allowedManagedPolicies": ["AWSLambdaExecute"]}) == []


def test_iam_no_broad_managed_policy_allowance_never_outranks_additional_broad() -> None:
    config = {"allowedManagedPolicies": [SSM_CORE.rsplit("/", 1)[-1]]}
    config["additionalBroadPolicies"] = config["allowedManagedPolicies"]
    assert managed(SSM_CORE, config), "a policy both allowed and forbidden was accepted"


def test_iam_no_broad_managed_policy_allowance_is_per_policy() -> None:
    config = {"allowedManagedPolicies": ["AmazonSSMManagedInstanceCore"]}
    assert managed("arn:aws:iam::aws:policy/AdministratorAccess", config)
