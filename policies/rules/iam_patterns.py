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
    # Ids AWS assigns without a hyphenated prefix: Route 53 hosted zones ("Z" and upper-case
    # letters and digits), CloudFront distributions ("E..."), ACM certificates (UUIDs).
    "route53:hostedzone": ("Z1D633PJN98FT9", "Z08559432ZYDM4XNHFW8P"),
    "cloudfront:distribution": ("E2QWRUHAPOMQZL", "EDFDVBD632BHDS5"),
    "acm:certificate": (
        "12345678-1234-1234-1234-123456789012",
        "f0e1d2c3-b4a5-4697-8877-665544332211",
    ),
}
# Ids AWS assigns (EC2's "Resource IDs": a prefix, a hyphen and 8 or 17 hexadecimal characters;
# ``a|b`` when a type's ids have either prefix):
# the id is not a name anybody chose, so a pattern every id of the type matches (``sg-*``,
# ``i-????????*``) covers the whole type, exactly like ``security-group/*``.
_ASSIGNED_ID_PREFIXES: dict[str, str] = {
    **{
        f"ec2:{resource_type}": prefix
        for resource_type, prefix in (
            ("capacity-reservation", "cr"),
            ("carrier-gateway", "cagw"),
            ("client-vpn-endpoint", "cvpn-endpoint"),
            ("customer-gateway", "cgw"),
            ("dedicated-host", "h"),
            ("dhcp-options", "dopt"),
            ("egress-only-internet-gateway", "eigw"),
            ("elastic-ip", "eipalloc"),
            ("export-image-task", "export-ami"),
            ("fleet", "fleet"),
            ("fpga-image", "afi"),
            ("image", "ami"),
            ("import-image-task", "import-ami"),
            ("import-snapshot-task", "import-snap"),
            ("instance", "i"),
            ("instance-connect-endpoint", "eice"),
            ("internet-gateway", "igw"),
            ("ipam", "ipam"),
            ("ipam-pool", "ipam-pool"),
            ("ipam-scope", "ipam-scope"),
            ("launch-template", "lt"),
            ("local-gateway", "lgw"),
            ("natgateway", "nat"),
            ("network-acl", "acl"),
            ("network-interface", "eni"),
            ("prefix-list", "pl"),
            ("route-table", "rtb"),
            ("security-group", "sg"),
            ("security-group-rule", "sgr"),
            ("snapshot", "snap"),
            ("spot-fleet-request", "sfr"),
            ("spot-instances-request", "sir"),
            ("subnet", "subnet"),
            ("traffic-mirror-filter", "tmf"),
            ("traffic-mirror-session", "tms"),
            ("traffic-mirror-target", "tmt"),
            ("transit-gateway", "tgw"),
            ("transit-gateway-attachment", "tgw-attach"),
            ("transit-gateway-route-table", "tgw-rtb"),
            ("volume", "vol"),
            ("vpc", "vpc"),
            ("vpc-endpoint", "vpce"),
            ("vpc-endpoint-service", "vpce-svc"),
            ("vpc-flow-log", "fl"),
            ("vpc-peering-connection", "pcx"),
            ("vpn-connection", "vpn"),
            ("vpn-gateway", "vgw"),
        )
    },
    "ebs:snapshot": "snap",
    "elasticfilesystem:file-system": "fs",
    "elasticfilesystem:access-point": "fsap",
    "fsx:file-system": "fs",
    "fsx:volume": "fsvol",
    "fsx:backup": "backup",
    "ssm:managed-instance": "mi",
    # IAM database authentication names the database by its resource id (``db-...``; an Aurora
    # cluster's is ``cluster-...``): ``dbuser:db-*/admin`` is admin on every database.
    "rds-db:db-user": "db|cluster",
}
# One short (8) and one long (17) id, sharing no hexadecimal letter or first character, so a
# pattern that matches both says nothing about which id.
_ID_SAMPLE_TAILS = ("12345678", "0abcdef9876543210")
_VARIABLE = re.compile(r"\$\{(\w+)\}")
# IAM policy variables (``${aws:username}``, ``${aws:PrincipalTag/team, 'none'}``) and the
# escapes ``${*}``, ``${?}``, ``${$}`` that stand for a literal ``*``, ``?`` or ``$``.
_POLICY_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERAL_ESCAPES = {"*": "_", "?": "_", "$": "_"}
_VARIABLE_VALUE = "var0"
# A variable's value is whatever the service fills in, and some hold ``/``
# (``${transfer:HomeDirectory}`` is ``bucket/home/user``): the second reading lets it.
_VARIABLE_VALUE_WITH_PATH = "var0/var1"
_OWNER_VARIABLES = ("Partition", "Region", "Account")
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


