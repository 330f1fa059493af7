"""The order ``pulumi destroy`` deletes a stack in, computed from the graph as the engine does.

The engine (``ScheduleDeletes`` in pkg/resource/deploy/step_generator.go) deletes a resource only
once everything that depends on it is gone. A resource depends on its provider, its parent, its
``dependsOn`` list, its property dependencies and its ``deletedWith`` resource; depending on a
component means depending on the component's children registered before (``DependenciesOf`` in
pkg/resource/graph/dependency_graph.go). It peels off, round by round, every resource nothing
left depends on; each round (a wave) runs in parallel, and the rounds run in that order. What
the graph does not say, the order does not guarantee: two resources of one wave, or of two
waves only by accident, may go in any order, so ``outlives`` asks the graph, not the waves.

Retained resources (``retainOnDelete``) leave the state without a delete call; a resource whose
``deletedWith`` resource is deleted too is skipped. A protected resource makes the whole destroy
fail before anything is deleted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from tools.preview.model import PreviewResource

DELETE, RETAIN, SKIP = "delete", "retain", "skip"


@dataclass(frozen=True)
class DestroyStep:
    """One resource's place in the destroy: its wave, what happens to it, whom it waits for."""

    urn: str
    wave: int
    """1 for the first round; a resource waits for every resource of the earlier waves."""
    action: str
    """``delete``, ``retain`` (left in AWS, dropped from the state) or ``skip`` (deletedWith)."""
    waits_for: tuple[str, ...]
    """The resources that depend on it directly: each must be deleted before it."""


class DestroyPlan:
    """The destroy of a set of resources: the steps in order, and what would block it."""

    def __init__(self, resources: Sequence[PreviewResource]) -> None:
        self._resources = [r for r in resources if not r.is_stack]
        self._by_urn = {r.urn: r for r in self._resources}
        self._index = {r.urn: i for i, r in enumerate(self._resources)}
        self._depends_on = {r.urn: self._direct_dependencies(r) for r in self._resources}

    @cached_property
    def steps(self) -> tuple[DestroyStep, ...]:
        """Every custom resource, in the order the engine deletes them (wave by wave)."""
        dependents: dict[str, set[str]] = {urn: set() for urn in self._depends_on}
        for urn, dependencies in self._depends_on.items():
            for dependency in dependencies:
                dependents[dependency].add(urn)
        waves, condemned = [], set(self._depends_on)
        while condemned:
            # The engine's backwards pass: a resource whose dependencies are all gone first.
            ready = {urn for urn in condemned if not self._depends_on[urn] & condemned}
            waves.append(ready)
            condemned -= ready
        steps = []
        for number, wave in enumerate(reversed(waves), start=1):
            for urn in sorted(wave, key=self._index.__getitem__):
                resource = self._by_urn[urn]
                if resource.custom:
                    steps.append(
                        DestroyStep(
                            urn=urn,
                            wave=number,
                            action=self._action(resource),
                            waits_for=tuple(sorted(dependents[urn], key=self._index.__getitem__)),
                        )
                    )
        return tuple(steps)

    @cached_property
    def blocked_by(self) -> tuple[str, ...]:
        """Protected resources: while any is in the stack, ``pulumi destroy`` deletes nothing."""
        return tuple(r.urn for r in self._resources if r.lifecycle.protect)

    def step(self, urn: str) -> DestroyStep | None:
        """The step of one resource (``None`` for components and unknown URNs)."""
        return next((s for s in self.steps if s.urn == urn), None)

    def deleted(self, urn: str) -> bool:
        """Whether the destroy calls the provider's delete for ``urn`` (not retained/skipped)."""
        step = self.step(urn)
        return step is not None and step.action == DELETE

    def outlives(self, first: str, second: str) -> bool:
        """Whether the graph deletes ``first`` only after ``second``: ``second`` depends on
        ``first``, directly or through others."""
        return first in self._closure(second)

    def _closure(self, urn: str) -> frozenset[str]:
        cache = self.__dict__.setdefault("_closures", {})
        if urn not in cache:
            seen: set[str] = set()
            stack = [urn]
            while stack:
                for dependency in self._depends_on.get(stack.pop(), ()):
                    if dependency not in seen:
                        seen.add(dependency)
                        stack.append(dependency)
            cache[urn] = frozenset(seen)
        return cache[urn]

    def _action(self, resource: PreviewResource) -> str:
        lifecycle = resource.lifecycle
        if lifecycle.retain_on_delete:
            return RETAIN
        if lifecycle.deleted_with and lifecycle.deleted_with in self._by_urn:
            return SKIP
        return DELETE

    def _direct_dependencies(self, resource: PreviewResource) -> set[str]:
        """``DependenciesOf``: provider, parent, dependsOn, property dependencies, deletedWith."""
        options = resource.options
        named: set[str] = {*options.dependencies, resource.parent, resource.lifecycle.deleted_with}
        for urns in options.property_dependencies.values():
            named.update(urns)
        if options.provider:
            named.add(options.provider.rsplit("::", 1)[0])
        found = {urn for urn in named if urn in self._by_urn and urn != resource.urn}
        position = self._index[resource.urn]
        for urn in list(found):
            if not self._by_urn[urn].custom:
                found.update(c for c in self._descendants(urn) if self._index[c] < position)
        return found

    def _descendants(self, urn: str) -> Iterable[str]:
        children: dict[str, list[str]] = self.__dict__.setdefault("_children", {})
        if not children:
            for resource in self._resources:
                children.setdefault(resource.parent, []).append(resource.urn)
        stack = list(children.get(urn, ()))
        while stack:
            child = stack.pop()
            yield child
            stack.extend(children.get(child, ()))
