"""rds-destroyable, rds-not-public and rds-encrypted-cmk, called as the engine calls them."""

from __future__ import annotations

from typing import Any

import pytest

from policies.rules import rds

from .helpers import UNKNOWN, engine_args, run, run_stack, stack_resource

INSTANCE = "aws:rds/instance:Instance"
CLUSTER = "aws:rds/cluster:Cluster"
PROD = {"allowDeletionProtection": True}
DESTROYABLE = {"deletionProtection": False, "skipFinalSnapshot": True}


def destroyable(resource_type: str, props: dict[str, Any], **kwargs: Any) -> list[str]:
    return run(rds.validate_destroyable, engine_args(resource_type, props, name="db", **kwargs))


@pytest.mark.parametrize("resource_type", [INSTANCE, CLUSTER])
def test_rds_destroyable_accepts_skip_final_snapshot(resource_type: str) -> None:
    found = destroyable(resource_type, DESTROYABLE)
    assert found == [], f"{resource_type} 'db' was flagged: {found}"


@pytest.mark.parametrize("resource_type", [INSTANCE, CLUSTER])
def test_rds_destroyable_accepts_named_final_snapshot(resource_type: str) -> None:
    found = destroyable(
        resource_type, {"skipFinalSnapshot": False, "finalSnapshotIdentifier": "db-final"}
    )
    assert found == [], f"{resource_type} 'db' was flagged: {found}"


@pytest.mark.parametrize("resource_type", [INSTANCE, CLUSTER])
def test_rds_destroyable_rejects_deletion_protection(resource_type: str) -> None:
    found = destroyable(resource_type, {**DESTROYABLE, "deletionProtection": True})
    assert any("deletion_protection=True" in m for m in found), f"{resource_type} 'db': {found}"


@pytest.mark.parametrize("resource_type", [INSTANCE, CLUSTER])
def test_rds_destroyable_rejects_default_final_snapshot_without_name(resource_type: str) -> None:
    found = destroyable(resource_type, {"deletionProtection": False})
    assert any("final_snapshot_identifier" in m for m in found), f"{resource_type} 'db': {found}"


def test_rds_destroyable_rejects_empty_final_snapshot_name() -> None:
    found = destroyable(INSTANCE, {"skipFinalSnapshot": False, "finalSnapshotIdentifier": " "})
    assert found, "instance 'db' with a blank final snapshot name was accepted"


def test_rds_destroyable_accepts_final_snapshot_name_unknown_in_preview() -> None:
    found = destroyable(INSTANCE, {"skipFinalSnapshot": False, "finalSnapshotIdentifier": UNKNOWN})
    assert found == [], f"instance 'db' with a computed snapshot name was flagged: {found}"


def test_rds_destroyable_accepts_replica_without_snapshot_name() -> None:
    found = destroyable(INSTANCE, {"replicateSourceDb": "src", "skipFinalSnapshot": True})
    assert found == [], f"replica 'db' was flagged: {found}"


def test_rds_destroyable_rejects_replica_with_snapshot_name() -> None:
    found = destroyable(
        INSTANCE,
        {
            "replicateSourceDb": "src",
            "skipFinalSnapshot": True,
            "finalSnapshotIdentifier": "replica-final",
        },
    )
    assert any("read replica" in m for m in found), (
        f"replica 'db' snapshot name not reported: {found}"
    )


def protected(resource_type: str, config: dict[str, Any] | None = None) -> list[str]:
    """rds-destroyable-protect's messages for one database with protect=True."""
    db = stack_resource(resource_type, "db", DESTROYABLE, protect=True)
    return [message for message, _ in run_stack(rds.validate_protect, [db], config)]


@pytest.mark.parametrize("resource_type", [INSTANCE, CLUSTER])
def test_rds_destroyable_protect_rejects_protect_option(resource_type: str) -> None:
    found = protected(resource_type)
    assert any("protect" in m for m in found), f"{resource_type} 'db' protect not reported: {found}"


@pytest.mark.parametrize(
    "field", ["deletionProtection", "skip_final_snapshot", "finalSnapshotIdentifier", "*"]
)
def test_rds_destroyable_rejects_ignore_changes_on_frozen_field(field: str) -> None:
    found = destroyable(INSTANCE, DESTROYABLE, ignore_changes=[field])
    assert any("ignore_changes" in m for m in found), (
        f"instance 'db' ignore_changes={field} accepted"
    )


def test_rds_destroyable_accepts_unrelated_ignore_changes() -> None:
    found = destroyable(INSTANCE, DESTROYABLE, ignore_changes=["password", "engineVersion"])
    assert found == [], f"instance 'db' with harmless ignore_changes was flagged: {found}"


def test_rds_destroyable_prod_config_allows_deletion_protection_with_snapshot() -> None:
    props = {
        "deletionProtection": True,
        "skipFinalSnapshot": False,
        "finalSnapshotIdentifier": "db-final",
    }
    found = destroyable(INSTANCE, props, config=PROD)
    assert found == [], (
        f"prod instance 'db' with protection and a final snapshot was flagged: {found}"
    )


@pytest.mark.parametrize("resource_type", [INSTANCE, CLUSTER])
def test_rds_destroyable_prod_config_requires_final_snapshot(resource_type: str) -> None:
    found = destroyable(
        resource_type, {"deletionProtection": True, "skipFinalSnapshot": True}, config=PROD
    )
    assert any("must keep a final snapshot" in m for m in found), (
        f"prod {resource_type} 'db': {found}"
    )


