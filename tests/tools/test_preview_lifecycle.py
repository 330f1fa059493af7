"""Databases kept alive past ``pulumi destroy`` by resource options CrossGuard never sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.preview_in_process import judged_fixtures
from tests.tools.builders import resource, stack
from tests.tools.helpers import ToolRun
from tools.preview.findings import PolicyReport
from tools.preview.lifecycle import (
    CHECKS_PACK,
    DATABASE_OUTLIVES_DESTROY,
    DATABASE_TYPES,
    lifecycle_findings,
    with_lifecycle_findings,
)

CLUSTER_URN = "urn:pulumi:test::demo::pulumi:pulumi:Stack$aws:rds/cluster:Cluster::c"
KEPT = {
    "kept-instance": "aws:rds/instance:Instance",
    "aurora-writer": "aws:rds/clusterInstance:ClusterInstance",
    "global": "aws:rds/globalCluster:GlobalCluster",
    "docs": "aws:docdb/cluster:Cluster",
    "docs-1": "aws:docdb/clusterInstance:ClusterInstance",
    "graph-1": "aws:neptune/clusterInstance:ClusterInstance",
}
"""The fixture's databases that set retainOnDelete or deletedWith, by logical name."""
NOT_KEPT = ("plain-instance", "aurora", "graph")


@pytest.mark.parametrize("type_token", sorted(DATABASE_TYPES))
def test_lifecycle_findings_reports_retained_database_of_every_family(type_token: str) -> None:
    db = resource(type_token, "db", retain_on_delete=True)
    [finding] = lifecycle_findings([stack(), db])
    assert finding.urn == db.urn and finding.enforcement_level == "mandatory", finding
    assert finding.policy == DATABASE_OUTLIVES_DESTROY and "retainOnDelete" in finding.message


@pytest.mark.parametrize("type_token", sorted(DATABASE_TYPES))
def test_lifecycle_findings_reports_database_deleted_with_another(type_token: str) -> None:
    db = resource(type_token, "db", deleted_with=CLUSTER_URN)
    [finding] = lifecycle_findings([db])
    assert finding.urn == db.urn and CLUSTER_URN in finding.message, finding


def test_lifecycle_findings_reports_each_option_of_a_database() -> None:
    db = resource("aws:rds/instance:Instance", "db", retain_on_delete=True, deleted_with="u")
    assert len(lifecycle_findings([db])) == 2


def test_lifecycle_findings_ignores_database_without_the_options() -> None:
    db = resource("aws:rds/instance:Instance", "db", protect=True, ignore_changes=("password",))
    assert lifecycle_findings([db]) == ()


@pytest.mark.parametrize(
    "type_token",
    [
        "aws:kms/key:Key",
        "aws:rds/subnetGroup:SubnetGroup",
        "aws:rds/clusterSnapshot:ClusterSnapshot",
    ],
)
def test_lifecycle_findings_ignores_retained_non_database(type_token: str) -> None:
    kept = resource(type_token, "kept", retain_on_delete=True, deleted_with=CLUSTER_URN)
    assert lifecycle_findings([kept]) == (), f"{type_token} is not a database"


def test_with_lifecycle_findings_lists_preview_checks_after_packs() -> None:
    db = resource("aws:neptune/cluster:Cluster", "db", retain_on_delete=True)
    report = with_lifecycle_findings(PolicyReport(packs=(), findings=()), [db])
    assert [p.name for p in report.packs] == [CHECKS_PACK]
    assert [f.urn for f in report.mandatory] == [db.urn]


@pytest.fixture(scope="module")
def kept_run() -> Iterator[ToolRun]:
    """The preview of databases of every family, some retained or deleted with another."""
    with judged_fixtures("database_outlives_destroy") as runs:
        yield runs["database_outlives_destroy"]


def _preview_findings(run: ToolRun) -> dict[str, list[dict[str, str]]]:
    assert run.report is not None, run.describe()
    found: dict[str, list[dict[str, str]]] = {}
    for violation in run.report["policyViolations"]:
        if violation["policy"] == DATABASE_OUTLIVES_DESTROY:
            found.setdefault(violation["urn"].rsplit("::", 1)[-1], []).append(violation)
    return found


@pytest.mark.slow
def test_preview_retained_database_exits_one(kept_run: ToolRun) -> None:
    assert kept_run.returncode == 1, kept_run.describe()


@pytest.mark.slow
def test_preview_reports_every_database_that_outlives_destroy(kept_run: ToolRun) -> None:
    found = _preview_findings(kept_run)
    for name, type_token in KEPT.items():
        assert name in found, f"{type_token} '{name}' outlives destroy but was not reported"
        for violation in found[name]:
            assert violation["enforcementLevel"] == "mandatory", violation
            assert violation["policyPack"] == CHECKS_PACK, violation
            assert violation["urn"].endswith(f"${type_token}::{name}"), violation


@pytest.mark.slow
def test_preview_reports_both_options_on_one_database(kept_run: ToolRun) -> None:
    messages = [v["message"] for v in _preview_findings(kept_run)["graph-1"]]
    assert len(messages) == 2, messages
    assert any("retainOnDelete" in m for m in messages), messages
    assert any("deletedWith=" in m for m in messages), messages


@pytest.mark.slow
def test_preview_spares_destroyable_databases(kept_run: ToolRun) -> None:
    found = _preview_findings(kept_run)
    for name in NOT_KEPT:
        assert name not in found, f"{name} sets neither option but was reported: {found[name]}"


@pytest.mark.slow
def test_preview_prints_database_finding_with_the_pack_findings(kept_run: ToolRun) -> None:
    policies = kept_run.stdout.split("Policies:")[1]
    assert f"{CHECKS_PACK}@v" in policies and "mandatory (7)" in policies, kept_run.describe()
    assert "FAILED" in kept_run.stdout.splitlines()[-1], kept_run.describe()
