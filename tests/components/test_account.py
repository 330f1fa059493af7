"""The account/ project: API Gateway's account-wide CloudWatch role, setting and welcome group.

The setting is one per account and region; an app stack that owned it would reset it (and
delete its role) on destroy, breaking every other stack's stage logging. So only this project
declares it, and the app stacks declare none of it.
"""

from __future__ import annotations

import functools

import pytest
import yaml

from account.account_settings import account_settings_from_config
from tests import shared_runs
from tests.components.support import REPO_ROOT, explicit_dependencies, whole_stack
from tests.harness import REGION, parse_document
from tools.pulumi_mocks import ACCOUNT_ID, MockRun, run_program_in_mocks

ACCOUNT_DIR = REPO_ROOT / "account"
ACCOUNT = "aws:apigateway/account:Account"
ROLE = "aws:iam/role:Role"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
PUSH_TO_LOGS = "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"
STACK = "eu-west-1"


def _stack_config() -> dict[str, str]:
    loaded = yaml.safe_load((ACCOUNT_DIR / f"Pulumi.{STACK}.yaml").read_text())["config"]
    return {key: str(value) for key, value in loaded.items()}


@functools.cache
def account_run() -> MockRun:
    return run_program_in_mocks(
        ACCOUNT_DIR, config=_stack_config(), project="cw-analytics-account", stack=STACK
    )


def test_account_sets_the_api_gateway_cloudwatch_role() -> None:
    run = account_run()
    setting, role = run.one(ACCOUNT), run.one(ROLE)
    assert setting.inputs["cloudwatchRoleArn"] == role.outputs["arn"], "setting names no role"


# AWS's API Gateway logging guide and the provider's example: the service principal may assume
# the role, nothing else. API Gateway does not always send aws:SourceAccount when it assumes the
# role, so a condition on it can make the account setting fail on the first deploy.
DOCUMENTED_TRUST_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def test_account_role_trust_policy_is_the_documented_one() -> None:
    role = account_run().one(ROLE)
    trust = parse_document(role.inputs["assumeRolePolicy"])
    assert trust == DOCUMENTED_TRUST_POLICY, f"{role.urn}: trust policy {trust}"


def test_account_role_trust_policy_has_no_condition() -> None:
    role = account_run().one(ROLE)
    statements = parse_document(role.inputs["assumeRolePolicy"])["Statement"]
    conditions = [statement["Condition"] for statement in statements if "Condition" in statement]
    assert not conditions, f"{role.urn}: API Gateway may not meet {conditions}"


def test_account_role_name_carries_the_region() -> None:
    """IAM is global: two regions of one account each deploy this project."""
    assert account_run().one(ROLE).inputs["name"].endswith(f"-{REGION}")


def test_account_setting_waits_for_the_role_permissions_and_welcome_group() -> None:
    """API Gateway checks the role can write logs when the setting is made, and then writes
    the welcome group by name: neither is an input of the setting."""
    run = account_run()
    waits_for = explicit_dependencies(run.one(ACCOUNT))
    attachment = run.one(ATTACHMENT)
    assert attachment.inputs["policyArn"] == PUSH_TO_LOGS, attachment.urn
    assert attachment.urn in waits_for, "setting made before the role may write logs"
    assert run.one(LOG_GROUP).urn in waits_for, "API Gateway would create the welcome group"


def test_account_owns_the_welcome_group_encrypted_with_retention() -> None:
    run = account_run()
    group = run.one(LOG_GROUP)
    assert group.inputs["name"] == "/aws/apigateway/welcome"
    assert group.inputs["kmsKeyId"] == run.one("aws:kms/key:Key").outputs["arn"], group.urn
    assert group.inputs["retentionInDays"] == 30, group.urn


def test_account_key_lets_logs_use_it_for_the_welcome_group_only() -> None:
    key = account_run().one("aws:kms/key:Key")
    grants = [
        s
        for s in parse_document(key.inputs["policy"])["Statement"]
        if s["Principal"] == {"Service": f"logs.{REGION}.amazonaws.com"}
    ]
    assert [g["Condition"] for g in grants] == [
        {
            "ArnEquals": {
                "kms:EncryptionContext:aws:logs:arn": (
                    f"arn:aws:logs:{REGION}:{ACCOUNT_ID}:log-group:/aws/apigateway/welcome"
                )
            }
        }
    ], key.urn


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_account_setting_is_in_no_app_stack(stack: str) -> None:
    """Destroying an app stack must not reset the account setting or delete its role."""
    run = whole_stack(stack)
    # dev still holds release 32aa575's setting, role and attachment: declared only so that
    # they are retained (tests/test_legacy_account.py); nothing else of the kind.
    held = [
        r
        for r in run.of_type(ACCOUNT) + run.of_type(ATTACHMENT)
        if r.type == ACCOUNT or r.inputs.get("policyArn") == PUSH_TO_LOGS
    ]
    for resource in held:
        assert resource.options.retain_on_delete, f"{stack}: destroy deletes {resource.urn}"
    groups = {g.inputs.get("name") for g in run.of_type(LOG_GROUP)}
    assert "/aws/apigateway/welcome" not in groups, f"{stack} owns the welcome group"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_account_app_stack_files_no_longer_set_the_account_key(stack: str) -> None:
    text = (REPO_ROOT / f"Pulumi.{stack}.yaml").read_text()
    assert "manageApiGatewayAccount" not in text, f"Pulumi.{stack}.yaml still sets it"


@pytest.mark.parametrize(
    ("retention", "message"),
    [("31", r"logRetentionDays '31' is not a retention"), ("x", r"'x' must be a whole number")],
)
def test_account_settings_reject_bad_retention(retention: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        account_settings_from_config({"logRetentionDays": retention}, REGION)


def test_account_settings_require_a_region() -> None:
    with pytest.raises(ValueError, match=r"aws:region is required"):
        account_settings_from_config({}, None)


def test_account_preview_passes_the_policy_pack(tmp_path_factory: pytest.TempPathFactory) -> None:
    """The project previews offline like the app stacks, with no mandatory finding."""
    completed = shared_runs.stack_preview(tmp_path_factory, STACK, ACCOUNT_DIR)
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-2000:]
    report = completed.report
    assert report is not None
    mandatory = [v for v in report["policyViolations"] if v["enforcementLevel"] == "mandatory"]
    assert not mandatory, f"account preview: {mandatory}"
    assert any(r["type"] == ACCOUNT for r in report["resources"]), "preview lost the setting"


def test_account_everything_is_protected_against_destroy() -> None:
    """An accidental `pulumi destroy` of the account project must delete nothing: the setting
    and its role above all (destroying them resets every stage's logging in the region)."""
    run = account_run()
    custom = [r for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    unprotected = [r.urn for r in custom if not r.options.protect]
    assert custom and not unprotected, f"unprotected in the account project: {unprotected}"
    assert {"aws:apigateway/account:Account", "aws:iam/role:Role"} <= {r.type for r in custom}
