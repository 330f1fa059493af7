"""Grants AWS documents as necessary, recognised by their exact shape.

A Lambda function attached to a VPC needs its execution role to create, delete and re-address
network interfaces (Lambda developer guide, "Giving Lambda functions access to resources in an
Amazon VPC"; the managed policy ``AWSLambdaVPCAccessExecutionRole``). EC2 chooses the interface
ids at creation, and Lambda checks the role's permission before any interface exists, so the
only resource that can name them is every network interface of the account:
``arn:aws:ec2:<region>:<account>:network-interface/*``. That statement is accepted under the
pack's defaults, and only in exactly that shape:

- an identity policy's Allow with ``Action`` and ``Resource`` (no ``NotAction``/``NotResource``);
- every action a literal name from Lambda's documented list (a pattern such as
  ``ec2:*NetworkInterface*`` also matches ``AttachNetworkInterface`` or
  ``CreateNetworkInterfacePermission``, which hand an interface to someone else);
- the resource exactly ``network-interface/*`` in one named account (a wildcard region is
  allowed; ``network-interface/*`` of any account is not).

Anything else about the statement is judged as usual.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["LAMBDA_VPC_INTERFACE_ACTIONS", "is_lambda_vpc_interface_grant"]

LAMBDA_VPC_INTERFACE_ACTIONS = frozenset(
    {
        "ec2:createnetworkinterface",
        "ec2:deletenetworkinterface",
        "ec2:describenetworkinterfaces",
        "ec2:describesubnets",
        "ec2:assignprivateipaddresses",
        "ec2:unassignprivateipaddresses",
    }
)
"""The actions Lambda documents for a VPC function's execution role (lower case)."""

_INTERFACES = re.compile(
    r"arn:aws(?:-[a-z]+)*:ec2:(?:[a-z]{2}(?:-[a-z]+)+-\d|\*):\d{12}:network-interface/\*"
)
_INTERFACE_TYPE = "ec2:network-interface"


def is_lambda_vpc_interface_grant(
    actions: Sequence[str], resource: str, resource_type: str
) -> bool:
    """Whether a statement's type-wide ``resource`` is the documented Lambda VPC interface grant.

    ``actions`` are the statement's actions as written; ``resource_type`` the type the resource
    covers (``ec2:network-interface``).
    """
    return (
        resource_type == _INTERFACE_TYPE
        and bool(actions)
        and all(
            not any(ch in action for ch in "*?")
            and action.strip().lower() in LAMBDA_VPC_INTERFACE_ACTIONS
            for action in actions
        )
        and _INTERFACES.fullmatch(resource.strip()) is not None
    )
