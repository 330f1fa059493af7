"""What IAM action and resource patterns match, decided from AWS's IAM definition data.

IAM reads ``*`` as any run of characters (``/`` and ``:`` included) and ``?`` as one character;
action names match case-insensitively, ARNs case-sensitively. A pattern is judged by what it
matches, never by how it is spelled: ``sqs:*e*`` is ``sqs:*`` when it matches every SQS action.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from . import arn_owners, iam_data

__all__ = [
    "Breadth",
    "ServiceWildcard",
    "broad_resource",
    "broad_resource_reason",
    "owner_wildcard",
    "scoped_by_other_type",
    "glob_matches",
    "is_privilege_escalation",
    "resolve_variables",
    "service_wildcards",
]

# Actions that let a principal grant itself more: a resource pattern for them is read strictly.
_ESCALATION_PATTERNS = (
    "iam:passrole",
    "sts:assumerole*",
    "iam:*policy*",
    "iam:createaccesskey",
    "iam:*loginprofile",
    "iam:addusertogroup",
    "iam:createservicespecificcredential",
    "iam:updateservicespecificcredential",
    "iam:uploadsshpublickey",
    "iam:*rolepermissionsboundary",
    "iam:*userpermissionsboundary",
)
# Stand-ins for a resource's own name when testing whether a pattern covers every resource of a
# type: a one-character name and a long one with a path, upper case, digits and separators.
_NAME_SAMPLES = ("Q", "Zk7/x_y-z.9@w+v=1")
# Names AWS chooses have a shape of their own: a pattern can match every real one while missing
# the stand-ins above (``key/*-*`` matches every key id). Each set is judged on its own.
_TYPE_NAME_SAMPLES: dict[str, tuple[str, ...]] = {
    "kms:key": ("1234abcd-12ab-34cd-56ef-1234567890ab", "mrk-1234abcd12ab34cd56ef1234567890ab"),
    # Secrets Manager appends a hyphen and six random characters to every secret name.
    "secretsmanager:secret": ("Q-AbCdEf", "Zk7/x_y-z.9@w+v=1-a1B2c3"),
}
_VARIABLE = re.compile(r"\$\{(\w+)\}")
# IAM policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``) and the
# escapes ``${*}``, ``${?}``, ``${$}`` that stand for a literal ``*``, ``?`` or ``$``.
_POLICY_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERAL_ESCAPES = {"*": "_", "?": "_", "$": "_"}
_VARIABLE_VALUE = "var0"
_OWNER_VARIABLES = ("Partition", "Region", "Account")
# A template whose resource part ends with its one name variable.
_TEMPLATE_TAIL = re.compile(r"\$\{\w+\}")
_DEFAULT_OWNER = {"Partition": "aws", "Region": "us-east-1", "Account": "123456789012"}
_ARN_PARTS = 6


@functools.lru_cache(maxsize=8192)
def _glob(pattern: str, case_sensitive: bool) -> re.Pattern[str]:
    body = "".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in pattern)
    return re.compile(body, re.DOTALL if case_sensitive else re.DOTALL | re.IGNORECASE)


def glob_matches(pattern: str, text: str, *, case_sensitive: bool = True) -> bool:
    """Whether an IAM pattern matches ``text`` (``*`` any run, ``?`` one character)."""
    return _glob(pattern, case_sensitive).fullmatch(text) is not None


def _has_wildcard(text: str) -> bool:
    return "*" in text or "?" in text


def resolve_variables(pattern: str) -> str:
    """The pattern with each IAM policy variable replaced by one concrete value.

    A variable is filled in from the request (``${aws:PrincipalAccount}`` is the caller's own
    account): one value per request, never a wildcard. Its name holds ``:`` and ``/``, which
    must not be read as ARN separators, so the whole ``${...}`` becomes a plain token; the
    escapes ``${*}``/``${?}``/``${$}`` are literal characters, not wildcards.
    """

    def value(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        return _LITERAL_ESCAPES.get(inner, _VARIABLE_VALUE)

    return _POLICY_VARIABLE.sub(value, pattern)


def is_privilege_escalation(action: str) -> bool:
    """An action (exact name) that can raise its caller's own permissions."""
    return any(glob_matches(p, action, case_sensitive=False) for p in _ESCALATION_PATTERNS)


@dataclass(frozen=True)
class ServiceWildcard:
    """Patterns of one statement that between them match every action of a service."""

    service: str
    patterns: tuple[str, ...]
    total: int

    def describe(self) -> str:
        """```sqs:*e*`` matches all 20 sqs actions`` (or ``... together match ...``)."""
        shown = ", ".join(f"`{p}`" for p in self.patterns)
        verb = "matches" if len(self.patterns) == 1 else "together match"
        return f"{shown} {verb} all {self.total} {self.service} actions"


