"""Where a component runs: the account and partition the provider resolves, and the region."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws


@dataclass(frozen=True)
class AccountContext:
    """Where the stack runs, as resolved by the provider."""

    account_id: str
    partition: str
    region: str


def account_context(parent: pulumi.Resource, region: str) -> pulumi.Output[AccountContext]:
    """The caller's account and partition (two invokes, no resources) and ``region``."""
    invoke = pulumi.InvokeOptions(parent=parent)
    identity = aws.get_caller_identity_output(opts=invoke)
    partition = aws.get_partition_output(opts=invoke)
    return pulumi.Output.all(identity.account_id, partition.partition).apply(
        lambda ids: AccountContext(ids[0], ids[1], region)
    )
