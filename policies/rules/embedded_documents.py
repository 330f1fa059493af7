"""Policy documents that ride inside another input: an OpenAPI body, a CloudFormation template.

- A REST API's ``body`` (OpenAPI, JSON or YAML) may carry the API's resource policy as the
  top-level extension ``x-amazon-apigateway-policy``; API Gateway applies it like the ``policy``
  input.
- A CloudFormation stack or stack set (``templateBody``) declares IAM and resource policies as
  resource properties (``AWS::IAM::Policy`` ``PolicyDocument``, ``AWS::IAM::Role``
  ``AssumeRolePolicyDocument`` and ``Policies``, ``AWS::S3::BucketPolicy``, ``AWS::KMS::Key``
  ``KeyPolicy``, ...): CloudFormation creates them, so they are judged as if written directly.

Intrinsic functions stand for one value CloudFormation fills in: ``Ref``/``Fn::GetAtt``/... are
read as one fixed value, ``Fn::Sub`` as its text (its ``${Name}`` read like a policy variable,
one value), ``Fn::Join`` as the joined parts.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal

from .common import UNKNOWN, get

Kind = Literal["identity", "resource", "key"]

REST_API = "aws:apigateway/restApi:RestApi"
TEMPLATE_INPUTS: Mapping[str, str] = {
    "aws:cloudformation/stack:Stack": "templateBody",
    "aws:cloudformation/stackSet:StackSet": "templateBody",
}
OPENAPI_POLICY_KEY = "x-amazon-apigateway-policy"

# CloudFormation resource type -> (property holding a document, kind). ``Policies`` holds a list
# of {PolicyName, PolicyDocument}.
_TEMPLATE_DOCUMENTS: Mapping[str, tuple[tuple[str, Kind], ...]] = {
    "AWS::IAM::Policy": (("PolicyDocument", "identity"),),
    "AWS::IAM::ManagedPolicy": (("PolicyDocument", "identity"),),
    "AWS::IAM::RolePolicy": (("PolicyDocument", "identity"),),
    "AWS::IAM::UserPolicy": (("PolicyDocument", "identity"),),
    "AWS::IAM::GroupPolicy": (("PolicyDocument", "identity"),),
    "AWS::IAM::Role": (("AssumeRolePolicyDocument", "resource"), ("Policies", "identity")),
    "AWS::IAM::User": (("Policies", "identity"),),
    "AWS::IAM::Group": (("Policies", "identity"),),
    "AWS::S3::BucketPolicy": (("PolicyDocument", "resource"),),
    "AWS::SQS::QueuePolicy": (("PolicyDocument", "resource"),),
    "AWS::SNS::TopicPolicy": (("PolicyDocument", "resource"),),
    "AWS::KMS::Key": (("KeyPolicy", "key"),),
    "AWS::SecretsManager::ResourcePolicy": (("ResourcePolicy", "resource"),),
    "AWS::ECR::Repository": (("RepositoryPolicyText", "resource"),),
    "AWS::ApiGateway::RestApi": (("Policy", "resource"),),
    "AWS::Logs::ResourcePolicy": (("PolicyDocument", "resource"),),
    "AWS::Events::EventBusPolicy": (("Statement", "resource"),),
    "AWS::ECR::RegistryPolicy": (("PolicyText", "resource"),),
    "AWS::EC2::VPCEndpoint": (("PolicyDocument", "resource"),),
    "AWS::KMS::ReplicaKey": (("KeyPolicy", "key"),),
    "AWS::S3::AccessPoint": (("Policy", "resource"),),
    "AWS::EFS::FileSystem": (("FileSystemPolicy", "resource"),),
    "AWS::Backup::BackupVault": (("AccessPolicy", "resource"),),
    "AWS::OpenSearchService::Domain": (("AccessPolicies", "resource"),),
    "AWS::Elasticsearch::Domain": (("AccessPolicies", "resource"),),
    "AWS::CodeArtifact::Repository": (("PermissionsPolicyDocument", "resource"),),
    "AWS::Kinesis::ResourcePolicy": (("ResourcePolicy", "resource"),),
    "AWS::SSO::PermissionSet": (("InlinePolicy", "identity"),),
    # SAM: a function's Policies list mixes managed-policy names, SAM policy templates and
    # inline documents ({Statement: [...]}); the inline ones are judged.
    "AWS::Serverless::Function": (("Policies", "identity"),),
    "AWS::Serverless::StateMachine": (("Policies", "identity"),),
}
# Template types whose policy is account-wide: "*" there is every resource of the kind.
ACCOUNT_WIDE_TEMPLATE_TYPES = frozenset(
    {"AWS::Logs::ResourcePolicy", "AWS::ECR::RegistryPolicy", "AWS::EC2::VPCEndpoint"}
)
_CFN_VALUE = "cfn-value"


class TemplateError(ValueError):
    """A template or body is present but cannot be read."""


def _loads(text: str) -> Any:
    """JSON, else YAML with CloudFormation's short-form tags (``!Sub``, ``!Ref``) read as the
    long form (``{"Fn::Sub": ...}``)."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    import yaml  # noqa: PLC0415 - a dependency of the pulumi SDK; only needed for YAML bodies

    class _Loader(yaml.SafeLoader):
        pass

    def _tagged(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> Any:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
        name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
        if suffix == "GetAtt" and isinstance(value, str):
            value = value.split(".", 1)
        return {name: value}

    _Loader.add_multi_constructor("!", _tagged)
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"is neither JSON nor YAML ({exc})") from exc


