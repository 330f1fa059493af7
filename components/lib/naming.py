"""Physical names of a component instance, derived from the instance and the caller's prefix.

Every physical name a component creates is ``{base}-{suffix}``, where ``base`` joins the
caller's ``name_prefix`` (``cw-analytics-dev``: project and stack) and the instance's own part
(by default the component's resource name), so two instances of a component never share a
name in one stack or account. Each component declares the suffixes it uses with the AWS limit
of the name they end up in (its ``NAMES`` table); ``instance_naming`` checks every derived name
against its limit before the component registers a resource.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .args import InvalidArgsError

LAMBDA_LOG_GROUP_PREFIX = "/aws/lambda/"
# API Gateway names its execution log group itself: {prefix}{rest api id}/{stage}.
API_EXECUTION_LOG_GROUP_PREFIX = "API-Gateway-Execution-Logs_"
RDS_LOG_GROUP_PREFIX = "/aws/rds/instance/"
# Paths the components put their own log groups under (AWS's convention for each service).
VPC_LOG_GROUP_PREFIX = "/aws/vpc/"
API_GATEWAY_LOG_GROUP_PREFIX = "/aws/apigateway/"
# The PostgreSQL logs the database exports to CloudWatch Logs; RDS names their log groups.
RDS_LOG_EXPORTS = ("postgresql", "upgrade")
ALARM_NAME_LIMIT = 255
# Lowercase (RDS identifiers), starts with a letter, no trailing or doubled hyphen (RDS rejects
# both): the strictest of the names a part ends up in.
NAME_PART_PATTERN = r"^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$"
# CloudWatch namespace characters; the AWS/ prefix is reserved for AWS services.
NAMESPACE_PATTERN = r"^(?!AWS/)[A-Za-z0-9.\-_/#:]{1,255}$"


@dataclass(frozen=True)
class NameRule:
    """The AWS limit that applies to one suffix's name."""

    limit: int
    what: str
    prefix: str = ""
    """Text AWS puts before the name in the same field (log group paths), counted in the limit."""


@dataclass(frozen=True)
class Naming:
    """Builds the physical names of one component instance."""

    base: str
    """``{name_prefix}-{instance part}``: the start of every physical name of the instance."""
    rules: Mapping[str, NameRule]
    """The suffixes the component uses, with their limits."""
    metrics_namespace: str = ""
    """CloudWatch namespace of the instance's custom metrics (EMF, metric filters)."""

    def name(self, suffix: str) -> str:
        """The physical name ``{base}-{suffix}`` of a declared suffix (``cw-analytics-dev-db``)."""
        if suffix not in self.rules:
            raise KeyError(
                f"name suffix '{suffix}' is not declared in the component's NAMES table; "
                "declare it with the AWS limit of its name"
            )
        return f"{self.base}-{suffix}"

    def full_name(self, suffix: str) -> str:
        """The name as AWS stores it, prefix included (``/aws/vpc/cw-analytics-dev-flow-logs``)."""
        name = self.name(suffix)
        return self.rules[suffix].prefix + name

    def lambda_log_group(self, function_suffix: str) -> str:
        """The log group Lambda writes to for a declared function."""
        return LAMBDA_LOG_GROUP_PREFIX + self.name(function_suffix)

    def rds_log_group(self, export: str) -> str:
        """The log group RDS writes an exported log to: ``/aws/rds/instance/{db}/{export}``."""
        if export not in RDS_LOG_EXPORTS:
            raise KeyError(f"'{export}' is not one of the exported RDS logs {RDS_LOG_EXPORTS}")
        return f"{RDS_LOG_GROUP_PREFIX}{self.name('db')}/{export}"

    def alarm(self, slug: str) -> str:
        """An alarm name: ``{base}-{slug}``, checked against CloudWatch's limit."""
        name = f"{self.base}-{slug}"
        if len(name) > ALARM_NAME_LIMIT:
            raise ValueError(f"alarm name '{name}' is longer than {ALARM_NAME_LIMIT} characters")
        return name

    def too_long(self) -> list[str]:
        """Every declared name that exceeds its AWS limit, described for an error message."""
        problems = []
        for suffix, rule in self.rules.items():
            full = rule.prefix + self.name(suffix)
            if len(full) > rule.limit:
                problems.append(
                    f"{rule.what} name '{full}' would be {len(full)} characters "
                    f"(limit {rule.limit})"
                )
        return problems


