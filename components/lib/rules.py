"""Value rules the components check their Args against: AWS's accepted values, in one place.

A component checks its own Args with these before it registers a resource (a library user has
no settings module); the program's settings module reuses nothing of them: it checks only what
belongs to config (known keys, types) and leaves the values to the components.
"""

from __future__ import annotations

import ipaddress
import re

# CloudWatch Logs accepts only these retention periods (PutRetentionPolicy).
LOG_RETENTION_DAYS = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)
LOG_RETENTION_RULE = (
    f"is not a retention CloudWatch Logs accepts ({', '.join(str(d) for d in LOG_RETENTION_DAYS)})"
)
# One address, no list separators or spaces; SNS checks deliverability when it sends.
EMAIL_PATTERN = r"^[^@\s,]+@[^@\s,]+\.[^@\s,]+$"
MIN_VPC_PREFIX, MAX_VPC_PREFIX = 16, 24


def is_email(value: str) -> bool:
    """Whether ``value`` has the shape of one e-mail address."""
    return isinstance(value, str) and re.match(EMAIL_PATTERN, value) is not None


def cidr_problem(value: str) -> str | None:
    """Why ``value`` cannot be the VPC's range, or None when it can."""
    try:
        network = ipaddress.IPv4Network(value, strict=True)
    except ValueError as error:
        return f"is not a valid IPv4 network in CIDR notation ({error})"
    if not MIN_VPC_PREFIX <= network.prefixlen <= MAX_VPC_PREFIX:
        return (
            f"must have a prefix between /{MIN_VPC_PREFIX} and /{MAX_VPC_PREFIX} "
            "(AWS allows /16 to /28; four subnets of at least /26 are carved from it)"
        )
    if not network.is_private:
        return "must be a private (RFC 1918) range"
    return None
