"""What the preview of a stack says about each function's permissions.

Read from the offline preview's JSON report (``python -m tools.preview --stack S --json F``):
the function (its role, VPC settings, tracing, log group, environment), the role's inline and
attached policies, the Lambda permissions (the function's resource policy), the KMS key policy,
the SQS queue policies, the secrets' and the tables' keys, and the schedule rules' targets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tools.iam_proof.policy import Policy, PolicyError

__all__ = ["FunctionStack", "StackError", "StackPolicies", "from_resources"]


class StackError(ValueError):
    """The preview lacks something the proof needs; the message names it."""


@dataclass(frozen=True)
class FunctionStack:
    """One Lambda function and everything that grants it (or its callers) something."""

    name: str
    resource_name: str
    """The function's name in the program (``api-handler``): the same in every stack."""
    arn: str
    role_arn: str
    identity_policies: tuple[Policy, ...]
    resource_policy: Policy
    """The function's Lambda permissions, as Lambda stores them (one statement each)."""
    environment: Mapping[str, str]
    subnet_ids: tuple[str, ...] = ()
    security_group_ids: tuple[str, ...] = ()
    tracing_active: bool = False
    log_group: str = ""


@dataclass(frozen=True)
class StackPolicies:
    """Every function of the stack, and the resource policies and keys their calls meet."""

    account: str
    region: str
    functions: Mapping[str, FunctionStack]
    """By physical function name."""
    key_policies: Mapping[str, Policy] = field(default_factory=dict)
    """By key ARN."""
    queue_policies: Mapping[str, Policy] = field(default_factory=dict)
    """By queue ARN."""
    secret_keys: Mapping[str, str] = field(default_factory=dict)
    """A regular expression for the name part of the secret's ARN → the ARN of its KMS key."""
    table_keys: Mapping[str, str] = field(default_factory=dict)
    """Table name → the ARN of its customer managed key."""
    queue_keys: Mapping[str, str] = field(default_factory=dict)
    """Queue ARN → the ARN of its KMS key."""
    rule_targets: Mapping[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    """Rule ARN → (target ARN, dead-letter queue ARN or "") for each target."""

    def function(self, name: str) -> FunctionStack:
        """The function named so; ``StackError`` names the ones there are."""
        if name not in self.functions:
            raise StackError(
                f"the stack has no function {name!r} (it has {sorted(self.functions)})"
            )
        return self.functions[name]


def _inputs_of(resources: list[dict[str, Any]], type_token: str) -> list[dict[str, Any]]:
    return [
        {"__name": r.get("name", ""), **(r.get("inputs") or {})}
        for r in resources
        if r.get("type") == type_token
    ]


def _text(value: Any) -> str:
    # A secret on the wire is {"<sig>": ..., "value": ...}.
    if isinstance(value, Mapping) and "value" in value:
        return _text(value["value"])
    return "" if value is None else str(value)


def _policy(name: str, document: Any) -> Policy:
    try:
        return Policy.parse(
            name, _text(document) if not isinstance(document, Mapping) else document
        )
    except PolicyError as exc:
        raise StackError(str(exc)) from exc


def _role_policies(
    resources: list[dict[str, Any]], role_name: str, role_arn: str
) -> tuple[Policy, ...]:
    policies: list[Policy] = []
    roles = [r for r in _inputs_of(resources, "aws:iam/role:Role") if r.get("name") == role_name]
    if len(roles) != 1:
        raise StackError(
            f"expected one role named {role_name!r} in the preview, found {len(roles)}"
        )
    role = roles[0]
    for inline in role.get("inlinePolicies") or []:
        policies.append(_policy(f"{role_name}/{inline.get('name', 'inline')}", inline["policy"]))
    for attached in _inputs_of(resources, "aws:iam/rolePolicy:RolePolicy"):
        if attached.get("role") in (role_name, role_arn):
            policies.append(
                _policy(str(attached.get("name") or attached["__name"]), attached["policy"])
            )
    managed = list(role.get("managedPolicyArns") or [])
    managed += [
        a["policyArn"]
        for a in _inputs_of(resources, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
        if a.get("role") in (role_name, role_arn)
    ]
    customer = {str(p.get("name")): p for p in _inputs_of(resources, "aws:iam/policy:Policy")}
    for arn in managed:
        name = str(arn).rsplit("/", 1)[-1]
        if ":aws:policy/" in str(arn) or name not in customer:
            raise StackError(
                f"role {role_name} has the managed policy {arn}, whose document the preview "
                "does not hold: the proof cannot evaluate it"
            )
        policies.append(_policy(name, customer[name]["policy"]))
    return tuple(policies)


def _permission_statement(permission: Mapping[str, Any], function_arn: str) -> dict[str, Any]:
    """A Lambda permission as Lambda writes it into the function's policy (AddPermission)."""
    conditions: dict[str, dict[str, str]] = {}
    if permission.get("sourceArn"):
        conditions["ArnLike"] = {"AWS:SourceArn": str(permission["sourceArn"])}
    if permission.get("sourceAccount"):
        conditions["StringEquals"] = {"AWS:SourceAccount": str(permission["sourceAccount"])}
    principal = str(permission["principal"])
    return {
        "Sid": str(permission.get("statementId") or permission["__name"]),
        "Effect": "Allow",
        "Principal": {"Service": principal}
        if principal.endswith(".amazonaws.com")
        else {"AWS": principal},
        "Action": str(permission["action"]),
        "Resource": function_arn,
        **({"Condition": conditions} if conditions else {}),
    }


def _functions(
    resources: list[dict[str, Any]], account: str, region: str
) -> dict[str, FunctionStack]:
    permissions = _inputs_of(resources, "aws:lambda/permission:Permission")
    functions: dict[str, FunctionStack] = {}
    for fn in _inputs_of(resources, "aws:lambda/function:Function"):
        name = str(fn["name"])
        arn = f"arn:aws:lambda:{region}:{account}:function:{name}"
        role_arn = _text(fn.get("role"))
        role_name = role_arn.rsplit("/", 1)[-1]
        statements = [
            _permission_statement(p, arn)
            for p in permissions
            if str(p.get("function")) in (name, arn)
        ]
        vpc = fn.get("vpcConfig") or {}
        variables = (fn.get("environment") or {}).get("variables") or {}
        logging = fn.get("loggingConfig") or {}
        functions[name] = FunctionStack(
            name=name,
            resource_name=str(fn["__name"]),
            arn=arn,
            role_arn=role_arn,
            identity_policies=_role_policies(resources, role_name, role_arn),
            resource_policy=_policy(f"{name} (Lambda permissions)", {"Statement": statements}),
            environment={str(k): _text(v) for k, v in _text_map(variables).items()},
            subnet_ids=tuple(str(s) for s in vpc.get("subnetIds") or ()),
            security_group_ids=tuple(str(s) for s in vpc.get("securityGroupIds") or ()),
            tracing_active=(fn.get("tracingConfig") or {}).get("mode") == "Active",
            log_group=str(logging.get("logGroup") or f"/aws/lambda/{name}"),
        )
    return functions


def _text_map(value: Any) -> Mapping[str, Any]:
    if isinstance(value, Mapping) and "value" in value and len(value) == 2:
        value = value["value"]
    return value if isinstance(value, Mapping) else {}


def _key_policies(resources: list[dict[str, Any]], key_arns: set[str]) -> dict[str, Policy]:
    keys = _inputs_of(resources, "aws:kms/key:Key")
    if not key_arns:
        return {}
    # The preview holds no key ARNs: with one key in the stack every key ARN used is that key.
    if len(keys) != 1:
        raise StackError(
            f"the stack has {len(keys)} KMS keys; the proof cannot tell which key policy governs "
            f"{sorted(key_arns)}"
        )
    policy = _policy(f"{keys[0]['__name']} (key policy)", keys[0].get("policy") or "{}")
    return dict.fromkeys(key_arns, policy)


def _secret_name_pattern(secret: Mapping[str, Any]) -> str:
    """Secrets Manager appends ``-`` and six random characters to the name in the ARN; a
    ``namePrefix`` secret's name is the prefix and a suffix the provider chooses."""
    if secret.get("name"):
        return re.escape(str(secret["name"])) + r"(-[A-Za-z0-9]{6})?"
    if secret.get("namePrefix"):
        return re.escape(str(secret["namePrefix"])) + r".+"
    raise StackError(f"secret {secret['__name']} has neither name nor namePrefix")


def from_resources(resources: list[dict[str, Any]], region: str) -> StackPolicies:
    """The stack's policies from the preview's resources; ``StackError`` names what is missing."""
    try:
        return _from_resources(resources, region)
    except KeyError as exc:
        raise StackError(f"a resource of the preview lacks the input {exc}") from exc


def _from_resources(resources: list[dict[str, Any]], region: str) -> StackPolicies:
    roles = [_text(f.get("role")) for f in _inputs_of(resources, "aws:lambda/function:Function")]
    if not roles:
        raise StackError("the preview has no Lambda function")
    account = roles[0].split(":")[4]
    secret_keys = {
        _secret_name_pattern(secret): _text(secret.get("kmsKeyId"))
        for secret in _inputs_of(resources, "aws:secretsmanager/secret:Secret")
        if secret.get("kmsKeyId")
    }
    table_keys = {
        str(t["name"]): _text((t.get("serverSideEncryption") or {}).get("kmsKeyArn"))
        for t in _inputs_of(resources, "aws:dynamodb/table:Table")
        if (t.get("serverSideEncryption") or {}).get("kmsKeyArn")
    }
    queues = {
        str(q["name"]): q for q in _inputs_of(resources, "aws:sqs/queue:Queue") if q.get("name")
    }
    queue_arn = {name: f"arn:aws:sqs:{region}:{account}:{name}" for name in queues}
    queue_keys = {
        queue_arn[name]: _text(q.get("kmsMasterKeyId"))
        for name, q in queues.items()
        if q.get("kmsMasterKeyId")
    }
    queue_policies = {}
    for qp in _inputs_of(resources, "aws:sqs/queuePolicy:QueuePolicy"):
        name = str(qp.get("queueUrl", "")).rstrip("/").rsplit("/", 1)[-1]
        queue_policies[f"arn:aws:sqs:{region}:{account}:{name}"] = _policy(
            f"{qp['__name']} (queue policy)", qp["policy"]
        )
    rule_targets: dict[str, list[tuple[str, str]]] = {}
    for target in _inputs_of(resources, "aws:cloudwatch/eventTarget:EventTarget"):
        rule = f"arn:aws:events:{region}:{account}:rule/{target['rule']}"
        dlq = str((target.get("deadLetterConfig") or {}).get("arn") or "")
        rule_targets.setdefault(rule, []).append((str(target["arn"]), dlq))
    key_arns = {*secret_keys.values(), *table_keys.values(), *queue_keys.values()}
    return StackPolicies(
        account=account,
        region=region,
        functions=_functions(resources, account, region),
        key_policies=_key_policies(resources, {k for k in key_arns if k.startswith("arn:")}),
        queue_policies=queue_policies,
        secret_keys=secret_keys,
        table_keys=table_keys,
        queue_keys=queue_keys,
        rule_targets={k: tuple(v) for k, v in rule_targets.items()},
    )