def instance_base(resource_name: str, name_prefix: str, instance_name: str | None) -> str:
    """``name_prefix`` and the instance's part joined by a hyphen; the part is the resource
    name unless ``instance_name`` is given (``""``: the prefix alone names the instance)."""
    part = resource_name if instance_name is None else instance_name
    return "-".join(p for p in (name_prefix, part) if p)


def instance_naming(
    component: str,
    resource_name: str,
    *,
    name_prefix: str,
    instance_name: str | None,
    rules: Mapping[str, NameRule],
    metrics_namespace: str | None = None,
    hub_name_prefixes: Sequence[str] | None = None,
) -> Naming:
    """The naming of one instance, its parts and every derived name checked first.

    ``hub_name_prefixes``: the prefixes the alerting hub whose key and topic the instance uses
    serves (its ``served_name_prefixes``); an instance whose names start with none of them would
    pass the preview and then be refused by KMS and SNS in AWS, so it is refused here.

    Raises ``InvalidArgsError`` naming the component, the field and the rule.
    """
    where = f"{component} '{resource_name}'"
    for field, value in (("name_prefix", name_prefix), ("instance_name", instance_name)):
        if value and not re.match(NAME_PART_PATTERN, value):
            raise InvalidArgsError(
                f"{where}: {field} '{value}' must match {NAME_PART_PATTERN} (lowercase letters, "
                "digits and single hyphens, starting with a letter: RDS identifiers and other "
                "physical names are made of it)"
            )
    if instance_name is None and not re.match(NAME_PART_PATTERN, resource_name):
        raise InvalidArgsError(
            f"{where}: the resource name is the instance's part of its physical names and must "
            f"match {NAME_PART_PATTERN}; pass instance_name to name it otherwise"
        )
    base = instance_base(resource_name, name_prefix, instance_name)
    if not base:
        raise InvalidArgsError(f"{where}: name_prefix and instance_name are both empty (no names)")
    namespace = base if metrics_namespace is None else metrics_namespace
    if not re.match(NAMESPACE_PATTERN, namespace):
        raise InvalidArgsError(
            f"{where}: metrics_namespace '{namespace}' must match {NAMESPACE_PATTERN} "
            "(a CloudWatch namespace outside AWS/)"
        )
    if hub_name_prefixes is not None and not hub_serves(hub_name_prefixes, base):
        raise InvalidArgsError(
            f"{where}: its names start with '{base}-', which the alerting hub does not serve "
            f"(hub_name_prefixes {list(hub_name_prefixes)}): KMS would refuse its encrypted log "
            "groups and SNS its alarms. Add the prefix to the hub's served_name_prefixes or "
            "pass a name_prefix the hub serves."
        )
    naming = Naming(base, rules, namespace)
    problems = naming.too_long()
    if problems:
        raise InvalidArgsError(
            f"{where}: name_prefix '{name_prefix}' and instance name '{base}' make names "
            "longer than AWS allows: " + "; ".join(problems)
        )
    return naming


def hub_serves(prefixes: Sequence[str], base: str) -> bool:
    """Whether names starting ``{base}-`` fall under one of a hub's served name prefixes."""
    return any(base == prefix or base.startswith(f"{prefix}-") for prefix in prefixes)


def default_tags(project: str, environment: str) -> dict[str, str]:
    """Tags every taggable resource of a program carries (through the provider's default tags)."""
    return {"Project": project, "Environment": environment, "ManagedBy": "pulumi"}
