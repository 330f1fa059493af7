"""Destroyable and not public over every database on the RDS API, and Lambda sources."""

from __future__ import annotations

import pytest

from policies.rules import awslambda, rds

from .helpers import engine_args, run, run_stack, stack_resource

CLUSTERS = ["aws:rds/cluster:Cluster", "aws:docdb/cluster:Cluster", "aws:neptune/cluster:Cluster"]
MEMBERS = [
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:docdb/clusterInstance:ClusterInstance",
    "aws:neptune/clusterInstance:ClusterInstance",
]
GLOBALS = [
    "aws:rds/globalCluster:GlobalCluster",
    "aws:docdb/globalCluster:GlobalCluster",
    "aws:neptune/globalCluster:GlobalCluster",
]
PERMISSION = "aws:lambda/permission:Permission"


@pytest.mark.parametrize("resource_type", CLUSTERS + GLOBALS)
def test_rds_destroyable_rejects_deletion_protection_across_family(resource_type: str) -> None:
    props = {"deletionProtection": True, "skipFinalSnapshot": True}
    found = run(rds.validate_destroyable, engine_args(resource_type, props))
    assert any("deletion_protection" in m for m in found), f"{resource_type} 'res': {found}"


@pytest.mark.parametrize("resource_type", CLUSTERS)
def test_rds_destroyable_rejects_unnamed_final_snapshot_across_family(resource_type: str) -> None:
    found = run(rds.validate_destroyable, engine_args(resource_type, {"deletionProtection": False}))
    assert any("final snapshot" in m for m in found), f"{resource_type} 'res' accepted: {found}"


@pytest.mark.parametrize("resource_type", CLUSTERS + MEMBERS + GLOBALS)
def test_rds_destroyable_protect_rejects_protect_across_family(resource_type: str) -> None:
    db = stack_resource(resource_type, "res", {"skipFinalSnapshot": True}, protect=True)
    found = run_stack(rds.validate_protect, [db])
    assert any("protect" in m for m, _ in found), f"{resource_type} 'res' protect accepted: {found}"


@pytest.mark.parametrize("resource_type", CLUSTERS)
def test_rds_destroyable_accepts_skipped_snapshot_across_family(resource_type: str) -> None:
    props = {"deletionProtection": False, "skipFinalSnapshot": True}
    found = run(rds.validate_destroyable, engine_args(resource_type, props))
    assert found == [], f"{resource_type} 'res' destroyable was flagged: {found}"


def test_rds_destroyable_rejects_global_cluster_from_source_without_force_destroy() -> None:
    props = {"sourceDbClusterIdentifier": "arn:aws:rds:us-east-1:123456789012:cluster:c"}
    found = run(rds.validate_destroyable, engine_args(GLOBALS[0], props))
    assert any("force_destroy" in m for m in found), f"global cluster 'res' accepted: {found}"


def test_rds_destroyable_accepts_global_cluster_from_source_with_force_destroy() -> None:
    props = {
        "sourceDbClusterIdentifier": "arn:aws:rds:us-east-1:123456789012:cluster:c",
        "forceDestroy": True,
    }
    found = run(rds.validate_destroyable, engine_args(GLOBALS[0], props))
    assert found == [], f"global cluster 'res' with force_destroy was flagged: {found}"


@pytest.mark.parametrize("resource_type", ["aws:rds/cluster:Cluster", *MEMBERS])
def test_rds_not_public_rejects_public_across_family(resource_type: str) -> None:
    found = run(rds.validate_not_public, engine_args(resource_type, {"publiclyAccessible": True}))
    assert found, f"{resource_type} 'res' publicly accessible accepted"


@pytest.mark.parametrize(
    "source_arn",
    [
        "arn:aws:s3:::*",
        "arn:aws:execute-api:us-east-1:123456789012:*/*",
        "arn:aws:events:us-east-1:*:rule/nightly",
        "arn:aws:events:us-east-1:123456789012:rule/*",
        "arn:aws:sns:us-east-1:123456789012:*",
        "arn:aws:*",
    ],
)
def test_lambda_permission_source_rejects_wildcard_source(source_arn: str) -> None:
    props = {
        "principal": "events.amazonaws.com",
        "sourceArn": source_arn,
        "sourceAccount": "123456789012",
    }
    found = run(awslambda.validate_permission_source, engine_args(PERMISSION, props))
    assert found and source_arn in found[0], f"permission 'res' source {source_arn}: {found}"


@pytest.mark.parametrize(
    "source_arn",
    [
        "arn:aws:execute-api:us-east-1:123456789012:abc123/*/GET/items",
        "arn:aws:events:us-east-1:123456789012:rule/nightly",
        "arn:aws:logs:us-east-1:123456789012:log-group:/aws/app:*",
    ],
)
def test_lambda_permission_source_accepts_one_named_source(source_arn: str) -> None:
    props = {"principal": "apigateway.amazonaws.com", "sourceArn": source_arn}
    found = run(awslambda.validate_permission_source, engine_args(PERMISSION, props))
    assert found == [], f"permission 'res' source {source_arn} was flagged: {found}"


@pytest.mark.parametrize("principal", ["s3.amazonaws.com", "ses.amazonaws.com"])
def test_lambda_permission_source_requires_account_for_accountless_sources(principal: str) -> None:
    props = {"principal": principal, "sourceArn": "arn:aws:s3:::uploads"}
    found = run(awslambda.validate_permission_source, engine_args(PERMISSION, props))
    assert found and "source_account" in found[0], f"permission 'res' {principal}: {found}"


def test_lambda_permission_source_accepts_s3_with_account() -> None:
    props = {
        "principal": "s3.amazonaws.com",
        "sourceArn": "arn:aws:s3:::uploads",
        "sourceAccount": "123456789012",
    }
    found = run(awslambda.validate_permission_source, engine_args(PERMISSION, props))
    assert found == [], f"permission 'res' s3 with account was flagged: {found}"


def test_lambda_permission_source_rejects_layer_shared_with_everyone() -> None:
    args = engine_args(
        "aws:lambda/layerVersionPermission:LayerVersionPermission",
        {
            "principal": "*",
            "action": "lambda:GetLayerVersion",
            "layerName": "l",
            "versionNumber": 1,
        },
    )
    found = run(awslambda.validate_permission_source, args)
    assert found, "layer permission 'res' for '*' without organization accepted"
