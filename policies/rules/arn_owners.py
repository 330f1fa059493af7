"""Whose resources an IAM resource pattern can match: the accounts (or S3 bucket names) of every
ARN the pattern matches, found by running the pattern against the ARN grammar.

IAM's ``*`` matches any run of characters, ``:`` included, so spelling says little:
``arn:aws:iam:*:role/app`` has five parts, yet its ``*`` stands for ``:<any account>`` and the
pattern matches the role ``app`` of every account. The pattern is walked together with an
automaton for ``arn:<partition>:<service>:<region>:<account>:<resource>`` (or, for S3,
``arn:<partition>:s3:::<bucket>[/<key>]``) and the owner segment each accepting walk spells is
collected; a wildcard that spells a character of the owner means every owner.

A reading that pushes the pattern's own account into the resource part
(``arn:aws:sqs:*:123456789012:*`` read as region ``us-east-1:999999999999:x``) is not a real ARN:
no resource name holds a colon-delimited twelve-digit account or an empty colon-delimited part
(``arn:aws:apigateway:*::/apis`` is not account ``x`` with resource ``:/apis``), so the
resource part may not.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Literal

__all__ = ["MANY", "account_owners", "bucket_owners"]

MANY = "*"
"""Stands in the owner set for "any number of owners" (a wildcard spells the owner)."""

_Kind = Literal["lit", "seg", "owner", "any", "tail", "res"]
_ACCOUNT_DIGITS = 12
_PAST_ACCOUNT = _ACCOUNT_DIGITS + 1


@dataclass(frozen=True)
class _Token:
    kind: _Kind
    text: str = ""
    stops: str = ":"


_ACCOUNT_ARN = (
    _Token("lit", "arn:"),
    _Token("seg"),
    _Token("lit", ":"),
    _Token("seg"),
    _Token("lit", ":"),
    _Token("seg"),
    _Token("lit", ":"),
    _Token("owner"),
    _Token("lit", ":"),
    _Token("res"),
)
_BUCKET_ARN = (
    _Token("lit", "arn:"),
    _Token("seg"),
    _Token("lit", ":s3:::"),
    _Token("owner", stops=":/"),
    _Token("tail"),
    _Token("any"),
)
_State = tuple[int, int]


def _closure(tokens: tuple[_Token, ...], state: _State) -> set[_State]:
    """States reachable from ``state`` without reading a character."""
    found = {state}
    todo = [state]
    while todo:
        index, offset = todo.pop()
        if index >= len(tokens):
            continue
        token = tokens[index]
        nxt: list[_State] = []
        if (token.kind == "lit" and offset == len(token.text)) or token.kind == "seg":
            nxt.append((index + 1, 0))
        elif token.kind == "owner" and offset > 0:
            nxt.append((index + 1, 0))
        elif token.kind == "any" or (token.kind == "res" and offset != _ACCOUNT_DIGITS):
            nxt.append((len(tokens), 0))
        elif token.kind == "tail":
            nxt.append((len(tokens), 0))  # a bucket ARN with no key
        for item in nxt:
            if item not in found:
                found.add(item)
                todo.append(item)
    return found


def _step_resource(state: _State, char: str) -> list[_State]:
    """The resource part: offset counts digits read since its start or the last ``:``
    (``_PAST_ACCOUNT`` once the part holds anything else)."""
    index, offset = state
    if char == ":":
        return [] if offset in (0, _ACCOUNT_DIGITS) else [(index, 0)]
    digit_run = char.isdigit() and offset < _ACCOUNT_DIGITS
    return [(index, offset + 1 if digit_run else _PAST_ACCOUNT)]


def _step(tokens: tuple[_Token, ...], state: _State, char: str) -> list[_State]:
    """States after reading ``char`` from ``state`` (no closure)."""
    index, offset = state
    token = tokens[index] if index < len(tokens) else None
    found: list[_State] = []
    if token is None:
        pass
    elif token.kind == "lit":
        if offset < len(token.text) and token.text[offset] == char:
            found.append((index, offset + 1))
    elif token.kind in ("seg", "owner"):
        if char not in token.stops:
            found.append((index, offset + 1 if offset == 0 else 1))
    elif token.kind == "any":
        found.append(state)
    elif token.kind == "res":
        found.extend(_step_resource(state, char))
    elif char == "/":
        found.append((index + 1, 0))  # tail: "/" starts the object key
    return found


def _representatives(tokens: tuple[_Token, ...]) -> str:
    """One character of each class the automaton tells apart (literals, stops, anything else)."""
    chars = {c for t in tokens for c in t.text + t.stops}
    return "".join(sorted(chars)) + "0\x00"


def _owners(pattern: str, tokens: tuple[_Token, ...]) -> frozenset[str]:
    reps = _representatives(tokens)
    final = len(tokens)
    owners: set[str] = set()
    seen: set[tuple[int, _State, str]] = set()
    todo: list[tuple[int, _State, str]] = [(0, s, "") for s in _closure(tokens, (0, 0))]
    while todo:
        item = todo.pop()
        if item in seen:
            continue
        seen.add(item)
        position, state, owner = item
        if position == len(pattern):
            if state[0] == final:
                owners.add(owner)
            continue
        char = pattern[position]
        moves: list[tuple[int, str, bool]] = []  # (pattern advance, char read, read by wildcard)
        if char == "*":
            todo.append((position + 1, state, owner))
            moves.extend((0, c, True) for c in reps)
        elif char == "?":
            moves.extend((1, c, True) for c in reps)
        else:
            moves.append((1, char, False))
        in_owner = state[0] < final and tokens[state[0]].kind == "owner"
        for advance, read, wild in moves:
            for after in _step(tokens, state, read):
                spelled = owner
                if in_owner:
                    spelled = MANY if wild or owner == MANY else owner + read
                for closed in _closure(tokens, after):
                    todo.append((position + advance, closed, spelled))
    return frozenset(owners)


@functools.lru_cache(maxsize=4096)
def account_owners(pattern: str) -> frozenset[str]:
    """The accounts of the ARNs ``pattern`` matches (:data:`MANY` for a wildcard account);
    empty when it matches no ARN (``execute-api:/*``) or only ARNs with no account."""
    return _owners(pattern.strip(), _ACCOUNT_ARN)


@functools.lru_cache(maxsize=4096)
def bucket_owners(pattern: str) -> frozenset[str]:
    """The S3 bucket names of the ``arn:…:s3:::bucket[/key]`` ARNs ``pattern`` matches."""
    return _owners(pattern.strip(), _BUCKET_ARN)
