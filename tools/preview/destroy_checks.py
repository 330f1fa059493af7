"""Findings on the destroy order: something another resource needs for its deletion goes first.

- A VPC function's network interfaces outlive the function: Lambda releases them after the
  function is deleted, with the function's execution role and its ``ec2:DeleteNetworkInterface``
  grant (AWS Knowledge Center "lambda-eni-find-delete"). Until then the subnets and security
  groups holding them cannot be deleted. The role and a grant allowing the delete must therefore
  be deleted after every subnet and group of the function's ``vpcConfig`` — said by the graph.
- A KMS key that ``pulumi destroy`` schedules for deletion must not encrypt data the destroy
  keeps: a retained or ``deletedWith``-skipped resource, a database's final snapshot.
- A secret deleted with a recovery window stays restorable for that many days, encrypted with
  its key: the key must outlive the stack (retained).
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tools.preview.destroy import DELETE, RETAIN, DestroyPlan
from tools.preview.findings import Finding
from tools.preview.model import PreviewResource
from tools.preview.values import plain_properties

INTERFACES_RELEASED = "preview-vpc-function-interfaces-released"
KEY_OUTLIVES_DATA = "preview-key-outlives-kept-data"
KEY_OUTLIVES_SECRET = "preview-key-outlives-secret-recovery"
CHECKS = (INTERFACES_RELEASED, KEY_OUTLIVES_DATA, KEY_OUTLIVES_SECRET)

FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
ROLE_ATTACHMENT = "aws:iam/rolePolicyAttachment:RolePolicyAttachment"
MANAGED_POLICY = "aws:iam/policy:Policy"
KMS_KEY = "aws:kms/key:Key"
KMS_ALIAS = "aws:kms/alias:Alias"
SECRET = "aws:secretsmanager/secret:Secret"
INTERFACE_HOLDERS = frozenset({"aws:ec2/subnet:Subnet", "aws:ec2/securityGroup:SecurityGroup"})
RELEASE_ACTION = "ec2:DeleteNetworkInterface"
# AWS managed policies that allow it (AWS Lambda developer guide, "execution role").
RELEASING_MANAGED_POLICIES = ("AWSLambdaVPCAccessExecutionRole", "AWSLambdaENIManagementAccess")
SNAPSHOT_TYPES = frozenset(
    {
        "aws:rds/instance:Instance",
        "aws:rds/cluster:Cluster",
        "aws:docdb/cluster:Cluster",
        "aws:neptune/cluster:Cluster",
    }
)
# The provider's default recovery window when a secret sets none.
DEFAULT_RECOVERY_WINDOW_DAYS = 30
_KEY_INPUT = re.compile(r"kms|encrypt", re.IGNORECASE)


def destroy_order_findings(
    resources: Sequence[PreviewResource], plan: DestroyPlan, pack: str
) -> list[Finding]:
    """Every destroy-order finding for ``resources`` (effective options resolved)."""
    index = _Index(resources)
    findings = [
        *_interface_findings(index, plan),
        *_key_findings(index, plan),
    ]
    return [
        Finding(policy_pack=pack, policy=policy, enforcement_level="mandatory", urn=urn, message=m)
        for policy, urn, m in findings
    ]


class _Index:
    """The resources by URN, with their inputs and outputs as plain values."""

    def __init__(self, resources: Sequence[PreviewResource]) -> None:
        self.resources = list(resources)
        self.by_urn = {r.urn: r for r in resources}
        self.inputs = {r.urn: plain_properties(r.inputs) for r in resources}
        self.outputs = {r.urn: plain_properties(r.outputs) for r in resources}

    def of_type(self, type_token: str) -> Iterator[PreviewResource]:
        return (r for r in self.resources if r.type == type_token)

    def names_of(self, urn: str) -> set[str]:
        """The strings other resources may name ``urn`` by: its id, name and ARN."""
        outputs = self.outputs.get(urn, {})
        return {str(outputs[k]) for k in ("id", "name", "arn", "keyId") if outputs.get(k)}

    def refers(self, resource: PreviewResource, key: str, target: str) -> bool:
        """Whether input ``key`` of ``resource`` names ``target``, in the graph or by value."""
        if target in resource.options.property_dependencies.get(key, ()):
            return True
        names = self.names_of(target)
        return bool(names) and any(s in names for s in _strings(self.inputs[resource.urn].get(key)))

    def label(self, urn: str) -> str:
        resource = self.by_urn[urn]
        return f"{resource.type} '{resource.name}'"


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


# -- VPC functions ------------------------------------------------------------------------------


def _interface_findings(index: _Index, plan: DestroyPlan) -> Iterator[tuple[str, str, str]]:
    for function in index.of_type(FUNCTION):
        holders = [
            urn
            for urn in function.options.property_dependencies.get("vpcConfig", ())
            if urn in index.by_urn
            and index.by_urn[urn].type in INTERFACE_HOLDERS
            and plan.deleted(urn)
        ]
        roles = [r for r in index.of_type(ROLE) if index.refers(function, "role", r.urn)]
        if not holders or not roles:
            continue
        role = roles[0].urn
        early = [h for h in holders if plan.deleted(role) and not plan.outlives(role, h)]
        if early:
            yield (
                INTERFACES_RELEASED,
                role,
                f"{index.label(role)}, the execution role of VPC function '{function.name}', "
                f"can be deleted before {_listed(index, early)}: Lambda releases the function's "
                "network interfaces with this role after the function is deleted, and the "
                "subnets and groups cannot be deleted while they hold them (DependencyViolation "
                "after the provider's 45-minute wait). Create the role before them and make them "
                "depend on it (depends_on), so the graph deletes the role last.",
            )
        grants = list(_release_grants(index, role))
        if not grants:
            yield (
                INTERFACES_RELEASED,
                role,
                f"{index.label(role)}, the execution role of VPC function '{function.name}', "
                f"has no grant allowing {RELEASE_ACTION}: Lambda cannot release the function's "
                "network interfaces, so its subnets and security groups cannot be deleted.",
            )
            continue
        if any(_outlives_all(plan, grant, holders) for grant in grants):
            continue
        grant = grants[0]
        first = [h for h in holders if plan.deleted(grant) and not plan.outlives(grant, h)]
        yield (
            INTERFACES_RELEASED,
            grant,
            f"{index.label(grant)} grants {RELEASE_ACTION} to the execution role of VPC "
            f"function '{function.name}' but can be deleted before {_listed(index, first)}: "
            "Lambda releases the interfaces with it after the function is deleted. Keep the "
            "grant free of references to the subnets and groups, create it before them and "
            "make them depend on it.",
        )


def _outlives_all(plan: DestroyPlan, grant: str, holders: Sequence[str]) -> bool:
    return not plan.deleted(grant) or all(plan.outlives(grant, h) for h in holders)


def _release_grants(index: _Index, role: str) -> Iterator[str]:
    """The resources that let ``role`` delete network interfaces (the role itself included)."""
    role_inputs = index.inputs[role]
    inline = [p.get("policy") for p in role_inputs.get("inlinePolicies") or [] if p]
    if any(allows_action(document, RELEASE_ACTION) for document in inline) or any(
        _is_releasing_managed(arn) for arn in role_inputs.get("managedPolicyArns") or []
    ):
        yield role
    for policy in index.of_type(ROLE_POLICY):
        if index.refers(policy, "role", role) and allows_action(
            index.inputs[policy.urn].get("policy"), RELEASE_ACTION
        ):
            yield policy.urn
    for attachment in index.of_type(ROLE_ATTACHMENT):
        if not index.refers(attachment, "role", role):
            continue
        arn = str(index.inputs[attachment.urn].get("policyArn") or "")
        stack_policies = [
            p
            for p in index.of_type(MANAGED_POLICY)
            if index.refers(attachment, "policyArn", p.urn)
            and allows_action(index.inputs[p.urn].get("policy"), RELEASE_ACTION)
        ]
        if _is_releasing_managed(arn) or stack_policies:
            yield attachment.urn


def _is_releasing_managed(arn: Any) -> bool:
    return isinstance(arn, str) and arn.rsplit("/", 1)[-1] in RELEASING_MANAGED_POLICIES


def allows_action(document: Any, action: str) -> bool:
    """Whether an IAM policy document (text or object) has an Allow statement for ``action``."""
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            return False
    if not isinstance(document, Mapping):
        return False
    statements = document.get("Statement") or []
    for statement in statements if isinstance(statements, list) else [statements]:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        actions = statement.get("Action") or []
        for pattern in [actions] if isinstance(actions, str) else actions:
            if fnmatch.fnmatchcase(action.lower(), str(pattern).lower()):
                return True
    return False


def _listed(index: _Index, urns: Sequence[str]) -> str:
    return ", ".join(index.label(u) for u in urns)


# -- KMS keys -----------------------------------------------------------------------------------


def _key_findings(index: _Index, plan: DestroyPlan) -> Iterator[tuple[str, str, str]]:
    for key in index.of_type(KMS_KEY):
        if not plan.deleted(key.urn):
            continue
        targets = {key.urn} | {
            alias.urn
            for alias in index.of_type(KMS_ALIAS)
            if index.refers(alias, "targetKeyId", key.urn)
        }
        for data in index.resources:
            keys = [
                k for k in _encryption_inputs(index, data) if _names_key(index, data, k, targets)
            ]
            if not keys or data.urn in targets:
                continue
            yield from _kept_data(index, plan, key, data, keys)


def _encryption_inputs(index: _Index, resource: PreviewResource) -> list[str]:
    if not resource.custom or resource.type.startswith("aws:iam/"):
        return []
    return [key for key in index.inputs[resource.urn] if _KEY_INPUT.search(key)]


def _names_key(index: _Index, data: PreviewResource, key: str, targets: set[str]) -> bool:
    return any(index.refers(data, key, target) for target in targets)


def _kept_data(
    index: _Index,
    plan: DestroyPlan,
    key: PreviewResource,
    data: PreviewResource,
    inputs: Sequence[str],
) -> Iterator[tuple[str, str, str]]:
    step = plan.step(data.urn)
    values = index.inputs[data.urn]
    label = index.label(data.urn)
    kept = ""
    if step is not None and step.action == RETAIN:
        kept = f"{label} is retained by destroy (retainOnDelete) and stays encrypted with it"
    elif step is not None and step.action != DELETE:
        kept = f"{label} is skipped by destroy (deletedWith) and stays encrypted with it"
    elif (
        data.type in SNAPSHOT_TYPES and "kmsKeyId" in inputs and not values.get("skipFinalSnapshot")
    ):
        kept = f"{label} leaves a final snapshot encrypted with it"
    if kept:
        yield (
            KEY_OUTLIVES_DATA,
            key.urn,
            f"{index.label(key.urn)} is scheduled for deletion by `pulumi destroy`, but {kept}: "
            "the data becomes unreadable for good when the key's deletion window ends. "
            "Retain the key (retain_on_delete=True) whenever the stack keeps such data.",
        )
        return
    window = values.get("recoveryWindowInDays")
    window = DEFAULT_RECOVERY_WINDOW_DAYS if window is None else int(window)
    if data.type == SECRET and window > 0 and step is not None and step.action == DELETE:
        yield (
            KEY_OUTLIVES_SECRET,
            key.urn,
            f"{index.label(key.urn)} is scheduled for deletion by `pulumi destroy`, but {label} "
            f"stays restorable for {window} days after it (recoveryWindowInDays), encrypted "
            "with this key: a restored secret could not be read. Retain the key "
            "(retain_on_delete=True) while secrets have a recovery window, or delete them "
            "at once (recovery_window_in_days=0).",
        )