def resolve_variables(pattern: str, value: str = _VARIABLE_VALUE) -> str:
    """The pattern with each IAM policy variable replaced by one concrete value.

    A variable is filled in from the request (``${aws:PrincipalAccount}`` is the caller's own
    account): one value per request, never a wildcard. Its name holds ``:`` and ``/``, which
    must not be read as ARN separators, so the whole ``${...}`` becomes a plain token; the
    escapes ``${*}``/``${?}``/``${$}`` are literal characters, not wildcards.
    """

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1).strip()
        return _LITERAL_ESCAPES.get(inner, value)

    return _POLICY_VARIABLE.sub(replace, pattern)


def variable_readings(pattern: str) -> tuple[str, ...]:
    """The pattern with its variables filled in each way their values can be shaped: a plain
    token, and (when it has a variable) a value holding ``/``. The pack reports a pattern only
    when every reading is broad: what the text around a variable allows, not a shape assumed
    for the variable (``arn:aws:s3:::${transfer:HomeDirectory}*`` is inside the user's home
    bucket, ``arn:aws:iam::${aws:PrincipalAccount}:role/*`` is every role either way)."""
    plain = resolve_variables(pattern)
    if _POLICY_VARIABLE.search(pattern) is None:
        return (plain,)
    return (plain, resolve_variables(pattern, _VARIABLE_VALUE_WITH_PATH))


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
    """Services whose every action the given action *patterns* cover together.

    Only patterns (``*``/``?``) count, alone or as a union: an explicit list of literal action
    names is never a wildcard, even when it names every action of a small service (Session
    Manager's four ``ssmmessages`` actions), because each name was chosen.
    """
    matched: dict[str, set[str]] = {}
    contributors: dict[str, list[str]] = {}
    for action in actions:
        if not _has_wildcard(action):
            continue
        service = action.strip().partition(":")[0].lower()
        names = {name for name, _ in iam_data.expand_action(action)}
        if not names:
            continue
        matched.setdefault(service, set()).update(names)
        contributors.setdefault(service, []).append(action)
    found: list[ServiceWildcard] = []
    for service, names in matched.items():
        total = len(iam_data.service_actions(service))
        if len(names) < total:
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
    reasons = [_owner_wildcard(text, service) for text in variable_readings(pattern.strip())]
    return None if any(r is None for r in reasons) else reasons[0]


def _owner_wildcard(text: str, service: str | None, *, buckets: bool = True) -> str | None:
    if not _has_wildcard(text):
        return None
    if text.strip("*?") == "":
        return "is every resource"
    accounts = arn_owners.account_owners(text)
    if arn_owners.MANY in accounts or len(accounts) > 1:
        return "matches ARNs of any account (a wildcard where the account is): anyone's resource"
    parts = _split_arn(text)
    s3_pattern = len(parts) < 3 or glob_matches(parts[2], "s3")  # noqa: PLR2004
    if not buckets or (service is None and not s3_pattern) or (service not in (None, "s3")):
        return None
    names = arn_owners.bucket_owners(text)
    if arn_owners.MANY in names or len(names) > 1:
        return "matches any bucket name (a wildcard where the bucket is): anyone's bucket"
    return None


def _owner(pattern_parts: Sequence[str]) -> dict[str, str]:
    """Partition, region and account as the pattern spells them (defaults where it has a
    wildcard)."""
    owner = dict(_DEFAULT_OWNER)
    for index, key in ((1, "Partition"), (3, "Region"), (4, "Account")):
        if len(pattern_parts) > index and not _has_wildcard(pattern_parts[index]):
            owner[key] = pattern_parts[index]
    return owner


