"""Pulumi property paths (``ignoreChanges``, ``replaceOnChanges``) applied to input values.

A path names a value inside a resource's inputs: ``tags.Name``, ``tags["Name"]`` (a key that
may hold dots), ``ingress[0].cidrBlocks``, and ``*`` / ``[*]`` for every key or element at one
level. The engine applies both options path by path, not by top-level input:

- ``ignoreChanges``: before diffing, the value at each path in the new inputs is reset to the
  old one (removed where the old inputs have none), so ``tags.Name`` keeps a change to
  ``tags.Owner`` visible;
- ``replaceOnChanges``: a change replaces the resource when a path of the option contains the
  changed path (``tags`` contains ``tags.Name``; ``tags.Name`` does not contain ``tags.Owner``).

Values here are plain JSON-like values (``json_format.MessageToDict`` of the wire ``Struct``):
a secret is a dict carrying the SDK's signature; a path passes through it to the value inside.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tools.preview.errors import PreviewError
from tools.preview.values import SECRET_SIG, SIG_KEY

WILDCARD = "*"
"""The segment matching every key of a map or element of a list."""

Segment = str | int
Path = tuple[Segment, ...]

_MISSING: Any = object()
_TOKEN = re.compile(r'\.?([^.\[\]"]+)|\[(\d+|\*)\]|\[("(?:[^"\\]|\\.)*")\]')


class PropertyPathError(PreviewError):
    """A ``ignoreChanges``/``replaceOnChanges`` entry that is not a property path."""


def parse_path(text: str) -> Path:
    """``tags["a.b"][0].c`` → ``("tags", "a.b", 0, "c")``; ``*`` and ``[*]`` → ``WILDCARD``."""
    segments: list[Segment] = []
    position = 0
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or (position == 0 and text.startswith(".")):
            raise PropertyPathError(f"{text!r} is not a property path (at character {position})")
        name, index, quoted = match.groups()
        if name is not None:
            segments.append(name)
        elif index is not None:
            segments.append(WILDCARD if index == WILDCARD else int(index))
        else:
            segments.append(str(json.loads(quoted)))
        position = match.end()
    if not segments:
        raise PropertyPathError("an empty property path names nothing")
    return tuple(segments)


def contains(outer: Path, inner: Path) -> bool:
    """Whether ``inner`` is ``outer`` or lies under it (a wildcard matches any one segment)."""
    if len(inner) < len(outer):
        return False
    return all(o in (WILDCARD, i) for o, i in zip(outer, inner, strict=False))


def changed_paths(old: Any, new: Any, at: Path = ()) -> set[Path]:
    """The paths at which ``new`` differs from ``old``: a key or element present on one side
    only, or a leaf value that differs (secretness included)."""
    old_value, old_secret = _unwrap(old)
    new_value, new_secret = _unwrap(new)
    if old_secret != new_secret:
        return {at}
    if _is_map(old_value) and _is_map(new_value):
        found: set[Path] = set()
        for key in old_value.keys() | new_value.keys():
            if key not in old_value or key not in new_value:
                found.add((*at, key))
            else:
                found |= changed_paths(old_value[key], new_value[key], (*at, key))
        return found
    if isinstance(old_value, list) and isinstance(new_value, list):
        found = set()
        for index in range(max(len(old_value), len(new_value))):
            if index >= len(old_value) or index >= len(new_value):
                found.add((*at, index))
            else:
                found |= changed_paths(old_value[index], new_value[index], (*at, index))
        return found
    return set() if old_value == new_value else {at}


def reset(old: Any, new: Any, path: Path) -> Any:
    """``new`` with the value at ``path`` taken from ``old``, or removed where ``old`` has
    none, as the engine applies one ``ignoreChanges`` entry (``new`` itself is not changed)."""
    if not path:
        return old
    new_value, secret = _unwrap(new)
    old_value = _unwrap(old)[0] if old is not _MISSING else _MISSING
    head, rest = path[0], path[1:]
    if _is_map(new_value) and not isinstance(head, int):
        result: Any = dict(new_value)
        old_map = old_value if _is_map(old_value) else {}
        keys = (new_value.keys() | old_map.keys()) if head == WILDCARD else {head}
        for key in keys:
            _reset_child(
                result, key, old_map.get(key, _MISSING), new_value.get(key, _MISSING), rest
            )
    elif isinstance(new_value, list) and (isinstance(head, int) or head == WILDCARD):
        result = list(new_value)
        old_list = old_value if isinstance(old_value, list) else []
        indices = range(len(new_value)) if head == WILDCARD else [head]
        for index in indices:
            if not isinstance(index, int) or index >= len(new_value):
                continue
            old_item = old_list[index] if index < len(old_list) else _MISSING
            replaced = reset(old_item, new_value[index], rest)
            # A list keeps its length: an element the old list lacks stays as the new one has it.
            result[index] = new_value[index] if replaced is _MISSING else replaced
    else:
        return new  # the path leads nowhere in the new inputs: nothing to reset
    return {SIG_KEY: SECRET_SIG, "value": result} if secret else result


def _reset_child(result: dict[str, Any], key: str, old: Any, new: Any, rest: Path) -> None:
    if new is _MISSING and rest:
        return  # no container to descend into on the new side
    value = reset(old, new, rest) if new is not _MISSING else old
    if value is _MISSING:
        result.pop(key, None)
    else:
        result[key] = value


def _unwrap(value: Any) -> tuple[Any, bool]:
    if _is_map(value) and value.get(SIG_KEY) == SECRET_SIG:
        return value.get("value"), True
    return value, False


def _is_map(value: Any) -> bool:
    return isinstance(value, dict) and (SIG_KEY not in value or value.get(SIG_KEY) == SECRET_SIG)