def _intrinsic(value: Any) -> Any:
    """CloudFormation's intrinsic functions as the one value they stand for."""
    if isinstance(value, Mapping):
        if len(value) == 1:
            (key,) = list(value)
            inner = get(value, key)
            if key == "Fn::Sub":
                listed = isinstance(inner, Sequence) and not isinstance(inner, str)
                text = inner[0] if listed and inner else inner
                return text if isinstance(text, str) else _CFN_VALUE
            if key == "Fn::Join" and isinstance(inner, Sequence) and len(inner) == 2:  # noqa: PLR2004
                delimiter, parts = inner[0], inner[1]
                if isinstance(delimiter, str) and isinstance(parts, Sequence):
                    return delimiter.join(str(_intrinsic(p)) for p in parts)
            if key == "Ref" or key.startswith("Fn::"):
                return _CFN_VALUE
        return {str(k): _intrinsic(get(value, k)) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_intrinsic(item) for item in value]
    return value


def _parsed(raw: Any) -> Any:
    if isinstance(raw, str):
        return _loads(raw) if raw.strip() else None
    return raw


def openapi_policy(body: Any) -> Any:
    """The ``x-amazon-apigateway-policy`` of a REST API body, or None (UNKNOWN when unknown)."""
    if body is UNKNOWN:
        return UNKNOWN
    document = _parsed(body)
    if not isinstance(document, Mapping):
        return None
    return get(document, OPENAPI_POLICY_KEY)


def template_documents(template: Any) -> Iterator[tuple[str, Any, Kind, bool]]:
    """(where, document, kind, account-wide) for each policy a CloudFormation template declares."""
    document = _parsed(template)
    if not isinstance(document, Mapping):
        return
    resources = get(document, "Resources")
    if not isinstance(resources, Mapping):
        return
    for logical_id in resources:
        resource = get(resources, logical_id)
        if not isinstance(resource, Mapping):
            continue
        cfn_type = get(resource, "Type")
        properties = get(resource, "Properties")
        if not isinstance(cfn_type, str) or not isinstance(properties, Mapping):
            continue
        wide = cfn_type in ACCOUNT_WIDE_TEMPLATE_TYPES
        for prop, kind in _TEMPLATE_DOCUMENTS.get(cfn_type, ()):
            value = get(properties, prop)
            if value is None:
                continue
            where = f"Resources.{logical_id} ({cfn_type}) {prop}"
            if prop == "Policies":
                yield from _listed_policies(where, value, kind, wide)
            elif prop == "Statement":
                yield where, {"Statement": _intrinsic(value)}, kind, wide
            else:
                yield where, _intrinsic(_parsed(value)), kind, wide


def _listed_policies(
    where: str, value: Any, kind: Kind, wide: bool
) -> Iterator[tuple[str, Any, Kind, bool]]:
    """IAM's ``Policies: [{PolicyName, PolicyDocument}]``, and SAM's ``Policies``: one inline
    document (``{Statement: ...}``) or a list mixing names, policy templates and documents."""
    if isinstance(value, Mapping):
        value = [value]
    if not isinstance(value, Sequence) or isinstance(value, str):
        return
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            continue
        if get(item, "PolicyDocument") is not None:
            yield f"{where}[{index}]", _intrinsic(_parsed(get(item, "PolicyDocument"))), kind, wide
        elif get(item, "Statement") is not None:
            yield f"{where}[{index}]", _intrinsic(item), kind, wide
