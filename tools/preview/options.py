"""The lifecycle options the engine really applies: a resource's own, else its parent's.

When a resource registers no ``protect``, ``retainOnDelete`` or ``deletedWith``, the engine
gives it its parent's (``inheritFromParent`` in pkg/resource/deploy/source_eval.go; the Pulumi
docs of each option: "the default is to inherit this value from the parent"). The parent's value
is itself the inherited one, so a database three components deep under a component marked
``retain_on_delete=True`` is retained. The Python SDK copies ``protect`` from the parent before
it registers, so a ``protect`` equal to the parent's effective ``true`` counts as inherited.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from tools.preview.model import EffectiveOptions, PreviewResource

_ROOT = EffectiveOptions()


def resolve_options(resources: Sequence[PreviewResource]) -> list[PreviewResource]:
    """``resources`` (in registration order, parents first) with their effective options."""
    resolved: dict[str, EffectiveOptions] = {}
    result: list[PreviewResource] = []
    for resource in resources:
        parent = resolved.get(resource.parent, _ROOT)
        effective = _effective(resource, parent)
        resolved[resource.urn] = effective
        result.append(dataclasses.replace(resource, effective=effective))
    return result


def _effective(resource: PreviewResource, parent: EffectiveOptions) -> EffectiveOptions:
    own, sources = resource.options, {}
    if own.protect is None or (own.protect and parent.protect):
        protect = parent.protect
        if protect:
            sources["protect"] = parent.sources["protect"]
    else:
        protect = own.protect
        if protect:
            sources["protect"] = resource.urn
    if own.retain_on_delete is None:
        retain = parent.retain_on_delete
        if retain:
            sources["retainOnDelete"] = parent.sources["retainOnDelete"]
    else:
        retain = own.retain_on_delete
        if retain:
            sources["retainOnDelete"] = resource.urn
    deleted_with = own.deleted_with or parent.deleted_with
    if deleted_with:
        sources["deletedWith"] = resource.urn if own.deleted_with else parent.sources["deletedWith"]
    return EffectiveOptions(protect, retain, deleted_with, sources)
