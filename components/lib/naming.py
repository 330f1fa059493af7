"""Physical names and default tags.

Every physical name is ``{project_name}-{environment_suffix}-{resource_type}``. The resource
types a stack uses are registered here with the AWS limit of the name they end up in, so the
settings can reject a suffix that would push *any* of them past its limit before a single
resource is declared, and so a component cannot invent a name the check does not know about.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType


@dataclass(frozen=True)
class NameRule:
    """The AWS limit that applies to one registered resource type's name."""

    limit: int
    what: str
    prefix: str = ""
    """Text AWS puts before the name in the same field (log group paths), counted in the limit."""


_RULES: dict[str, NameRule] = {
    # AlertingHub
    "key": NameRule(250, "KMS alias", prefix="alias/"),
    "alerts": NameRule(256, "SNS topic"),
    # ServiceDashboard
    "dashboard": NameRule(255, "CloudWatch dashboard"),
    "service-health": NameRule(255, "CloudWatch composite alarm"),
    # MonitoredVpc
    "vpc": NameRule(255, "VPC Name tag"),
    "igw": NameRule(255, "internet gateway Name tag"),
    "public-a": NameRule(255, "subnet Name tag"),
    "public-b": NameRule(255, "subnet Name tag"),
    "private-a": NameRule(255, "subnet Name tag"),
    "private-b": NameRule(255, "subnet Name tag"),
    "public-rt": NameRule(255, "route table Name tag"),
    "private-rt": NameRule(255, "route table Name tag"),
    "lambda-sg": NameRule(255, "security group"),
    "db-sg": NameRule(255, "security group"),
    "endpoints-sg": NameRule(255, "security group"),
    "dynamodb-endpoint": NameRule(255, "VPC endpoint Name tag"),
    "secrets-endpoint": NameRule(255, "VPC endpoint Name tag"),
    "db-subnets": NameRule(255, "DB subnet group"),
    "flow-logs": NameRule(512, "CloudWatch log group", prefix="/aws/vpc/"),
    "flow-logs-role": NameRule(64, "IAM role"),
    "flow-logs-policy": NameRule(128, "IAM inline policy"),
    "rejected-packets": NameRule(512, "CloudWatch Logs metric filter"),
    "default-sg": NameRule(255, "default security group Name tag"),
    # MonitoredDatabase
    "db": NameRule(63, "RDS instance identifier"),
    "db-params": NameRule(255, "DB parameter group"),
    "db-credentials": NameRule(512, "Secrets Manager secret"),
    # The final snapshot name gets an 8-character random part and a hyphen after it.
    "db-final": NameRule(255 - 9, "RDS final snapshot identifier"),
    # ApiWithHandler
    "api": NameRule(1024, "API Gateway REST API"),
    "api-handler": NameRule(64, "Lambda function"),
    "api-handler-role": NameRule(64, "IAM role"),
    "api-access-logs": NameRule(512, "CloudWatch log group", prefix="/aws/apigateway/"),
    "api-key": NameRule(1024, "API Gateway API key"),
    "api-usage-plan": NameRule(1024, "API Gateway usage plan"),
    # MetricAggregator
    "metrics": NameRule(255, "DynamoDB table"),
    "aggregator": NameRule(64, "Lambda function"),
    "aggregator-role": NameRule(64, "IAM role"),
    "aggregator-schedule": NameRule(64, "EventBridge rule"),
    "aggregator-dlq": NameRule(80, "SQS queue"),
}
NAME_RULES: Mapping[str, NameRule] = MappingProxyType(_RULES)
LAMBDA_LOG_GROUP_PREFIX = "/aws/lambda/"
# API Gateway names its execution log group itself: {prefix}{rest api id}/{stage}.
API_EXECUTION_LOG_GROUP_PREFIX = "API-Gateway-Execution-Logs_"
RDS_LOG_GROUP_PREFIX = "/aws/rds/instance/"
# The PostgreSQL logs the database exports to CloudWatch Logs; RDS names their log groups.
RDS_LOG_EXPORTS = ("postgresql", "upgrade")
ALARM_NAME_LIMIT = 255


@dataclass(frozen=True)
class Naming:
    """Builds the physical names and tags of one stack."""

    project_name: str
    environment_suffix: str

    @property
    def base(self) -> str:
        """``{project}-{suffix}``: the prefix every physical name starts with."""
        return f"{self.project_name}-{self.environment_suffix}"

    @property
    def metrics_namespace(self) -> str:
        """CloudWatch namespace of the stack's custom (EMF) metrics, e.g. ``cw-analytics/dev``."""
        return f"{self.project_name}/{self.environment_suffix}"

    def name(self, resource_type: str) -> str:
        """The physical name of a registered resource type, e.g. ``cw-analytics-dev-db``."""
        if resource_type not in NAME_RULES:
            raise KeyError(
                f"resource type '{resource_type}' is not registered in components/lib/naming.py; "
                "register it with the AWS limit of its name"
            )
        return f"{self.base}-{resource_type}"

    def full_name(self, resource_type: str) -> str:
        """The name as AWS stores it, prefix included (``/aws/vpc/cw-analytics-dev-flow-logs``)."""
        name = self.name(resource_type)
        return NAME_RULES[resource_type].prefix + name

    def lambda_log_group(self, function_type: str) -> str:
        """The log group Lambda writes to for a registered function."""
        return LAMBDA_LOG_GROUP_PREFIX + self.name(function_type)

    def rds_log_group(self, export: str) -> str:
        """The log group RDS writes an exported log to: ``/aws/rds/instance/{db}/{export}``."""
        if export not in RDS_LOG_EXPORTS:
            raise KeyError(f"'{export}' is not one of the exported RDS logs {RDS_LOG_EXPORTS}")
        return f"{RDS_LOG_GROUP_PREFIX}{self.name('db')}/{export}"

    def alarm(self, slug: str) -> str:
        """An alarm name: ``{project}-{suffix}-{slug}``, checked against CloudWatch's limit."""
        name = f"{self.base}-{slug}"
        if len(name) > ALARM_NAME_LIMIT:
            raise ValueError(f"alarm name '{name}' is longer than {ALARM_NAME_LIMIT} characters")
        return name

    def too_long(self) -> list[str]:
        """Every registered name that exceeds its AWS limit, described for an error message."""
        problems = []
        for resource_type, rule in NAME_RULES.items():
            full = rule.prefix + self.name(resource_type)
            if len(full) > rule.limit:
                problems.append(
                    f"{rule.what} name '{full}' would be {len(full)} characters "
                    f"(limit {rule.limit})"
                )
        return problems

    def tags(self) -> dict[str, str]:
        """Tags every taggable resource carries, applied through the provider's default tags."""
        return {
            "Project": self.project_name,
            "Environment": self.environment_suffix,
            "ManagedBy": "pulumi",
        }
