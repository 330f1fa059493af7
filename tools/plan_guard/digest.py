"""Read the CLI's preview digest: the JSON document ``pulumi preview --json`` writes.

The shape is the CLI's ``PreviewDigest`` (pulumi ``pkg/display/json.go``, moved to
``sdk/go/common/display`` in later releases)::

    {"config": {key: value},            # secrets blinded as "[secret]"
     "steps": [{"op": StepOp, "urn": URN, "provider": "...",
                "oldState": ResourceV3, "newState": ResourceV3,
                "diffReasons": [...], "replaceReasons": [...],
                "detailedDiff": {path: {"kind": ..., "inputDiff": bool}}}],
     "diagnostics": [{"urn", "prefix", "message", "severity"}],
     "duration": nanoseconds, "changeSummary": {op: count}, "maybeCorrupt": bool}

``oldState``/``newState`` are ``apitype.ResourceV3`` (``urn``, ``custom``, ``id``, ``type``,
``inputs``, ``outputs``, ``parent``, ``protect``, ``dependencies``, ``provider``,
``retainOnDelete``, ``aliases``, ...); the CLI replaces every secret value in them with the
string ``"[secret]"`` (``stateForJSONOutput``/``MassageSecrets`` in the same package). The step
operations are the engine's ``StepOp`` constants (pulumi ``pkg/resource/deploy/step.go``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STEP_OPS = frozenset(
    {
        "same",
        "create",
        "update",
        "delete",
        "replace",
        "create-replacement",
        "delete-replaced",
        "read",
        "read-replacement",
        "refresh",
        "discard",
        "discard-replaced",
        "remove-pending-replace",
        "import",
        "import-replacement",
    }
)
"""Every ``StepOp`` the engine emits (``deploy.StepOps``)."""

DESTRUCTIVE_OPS = frozenset(
    {
        "delete",
        "replace",
        "create-replacement",
        "delete-replaced",
        "read-replacement",
        "import-replacement",
        "remove-pending-replace",
    }
)
"""Ops that end the life of a managed resource: a delete, or one of the steps of a replacement
(``replace`` is the logical step, ``create-replacement``/``delete-replaced`` its halves, in
either order for delete-before-replace; ``read-replacement``/``import-replacement`` swap a
managed resource for a read or imported one; ``remove-pending-replace`` drops a resource a
delete-before-replace already deleted). ``discard``/``discard-replaced`` only forget a resource
the program read with ``get`` and never managed; ``read`` and ``refresh`` change nothing."""


class DigestError(ValueError):
    """The document is not a preview digest; the message says where and what."""


@dataclass(frozen=True)
class ResourceState:
    """The part of a ``ResourceV3`` the guard reads."""

    urn: str
    type: str
    custom: bool
    protect: bool
    retain_on_delete: bool
    inputs: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Step:
    """One step of the plan."""

    index: int
    op: str
    urn: str
    old: ResourceState | None
    new: ResourceState | None
    replace_reasons: tuple[str, ...]
    diff_reasons: tuple[str, ...]

    @property
    def type(self) -> str:
        """The resource type: from the state the step carries, else from the URN."""
        state = self.new or self.old
        return state.type if state is not None else urn_type(self.urn)

    @property
    def name(self) -> str:
        """The resource's logical name (the URN's last part)."""
        return urn_name(self.urn)


@dataclass(frozen=True)
class PreviewDigest:
    """A parsed digest: its steps in order and the change summary it states."""

    steps: tuple[Step, ...]
    change_summary: Mapping[str, int]


def urn_type(urn: str) -> str:
    """The resource type of ``urn:pulumi:<stack>::<project>::<parent$...$type>::<name>``."""
    parts = urn.split("::", 3)
    if len(parts) != 4 or not parts[0].startswith("urn:pulumi:"):
        raise DigestError(f"{urn!r} is not a Pulumi URN (urn:pulumi:<stack>::<project>::...)")
    return parts[2].rsplit("$", 1)[-1]


def urn_name(urn: str) -> str:
    """The logical name: everything after the URN's third ``::`` (names may hold ``::``)."""
    return urn.split("::", 3)[-1]


def load_digest(path: Path) -> PreviewDigest:
    """Read and check a digest file; ``DigestError`` names the file and what is wrong."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise DigestError(f"cannot read {path}: {error.strerror or error}") from error
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DigestError(f"{path} is not JSON: {error}") from error
    try:
        return parse_digest(document)
    except DigestError as error:
        raise DigestError(f"{path}: {error}") from error


def parse_digest(document: Any) -> PreviewDigest:
    """Check a decoded digest and return its steps."""
    if not isinstance(document, dict):
        raise DigestError("the document is not a JSON object (pulumi preview --json writes one)")
    steps = document.get("steps", [])
    if not isinstance(steps, list):
        raise DigestError("'steps' is not a list")
    summary = document.get("changeSummary", {})
    if not isinstance(summary, dict) or not all(
        isinstance(count, int) and not isinstance(count, bool) for count in summary.values()
    ):
        raise DigestError("'changeSummary' is not a map of operation to count")
    unknown_ops = sorted(set(summary) - STEP_OPS)
    if unknown_ops:
        raise DigestError(f"'changeSummary' names unknown operations {unknown_ops}")
    return PreviewDigest(
        steps=tuple(_parse_step(index, step) for index, step in enumerate(steps)),
        change_summary=dict(summary),
    )


def _parse_step(index: int, step: Any) -> Step:
    where = f"steps[{index}]"
    if not isinstance(step, dict):
        raise DigestError(f"{where} is not an object")
    op, urn = step.get("op"), step.get("urn")
    if not isinstance(op, str) or op not in STEP_OPS:
        raise DigestError(f"{where} has op {op!r}; expected one of {sorted(STEP_OPS)}")
    if not isinstance(urn, str) or not urn:
        raise DigestError(f"{where} has no 'urn'")
    try:
        urn_type(urn)
    except DigestError as error:
        raise DigestError(f"{where}: {error}") from error
    old = _parse_state(step.get("oldState"), f"{where}.oldState")
    new = _parse_state(step.get("newState"), f"{where}.newState")
    if op in {"delete", "delete-replaced"} and old is None:
        raise DigestError(f"{where} ({op} {urn}) has no oldState: the CLI always writes it")
    return Step(
        index=index,
        op=op,
        urn=urn,
        old=old,
        new=new,
        replace_reasons=_keys(step.get("replaceReasons"), f"{where}.replaceReasons"),
        diff_reasons=_keys(step.get("diffReasons"), f"{where}.diffReasons"),
    )


def _parse_state(state: Any, where: str) -> ResourceState | None:
    if state is None:
        return None
    if not isinstance(state, dict):
        raise DigestError(f"{where} is not an object")
    urn, type_ = state.get("urn"), state.get("type")
    if not isinstance(urn, str) or not isinstance(type_, str) or not type_:
        raise DigestError(f"{where} needs string 'urn' and 'type' (a ResourceV3)")
    inputs = state.get("inputs", {})
    if not isinstance(inputs, dict):
        raise DigestError(f"{where}.inputs is not an object")
    return ResourceState(
        urn=urn,
        type=type_,
        custom=bool(state.get("custom", False)),
        protect=bool(state.get("protect", False)),
        retain_on_delete=bool(state.get("retainOnDelete", False)),
        inputs=inputs,
    )


def _keys(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(key, str) for key in value):
        raise DigestError(f"{where} is not a list of property names")
    return tuple(value)
