"""rds-destroyable-protect: the effective ``protect`` of a database, inherited as the engine does.

A resource that does not set ``protect`` takes its parent's (Pulumi docs, "protect": "the default
is to inherit this value from the parent"); a database written inside a protected component is
protected although its own options say nothing. The finding names the resource where the option
was written.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from pulumi_policy import PolicyResource

from policies.rules import rds

from .helpers import run_stack, stack_resource

REPO_ROOT = Path(__file__).resolve().parents[2]
COMPONENT = "cw-analytics:database:MonitoredDatabase"
DATABASES = [
    "aws:rds/instance:Instance",
    "aws:rds/cluster:Cluster",
    "aws:rds/clusterInstance:ClusterInstance",
    "aws:docdb/cluster:Cluster",
    "aws:neptune/globalCluster:GlobalCluster",
]


def chain(db_type: str, protected: tuple[bool, bool, bool]) -> list[PolicyResource]:
    """stack component -> database component -> database, protect as given (top first)."""
    stack = stack_resource("pulumi:pulumi:Stack", "app", protect=protected[0])
    component = stack_resource(COMPONENT, "db", protect=protected[1], parent=stack)
    db = stack_resource(db_type, "db-instance", protect=protected[2], parent=component)
    return [stack, component, db]


@pytest.mark.parametrize("db_type", DATABASES)
def test_rds_destroyable_protect_rejects_protect_inherited_from_component(db_type: str) -> None:
    resources = chain(db_type, (False, True, False))
    [(message, urn)] = run_stack(rds.validate_protect, resources)
    assert urn == resources[2].urn, f"finding on {urn}, not the database"
    assert f"inherited from its parent {COMPONENT} 'db'" in message, message


def test_rds_destroyable_protect_names_topmost_ancestor_when_sdk_copied_it_down() -> None:
    # The SDK copies protect to children that do not set it: all three arrive protected.
    resources = chain("aws:rds/instance:Instance", (True, True, True))
    [(message, _)] = run_stack(rds.validate_protect, resources)
    assert "pulumi:pulumi:Stack 'app'" in message, message


def test_rds_destroyable_protect_rejects_protect_two_levels_up() -> None:
    resources = chain("aws:rds/cluster:Cluster", (True, False, False))
    [(message, _)] = run_stack(rds.validate_protect, resources)
    assert "inherited from its parent pulumi:pulumi:Stack 'app'" in message, message


def test_rds_destroyable_protect_says_when_the_database_sets_it_itself() -> None:
    resources = chain("aws:rds/instance:Instance", (False, False, True))
    [(message, _)] = run_stack(rds.validate_protect, resources)
    assert "set on the resource itself" in message, message


def test_rds_destroyable_protect_accepts_unprotected_chain() -> None:
    resources = chain("aws:rds/instance:Instance", (False, False, False))
    assert run_stack(rds.validate_protect, resources) == []


def test_rds_destroyable_protect_ignores_protected_component_without_databases() -> None:
    parent = stack_resource("cw-analytics:alerting:AlertingHub", "hub", protect=True)
    key = stack_resource("aws:kms/key:Key", "key", protect=True, parent=parent)
    assert run_stack(rds.validate_protect, [parent, key]) == []


def test_rds_destroyable_protect_allow_protect_config_accepts_inherited_protect() -> None:
    resources = chain("aws:rds/instance:Instance", (False, True, True))
    assert run_stack(rds.validate_protect, resources, {"allowProtect": True}) == []


def test_rds_destroyable_protect_survives_a_parent_cycle() -> None:
    a = stack_resource(COMPONENT, "a", protect=True)
    db = stack_resource("aws:rds/instance:Instance", "db", parent=a)
    a.parent = db  # a malformed graph must not hang the pack
    found = run_stack(rds.validate_protect, [a, db])
    assert len(found) == 1, found


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_rds_destroyable_protect_config_agrees_with_the_stack_s_protect_setting(stack: str) -> None:
    """A stack that protects its data must be allowed to by its policy config, and only it."""
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text())["config"]
    protects = bool(config.get("cw-analytics:protectStatefulResources", False))
    policy = json.loads((REPO_ROOT / "policies" / "config" / f"{stack}.json").read_text())
    assert policy["rds-destroyable-protect"].get("allowProtect", False) is protects, stack
