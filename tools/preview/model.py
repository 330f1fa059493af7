"""What the preview records of one resource: identity, wire inputs and state, and its options."""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf import struct_pb2

from tools.resource_options import ResourceOptions

STACK_TYPE = "pulumi:pulumi:Stack"
PROVIDER_TYPE_PREFIX = "pulumi:providers:"


@dataclass(frozen=True)
class EffectiveOptions:
    """The lifecycle options the engine applies: the resource's own, else its parent's.

    ``sources`` maps each option that is set (``protect``, ``retainOnDelete``, ``deletedWith``)
    to the URN of the resource that set it: the resource's own URN, or the ancestor it was
    inherited from.
    """

    protect: bool = False
    retain_on_delete: bool = False
    deleted_with: str = ""
    sources: dict[str, str] = field(default_factory=dict)

    def inherited(self, urn: str) -> dict[str, str]:
        """The options resource ``urn`` takes from an ancestor, and from which."""
        return {option: source for option, source in self.sources.items() if source != urn}


class UnresolvedOptionsError(RuntimeError):
    """A resource's effective options were asked for before ``resolve_options`` set them."""


@dataclass(frozen=True)
class PreviewResource:
    """One registered resource: URN, type, name, parent, inputs on the wire and its options."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: struct_pb2.Struct
    """The inputs exactly as the SDK serialised them (secrets, assets and references marked)."""
    outputs: struct_pb2.Struct
    """The state the mocks returned, serialised the same way (what AnalyzeStack receives)."""
    options: ResourceOptions = field(default_factory=ResourceOptions)
    effective: EffectiveOptions | None = None
    """The options the engine applies (inherited ones included); set by ``resolve_options``."""

    @property
    def lifecycle(self) -> EffectiveOptions:
        """The effective options (``resolve_options`` sets them: a resource's own options
        alone would miss what it inherits from its parents)."""
        if self.effective is None:
            raise UnresolvedOptionsError(
                f"{self.urn}: effective options not resolved (tools.preview.options."
                "resolve_options gives them)"
            )
        return self.effective

    @property
    def is_stack(self) -> bool:
        """Whether this is the root ``pulumi:pulumi:Stack`` resource."""
        return self.type == STACK_TYPE

    @property
    def is_provider(self) -> bool:
        """Whether this is an explicit provider resource (``pulumi:providers:<pkg>``)."""
        return self.type.startswith(PROVIDER_TYPE_PREFIX)
