"""The options message the analyzer host sends a pack, as the engine's marshalResourceOptions."""

from __future__ import annotations

import pytest

from tools.policy_analyzer import analyzer_options
from tools.resource_options import ResourceOptions

PARENT = "urn:pulumi:dev::cw-analytics::pulumi:pulumi:Stack::cw-analytics-dev"
OLD = "urn:pulumi:dev::cw-analytics::aws:sqs/queue:Queue::old-queue"


@pytest.mark.parametrize(
    ("registered", "value", "defined"),
    [(None, False, False), (False, False, True), (True, True, True)],
)
def test_analyzer_options_marks_whether_delete_before_replace_was_set(
    registered: bool | None, value: bool, defined: bool
) -> None:
    message = analyzer_options(ResourceOptions(delete_before_replace=registered), PARENT)
    assert (message.deleteBeforeReplace, message.deleteBeforeReplaceDefined) == (value, defined)


def test_analyzer_options_sends_timeouts_in_seconds_and_zero_when_untimed() -> None:
    timeouts = analyzer_options(
        ResourceOptions(custom_timeouts={"create": "2.5m", "delete": "1h30m"}), PARENT
    ).customTimeouts
    assert (timeouts.create, timeouts.update, timeouts.delete) == (150.0, 0.0, 5400.0)


def test_analyzer_options_sends_unset_protect_as_false() -> None:
    assert analyzer_options(ResourceOptions(), PARENT).protect is False


def test_analyzer_options_carries_the_lists_and_the_parent() -> None:
    message = analyzer_options(
        ResourceOptions(
            protect=True,
            ignore_changes=("tags",),
            aliases=(OLD,),
            additional_secret_outputs=("url",),
        ),
        PARENT,
    )
    assert message.protect is True and message.parent == PARENT, message
    assert list(message.ignoreChanges) == ["tags"], message
    assert list(message.aliases) == [OLD], message
    assert list(message.additionalSecretOutputs) == ["url"], message