def test_rds_destroyable_protect_deletion_protection_config_does_not_allow_protect() -> None:
    found = protected(INSTANCE, config=PROD)
    assert any("protect" in m for m in found), f"prod instance 'db' protect accepted: {found}"


def test_rds_destroyable_ignores_other_types() -> None:
    found = destroyable("aws:rds/parameterGroup:ParameterGroup", {"family": "postgres16"})
    assert found == [], f"parameter group 'db' judged by rds-destroyable: {found}"


@pytest.mark.parametrize("spelling", ["FALSE", "0", "f"])
def test_rds_destroyable_rejects_skip_final_snapshot_false_spelled_as_go_string(
    spelling: str,
) -> None:
    # The provider parses bool strings with Go's strconv.ParseBool: these all mean false.
    found = destroyable(INSTANCE, {"deletionProtection": False, "skipFinalSnapshot": spelling})
    assert any("final_snapshot_identifier" in m for m in found), (
        f"instance 'db' skipFinalSnapshot={spelling!r} without a snapshot name accepted: {found}"
    )


@pytest.mark.parametrize("props", [{}, {"skipFinalSnapshot": False}])
def test_rds_destroyable_rejects_replica_without_skip_final_snapshot(props: dict[str, Any]) -> None:
    # The provider demands a snapshot name when skip is false; AWS refuses one for a replica.
    found = destroyable(INSTANCE, {"replicateSourceDb": "src", **props})
    assert any("skip_final_snapshot=True" in m for m in found), (
        f"replica 'db' {props} (undeletable) accepted: {found}"
    )


@pytest.mark.parametrize(
    "path", ['["deletionProtection"]', " skipFinalSnapshot ", "finalSnapshotIdentifier.x", '["*"]']
)
def test_rds_destroyable_rejects_ignore_changes_path_spellings(path: str) -> None:
    found = destroyable(INSTANCE, DESTROYABLE, ignore_changes=[path])
    assert any("ignore_changes" in m for m in found), (
        f"instance 'db' ignore_changes={path!r} accepted: {found}"
    )


def test_rds_destroyable_accepts_unrelated_quoted_ignore_changes_path() -> None:
    found = destroyable(INSTANCE, DESTROYABLE, ignore_changes=['["tags"]', "tags.owner"])
    assert found == [], f"instance 'db' with harmless quoted ignore_changes was flagged: {found}"


def test_rds_destroyable_prod_config_rejects_missing_snapshot_name_when_skip_unknown() -> None:
    # Whatever skipFinalSnapshot resolves to, no snapshot name breaks the prod requirement.
    found = destroyable(
        INSTANCE, {"deletionProtection": True, "skipFinalSnapshot": UNKNOWN}, config=PROD
    )
    assert any("must keep a final snapshot" in m for m in found), f"prod instance 'db': {found}"


def test_rds_destroyable_config_string_false_does_not_allow_protection() -> None:
    props = {"deletionProtection": True, "skipFinalSnapshot": False, "finalSnapshotIdentifier": "f"}
    found = destroyable(INSTANCE, props, config={"allowDeletionProtection": "false"})
    assert any("deletion_protection=True" in m for m in found), f"instance 'db': {found}"


def test_rds_destroyable_rejects_global_cluster_deletion_protection() -> None:
    found = destroyable(
        "aws:rds/globalCluster:GlobalCluster", {"deletionProtection": True, "forceDestroy": True}
    )
    assert any("deletion_protection=True" in m for m in found), f"global cluster 'db': {found}"


def test_rds_destroyable_protect_rejects_protect_on_cluster_instance() -> None:
    found = protected("aws:rds/clusterInstance:ClusterInstance")
    assert any("protect" in m for m in found), f"cluster instance 'db' protect accepted: {found}"


def test_rds_destroyable_accepts_cluster_instance_without_snapshot_settings() -> None:
    found = destroyable(
        "aws:rds/clusterInstance:ClusterInstance", {"clusterIdentifier": "c", "instanceClass": "x"}
    )
    assert found == [], f"cluster instance 'db' was flagged: {found}"


def test_rds_not_public_rejects_public_instance() -> None:
    found = run(
        rds.validate_not_public, engine_args(INSTANCE, {"publiclyAccessible": True}, name="db")
    )
    assert found, "instance 'db' publicly_accessible=True was accepted"


def test_rds_not_public_accepts_private_instance() -> None:
    found = run(
        rds.validate_not_public, engine_args(INSTANCE, {"publiclyAccessible": False}, name="db")
    )
    assert found == [], f"private instance 'db' was flagged: {found}"


@pytest.mark.parametrize("resource_type", [INSTANCE, CLUSTER])
def test_rds_encrypted_cmk_accepts_kms_key(resource_type: str) -> None:
    props = {"storageEncrypted": True, "kmsKeyId": "arn:aws:kms:us-east-1:1:key/abc"}
    found = run(rds.validate_encrypted, engine_args(resource_type, props, name="db"))
    assert found == [], f"{resource_type} 'db' encrypted with a CMK was flagged: {found}"


@pytest.mark.parametrize("props", [{"storageEncrypted": False}, {"storageEncrypted": True}])
def test_rds_encrypted_cmk_rejects_missing_key_or_encryption(props: dict[str, Any]) -> None:
    found = run(rds.validate_encrypted, engine_args(INSTANCE, props, name="db"))
    assert found, f"instance 'db' {props} was accepted"
