"""The preview fails a stack whose destroy deletes what another resource needs to be deleted."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.preview_in_process import judged_fixtures
from tests.tools.builders import STACK_URN, resource, stack
from tests.tools.helpers import ToolRun
from tools.preview.destroy_checks import (
    INTERFACES_RELEASED,
    KEY_OUTLIVES_DATA,
    KEY_OUTLIVES_SECRET,
)
from tools.preview.lifecycle import DATABASE_OUTLIVES_DESTROY, lifecycle_findings
from tools.preview.model import PreviewResource


def _findings(run: ToolRun, policy: str) -> list[dict[str, str]]:
    assert run.report is not None, run.describe()
    return [v for v in run.report["policyViolations"] if v["policy"] == policy]


@pytest.fixture(scope="module")
def runs() -> Iterator[dict[str, ToolRun]]:
    """The preview of a stack whose destroy order is wrong and of the same stack made right."""
    with judged_fixtures("destroy_order_wrong", "destroy_order_right") as runs:
        yield runs


@pytest.fixture(scope="module")
def wrong(runs: dict[str, ToolRun]) -> ToolRun:
    return runs["destroy_order_wrong"]


@pytest.fixture(scope="module")
def right(runs: dict[str, ToolRun]) -> ToolRun:
    return runs["destroy_order_right"]


@pytest.mark.slow
def test_preview_fails_vpc_function_role_and_grant_deleted_before_subnet_and_group(
    wrong: ToolRun,
) -> None:
    found = {v["urn"].rsplit("::", 1)[-1]: v for v in _findings(wrong, INTERFACES_RELEASED)}
    assert set(found) == {"function-role", "function-interfaces"}, wrong.describe()
    for violation in found.values():
        assert violation["enforcementLevel"] == "mandatory", violation
        assert "'private'" in violation["message"] and "'function'" in violation["message"]


@pytest.mark.slow
def test_preview_fails_key_deleted_while_a_snapshot_and_a_retained_table_keep_data(
    wrong: ToolRun,
) -> None:
    messages = [v["message"] for v in _findings(wrong, KEY_OUTLIVES_DATA)]
    assert any("'db' leaves a final snapshot" in m for m in messages), messages
    assert any("'table' is retained" in m for m in messages), messages
    assert wrong.returncode == 1, wrong.describe()


@pytest.mark.slow
def test_preview_fails_key_deleted_while_a_secret_is_in_its_recovery_window(
    wrong: ToolRun,
) -> None:
    [violation] = _findings(wrong, KEY_OUTLIVES_SECRET)
    assert "7 days" in violation["message"] and violation["urn"].endswith("::key"), violation


@pytest.mark.slow
def test_preview_passes_the_same_stack_in_a_working_destroy_order(right: ToolRun) -> None:
    assert right.returncode == 0, right.describe()
    for policy in (INTERFACES_RELEASED, KEY_OUTLIVES_DATA, KEY_OUTLIVES_SECRET):
        assert _findings(right, policy) == [], right.describe()


@pytest.mark.slow
def test_preview_json_lists_the_destroy_order_with_retained_marked(right: ToolRun) -> None:
    assert right.report is not None
    order = right.report["destroy"]["order"]
    names = [step["urn"].rsplit("::", 1)[-1] for step in order]
    assert names.index("network-private") < names.index("function-release"), names
    actions = {step["urn"].rsplit("::", 1)[-1]: step["action"] for step in order}
    assert actions["key"] == "retain" and actions["db"] == "delete", actions


@pytest.mark.slow
def test_preview_prints_the_destroy_order(right: ToolRun) -> None:
    section = right.stdout.split("Destroy order")[1].split("Policies:")[0]
    assert "aws:kms/key:Key: key  [retain]" in section, right.describe()


def test_lifecycle_findings_name_the_component_a_database_inherits_retain_from() -> None:
    built = resource("test:index:Group", "kept", retain_on_delete=True)
    group = PreviewResource(
        built.urn, built.type, "kept", STACK_URN, False, built.inputs, built.outputs, built.options
    )
    db = resource("aws:rds/instance:Instance", "db", parent=group.urn)
    [finding] = [
        f for f in lifecycle_findings([stack(), group, db]) if f.policy == DATABASE_OUTLIVES_DESTROY
    ]
    assert finding.urn == db.urn and f"inherits from {group.urn}" in finding.message, finding


def test_lifecycle_findings_match_a_key_named_by_value_not_by_the_graph() -> None:
    key = resource("aws:kms/key:Key", "key", inputs={"arn": "arn:aws:kms:eu-west-1:1:key/k"})
    secret = resource(
        "aws:secretsmanager/secret:Secret",
        "secret",
        inputs={"kmsKeyId": "arn:aws:kms:eu-west-1:1:key/k", "recoveryWindowInDays": 30},
    )
    policies = [f.policy for f in lifecycle_findings([stack(), key, secret])]
    assert policies == [KEY_OUTLIVES_SECRET], policies


def test_lifecycle_findings_spare_a_secret_deleted_at_once() -> None:
    key = resource("aws:kms/key:Key", "key", inputs={"arn": "arn:k"})
    secret = resource(
        "aws:secretsmanager/secret:Secret",
        "secret",
        inputs={"kmsKeyId": "arn:k", "recoveryWindowInDays": 0},
    )
    assert lifecycle_findings([stack(), key, secret]) == ()
