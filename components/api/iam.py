"""The API handler's data access: its database secret, reads of the metrics table, the key."""

from __future__ import annotations

from ..lib.account import AccountContext
from ..lib.iam import Statement, kms_via_statement


def api_handler_statements(
    *, where: AccountContext, secret_arn: str | None, table_arn: str | None, key_arn: str
) -> list[Statement]:
    """The API handler's data access: exactly the secret and table it is given, and the key
    through the services holding them (nothing when it is given neither)."""
    statements: list[Statement] = []
    services = []
    if secret_arn is not None:
        services.append("secretsmanager")
        statements.append(
            {
                "Sid": "ReadDatabaseSecret",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": secret_arn,
            }
        )
    if table_arn is not None:
        services.append("dynamodb")
        statements.append(
            {
                "Sid": "ReadMetricsTable",
                "Effect": "Allow",
                "Action": ["dynamodb:Query", "dynamodb:GetItem"],
                "Resource": table_arn,
            }
        )
    if services:
        statements.append(
            kms_via_statement(
                "Decrypt"
                + "And".join(
                    {"secretsmanager": "Secret", "dynamodb": "Table"}[s] for s in services
                ),
                key_arn,
                ["kms:Decrypt"],
                services,
                where.region,
            )
        )
    return statements
