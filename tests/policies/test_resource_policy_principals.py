"""Open principals in every resource policy, excused only by a Condition that narrows who."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules.resource_policies import validate_no_open_principal

from .helpers import UNKNOWN, allow, doc, engine_args, run

BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
READ = "s3:GetObject"
OBJECTS = "arn:aws:s3:::reports/*"


def principals(resource_type: str, key: str, statement: dict[str, Any]) -> list[str]:
    return run(validate_no_open_principal, engine_args(resource_type, {key: doc(statement)}))


@pytest.mark.parametrize(
    ("resource_type", "key"),
    [
        (BUCKET_POLICY, "policy"),
        ("aws:secretsmanager/secretPolicy:SecretPolicy", "policy"),
        ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy"),
        ("aws:elasticsearch/domainPolicy:DomainPolicy", "accessPolicies"),
        ("aws:glacier/vault:Vault", "accessPolicy"),
        ("aws:cloudwatch/eventBusPolicy:EventBusPolicy", "policy"),
        ("aws:lambda/resourcePolicy:ResourcePolicy", "policy"),
        ("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy", "resourcePolicy"),
        ("aws:organizations/resourcePolicy:ResourcePolicy", "content"),
        (
            "aws:cloudwatch/logDeliveryDestinationPolicy:LogDeliveryDestinationPolicy",
            "deliveryDestinationPolicy",
        ),
    ],
)
def test_policy_no_open_principal_covers_resource_policy_type(resource_type: str, key: str) -> None:
    found = principals(resource_type, key, allow(READ, OBJECTS, Principal="*"))
    assert found, f"{resource_type} 'res' open to '*' accepted"


@pytest.mark.parametrize(
    "condition",
    [
        {"Bool": {"aws:SecureTransport": "true"}},
        {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        {"IpAddress": {"aws:SourceIp": "0.0.0.0/0"}},
        {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc"}},
        {"StringEqualsIfExists": {"aws:SourceAccount": "123456789012"}},
        {"StringLike": {"aws:PrincipalOrgID": "*"}},
        # A wildcard in an identifier names no one in particular.
        {"StringLike": {"aws:PrincipalOrgID": "o-*"}},
        {"StringLike": {"aws:SourceVpce": "vpce-*"}},
        {"StringLike": {"aws:SourceAccount": "1234567890??"}},
        {"StringLike": {"kms:CallerAccount": ["123456789012", "*"]}},
        {"StringLike": {"aws:PrincipalOrgPaths": "o-*/r-ab12/*"}},
        # An ARN whose account is a wildcard is anyone's.
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/publisher"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:codebuild:*:*:project/*"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:topic"}},
        # ForAllValues is true when the request carries no value for the key.
        {"ForAllValues:StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        # A user name is not unique across accounts: every account can have an 'alice'.
        {"StringEquals": {"aws:username": "alice"}},
        # A service principal acts for every account that uses the service.
        {"StringEquals": {"aws:PrincipalServiceName": "sns.amazonaws.com"}},
        # A request variable compares the caller with itself: true for everyone.
        {"StringEquals": {"aws:SourceAccount": "${aws:PrincipalAccount}"}},
        {"StringEquals": {"aws:PrincipalOrgID": "${aws:PrincipalOrgID}"}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::${aws:PrincipalAccount}:role/*"}},
    ],
)
def test_policy_no_open_principal_rejects_condition_not_narrowing_caller(
    condition: dict[str, Any],
) -> None:
    found = principals(
        BUCKET_POLICY, "policy", allow(READ, OBJECTS, Principal="*", Condition=condition)
    )
    assert found, f"bucket policy 'res' open principal excused by {condition}"


@pytest.mark.parametrize(
    "condition",
    [
        {"StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        {"StringEquals": {"aws:SourceAccount": "123456789012"}},
        {"ArnLike": {"aws:SourceArn": "arn:aws:cloudwatch:us-east-1:123456789012:alarm:x"}},
        {"StringEquals": {"aws:SourceVpce": "vpce-0abc"}},
        {"StringEquals": {"AWS:PrincipalAccount": ["123456789012"]}},
        # IAM compares a number by its text: an unquoted account id names the account.
        {"StringEquals": {"aws:SourceAccount": 123456789012}},
        {"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::123456789012:role/ci-*"}},
        {"StringLike": {"aws:PrincipalOrgPaths": "o-abc123/r-ab12/ou-ab12-11111111/*"}},
        {"ForAnyValue:StringEquals": {"aws:PrincipalOrgID": "o-abc123"}},
        # Condition keys are case-insensitive.
        {"StringEquals": {"aws:sourceaccount": "123456789012"}},
        # A unique id (AIDA...) names one user of one account.
        {"StringEquals": {"aws:userid": "AIDAJQABLZS4A3QDU576Q"}},
        # The resource's own account is fixed: only callers of that account.
        {"StringEquals": {"aws:PrincipalAccount": "${aws:ResourceAccount}"}},
    ],
)
def test_policy_no_open_principal_accepts_condition_narrowing_caller(
    condition: dict[str, Any],
) -> None:
    found = principals(
        BUCKET_POLICY, "policy", allow(READ, OBJECTS, Principal="*", Condition=condition)
    )
    assert found == [], f"bucket policy 'res' narrowed by {condition} was flagged: {found}"


@pytest.mark.parametrize(
    "principal", [{"AWS": "arn:aws:iam::*:root"}, {"AWS": ["arn:aws:iam::1:root", "*"]}]
)
def test_policy_no_open_principal_rejects_wildcard_principal(principal: Any) -> None:
    found = principals(BUCKET_POLICY, "policy", allow(READ, OBJECTS, Principal=principal))
    assert found, f"bucket policy 'res' principal {principal} accepted"


def test_policy_no_open_principal_rejects_not_principal_allow() -> None:
    statement = {
        "Effect": "Allow",
        "NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"},
        "Action": READ,
        "Resource": OBJECTS,
    }
    found = principals(BUCKET_POLICY, "policy", statement)
    assert found and "NotPrincipal" in found[0], f"bucket policy 'res' NotPrincipal: {found}"


def test_policy_no_open_principal_reads_policy_nested_in_details() -> None:
    statement = allow("s3:GetObject", "*", Principal="*")
    args = engine_args(
        "aws:s3control/multiRegionAccessPointPolicy:MultiRegionAccessPointPolicy",
        {"details": {"name": "m", "policy": doc(statement)}},
    )
    assert run(validate_no_open_principal, args), "multi-region access point 'res' open to '*'"


def test_policy_no_open_principal_rejects_star_next_to_value_unknown_at_preview() -> None:
    # During a preview an ARN from another resource is unknown; the known "*" is open already.
    statement = allow(READ, OBJECTS, Principal={"AWS": [UNKNOWN, "*"]})
    args = engine_args(BUCKET_POLICY, {"policy": doc(statement, as_json=False)})
    found = run(validate_no_open_principal, args)
    assert found, "bucket policy 'res' with principal [<unknown>, '*'] accepted"


def test_policy_no_open_principal_waits_for_principal_only_unknown_at_preview() -> None:
    statement = allow(READ, OBJECTS, Principal={"AWS": [UNKNOWN]})
    args = engine_args(BUCKET_POLICY, {"policy": doc(statement, as_json=False)})
    found = run(validate_no_open_principal, args)
    assert found == [], f"bucket policy 'res' with an unknown principal was flagged: {found}"


EVENT_PERMISSION = "aws:cloudwatch/eventPermission:EventPermission"


@pytest.mark.parametrize(
    "props",
    [
        {"principal": "*", "statementId": "all"},
        {
            "principal": "*",
            "condition": {"key": "aws:PrincipalOrgID", "type": "StringEquals", "value": "o-*"},
        },
    ],
)
def test_policy_no_open_principal_rejects_event_permission_for_every_account(
    props: dict[str, Any],
) -> None:
    found = run(validate_no_open_principal, engine_args(EVENT_PERMISSION, props))
    assert found, f"event permission 'res' {props} accepted"


@pytest.mark.parametrize(
    "props",
    [
        {"principal": "123456789012", "statementId": "one"},
        {
            "principal": "*",
            "condition": {
                "key": "aws:PrincipalOrgID",
                "type": "StringEquals",
                "value": "o-abc123def4",
            },
        },
    ],
)
def test_policy_no_open_principal_accepts_event_permission_naming_account_or_org(
    props: dict[str, Any],
) -> None:
    found = run(validate_no_open_principal, engine_args(EVENT_PERMISSION, props))
    assert found == [], f"event permission 'res' {props} was flagged: {found}"


GITHUB = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
COGNITO_POOL = "us-east-1:12345678-1234-1234-1234-123456789012"
GITHUB_AUDIENCE = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}


def web_identity_trust(federated: str, condition: dict[str, Any] | None) -> list[str]:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": {"Federated": federated},
        "Action": "sts:AssumeRoleWithWebIdentity",
    }
    if condition is not None:
        statement["Condition"] = condition
    return principals("aws:iam/role:Role", "assumeRolePolicy", statement)


@pytest.mark.parametrize(
    ("federated", "condition"),
    [
        (GITHUB, None),
        # The audience is the same for every GitHub workflow: it names no one.
        (GITHUB, {"StringEquals": GITHUB_AUDIENCE}),
        (GITHUB, {"StringLike": {"token.actions.githubusercontent.com:sub": "repo:*"}}),
        (GITHUB, {"StringNotLike": {"token.actions.githubusercontent.com:sub": "repo:evil/*"}}),
        ("cognito-identity.amazonaws.com", None),
        (
            "cognito-identity.amazonaws.com",
            {"StringEquals": {"cognito-identity.amazonaws.com:aud": "*"}},
        ),
    ],
)
def test_policy_no_open_principal_rejects_shared_web_identity_without_subject(
    federated: str, condition: dict[str, Any] | None
) -> None:
    found = web_identity_trust(federated, condition)
    assert found, f"role 'res' trusting {federated} with {condition} accepted"


@pytest.mark.parametrize(
    ("federated", "condition"),
    [
        (
            GITHUB,
            {
                "StringEquals": GITHUB_AUDIENCE,
                "StringLike": {"token.actions.githubusercontent.com:sub": "repo:my-org/app:*"},
            },
        ),
        (
            "cognito-identity.amazonaws.com",
            {"StringEquals": {"cognito-identity.amazonaws.com:aud": COGNITO_POOL}},
        ),
        # A cluster's own issuer is not shared with other accounts.
        (
            "arn:aws:iam::123456789012:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/ABC",
            None,
        ),
    ],
)
def test_policy_no_open_principal_accepts_web_identity_naming_whose_tokens(
    federated: str, condition: dict[str, Any] | None
) -> None:
    found = web_identity_trust(federated, condition)
    assert found == [], f"role 'res' trusting {federated} with {condition} was flagged: {found}"
