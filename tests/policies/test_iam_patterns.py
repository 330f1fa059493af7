"""Action and resource patterns judged by what they match in AWS's IAM definition data."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules.iam import validate_no_broad_managed_policy, validate_no_wildcard

from .helpers import allow, doc, engine_args, run

POLICY = "aws:iam/policy:Policy"
ACCOUNT = "123456789012"


def policy(*statements: dict[str, Any], resource_type: str = POLICY) -> list[str]:
    return run(validate_no_wildcard, engine_args(resource_type, {"policy": doc(*statements)}))


@pytest.mark.parametrize("pattern", ["sqs:*e*", "SQS:*", "sqs:*?", "Sqs:*E*"])
def test_iam_no_wildcard_rejects_pattern_matching_whole_service(pattern: str) -> None:
    found = policy(allow(pattern, f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"))
    assert len(found) == 1 and "all 20 sqs actions" in found[0], (
        f"policy 'res' with {pattern} not reported as a service wildcard: {found}"
    )


def test_iam_no_wildcard_rejects_fragments_covering_service_together() -> None:
    # No single fragment covers SQS, together they do: every SQS action name holds one of them.
    fragments = ["sqs:*Message*", "sqs:*Queue*", "sqs:*Permission*", "sqs:*MessageMoveTask*"]
    found = policy(allow(fragments, f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"))
    assert any("together match all" in m for m in found), (
        f"policy 'res' fragments covering SQS not reported: {found}"
    )


def test_iam_no_wildcard_accepts_pattern_matching_part_of_service() -> None:
    found = policy(allow("sqs:Send*", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"))
    assert found == [], f"policy 'res' sqs:Send* on one queue was flagged: {found}"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*"),
        ("iam:PassRole", "arn:aws:iam::*:role/app"),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/*admin"),
        ("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/?*"),
        ("s3:GetObject", "arn:aws:s3:::*"),
        ("s3:GetObject", "arn:aws:s3:::*/reports/*"),
        ("s3:GetObject", "arn:aws:s3:::data-*/x"),
        ("sqs:SendMessage", "arn:*:sqs:*:*:*"),
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:*"),
        ("dynamodb:GetItem", f"arn:aws:dynamodb:*:{ACCOUNT}:table/*"),
        ("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*"),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:*:key/*"),
        # IAM's * matches ":" too: fewer than six parts can still hide a wildcard account.
        ("iam:PassRole", "arn:aws:iam:*:role/app"),
        ("iam:PassRole", "arn:*:role/app"),
        ("sqs:SendMessage", "arn:aws:sqs:*:app-queue"),
        ("sts:AssumeRole", "arn:aws:iam::12345678901?:role/deploy"),
        # Name parts with no letter or digit match every name AWS would give.
        ("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/???*"),
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*-*"),
        (
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:*-??????",
        ),
        ("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:*_*"),
    ],
)
def test_iam_no_wildcard_rejects_resource_pattern_covering_everything(
    action: str, resource: str
) -> None:
    found = policy(allow(action, resource))
    assert len(found) == 1 and resource in found[0], (
        f"policy 'res' {action} on {resource} not reported: {found}"
    )


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/app-*"),
        ("s3:GetObject", "arn:aws:s3:::bucket/*"),
        ("s3:GetObject", "arn:aws:s3:::bucket/reports/*.csv"),
        ("logs:PutLogEvents", f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/x:*"),
        ("dynamodb:GetItem", f"arn:aws:dynamodb:*:{ACCOUNT}:table/metrics*"),
        ("sqs:SendMessage", f"arn:aws:sqs:*:{ACCOUNT}:jobs-*"),
        ("execute-api:Invoke", f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*/GET/*"),
        (
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:app-*",
        ),
        (
            "secretsmanager:GetSecretValue",
            f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:*-prod",
        ),
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/*admin"),
        ("kms:Decrypt", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-*"),
        ("dynamodb:PutItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/metrics-???"),
    ],
)
def test_iam_no_wildcard_accepts_pattern_scoped_by_name_in_one_owner(
    action: str, resource: str
) -> None:
    found = policy(allow(action, resource))
    assert found == [], f"policy 'res' {action} on {resource} was flagged: {found}"


def test_iam_no_wildcard_reads_name_prefix_wildcard_loosely_for_ordinary_actions() -> None:
    # Only privilege-escalation actions get the strict reading of a leading name wildcard.
    found = policy(allow("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:*-jobs"))
    assert found == [], f"policy 'res' sqs:SendMessage on *-jobs was flagged: {found}"


def test_iam_no_wildcard_rejects_not_action_with_allow() -> None:
    statement = {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}
    found = policy(statement)
    assert any("NotAction" in m for m in found), f"policy 'res' NotAction accepted: {found}"


def test_iam_no_wildcard_judges_sso_permission_set_inline_policy() -> None:
    args = engine_args(
        "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy",
        {"inlinePolicy": doc(allow("s3:*", "arn:aws:s3:::bucket/*"))},
    )
    found = run(validate_no_wildcard, args)
    assert found and "s3" in found[0], f"permission set 'res' s3:* not reported: {found}"


@pytest.mark.parametrize(
    ("resource_type", "key"),
    [
        ("aws:s3/bucketPolicy:BucketPolicy", "policy"),
        ("aws:sqs/queuePolicy:QueuePolicy", "policy"),
        ("aws:secretsmanager/secretPolicy:SecretPolicy", "policy"),
        ("aws:ecr/repositoryPolicy:RepositoryPolicy", "policy"),
        ("aws:opensearch/domainPolicy:DomainPolicy", "accessPolicies"),
        ("aws:glacier/vault:Vault", "accessPolicy"),
        ("aws:backup/vaultPolicy:VaultPolicy", "policy"),
        ("aws:cloudwatch/eventBusPolicy:EventBusPolicy", "policy"),
        ("aws:cloudwatch/logResourcePolicy:LogResourcePolicy", "policyDocument"),
        ("aws:apigateway/restApiPolicy:RestApiPolicy", "policy"),
    ],
)
def test_iam_no_wildcard_judges_resource_policy_actions(resource_type: str, key: str) -> None:
    statement = allow("s3:*", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/r"})
    found = run(validate_no_wildcard, engine_args(resource_type, {key: doc(statement)}))
    assert len(found) == 1 and "s3" in found[0], f"{resource_type} 'res' s3:* accepted: {found}"


def test_iam_no_wildcard_accepts_resource_policy_naming_itself_with_star() -> None:
    statement = allow(
        "secretsmanager:GetSecretValue", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/r"}
    )
    args = engine_args("aws:secretsmanager/secretPolicy:SecretPolicy", {"policy": doc(statement)})
    found = run(validate_no_wildcard, args)
    assert found == [], f"secret policy 'res' with Resource '*' (the secret) flagged: {found}"


def test_iam_no_wildcard_rejects_bucket_policy_on_every_bucket() -> None:
    statement = allow("s3:GetObject", "arn:aws:s3:::*", Principal={"AWS": ACCOUNT})
    found = run(
        validate_no_wildcard,
        engine_args("aws:s3/bucketPolicy:BucketPolicy", {"policy": doc(statement)}),
    )
    assert found, f"bucket policy 'res' on arn:aws:s3:::* accepted: {found}"


STORAGE_LENS_ANY_REGION = f"arn:aws:s3:*:{ACCOUNT}:storage-lens/dashboard"


def test_iam_no_wildcard_accepts_storage_lens_action_on_its_configuration_in_any_region() -> None:
    # The region's `*` could spell `::bucket/` and reach objects, but this action acts on
    # Storage Lens configurations only: no bucket is granted.
    statement = allow("s3:PutStorageLensConfigurationTagging", STORAGE_LENS_ANY_REGION)
    found = run(
        validate_no_wildcard, engine_args("aws:iam/policy:Policy", {"policy": doc(statement)})
    )
    assert found == [], f"storage lens configuration in any region flagged: {found}"


def test_iam_no_wildcard_rejects_object_action_where_the_region_wildcard_spells_any_bucket() -> (
    None
):
    statement = allow("s3:GetObject", STORAGE_LENS_ANY_REGION)
    found = run(
        validate_no_wildcard, engine_args("aws:iam/policy:Policy", {"policy": doc(statement)})
    )
    assert found and "any bucket name" in found[0], (
        f"s3:GetObject on {STORAGE_LENS_ANY_REGION}: {found}"
    )


@pytest.mark.parametrize(
    ("group", "broad"),
    [("*abc", True), ("*", True), ("?*/npm/abc", True), ("my-domain/*", False), ("my*", False)],
)
def test_iam_no_wildcard_judges_package_group_whose_domain_runs_into_its_pattern(
    group: str, broad: bool
) -> None:
    # AWS's format: package-group/${DomainName}${EncodedPackageGroupPattern}, no literal between.
    resource = f"arn:aws:codeartifact:us-east-1:{ACCOUNT}:package-group/{group}"
    statement = allow("codeartifact:ListAllowedRepositoriesForGroup", resource)
    found = run(
        validate_no_wildcard, engine_args("aws:iam/policy:Policy", {"policy": doc(statement)})
    )
    assert bool(found) == broad, f"{resource}: {found}"


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
        {"AWS": [f"arn:aws:iam::{ACCOUNT}:root"]},
        {"AWS": ACCOUNT},
    ],
)
def test_iam_no_wildcard_accepts_default_key_policy_root_statement(principal: Any) -> None:
    statement = allow("kms:*", "*", Principal=principal)
    found = run(validate_no_wildcard, engine_args("aws:kms/key:Key", {"policy": doc(statement)}))
    assert found == [], f"kms key 'res' default root statement was flagged: {found}"


@pytest.mark.parametrize(
    "principal",
    [
        {"AWS": f"arn:aws:iam::{ACCOUNT}:role/admin"},
        {"AWS": [f"arn:aws:iam::{ACCOUNT}:root", "arn:aws:iam::210987654321:root"]},
        {"Service": "logs.amazonaws.com"},
        "*",
    ],
)
def test_iam_no_wildcard_rejects_kms_star_for_anyone_but_account_root(principal: Any) -> None:
    statement = allow("kms:*", "*", Principal=principal)
    found = run(validate_no_wildcard, engine_args("aws:kms/key:Key", {"policy": doc(statement)}))
    assert found, f"kms key 'res' kms:* for {principal} accepted: {found}"


FOREIGN = "999999999999"


def key_root(account: str) -> dict[str, Any]:
    return allow("kms:*", "*", Principal={"AWS": f"arn:aws:iam::{account}:root"})


def key_policy(*statements: dict[str, Any], **props: Any) -> list[str]:
    config = props.pop("config", None)
    args = engine_args("aws:kms/key:Key", {"policy": doc(*statements), **props}, config=config)
    return run(validate_no_wildcard, args)


def test_iam_no_wildcard_rejects_second_root_statement_for_another_account() -> None:
    found = key_policy(key_root(ACCOUNT), key_root(FOREIGN))
    assert found, f"kms key 'res' granting kms:* to {FOREIGN} root accepted"


def test_iam_no_wildcard_rejects_root_statement_for_account_other_than_keys_arn() -> None:
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    found = key_policy(key_root(FOREIGN), arn=arn)
    assert found, f"kms key 'res' in {ACCOUNT} granting kms:* to {FOREIGN} root accepted"


def test_iam_no_wildcard_accepts_root_statement_for_keys_own_arn_account() -> None:
    arn = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    found = key_policy(key_root(ACCOUNT), arn=arn)
    assert found == [], f"kms key 'res' own root statement flagged: {found}"


def test_iam_no_wildcard_judges_key_policy_root_by_key_id_arn() -> None:
    args = engine_args(
        "aws:kms/keyPolicy:KeyPolicy",
        {"keyId": f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k", "policy": doc(key_root(FOREIGN))},
    )
    assert run(validate_no_wildcard, args), f"key policy 'res' granting {FOREIGN} root accepted"


def test_iam_no_wildcard_rejects_root_statement_outside_configured_stack_accounts() -> None:
    config = {"stackAccounts": [ACCOUNT]}
    found = key_policy(key_root(FOREIGN), config=config)
    assert found, f"kms key 'res' granting kms:* to {FOREIGN} root accepted with {config}"


def test_iam_no_wildcard_rejects_lone_root_of_account_the_document_does_not_name() -> None:
    other = allow("kms:Decrypt", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"})
    found = key_policy(key_root(FOREIGN), other)
    assert found, f"kms key 'res' root {FOREIGN} beside statements of {ACCOUNT} accepted"


def test_iam_no_wildcard_accepts_lone_root_matching_the_rest_of_the_document() -> None:
    other = allow("kms:Decrypt", "*", Principal={"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"})
    found = key_policy(key_root(ACCOUNT), other)
    assert found == [], f"kms key 'res' default policy with its own role flagged: {found}"


@pytest.mark.parametrize(
    "name",
    [
        "AdministratorAccess",
        "PowerUserAccess",
        "IAMFullAccess",
        "AmazonS3FullAccess",
        "AWSLambda_FullAccess",
        "job-function/SystemAdministrator",
        "AmazonDynamoDBFullAccess",
    ],
)
def test_iam_no_broad_managed_policy_rejects_full_access_policies(name: str) -> None:
    arn = f"arn:aws:iam::aws:policy/{name}"
    args = engine_args(
        "aws:iam/rolePolicyAttachment:RolePolicyAttachment", {"policyArn": arn, "role": "r"}
    )
    found = run(validate_no_broad_managed_policy, args)
    assert found and name.rsplit("/", 1)[-1] in found[0], f"attachment 'res' of {arn}: {found}"


def test_iam_no_broad_managed_policy_judges_sso_managed_policy_attachment() -> None:
    args = engine_args(
        "aws:ssoadmin/managedPolicyAttachment:ManagedPolicyAttachment",
        {"managedPolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess"},
    )
    found = run(validate_no_broad_managed_policy, args)
    assert found, f"SSO attachment 'res' of AdministratorAccess accepted: {found}"


def test_iam_no_wildcard_rejects_service_split_across_statements_on_same_resource() -> None:
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    found = policy(allow("sqs:*Message*", queue), allow(["sqs:*Queue*", "sqs:*Permission"], queue))
    assert any("split across statements" in m and "sqs" in m for m in found), (
        f"policy 'res' statements covering SQS together on one queue not reported: {found}"
    )


def test_iam_no_wildcard_accepts_split_service_on_different_resources() -> None:
    found = policy(
        allow("sqs:*Message*", f"arn:aws:sqs:us-east-1:{ACCOUNT}:a"),
        allow(["sqs:*Queue*", "sqs:*Permission"], f"arn:aws:sqs:us-east-1:{ACCOUNT}:b"),
    )
    assert found == [], f"policy 'res' split over two queues was flagged: {found}"


def test_iam_no_wildcard_accepts_split_service_under_different_conditions() -> None:
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    condition = {"Bool": {"aws:SecureTransport": "true"}}
    found = policy(
        allow("sqs:*Message*", queue),
        allow(["sqs:*Queue*", "sqs:*Permission"], queue, Condition=condition),
    )
    assert found == [], f"policy 'res' split under different conditions was flagged: {found}"


def test_iam_no_wildcard_rejects_split_service_under_identical_conditions() -> None:
    queue = f"arn:aws:sqs:us-east-1:{ACCOUNT}:q"
    condition = {"Bool": {"aws:SecureTransport": "true"}}
    found = policy(
        allow("sqs:*Message*", queue, Condition=condition),
        allow(["sqs:*Queue*", "sqs:*Permission"], [queue], Condition=condition),
    )
    assert any("split across statements" in m for m in found), (
        f"policy 'res' split under one condition not reported: {found}"
    )


@pytest.mark.parametrize("resource", ["execute-api:/*", "execute-api:/prod/GET/*"])
@pytest.mark.parametrize(
    "resource_type",
    ["aws:apigateway/restApiPolicy:RestApiPolicy", "aws:apigateway/restApi:RestApi"],
)
def test_iam_no_wildcard_accepts_rest_api_policy_naming_its_own_api(
    resource_type: str, resource: str
) -> None:
    statement = allow("execute-api:Invoke", resource, Principal={"AWS": ACCOUNT})
    found = run(validate_no_wildcard, engine_args(resource_type, {"policy": doc(statement)}))
    assert found == [], f"{resource_type} 'res' on {resource} (this API) flagged: {found}"


def test_iam_no_wildcard_rejects_rest_api_policy_on_every_api_of_anyone() -> None:
    statement = allow("execute-api:Invoke", "arn:aws:execute-api:*", Principal={"AWS": ACCOUNT})
    args = engine_args("aws:apigateway/restApiPolicy:RestApiPolicy", {"policy": doc(statement)})
    assert run(validate_no_wildcard, args), "rest api policy 'res' on every API accepted"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        # A policy variable is one value per request; its own ':' is not an ARN separator.
        ("iam:PassRole", "arn:aws:iam::${aws:PrincipalAccount}:role/*"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:*"),
        # The 'prod' alias of every function: the qualifier after ':' names no function.
        ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:*:prod"),
        ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:?*:$LATEST"),
    ],
)
def test_iam_no_wildcard_rejects_resource_name_left_to_wildcard_or_variable_account(
    action: str, resource: str
) -> None:
    found = policy(allow(action, resource))
    assert found, f"policy 'res' {action} on {resource} accepted"


@pytest.mark.parametrize(
    ("action", "resource"),
    [
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:${aws:PrincipalAccount}:app-queue"),
        ("iam:PassRole", f"arn:aws:iam::{ACCOUNT}:role/${{aws:username}}"),
        # ${*} is a literal '*' in the key, not a wildcard.
        ("s3:GetObject", "arn:aws:s3:::reports-bucket/${*}"),
        ("s3:GetObject", "arn:aws:s3:::home-bucket/${aws:username}/*"),
        ("lambda:InvokeFunction", f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:app-*:*"),
        ("dynamodb:Query", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/orders/index/*"),
    ],
)
def test_iam_no_wildcard_accepts_resource_named_through_policy_variable_or_qualifier(
    action: str, resource: str
) -> None:
    found = policy(allow(action, resource))
    assert found == [], f"policy 'res' {action} on {resource} was flagged: {found}"


@pytest.mark.parametrize("action", ["lambda:*", "*", "LAMBDA:*", "lambda:*?"])
def test_iam_no_wildcard_rejects_lambda_permission_for_every_action(action: str) -> None:
    props = {"action": action, "principal": ACCOUNT, "function": "fn"}
    found = run(validate_no_wildcard, engine_args("aws:lambda/permission:Permission", props))
    assert found, f"lambda permission 'res' with action {action} accepted"


@pytest.mark.parametrize("action", ["lambda:InvokeFunction", "lambda:Invoke*"])
def test_iam_no_wildcard_accepts_lambda_permission_for_named_actions(action: str) -> None:
    props = {"action": action, "principal": ACCOUNT, "function": "fn"}
    found = run(validate_no_wildcard, engine_args("aws:lambda/permission:Permission", props))
    assert found == [], f"lambda permission 'res' with action {action} was flagged: {found}"