def service_wildcards(actions: Iterable[str]) -> list[ServiceWildcard]:
    """Services whose every action the given action patterns cover together.

    A service with a single action counts only when a wildcard names it: naming that one action
    is not a wildcard grant.
    """
    matched: dict[str, set[str]] = {}
    contributors: dict[str, list[str]] = {}
    wild: dict[str, bool] = {}
    for action in actions:
        service = action.strip().partition(":")[0].lower()
        names = {name for name, _ in iam_data.expand_action(action)}
        if not names:
            continue
        matched.setdefault(service, set()).update(names)
        contributors.setdefault(service, []).append(action)
        wild[service] = wild.get(service, False) or _has_wildcard(action)
    found: list[ServiceWildcard] = []
    for service, names in matched.items():
        total = len(iam_data.service_actions(service))
        if len(names) < total or not (wild[service] or total > 1):
            continue
        single = [a for a in contributors[service] if len(iam_data.expand_action(a)) == total]
        patterns = tuple(single[:1] or contributors[service])
        found.append(ServiceWildcard(service, patterns, total))
    return found


def _split_arn(pattern: str) -> list[str]:
    return pattern.split(":", _ARN_PARTS - 1)


def owner_wildcard(pattern: str, service: str | None = None) -> str | None:
    """Why a resource pattern names anyone's resource (it matches ARNs of two owners), or None.

    The owner is the account; for S3, whose bucket names are global and hold no account, it is
    the bucket name. Decided by matching (see :mod:`arn_owners`), so a ``*`` that swallows the
    account across ``:`` (``arn:aws:iam:*:role/app``, ``arn:aws:sqs:*:queue``) counts too.
    Buckets are looked at for S3 actions (``service`` "s3"), or, with no ``service``, when the
    pattern's service part can be ``s3``: any ``*`` can spell ``s3:::bucket/`` before the rest
    of a pattern, but that matters only where S3 objects are what is granted.
    """
    text = resolve_variables(pattern.strip())
    if not _has_wildcard(text):
        return None
    if text.strip("*?") == "":
        return "is every resource"
    accounts = arn_owners.account_owners(text)
    if arn_owners.MANY in accounts or len(accounts) > 1:
        return "matches ARNs of any account (a wildcard where the account is): anyone's resource"
    parts = _split_arn(text)
    s3_pattern = len(parts) < 3 or glob_matches(parts[2], "s3")  # noqa: PLR2004
    if (service is None and not s3_pattern) or (service is not None and service != "s3"):
        return None
    buckets = arn_owners.bucket_owners(text)
    if arn_owners.MANY in buckets or len(buckets) > 1:
        return "matches any bucket name (a wildcard where the bucket is): anyone's bucket"
    return None


def _samples(
    template: str, pattern_parts: Sequence[str], names: Sequence[str] = _NAME_SAMPLES
) -> list[str]:
    """Concrete ARNs of a resource type, owned as the pattern says, with the given names."""
    owner = dict(_DEFAULT_OWNER)
    for index, key in ((1, "Partition"), (3, "Region"), (4, "Account")):
        if len(pattern_parts) > index and not _has_wildcard(pattern_parts[index]):
            owner[key] = pattern_parts[index]
    result = []
    for sample in names:

        def fill(match: re.Match[str], name: str = sample) -> str:
            key = match.group(1)
            return owner[key] if key in _OWNER_VARIABLES else name

        result.append(_VARIABLE.sub(fill, template))
    return result


def _name_prefix_wildcard(template: str, pattern: str) -> bool:
    """The pattern's name part starts with a wildcard right after the type prefix
    (``role/*admin``): it reaches names and paths nobody chose for it."""
    parts = _split_arn(pattern)
    template_parts = template.split(":", _ARN_PARTS - 1)
    if len(parts) < _ARN_PARTS or len(template_parts) < _ARN_PARTS:
        return False
    prefix = template_parts[5].split("${", 1)[0]
    resource = parts[5]
    if resource.startswith(prefix):
        rest = resource[len(prefix) :]
        return rest[:1] in ("*", "?")
    return resource[:1] in ("*", "?")


