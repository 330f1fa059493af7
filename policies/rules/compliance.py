"""The AWS Security Hub and CIS controls each rule enforces (or deliberately departs from).

Ids and titles are copied from AWS's published control lists: the Security Hub controls
reference (Foundational Security Best Practices, "FSBP") and Security Hub's CIS AWS Foundations
Benchmark v1.2.0 controls. A control is listed only where the rule checks what the control
checks; SNS.1 is not listed because Security Hub retired it from FSBP (April 2024).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["CONTROLS", "DEPARTURES", "Control", "describe", "tagged"]


@dataclass(frozen=True)
class Control:
    """One published control: its standard, id and title."""

    standard: str
    control_id: str
    title: str

    def short(self) -> str:
        """``IAM.1`` or ``CIS 1.22``."""
        return self.control_id if self.standard == "FSBP" else f"CIS {self.control_id}"


_IAM_1 = Control(
    "FSBP", "IAM.1", 'IAM policies should not allow full "*" administrative privileges'
)
_CIS_1_22 = Control(
    "CIS v1.2.0",
    "1.22",
    'Ensure IAM policies that allow full "*:*" administrative privileges are not created',
)
_LAMBDA_1 = Control("FSBP", "Lambda.1", "Lambda function policies should prohibit public access")
_RDS_2 = Control(
    "FSBP",
    "RDS.2",
    "RDS DB Instances should prohibit public access, as determined by the PubliclyAccessible "
    "AWS Configuration",
)
_RDS_3 = Control("FSBP", "RDS.3", "RDS DB instances should have encryption at-rest enabled")
_RDS_7 = Control("FSBP", "RDS.7", "RDS clusters should have deletion protection enabled")
_RDS_8 = Control("FSBP", "RDS.8", "RDS DB instances should have deletion protection enabled")
_KMS_4 = Control("FSBP", "KMS.4", "AWS KMS key rotation should be enabled")
_CIS_2_8 = Control("CIS v1.2.0", "2.8", "Ensure rotation for customer-created CMKs is enabled")
_SQS_1 = Control("FSBP", "SQS.1", "Amazon SQS queues should be encrypted at rest")
_EC2_6 = Control("FSBP", "EC2.6", "VPC flow logging should be enabled in all VPCs")
_CIS_2_9 = Control("CIS v1.2.0", "2.9", "Ensure VPC flow logging is enabled in all VPCs")
_EC2_13 = Control(
    "FSBP", "EC2.13", "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 22"
)
_EC2_14 = Control(
    "FSBP",
    "EC2.14",
    "Security groups should not allow ingress from 0.0.0.0/0 or ::/0 to port 3389",
)
_EC2_18 = Control(
    "FSBP",
    "EC2.18",
    "Security groups should only allow unrestricted incoming traffic for authorized ports",
)
_EC2_19 = Control(
    "FSBP", "EC2.19", "Security groups should not allow unrestricted access to ports with high risk"
)
_SG = (_EC2_13, _EC2_14, _EC2_18, _EC2_19)

CONTROLS: Mapping[str, tuple[Control, ...]] = {
    "iam-no-wildcard": (_IAM_1, _CIS_1_22),
    "policy-no-open-principal": (_LAMBDA_1,),
    "lambda-permission-source": (_LAMBDA_1,),
    "rds-not-public": (_RDS_2,),
    "rds-encrypted-cmk": (_RDS_3,),
    "kms-key-rotation": (_KMS_4, _CIS_2_8),
    "sqs-encrypted-cmk": (_SQS_1,),
    "vpc-flow-logs": (_EC2_6, _CIS_2_9),
    "sg-no-public-ingress": _SG,
    "sg-no-public-ingress-combined": _SG,
}
"""Rule name -> the controls it enforces."""

DEPARTURES: Mapping[str, tuple[tuple[Control, ...], str]] = {
    "rds-destroyable": (
        (_RDS_7, _RDS_8),
        "Non-production stacks must be destroyable, so deletion protection is refused by "
        "default; a stack whose policy config sets allowDeletionProtection (prod) follows "
        "RDS.7/RDS.8 and must then keep a named final snapshot.",
    ),
    "rds-destroyable-protect": (
        (_RDS_7, _RDS_8),
        "The protect option stops `pulumi destroy` the same way deletion protection does, so "
        "it is refused by default; a stack that protects its stateful resources sets "
        "allowProtect in its policy config and follows RDS.7/RDS.8 that way.",
    ),
}
"""Rule name -> (controls it departs from on purpose, why and which config follows them)."""


def tagged(rule: str) -> str:
    """``[IAM.1, CIS 1.22]`` for a rule's messages (``[departs from RDS.7, RDS.8 by design]``
    for a deliberate departure), or '' when the rule maps to no control."""
    controls = CONTROLS.get(rule)
    if controls:
        return "[" + ", ".join(c.short() for c in controls) + "]"
    departure = DEPARTURES.get(rule)
    if departure:
        shown = ", ".join(c.short() for c in departure[0])
        return f"[departs from {shown} by design: see the pack docs]"
    return ""


def describe(rule: str, description: str) -> str:
    """A rule's description followed by the controls it enforces or departs from."""
    controls = CONTROLS.get(rule)
    if controls:
        listed = "; ".join(f"{c.short()} {c.title}" for c in controls)
        return f"{description} Controls: {listed}."
    departure = DEPARTURES.get(rule)
    if departure:
        listed = "; ".join(f"{c.short()} {c.title}" for c in departure[0])
        return f"{description} Departs from: {listed}. {departure[1]}"
    return description
