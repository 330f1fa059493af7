"""How many confirmed subscriptions the stack's alert topic has: 0 means alarms reach no one."""

from __future__ import annotations

from typing import Any


def confirmed_subscriptions(sns: Any, topic_arn: str) -> int:
    """``SubscriptionsConfirmed`` of the topic (pending e-mail subscriptions do not count)."""
    attributes = sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]
    return int(attributes.get("SubscriptionsConfirmed", "0"))
