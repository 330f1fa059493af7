"""FunctionRole: a Lambda execution role, and the grant Lambda releases VPC interfaces with.

Lambda creates a VPC function's network interfaces with the function's execution role, and
deletes them with it too — after the function itself is deleted (AWS Knowledge Center
"lambda-eni-find-delete"). Until then the subnets and security groups holding them cannot be
deleted. ``pulumi destroy`` deletes a resource only after everything that depends on it, so the
role and the grant that allows ``ec2:DeleteNetworkInterface`` must be things the subnets and
groups depend on: built first, naming none of them, and passed in ``depends_on`` of the network
(depending on a component is depending on its children). The grant that names the subnets and
group (``ec2:CreateNetworkInterface``) stays with the function, which is deleted first anyway.
"""

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..lib import iam
from ..lib.account import account_context
from ..lib.args import ArgsCheck, Defaulted, from_inputs
from ..lib.naming import NameRule, instance_naming

NAMES = {
    "role": NameRule(64, "IAM role"),
    "interfaces": NameRule(128, "IAM inline policy"),
}
LABEL_LIMIT = 200
"""The label goes into the role's description (IAM allows 1,000 characters; the rest is ours)."""


@dataclass(frozen=True)
class FunctionRoleArgs:
    """Inputs of a function's execution role: plain values only."""

    name_prefix: str
    """Start of every physical name (this program passes ``{project}-{suffix}``)."""
    region: str
    """AWS region of the function (the network-interface ARNs of the grant)."""
    label: str
    """Human name of the function for the role's description (``API handler``)."""
    in_vpc: Defaulted[bool] = True
    """Whether the function runs in a VPC: then the role carries the interface grant."""
    instance_name: Defaulted[str | None] = None
    """This role's part of its physical names, after ``name_prefix``; by default the component's
    resource name (``api-handler`` gives ``{name_prefix}-api-handler-role``)."""


def _validate(name: str, args: FunctionRoleArgs) -> None:
    check = ArgsCheck("FunctionRole", name)
    check.require(
        0 < len(args.label) <= LABEL_LIMIT,
        "label",
        args.label,
        f"must be 1 to {LABEL_LIMIT} characters (it goes into the role's description)",
    )
    check.done()


class FunctionRole(pulumi.ComponentResource):
    """The execution role of one Lambda function; for a VPC function, its interface grant.

    The role is named ``{name_prefix}-{instance}-role``. Build it before the network the
    function runs in, and give the network ``depends_on=[role]``.
    """

    TYPE_TOKEN = "cw-analytics:function:FunctionRole"

    role_arn: pulumi.Output[str]
    """ARN of the role, known once its interface grant (if any) is attached: a function given
    it is created only when Lambda's permission check can pass."""
    role_name: pulumi.Output[str]
    """Name of the role, for the function's own inline policy."""

    def __init__(
        self,
        name: str,
        args: FunctionRoleArgs,
        opts: pulumi.ResourceOptions | None = None,
        *,
        moved_from: str | pulumi.Output[str] | None = None,
    ) -> None:
        """``moved_from``: URN of the component that built this role before (``ApiWithHandler``
        up to version 0.2); the role's old URN under it becomes an alias, so ``pulumi up`` moves
        the role instead of replacing it."""
        args = from_inputs(FunctionRoleArgs, args)
        _validate(name, args)
        naming = instance_naming(
            "FunctionRole",
            name,
            name_prefix=args.name_prefix,
            instance_name=args.instance_name,
            rules=NAMES,
        )
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        self.role = aws.iam.Role(
            f"{name}-role",
            name=naming.name("role"),
            description=f"{args.name_prefix} {args.label} Lambda execution role",
            assume_role_policy=json.dumps(iam.lambda_trust_policy()),
            opts=pulumi.ResourceOptions(
                parent=self,
                aliases=[pulumi.Alias(parent=moved_from)] if moved_from is not None else None,
            ),
        )
        self.interface_grant: aws.iam.RolePolicy | None = None
        if args.in_vpc:
            where = account_context(self, args.region)
            self.interface_grant = aws.iam.RolePolicy(
                f"{name}-interfaces",
                name=naming.name("interfaces"),
                role=self.role.id,
                policy=where.apply(
                    lambda w: json.dumps(iam.document(iam.interface_release_statements(w)))
                ),
                opts=pulumi.ResourceOptions(parent=self),
            )
        grant_id = self.interface_grant.id if self.interface_grant is not None else ""
        self.role_arn = pulumi.Output.all(self.role.arn, grant_id).apply(lambda v: v[0])
        self.role_name = self.role.name
        self.register_outputs({"roleArn": self.role_arn, "roleName": self.role_name})
