"""The API handler's data access: its database secret, reads of the metrics table, the key."""

from __future__ import annotations

from ..lib.account import AccountContext
from ..lib.iam import Statement, kms_via_statement


def api_handler_statements(
    *, where: AccountContext, secret_arn: str, table_arn: str, key_arn: str
) -> list[Statement]:
    """The API handler's data access: its secret, reads of the metrics table, the key."""
    return [
        {
            "Sid": "ReadDatabaseSecret",
            "Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue",
            "Resource": secret_arn,
        },
        {
            "Sid": "ReadMetricsTable",
            "Effect": "Allow",
            "Action": ["dynamodb:Query", "dynamodb:GetItem"],
            "Resource": table_arn,
        },
        kms_via_statement(
            "DecryptSecretAndTable",
            key_arn,
            ["kms:Decrypt"],
            ["secretsmanager", "dynamodb"],
            where.region,
        ),
    ]
