"""AlertingHub: the stack's customer-managed KMS key and its encrypted alert topic."""

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..lib.account import account_context
from ..lib.args import Defaulted, from_inputs
from ..lib.naming import Naming
from .policies import key_policy, topic_policy

MIN_KEY_DELETION_WINDOW_DAYS = 7


@dataclass(frozen=True)
class AlertingHubArgs:
    """Inputs of the alerting hub: plain values only."""

    project_name: str
    """First part of every physical name (``cw-analytics``)."""
    environment_suffix: str
    """Second part of every physical name (``dev``, ``prod``, ``pr-123``)."""
    region: str
    """AWS region of the stack; CloudWatch Logs there may use the key for the stack's groups."""
    alarm_emails: Sequence[str]
    """Addresses subscribed to the alert topic (each must confirm its subscription)."""
    key_deletion_window_days: Defaulted[int] = MIN_KEY_DELETION_WINDOW_DAYS
    """Days KMS waits before deleting the key after destroy (7 to 30)."""
    retain_key_on_delete: Defaulted[bool] = False
    """Leave the key behind on destroy: set it when encrypted data (a final snapshot, a secret
    in its recovery window) outlives the stack."""
    protect_data: Defaulted[bool] = False
    """Pulumi's ``protect`` on the key
    (`pulumi destroy` then fails before deleting anything)."""


class AlertingHub(pulumi.ComponentResource):
    """Customer-managed KMS key for the stack's data and logs, and the encrypted alert topic.

    Other components take ``key_arn`` to encrypt what they store and ``topic_arn`` to send their
    alarms; ``topic_arn`` resolves only once the topic policy lets CloudWatch publish, so an
    alarm wired to it is never created before it can deliver.
    """

    TYPE_TOKEN = "cw-analytics:alerting:AlertingHub"

    key_arn: pulumi.Output[str]
    """ARN of the customer-managed key (rotation on)."""
    key_alias: pulumi.Output[str]
    """The key's alias (``alias/<project>-<suffix>-key``)."""
    topic_arn: pulumi.Output[str]
    """ARN of the encrypted SNS topic every alarm of the stack notifies."""

    def __init__(
        self, name: str, args: AlertingHubArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        args = from_inputs(AlertingHubArgs, args)
        naming = Naming(args.project_name, args.environment_suffix)
        child = pulumi.ResourceOptions(parent=self)
        where = account_context(self, args.region)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{naming.base}: logs, alerts, metrics table, database, secrets",
            enable_key_rotation=True,
            deletion_window_in_days=args.key_deletion_window_days,
            policy=where.apply(lambda w: json.dumps(key_policy(naming, w))),
            # A final snapshot or a secret in its recovery window outlives the stack, encrypted
            # with this key: destroy leaves the key (and its billing) behind so they stay
            # readable. Not `protect`: that would stop `pulumi destroy` until someone
            # unprotects the key by hand.
            # Separately, `protect_data` (prod) makes an accidental destroy stop at once.
            opts=pulumi.ResourceOptions(
                parent=self,
                retain_on_delete=args.retain_key_on_delete,
                protect=args.protect_data,
            ),
        )
        self.key_arn = self.key.arn
        self.alias = aws.kms.Alias(
            f"{name}-key-alias",
            name=naming.full_name("key"),
            target_key_id=self.key.key_id,
            opts=child,
        )
        self.key_alias = self.alias.name
        self.topic = aws.sns.Topic(
            f"{name}-alerts",
            name=naming.name("alerts"),
            kms_master_key_id=self.key.arn,
            opts=child,
        )
        self.topic_policy = aws.sns.TopicPolicy(
            f"{name}-alerts-policy",
            arn=self.topic.arn,
            policy=pulumi.Output.all(self.topic.arn, where).apply(
                lambda values: json.dumps(topic_policy(values[0], naming, values[1]))
            ),
            opts=child,
        )
        # The topic's ARN, carrying the policy as a dependency: whatever takes it as an input
        # (every alarm) is created after CloudWatch may publish, without a depends_on of its own.
        self.topic_arn = pulumi.Output.all(self.topic.arn, self.topic_policy.id).apply(
            lambda values: str(values[0])
        )
        self.subscriptions = [
            aws.sns.TopicSubscription(
                f"{name}-alerts-email-{index}",
                topic=self.topic.arn,
                protocol="email",
                endpoint=email,
                opts=child,
            )
            for index, email in enumerate(args.alarm_emails)
        ]
        self.register_outputs(
            {"keyArn": self.key_arn, "keyAlias": self.key_alias, "topicArn": self.topic_arn}
        )
