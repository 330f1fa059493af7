"""The allow file: URNs whose delete or replacement a person reviewed, each with the reason.

Format (YAML)::

    allow:
      - urn: urn:pulumi:dev::cw-analytics::...::database-credentials-version
        reason: why losing this resource is accepted, in words a reviewer can check

Every entry needs both keys; an entry without a reason, an unknown key or a URN named twice is a
bad file (exit 2), not a silent allowance.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.plan_guard.digest import DigestError, urn_type

_ENTRY_KEYS = {"urn", "reason"}


class AllowFileError(ValueError):
    """The allow file is malformed; the message names the file, the entry and the problem."""


@dataclass(frozen=True)
class Allowance:
    """One reviewed URN and why its loss is accepted."""

    urn: str
    reason: str


def load_allow_file(path: Path) -> dict[str, Allowance]:
    """The allowances by URN; ``AllowFileError`` when the file is missing or malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise AllowFileError(f"cannot read allow file {path}: {error.strerror or error}") from error
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise AllowFileError(f"allow file {path} is not YAML: {error}") from error
    try:
        return parse_allowances(document)
    except AllowFileError as error:
        raise AllowFileError(f"allow file {path}: {error}") from error


def parse_allowances(document: Any) -> dict[str, Allowance]:
    """Check a decoded allow file; an empty file allows nothing."""
    if document is None:
        return {}
    if not isinstance(document, dict) or set(document) != {"allow"}:
        raise AllowFileError("the top level must be a mapping with the one key 'allow'")
    entries = document["allow"] or []
    if not isinstance(entries, list):
        raise AllowFileError("'allow' must be a list of {urn, reason} entries")
    allowances: dict[str, Allowance] = {}
    for index, entry in enumerate(entries):
        allowance = _parse_entry(index, entry)
        if allowance.urn in allowances:
            raise AllowFileError(f"allow[{index}] names {allowance.urn} a second time")
        allowances[allowance.urn] = allowance
    return allowances


def _parse_entry(index: int, entry: Any) -> Allowance:
    where = f"allow[{index}]"
    if not isinstance(entry, dict):
        raise AllowFileError(f"{where} must be a mapping with 'urn' and 'reason'")
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        raise AllowFileError(f"{where} has unknown keys {unknown} (only 'urn' and 'reason')")
    urn, reason = entry.get("urn"), entry.get("reason")
    if not isinstance(urn, str) or not urn.strip():
        raise AllowFileError(f"{where} has no 'urn'")
    try:
        urn_type(urn)
    except DigestError as error:
        raise AllowFileError(f"{where}: {error}") from error
    if not isinstance(reason, str) or not reason.strip():
        raise AllowFileError(f"{where} ({urn}) has no 'reason': say why losing it is accepted")
    return Allowance(urn=urn, reason=" ".join(reason.split()))
