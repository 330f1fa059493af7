"""AlertingHub: the stack's customer-managed KMS key and its encrypted alert topic."""

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..lib.account import account_context
from ..lib.args import ArgsCheck, Defaulted, from_inputs
from ..lib.naming import NAME_PART_PATTERN, NameRule, instance_base, instance_naming
from ..lib.rules import EMAIL_PATTERN, is_email
from .policies import key_policy, topic_policy

# KMS ScheduleKeyDeletion: a pending window of 7 to 30 days.
MIN_KEY_DELETION_WINDOW_DAYS, MAX_KEY_DELETION_WINDOW_DAYS = 7, 30
NAMES = {
    "key": NameRule(250, "KMS alias", prefix="alias/"),
    "alerts": NameRule(256, "SNS topic"),
}
"""Suffixes of the hub's physical names and their AWS limits."""


@dataclass(frozen=True)
class AlertingHubArgs:
    """Inputs of the alerting hub: plain values only."""

    name_prefix: str
    """Start of every physical name: the caller's project and stack (``cw-analytics-dev``)."""
    region: str
    """AWS region of the stack; CloudWatch Logs there may use the key for the served groups."""
    alarm_emails: Sequence[str]
    """Addresses subscribed to the alert topic (each must confirm its subscription)."""
    instance_name: Defaulted[str | None] = None
    """This hub's part of its physical names, after ``name_prefix``; by default its resource
    name. ``""`` leaves it out (one hub per prefix)."""
    served_name_prefixes: Defaulted[Sequence[str]] = ()
    """Name prefixes of the consumers the key and topic admit; empty: ``name_prefix`` alone
    (or the hub's own name without one). CloudWatch Logs may use the key for log groups whose
    name starts ``<prefix>-`` (or ``/aws/<service>/<prefix>-``), alarms named ``<prefix>-*``
    may publish to the topic, and EventBridge rules named ``<prefix>-*`` may write encrypted
    queues. A consumer passes them as its ``hub_name_prefixes`` and is refused at construction
    when its names fall outside."""
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
    """The key's alias (``alias/<base>-key``)."""
    served_name_prefixes: list[str]
    """The name prefixes the key and topic admit: pass them to each consumer's
    ``hub_name_prefixes``."""
    topic_arn: pulumi.Output[str]
    """ARN of the encrypted SNS topic every alarm of the stack notifies."""

    def __init__(
        self, name: str, args: AlertingHubArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(self.TYPE_TOKEN, name, None, opts)
        args = from_inputs(AlertingHubArgs, args)
        naming = instance_naming(
            "AlertingHub",
            name,
            name_prefix=args.name_prefix,
            instance_name=args.instance_name,
            rules=NAMES,
        )
        served = self.served_name_prefixes = _validate(name, args)
        child = pulumi.ResourceOptions(parent=self)
        where = account_context(self, args.region)

        self.key = aws.kms.Key(
            f"{name}-key",
            description=f"{naming.base}: logs, alerts, metrics table, database, secrets",
            enable_key_rotation=True,
            deletion_window_in_days=args.key_deletion_window_days,
            policy=where.apply(lambda w: json.dumps(key_policy(served, w))),
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
                lambda values: json.dumps(topic_policy(values[0], served, values[1]))
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
            {
                "keyArn": self.key_arn,
                "keyAlias": self.key_alias,
                "topicArn": self.topic_arn,
                "servedNamePrefixes": self.served_name_prefixes,
            }
        )


def _validate(name: str, args: AlertingHubArgs) -> list[str]:
    """The served prefixes, once the hub's Args are checked (every problem together)."""
    check = ArgsCheck("AlertingHub", name)
    served = list(args.served_name_prefixes) or [
        args.name_prefix or instance_base(name, "", args.instance_name)
    ]
    for prefix in served:
        check.require(
            bool(re.match(NAME_PART_PATTERN, prefix)),
            "served_name_prefixes",
            prefix,
            f"must match {NAME_PART_PATTERN} (the start of consumers' physical names)",
        )
    emails = list(args.alarm_emails)
    for email in emails:
        check.require(
            is_email(email), "alarm_emails", email, f"is not an e-mail address ({EMAIL_PATTERN})"
        )
    check.require(
        bool(emails), "alarm_emails", emails, "must name at least one address: alarms reach nobody"
    )
    check.require(len(set(emails)) == len(emails), "alarm_emails", emails, "lists an address twice")
    check.require(
        MIN_KEY_DELETION_WINDOW_DAYS
        <= args.key_deletion_window_days
        <= MAX_KEY_DELETION_WINDOW_DAYS,
        "key_deletion_window_days",
        args.key_deletion_window_days,
        f"must be between {MIN_KEY_DELETION_WINDOW_DAYS} and {MAX_KEY_DELETION_WINDOW_DAYS} "
        "(the waiting periods KMS accepts)",
    )
    check.done()
    return served
