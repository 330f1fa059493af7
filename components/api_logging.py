"""API Gateway logging: the access log format and the account-wide CloudWatch role."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import iam
from components.alerting import AlertingHub

# One JSON object per request (CloudWatch Logs Insights discovers the fields).
ACCESS_LOG_FORMAT = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "userAgent": "$context.identity.userAgent",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "path": "$context.path",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationStatus": "$context.integrationStatus",
    "integrationError": "$context.integrationErrorMessage",
    "apiKeyId": "$context.identity.apiKeyId",
    "xrayTraceId": "$context.xrayTraceId",
    "errorMessage": "$context.error.message",
}


@dataclass
class AccountLoggingRole:
    """The role API Gateway writes logs with, and the account setting that names it."""

    role: aws.iam.Role
    attachment: aws.iam.RolePolicyAttachment
    account: aws.apigateway.Account


def create_account_logging_role(
    name: str, *, hub: AlertingHub, parent: pulumi.Resource
) -> AccountLoggingRole:
    """The account-wide API Gateway → CloudWatch Logs role (one per account and region)."""
    child = pulumi.ResourceOptions(parent=parent)
    role = aws.iam.Role(
        f"{name}-cloudwatch-role",
        name=hub.naming.name("apigw-cloudwatch-role"),
        description="API Gateway writes execution and access logs of this account/region",
        assume_role_policy=hub.account.apply(
            lambda where: json.dumps(iam.apigateway_trust_policy(where))
        ),
        opts=child,
    )
    attachment = aws.iam.RolePolicyAttachment(
        f"{name}-cloudwatch-role-logs",
        role=role.name,
        policy_arn=hub.account.apply(
            lambda where: iam.apigateway_push_to_logs_policy_arn(where.partition)
        ),
        opts=child,
    )
    account = aws.apigateway.Account(
        f"{name}-account",
        cloudwatch_role_arn=role.arn,
        opts=pulumi.ResourceOptions(
            parent=parent,
            # API Gateway checks the role can write logs when the setting is made.
            depends_on=[attachment],
        ),
    )
    return AccountLoggingRole(role=role, attachment=attachment, account=account)
