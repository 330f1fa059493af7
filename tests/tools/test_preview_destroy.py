"""The destroy order the preview computes: the engine's rounds over the dependency graph."""

from __future__ import annotations

from tests.tools.builders import STACK_URN, resource, stack
from tools.preview.destroy import DELETE, RETAIN, SKIP, DestroyPlan
from tools.preview.model import PreviewResource
from tools.preview.options import resolve_options

SUBNET = "aws:ec2/subnet:Subnet"
ROLE = "aws:iam/role:Role"


def _component(name: str, **options: object) -> PreviewResource:
    built = resource("test:index:Group", name, **options)
    return PreviewResource(
        built.urn, built.type, name, STACK_URN, False, built.inputs, built.outputs, built.options
    )


def _wave(plan: DestroyPlan, urn: str) -> int:
    step = plan.step(urn)
    assert step is not None, f"{urn} is not in the destroy order"
    return step.wave


def test_destroy_plan_deletes_dependents_before_their_dependencies() -> None:
    vpc = resource("aws:ec2/vpc:Vpc", "vpc")
    subnet = resource(SUBNET, "subnet", property_dependencies={"vpcId": (vpc.urn,)})
    plan = DestroyPlan(resolve_options([stack(), vpc, subnet]))
    assert _wave(plan, subnet.urn) < _wave(plan, vpc.urn)
    assert plan.outlives(vpc.urn, subnet.urn) and not plan.outlives(subnet.urn, vpc.urn)


def test_destroy_plan_follows_depends_on_and_deleted_with() -> None:
    first = resource(ROLE, "first")
    waits = resource(SUBNET, "waits", dependencies=(first.urn,))
    skipped = resource(SUBNET, "skipped", deleted_with=first.urn)
    plan = DestroyPlan(resolve_options([stack(), first, waits, skipped]))
    assert plan.outlives(first.urn, waits.urn) and plan.outlives(first.urn, skipped.urn)
    assert plan.step(skipped.urn).action == SKIP  # type: ignore[union-attr]


def test_destroy_plan_deletes_a_component_s_children_before_what_it_depends_on() -> None:
    role = resource(ROLE, "role")
    network = _component("network", dependencies=(role.urn,))
    subnet = resource(SUBNET, "subnet", parent=network.urn)
    plan = DestroyPlan(resolve_options([stack(), role, network, subnet]))
    assert plan.outlives(role.urn, subnet.urn), "the subnet's parent depends on the role"
    assert _wave(plan, subnet.urn) < _wave(plan, role.urn)


def test_destroy_plan_leaves_unrelated_resources_unordered_by_the_graph() -> None:
    role, subnet = resource(ROLE, "role"), resource(SUBNET, "subnet")
    plan = DestroyPlan(resolve_options([stack(), role, subnet]))
    assert not plan.outlives(role.urn, subnet.urn) and not plan.outlives(subnet.urn, role.urn)


def test_destroy_plan_marks_retained_resources_and_inherited_retain() -> None:
    group = _component("kept", retain_on_delete=True)
    inside = resource(SUBNET, "inside", parent=group.urn)
    plain = resource(SUBNET, "plain")
    plan = DestroyPlan(resolve_options([stack(), group, inside, plain]))
    assert plan.step(inside.urn).action == RETAIN  # type: ignore[union-attr]
    assert plan.step(plain.urn).action == DELETE  # type: ignore[union-attr]


def test_destroy_plan_is_blocked_by_protected_resources_inherited_too() -> None:
    group = _component("guarded", protect=True)
    inside = resource(SUBNET, "inside", parent=group.urn)
    plan = DestroyPlan(resolve_options([stack(), group, inside]))
    assert set(plan.blocked_by) == {group.urn, inside.urn}


def test_destroy_plan_lists_only_custom_resources_with_what_they_wait_for() -> None:
    vpc = resource("aws:ec2/vpc:Vpc", "vpc")
    subnet = resource(SUBNET, "subnet", property_dependencies={"vpcId": (vpc.urn,)})
    plan = DestroyPlan(resolve_options([stack(), vpc, subnet]))
    assert [s.urn for s in plan.steps] == [subnet.urn, vpc.urn]
    assert plan.step(vpc.urn).waits_for == (subnet.urn,)  # type: ignore[union-attr]