def _name_head(template_rest: str, name: str) -> str:
    """The part of a pattern's name that names the resource itself.

    When AWS's format ends with the name (``function:${FunctionName}``), a ``:`` in the pattern
    opens a qualifier the format does not spell (``function:app:prod``, a function's alias or
    version); no such name holds a ``:``, so the name ends there. Formats that go on after the
    name (``log-group:${LogGroupName}:log-stream:${LogStreamName}``) are judged whole.
    """
    if _TEMPLATE_TAIL.fullmatch(template_rest) is None:
        return name
    return name.split(":", 1)[0]


def _meaningless_name(template: str, pattern: str) -> bool:
    """The pattern's name (after the type prefix, ``table/``, and before a qualifier) has
    wildcards and no letter or digit: ``???*``, ``*-*``, ``*-??????``, ``*:prod`` (every
    function's ``prod`` alias) name no resource in particular, whatever names exist.
    ``*admin``, ``app-*`` and ``*-prod`` say something about the name and pass."""
    parts = _split_arn(pattern)
    template_parts = template.split(":", _ARN_PARTS - 1)
    if len(parts) < _ARN_PARTS or len(template_parts) < _ARN_PARTS:
        return False
    prefix, _, rest = template_parts[5].partition("${")
    if not parts[5].startswith(prefix):
        return False
    name = _name_head("${" + rest, parts[5][len(prefix) :])
    return _has_wildcard(name) and not any(ch.isalnum() for ch in name)


def _covers_type(text: str, template: str, resource_type: str, service: str) -> bool:
    parts = _split_arn(text)
    name_sets: list[tuple[str, ...]] = [_NAME_SAMPLES]
    typed = _TYPE_NAME_SAMPLES.get(f"{service}:{resource_type}".lower())
    if typed is not None:
        name_sets.append(typed)
    if any(
        all(glob_matches(text, sample) for sample in _samples(template, parts, names))
        for names in name_sets
    ):
        return True
    return _arn_service_matches(text, template) and _meaningless_name(template, text)


@dataclass(frozen=True)
class Breadth:
    """Why a resource pattern is as good as ``*`` for an action."""

    reason: str
    resource_type: str | None
    """``service:type`` when it covers one resource type of its owner; None when the owner."""


def broad_resource(pattern: str, action: str, *, strict: bool) -> Breadth | None:
    """Why ``pattern`` is as good as ``*`` for the exact ``action``, or None when it is scoped.

    Broad: a wildcard where the owner is (see :func:`owner_wildcard`), or a pattern that matches
    resources of one of the action's resource types whatever their names (``role/*``,
    ``arn:aws:s3:::*``). ``strict`` (privilege escalation) also rejects a name that starts with
    a wildcard (``role/*admin``).
    """
    text = resolve_variables(pattern.strip())
    service = action.partition(":")[0].lower()
    reason = owner_wildcard(text, service)
    if reason is not None:
        return Breadth(reason, None)
    if not _has_wildcard(text):
        return None
    for resource_type, template in iam_data.action_arn_templates(action):
        if _covers_type(text, template, resource_type, service):
            return Breadth(
                f"matches every {resource_type} of its account", f"{service}:{resource_type}"
            )
        if (
            strict
            and _arn_service_matches(text, template)
            and _name_prefix_wildcard(template, text)
        ):
            return Breadth(
                f"starts the {resource_type} name with a wildcard", f"{service}:{resource_type}"
            )
    return None


def broad_resource_reason(pattern: str, action: str, *, strict: bool) -> str | None:
    """The reason of :func:`broad_resource`, or None."""
    found = broad_resource(pattern, action, strict=strict)
    return None if found is None else found.reason


def scoped_by_other_type(action: str, broad_type: str, resources: Sequence[str]) -> bool:
    """Another resource type the action requires is named by a scoped pattern of the statement.

    ``ec2:CreateNetworkInterface`` needs a network interface *and* a subnet: a statement that
    names the subnet limits the call even with ``network-interface/*``.
    """
    others = [
        template
        for resource_type, template in iam_data.action_arn_templates(action, required_only=True)
        if f"{action.partition(':')[0].lower()}:{resource_type}" != broad_type
    ]
    for template in others:
        prefix = template.split(":", _ARN_PARTS - 1)[-1].split("${", 1)[0]
        for resource in resources:
            text = resolve_variables(resource.strip())
            parts = _split_arn(text)
            if (
                len(parts) == _ARN_PARTS
                and prefix
                and parts[5].startswith(prefix)
                and _arn_service_matches(text, template)
                and broad_resource(resource, action, strict=False) is None
            ):
                return True
    return False


def _arn_service_matches(pattern: str, template: str) -> bool:
    parts = _split_arn(pattern)
    service = template.split(":", 3)[2]
    return len(parts) > 2 and glob_matches(parts[2], service)
