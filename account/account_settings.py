"""The account project's config, validated with messages naming the key, the value and the rule."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

NAMESPACE = "cw-analytics-account"
# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = frozenset(
    {1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557}
    | {2922, 3288, 3653}
)
DEFAULT_LOG_RETENTION_DAYS = 30
_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


@dataclass(frozen=True)
class AccountSettings:
    """Where the account settings go and how long their log group keeps events."""

    region: str
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS


def account_settings_from_config(config: Mapping[str, str], region: str | None) -> AccountSettings:
    """Validate raw config (keys without namespace); ``ValueError`` lists every problem."""
    problems: list[str] = []
    if not region:
        problems.append("aws:region is required (pulumi config set aws:region eu-west-1)")
    elif not _REGION.match(region):
        problems.append(f"aws:region '{region}' is not an AWS region name such as eu-west-1")
    retention = DEFAULT_LOG_RETENTION_DAYS
    raw = config.get("logRetentionDays")
    if raw is not None:
        try:
            retention = int(str(raw).strip())
        except ValueError:
            problems.append(f"{NAMESPACE}:logRetentionDays '{raw}' must be a whole number")
        else:
            if retention not in LOG_RETENTION_DAYS:
                problems.append(
                    f"{NAMESPACE}:logRetentionDays '{raw}' is not a retention CloudWatch Logs "
                    f"accepts ({', '.join(map(str, sorted(LOG_RETENTION_DAYS)))})"
                )
    if problems:
        raise ValueError("invalid account configuration:\n  - " + "\n  - ".join(problems))
    return AccountSettings(region=str(region), log_retention_days=retention)


def load_account_settings() -> AccountSettings:
    """Read the current stack's config through Pulumi and validate it."""
    config = pulumi.Config(NAMESPACE)
    raw = {key: value for key in ("logRetentionDays",) if (value := config.get(key)) is not None}
    return account_settings_from_config(raw, pulumi.Config("aws").get("region"))
