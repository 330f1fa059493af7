"""The API Gateway account setting a dev stack of release 32aa575 holds, kept for one release.

Up to release 32aa575 the dev stack owned the region's API Gateway CloudWatch setting
(``api-account``, inside ``ApiWithHandler``) and the role it names; the ``account/`` project owns
it now. Dropping the three from the program would make the next ``pulumi up`` delete them, and
deleting ``aws.apigateway.Account`` resets API Gateway logging for every stage in the region.
The engine deletes a resource that left the program with the options stored in its state, so
``retain_on_delete`` must reach the state first: this release declares them again, at their old
URNs and with their old inputs (the ``up`` changes options only), retained on delete. A later
release drops them and Pulumi forgets them, leaving them in AWS.

The two projects must not fight over the setting: ``ignore_changes`` on the role ARN means this
stack never writes the setting again, whatever the account project (or a refresh) puts there.
Only a stack that already holds these resources may set ``legacyApiGatewayAccount``: on a new
stack they would be created, and creating the setting overwrites the account project's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components.lib.account import AccountContext, account_context
from stack_settings import Settings

PUSH_TO_LOGS = "policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"


@dataclass
class LegacyAccountSetting:
    """The three resources, as release 32aa575 declared them."""

    role: aws.iam.Role
    attachment: aws.iam.RolePolicyAttachment
    account: aws.apigateway.Account


def trust_policy(where: AccountContext) -> str:
    """The role's trust policy exactly as release 32aa575 wrote it (same JSON text)."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "apigateway.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                    "Condition": {"StringEquals": {"aws:SourceAccount": where.account_id}},
                }
            ],
        }
    )


def keep_legacy_account_setting(
    settings: Settings, api: pulumi.ComponentResource
) -> LegacyAccountSetting:
    """Declare the old setting, its role and policy attachment under ``api`` (their old parent,
    so their URNs stay), retained on delete."""
    where = account_context(api, settings.region)
    # Their old parent: a resource declared under a component after its constructor returned,
    # on purpose and for one release only.
    kept = pulumi.ResourceOptions(parent=api, retain_on_delete=True)
    role = aws.iam.Role(
        "api-cloudwatch-role",
        # Not in the naming registry: no current component creates this role.
        name=f"{settings.name_prefix}-apigw-cloudwatch-role",
        description="API Gateway writes execution and access logs of this account/region",
        assume_role_policy=where.apply(trust_policy),
        opts=kept,
    )
    attachment = aws.iam.RolePolicyAttachment(
        "api-cloudwatch-role-logs",
        role=role.name,
        policy_arn=where.apply(lambda w: f"arn:{w.partition}:iam::aws:{PUSH_TO_LOGS}"),
        opts=kept,
    )
    account = aws.apigateway.Account(
        "api-account",
        cloudwatch_role_arn=role.arn,
        opts=pulumi.ResourceOptions.merge(
            kept,
            pulumi.ResourceOptions(
                depends_on=[attachment],
                # The account project owns the value now: never write it from here again.
                ignore_changes=["cloudwatchRoleArn"],
            ),
        ),
    )
    return LegacyAccountSetting(role=role, attachment=attachment, account=account)
