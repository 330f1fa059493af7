"""Encryption at rest with a customer managed KMS key, and KMS key rotation."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from .common import UNKNOWN, get, is_truthy, label

DYNAMODB_TABLE = "aws:dynamodb/table:Table"
SNS_TOPIC = "aws:sns/topic:Topic"
SQS_QUEUE = "aws:sqs/queue:Queue"
LOG_GROUP = "aws:cloudwatch/logGroup:LogGroup"
SECRET = "aws:secretsmanager/secret:Secret"
KMS_KEY = "aws:kms/key:Key"

Validator = Callable[[ResourceValidationArgs, ReportViolation], None]


def is_customer_key(value: object) -> bool:
    """A key id/ARN/alias that is (or will be) set and is not an AWS managed ``alias/aws/...``."""
    if value is UNKNOWN:
        return True
    if not isinstance(value, str) or value.strip() == "":
        return False
    return "alias/aws/" not in value


def validate_dynamodb(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """DynamoDB tables: server_side_encryption enabled with kms_key_arn."""
    if args.resource_type != DYNAMODB_TABLE:
        return
    sse = get(args.props, "serverSideEncryption")
    if sse is UNKNOWN:
        return
    enabled = get(sse, "enabled") if isinstance(sse, Mapping) else None
    key = get(sse, "kmsKeyArn") if isinstance(sse, Mapping) else None
    if enabled is UNKNOWN:
        return
    if not is_truthy(enabled) or not is_customer_key(key):
        report(
            f"{label(args)} must set server_side_encryption="
            "{enabled: True, kms_key_arn: <the stack's "
            "KMS key ARN>}}; the default AWS owned key gives no control over access or rotation",
            None,
        )


def _key_input(resource_type: str, key: str, what: str) -> Validator:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        if args.resource_type != resource_type:
            return
        if not is_customer_key(get(args.props, key)):
            report(
                f"{label(args)} must set {what} to the stack's customer managed KMS key "
                "(an AWS managed alias/aws/... key or none does not count)",
                None,
            )

    validate.__doc__ = f"{resource_type}: {key} names a customer managed KMS key."
    return validate


validate_sns = _key_input(SNS_TOPIC, "kmsMasterKeyId", "kms_master_key_id")
validate_sqs = _key_input(
    SQS_QUEUE, "kmsMasterKeyId", "kms_master_key_id (sqs_managed_sse_enabled is not enough)"
)
validate_log_group_key = _key_input(LOG_GROUP, "kmsKeyId", "kms_key_id")
validate_secret = _key_input(SECRET, "kmsKeyId", "kms_key_id")


def validate_key_rotation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Symmetric KMS keys have automatic rotation enabled."""
    if args.resource_type != KMS_KEY:
        return
    spec = get(args.props, "customerMasterKeySpec") or get(args.props, "keySpec")
    if isinstance(spec, str) and spec not in ("", "SYMMETRIC_DEFAULT"):
        return  # AWS rotates only symmetric encryption keys
    if (
        not is_truthy(get(args.props, "enableKeyRotation"))
        and get(args.props, "enableKeyRotation") is not UNKNOWN
    ):
        report(f"{label(args)} must set enable_key_rotation=True (yearly automatic rotation)", None)


def _policy(name: str, description: str, validate: Validator) -> ResourceValidationPolicy:
    return ResourceValidationPolicy(
        name=name,
        description=description,
        validate=validate,
        enforcement_level=EnforcementLevel.ADVISORY,
    )


dynamodb_cmk = _policy(
    "dynamodb-encrypted-cmk",
    "DynamoDB tables should be encrypted with a customer managed KMS key.",
    validate_dynamodb,
)
sns_cmk = _policy(
    "sns-encrypted-cmk",
    "SNS topics should be encrypted with a customer managed KMS key.",
    validate_sns,
)
sqs_cmk = _policy(
    "sqs-encrypted-cmk",
    "SQS queues should be encrypted with a customer managed KMS key "
    "(SQS-managed SSE is not enough).",
    validate_sqs,
)
log_group_cmk = _policy(
    "log-group-encrypted-cmk",
    "CloudWatch log groups should be encrypted with a customer managed KMS key.",
    validate_log_group_key,
)
secret_cmk = _policy(
    "secret-encrypted-cmk",
    "Secrets Manager secrets should be encrypted with a customer managed KMS key.",
    validate_secret,
)
key_rotation = _policy(
    "kms-key-rotation",
    "Symmetric KMS keys should have automatic key rotation enabled.",
    validate_key_rotation,
)
