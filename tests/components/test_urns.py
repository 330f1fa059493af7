"""The library layout kept every resource's identity: old URNs are still there, or aliased.

The fixtures are the sorted URN lists of the dev and prod previews taken just before the
components became a library (plain inputs, one subpackage each, the ServiceDashboard). A URN
that disappears without an alias makes ``pulumi up`` delete the resource and create a new one:
for the database or the key that is data loss, for the rest an outage.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.components.support import whole_stack

FIXTURES = Path(__file__).resolve().parent / "fixtures"
STACKS = ["dev", "prod"]
MOVED_TO_SERVICE_DASHBOARD = {
    "aws:cloudwatch/compositeAlarm:CompositeAlarm",
    "aws:cloudwatch/dashboard:Dashboard",
}
# The API handler's role moved from the API component to its FunctionRole (built before the
# network, so destroy deletes it after the subnets and group holding the handler's interfaces).
MOVED_TO_FUNCTION_ROLE = {"aws:iam/role:Role"}


def before(stack: str) -> list[str]:
    return (FIXTURES / f"urns-before-library-{stack}.txt").read_text().split()


@pytest.mark.parametrize("stack", STACKS)
def test_urns_every_old_urn_is_present_or_aliased(stack: str) -> None:
    run = whole_stack(stack)
    current = {r.urn for r in run.resources}
    aliased = {alias for r in run.resources for alias in r.options.aliases}
    lost = [urn for urn in before(stack) if urn not in current and urn not in aliased]
    assert not lost, f"{stack}: {len(lost)} resources would be replaced: {lost}"


@pytest.mark.parametrize("stack", STACKS)
def test_urns_only_the_dashboard_service_health_and_handler_role_moved(stack: str) -> None:
    run = whole_stack(stack)
    current = {r.urn for r in run.resources}
    moved = [urn for urn in before(stack) if urn not in current]
    assert {urn.rsplit("::", 2)[-2].split("$")[-1] for urn in moved} == (
        MOVED_TO_SERVICE_DASHBOARD | MOVED_TO_FUNCTION_ROLE
    ), f"{stack}: moved {moved}"


@pytest.mark.parametrize("stack", STACKS)
def test_urns_aliases_name_no_live_resource(stack: str) -> None:
    """An alias naming a URN that still exists would make two resources claim one state."""
    run = whole_stack(stack)
    current = {r.urn for r in run.resources}
    for resource in run.resources:
        clash = [alias for alias in resource.options.aliases if alias in current]
        assert not clash, f"{resource.urn} is aliased to live resources {clash}"


@pytest.mark.parametrize("stack", STACKS)
def test_urns_moved_resources_keep_their_physical_names(stack: str) -> None:
    """A move keeps the same CloudWatch dashboard and composite alarm, names included."""
    run = whole_stack(stack)
    dashboard = run.one("aws:cloudwatch/dashboard:Dashboard")
    composite = run.one("aws:cloudwatch/compositeAlarm:CompositeAlarm")
    assert dashboard.inputs["dashboardName"] == f"cw-analytics-{stack}-dashboard"
    assert composite.inputs["alarmName"] == f"cw-analytics-{stack}-service-health"
    assert len(dashboard.options.aliases) == 1 and len(composite.options.aliases) == 1