def _samples(
    template: str, pattern_parts: Sequence[str], names: Sequence[str] = _NAME_SAMPLES
) -> list[str]:
    """Concrete ARNs of a resource type, owned as the pattern says, with the given names."""
    owner = _owner(pattern_parts)
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


@functools.lru_cache(maxsize=2048)
def _template_names(resource_template: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """A regex that splits a pattern's resource part along AWS's format, one group per name
    variable (``log-group:${LogGroupName}:log-stream:${LogStreamName}`` gives two), and the
    variables' names; None when the format has no name variable."""
    pieces = re.split(r"(\$\{\w+\})", resource_template)
    names = [p[2:-1] for p in pieces if _VARIABLE.fullmatch(p)]
    if not names:
        return None
    body = ""
    seen = 0
    for piece in pieces:
        if _VARIABLE.fullmatch(piece):
            seen += 1
            # A name in the middle ends at the format's next literal; the last one runs on.
            body += "(.*)" if seen == len(names) else "(.*?)"
        else:
            body += re.escape(piece)
    return re.compile(body, re.DOTALL), tuple(names)


def _name_positions(template: str, pattern: str) -> list[tuple[str, str]]:
    """(variable, the pattern's text in its place) for each name of AWS's format, or [] when
    the pattern does not follow the format's literals.

    When the format ends with its one name (``function:${FunctionName}``), a ``:`` in the
    pattern opens a qualifier the format does not spell (``function:app:prod``, an alias or
    version of ``app``); no such name holds a ``:``, so the name ends there.
    """
    parts = _split_arn(pattern)
    template_parts = template.split(":", _ARN_PARTS - 1)
    if len(parts) < _ARN_PARTS or len(template_parts) < _ARN_PARTS:
        return []
    split = _template_names(template_parts[5])
    if split is None:
        return []
    regex, names = split
    found = regex.fullmatch(parts[5])
    if found is None:
        return []
    texts = list(found.groups())
    if len(names) == 1 and template_parts[5].endswith("}"):
        texts[0] = texts[0].split(":", 1)[0]
    return list(zip(names, texts, strict=True))


def _says_nothing(text: str, id_prefix: str | None) -> bool:
    """A name (or id) pattern with wildcards and no letter or digit of its own: ``???*``,
    ``*-*``, ``*-??????``; for an AWS-assigned id the fixed prefix says nothing either
    (``sg-*`` is every security group id)."""
    for prefix in id_prefix.split("|") if id_prefix is not None else ():
        if text.startswith(f"{prefix}-"):
            text = text[len(prefix) + 1 :]
            break
    return _has_wildcard(text) and not any(ch.isalnum() for ch in text)


def _wild_name(template: str, pattern: str, id_prefix: str | None) -> str | None:
    """The resource's own name (the first name of AWS's format) when the pattern leaves it to
    wildcards alone, whatever follows: ``function:*:prod`` (every function's ``prod`` alias),
    ``log-group:*:log-stream:app`` (the ``app`` stream of every log group),
    ``table/*/index/by-date`` (that index of every table). ``*admin``, ``app-*`` and ``*-prod``
    say something about the name and pass; ``abc123/*/GET/*`` names its API."""
    positions = _name_positions(template, pattern)
    # The first name is the resource itself; later ones are its parts (a stage of one API,
    # an object of one bucket, an index of one table) and are scoped by it.
    if positions and _says_nothing(positions[0][1], id_prefix):
        return positions[0][0]
    if len(positions) > 1 and _first_name_runs_on(template):
        # No literal ends the first name (``package-group/${DomainName}${Pattern}``): a ``*``
        # at the start can take the whole of it, so ``package-group/*abc`` is every domain's.
        text = positions[0][1] + positions[1][1]
        if "*" in text[: len(text) - len(text.lstrip("*?"))]:
            return positions[0][0]
    return None


def _first_name_runs_on(template: str) -> bool:
    """Whether AWS's format puts the second name right after the first, with no literal."""
    resource = template.split(":", _ARN_PARTS - 1)[-1]
    first = _VARIABLE.search(resource)
    return first is not None and _VARIABLE.match(resource, first.end()) is not None


def _covers_type(text: str, template: str, resource_type: str, service: str) -> str | None:
    """How the pattern covers every resource of the type (a reason), or None."""
    parts = _split_arn(text)
    key = f"{service}:{resource_type}".lower()
    name_sets: list[tuple[str, ...]] = [_NAME_SAMPLES]
    typed = _TYPE_NAME_SAMPLES.get(key)
    if typed is not None:
        name_sets.append(typed)
    id_prefix = _ASSIGNED_ID_PREFIXES.get(key)
    if id_prefix is not None:
        first = id_prefix.split("|", 1)[0]
        name_sets.append(tuple(f"{first}-{tail}" for tail in _ID_SAMPLE_TAILS))
    if any(
        all(glob_matches(text, sample) for sample in _samples(template, parts, names))
        for names in name_sets
    ):
        if id_prefix is not None and not all(
            glob_matches(text, sample) for sample in _samples(template, parts)
        ):
            shown = ", ".join(f"{p}-..." for p in id_prefix.split("|"))
            return f"matches every {resource_type} id AWS assigns ({shown}) in its account"
        return f"matches every {resource_type} of its account"
    if not _arn_service_matches(text, template):
        return None
    wild = _wild_name(template, text, id_prefix)
    if wild is None:
        return None
    return (
        f"names no {wild} (only wildcards stand there), so it reaches {resource_type}s of "
        f"every {wild} in its account"
    )


@dataclass(frozen=True)
class Breadth:
    """Why a resource pattern is as good as ``*`` for an action."""

    reason: str
    resource_type: str | None
    """``service:type`` when it covers one resource type of its owner; None when the owner."""


def broad_resource(pattern: str, action: str, *, strict: bool) -> Breadth | None:
    """Why ``pattern`` is as good as ``*`` for the exact ``action``, or None when it is scoped.

    Broad: a wildcard where the owner is (see :func:`owner_wildcard`), or a pattern that matches
    resources of one of the action's resource types whatever their names or AWS-assigned ids
    (``role/*``, ``arn:aws:s3:::*``, ``security-group/sg-*``), or that leaves one name of the
    format to wildcards (``function:*:prod``). ``strict`` (privilege escalation) also rejects
    a name that starts with a wildcard (``role/*admin``). With policy variables, broad only
    when broad whatever shape the variable's value has (see :func:`variable_readings`).
    """
    service = action.partition(":")[0].lower()
    found: Breadth | None = None
    for text in variable_readings(pattern.strip()):
        found = _broad_reading(text, action, service, strict=strict)
        if found is None:
            return None
    return found


def _acts_on_buckets(action: str) -> bool:
    """Whether ``action`` can act on a bucket or an object (``arn:…:s3:::bucket[/key]``); an
    action with no resource types in the IAM data counts, as every resource is then its own.
    ``s3:PutStorageLensConfigurationTagging`` on ``arn:aws:s3:*:123456789012:storage-lens/x``
    reaches no bucket, though ``*`` could spell ``::bucket/`` there."""
    templates = [template for _, template in iam_data.action_arn_templates(action)]
    return not templates or any(t.startswith("arn:${Partition}:s3:::") for t in templates)


def _broad_reading(text: str, action: str, service: str, *, strict: bool) -> Breadth | None:
    buckets = service != "s3" or _acts_on_buckets(action)
    reason = _owner_wildcard(text, service, buckets=buckets)
    if reason is not None:
        return Breadth(reason, None)
    if not _has_wildcard(text):
        return None
    for resource_type, template in iam_data.action_arn_templates(action):
        covered = _covers_type(text, template, resource_type, service)
        if covered is not None:
            return Breadth(covered, f"{service}:{resource_type}")
        if (
            strict
            and _arn_service_matches(text, template)
            and _name_prefix_wildcard(template, text)
        ):
            return Breadth(
                f"starts the {resource_type} name with a wildcard", f"{service}:{resource_type}"
            )
    return None


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
