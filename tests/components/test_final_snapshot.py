"""The final snapshot's name changes with the instance it belongs to."""

from __future__ import annotations

from tests.components.support import whole_stack

RANDOM_ID = "random:index/randomId:RandomId"
INSTANCE = "aws:rds/instance:Instance"


def test_final_snapshot_id_is_keyed_to_the_instance_identifier_and_key() -> None:
    run = whole_stack("prod")
    keepers = run.one(RANDOM_ID).inputs.get("keepers") or {}
    instance = run.one(INSTANCE).inputs
    assert keepers.get("instanceIdentifier") == instance["identifier"], keepers
    assert keepers.get("kmsKeyId") == instance["kmsKeyId"], keepers


def test_final_snapshot_name_is_the_random_part_of_this_instance() -> None:
    run = whole_stack("prod")
    suffix = run.one(RANDOM_ID).outputs["hex"]
    assert (
        run.one(INSTANCE).inputs["finalSnapshotIdentifier"]
        == f"cw-analytics-prod-db-final-{suffix}"
    )
