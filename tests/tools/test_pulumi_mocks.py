"""The recording monitor keeps each registration's options as the SDK sent them to the engine."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from tools.pulumi_mocks import MockRun, run_in_mocks

CONFIG = {"aws:region": "eu-west-1"}
QUEUE = "aws:sqs/queue:Queue"


@pytest.fixture(scope="module")
def queues() -> MockRun:
    """A key, a queue with most options set, and a policy deleted with the queue."""

    def body() -> None:
        key = aws.kms.Key("key", opts=pulumi.ResourceOptions(retain_on_delete=False))
        queue = aws.sqs.Queue(
            "queue",
            kms_master_key_id=key.arn,
            opts=pulumi.ResourceOptions(
                protect=True,
                delete_before_replace=True,
                ignore_changes=["tags"],
                replace_on_changes=["name"],
                custom_timeouts=pulumi.CustomTimeouts(create="5m", delete="1h30m"),
                depends_on=[key],
            ),
        )
        aws.sqs.QueuePolicy(
            "policy",
            queue_url=queue.url,
            policy="{}",
            opts=pulumi.ResourceOptions(deleted_with=queue),
        )

    return run_in_mocks(body, config=CONFIG)


def test_recording_monitor_keeps_the_options_a_queue_set(queues: MockRun) -> None:
    key, queue = queues.one("aws:kms/key:Key"), queues.one(QUEUE)
    options = queue.options
    assert (options.protect, options.delete_before_replace) == (True, True), options
    assert options.ignore_changes == ("tags",) and options.replace_on_changes == ("name",)
    assert options.custom_timeouts == {"create": "5m", "delete": "1h30m"}, options
    assert key.urn in options.dependencies, options
    assert options.property_dependencies["kmsMasterKeyId"] == (key.urn,), options


def test_recording_monitor_keeps_unset_apart_from_false(queues: MockRun) -> None:
    key = queues.one("aws:kms/key:Key").options
    assert key.retain_on_delete is False and key.delete_before_replace is None, key
    assert key.protect is None and key.custom_timeouts == {}, key


def test_recording_monitor_resolves_deleted_with_to_a_urn(queues: MockRun) -> None:
    policy = queues.one("aws:sqs/queuePolicy:QueuePolicy").options
    assert policy.deleted_with == queues.one(QUEUE).urn, policy


def test_recording_monitor_fails_a_timeout_the_engine_cannot_parse() -> None:
    def body() -> None:
        aws.sqs.Queue(
            "queue",
            opts=pulumi.ResourceOptions(custom_timeouts=pulumi.CustomTimeouts(delete="45 minutes")),
        )

    with pytest.raises(ValueError, match=r"aws:sqs/queue:Queue 'queue': customTimeouts\.delete"):
        run_in_mocks(body, config=CONFIG)
