"""The alert topic's confirmed subscriptions, counted with GetTopicAttributes."""

from __future__ import annotations

import boto3
import pytest
from aggregator.subscribers import confirmed_subscriptions
from botocore.stub import Stubber

from .helpers import REGION

TOPIC = f"arn:aws:sns:{REGION}:123456789012:cw-analytics-test-alerts"


def _stubbed(attributes: dict[str, str]) -> tuple[object, Stubber]:
    sns = boto3.client("sns", region_name=REGION, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(sns)
    stubber.add_response("get_topic_attributes", {"Attributes": attributes}, {"TopicArn": TOPIC})
    stubber.activate()
    return sns, stubber


@pytest.mark.parametrize(("confirmed", "expected"), [("0", 0), ("2", 2)])
def test_confirmed_subscriptions_counts_only_confirmed_ones(confirmed: str, expected: int) -> None:
    sns, stubber = _stubbed(
        {"TopicArn": TOPIC, "SubscriptionsConfirmed": confirmed, "SubscriptionsPending": "3"}
    )
    assert confirmed_subscriptions(sns, TOPIC) == expected
    stubber.assert_no_pending_responses()
