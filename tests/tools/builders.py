"""Hand-built preview resources and findings for unit tests of the renderer and the report."""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2

from tools.preview.model import PreviewResource
from tools.preview.values import SECRET_SIG, SIG_KEY
from tools.resource_options import ResourceOptions

STACK_URN = "urn:pulumi:test::demo::pulumi:pulumi:Stack::demo-test"


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    """A wire Struct holding ``values``."""
    built = struct_pb2.Struct()
    built.update(values)
    return built


def secret(value: Any) -> dict[str, Any]:
    """A value as the SDK marks a secret on the wire."""
    return {SIG_KEY: SECRET_SIG, "value": value}


def resource(
    type_token: str,
    name: str,
    parent: str = STACK_URN,
    inputs: dict[str, Any] | None = None,
    **options: Any,
) -> PreviewResource:
    """A custom resource under ``parent`` (the stack by default)."""
    parent_type = parent.split("::")[2] if parent else ""
    qualified = f"{parent_type}${type_token}" if parent else type_token
    return PreviewResource(
        urn=f"urn:pulumi:test::demo::{qualified}::{name}",
        type=type_token,
        name=name,
        parent=parent,
        custom=True,
        inputs=struct(inputs or {}),
        outputs=struct(inputs or {}),
        options=ResourceOptions(**options),
    )


def stack() -> PreviewResource:
    """The root stack resource."""
    return PreviewResource(
        STACK_URN, "pulumi:pulumi:Stack", "demo-test", "", False, struct({}), struct({})
    )
