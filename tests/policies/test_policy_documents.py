"""The pack covers every pulumi_aws resource type whose inputs carry an IAM policy document."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pulumi_aws
import pytest

from policies.rules.policy_documents import DOCUMENT_INPUTS

# Inputs a resource may carry an IAM policy document in (snake_case, as pulumi_aws names them).
_POLICY_INPUT_NAMES = frozenset(
    {
        "policy",
        "access_policy",
        "access_policies",
        "policy_document",
        "resource_policy",
        "inline_policy",
        "repository_policy",
        "assume_role_policy",
        "session_policy",
    }
)
# Names a policy resource (a type whose name ends in "Policy") may give its document under.
_POLICY_RESOURCE_SUFFIXES = ("_policy", "_policies")
# Candidates whose input is not an IAM policy document, with the reason.
NOT_IAM_DOCUMENTS = {
    "aws:cloudwatch/logAccountPolicy:LogAccountPolicy": "data protection / subscription JSON",
    "aws:cloudwatch/logDataProtectionPolicy:LogDataProtectionPolicy": "data protection JSON",
    "aws:cloudwatch/logIndexPolicy:LogIndexPolicy": "field index JSON",
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": "image lifecycle rules",
    "aws:iot/policyAttachment:PolicyAttachment": "a policy name, not a document",
    "aws:networkmanager/coreNetworkPolicyAttachment:CoreNetworkPolicyAttachment": "network policy",
    "aws:opensearch/serverlessAccessPolicy:ServerlessAccessPolicy": "OpenSearch data rules",
    "aws:opensearch/serverlessLifecyclePolicy:ServerlessLifecyclePolicy": "retention rules",
    "aws:opensearch/serverlessSecurityPolicy:ServerlessSecurityPolicy": "encryption/network rules",
    "aws:resiliencehub/resiliencyPolicy:ResiliencyPolicy": "RTO/RPO targets",
    "aws:ses/receiptFilter:ReceiptFilter": "Block or Allow",
    "aws:sns/dataProtectionPolicy:DataProtectionPolicy": "data protection JSON",
    "aws:verifiedaccess/endpoint:Endpoint": "Cedar policy",
    "aws:verifiedaccess/group:Group": "Cedar policy",
    "aws:ram/permission:Permission": "a template without Principal or Resource",
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": "snapshot schedule, not a permission",
    "aws:organizations/policy:Policy": "organization guardrail (SCP, tag, backup policy)",
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": "which queues may use a dead-letter queue",
    "aws:sqs/redrivePolicy:RedrivePolicy": "dead-letter queue and retry count",
}
_TOKEN = re.compile(r"__init__\(\s*'(aws:[^']+)'")
_PARAM = re.compile(r":param pulumi\.Input\[([^\n]*?)\] (\w+): ")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


_ARGS_INIT = re.compile(r"class (\w+)Args:\n    def __init__\(__self__, \*,\n(.*?)\):", re.S)
_SIGNATURE_PARAM = re.compile(r"^\s+(\w+): (.*?)(?: = None)?,?$", re.M)
_NESTED_ARGS = re.compile(r"'(\w+Args)'")


def _documented_inputs(text: str) -> set[str]:
    """Inputs the first ``:param`` block (the ``Args`` class's) documents as policy JSON."""
    first_block = text.split('"""', 2)[1] if text.count('"""') >= 2 else ""
    return {
        name
        for annotation, name in _PARAM.findall(first_block)
        if "PolicyDocument" in annotation or name in _POLICY_INPUT_NAMES
    }


def _policy_like(name: str, annotation: str, policy_resource: bool) -> bool:
    if "PolicyDocument" in annotation:
        return True
    if "str" not in annotation:
        return False
    if name in _POLICY_INPUT_NAMES:
        return True
    return policy_resource and (name == "content" or name.endswith(_POLICY_RESOURCE_SUFFIXES))


@functools.lru_cache(maxsize=64)
def _input_types(package: Path) -> dict[str, list[tuple[str, str]]]:
    """Nested input classes of a pulumi_aws module: class name -> (field, annotation)."""
    path = package / "_inputs.py"
    if not path.is_file():
        return {}
    text = path.read_text(encoding="utf-8")
    return {
        f"{match.group(1)}Args": _SIGNATURE_PARAM.findall(match.group(2) + "\n")
        for match in _ARGS_INIT.finditer(text)
    }


def _signature_inputs(path: Path, text: str) -> set[str]:
    """Inputs whose name and annotation in the ``Args`` signature say policy JSON, one level of
    nested input objects included (``details.policy``), documented or not."""
    match = _ARGS_INIT.search(text)
    if match is None:
        return set()
    policy_resource = match.group(1).endswith("Policy")
    found: set[str] = set()
    for name, annotation in _SIGNATURE_PARAM.findall(match.group(2) + "\n"):
        if _policy_like(name, annotation, policy_resource):
            found.add(name)
        nested = _NESTED_ARGS.search(annotation)
        if nested is None or "Sequence" in annotation:
            continue
        for field, field_annotation in _input_types(path.parent).get(nested.group(1), []):
            if _policy_like(field, field_annotation, policy_resource):
                found.add(f"{name}.{field}")
    return found


@functools.lru_cache(maxsize=1)
def policy_bearing_types() -> dict[str, set[str]]:
    """Type token -> inputs (camelCase, dotted when nested) that carry policy JSON.

    Two readings of each resource file: the documented ``:param`` block of the ``Args`` class
    (outputs such as ``LayerVersionPermission.policy`` are not taken for inputs), and the
    ``Args`` signature itself, so an undocumented ``resource_policy`` or a policy inside a
    nested input object is found too.
    """
    root = Path(pulumi_aws.__file__).parent
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        token = _TOKEN.search(text)
        if token is None:
            continue
        names = _documented_inputs(text) | _signature_inputs(path, text)
        if names:
            found.setdefault(token.group(1), set()).update(
                ".".join(_camel(part) for part in name.split(".")) for name in names
            )
    return found


def test_policy_documents_cover_every_policy_bearing_pulumi_aws_type() -> None:
    missing = {
        token: sorted(inputs)
        for token, inputs in policy_bearing_types().items()
        if token not in DOCUMENT_INPUTS and token not in NOT_IAM_DOCUMENTS
    }
    assert missing == {}, (
        "pulumi_aws types carrying a policy document the pack does not judge (add them to "
        f"policies/rules/policy_documents.py or NOT_IAM_DOCUMENTS with the reason): {missing}"
    )


def test_policy_documents_name_the_input_pulumi_aws_documents() -> None:
    bearing = policy_bearing_types()
    wrong = {
        token: (name, sorted(bearing.get(token, ())))
        for token, (name, _) in DOCUMENT_INPUTS.items()
        if token in bearing and name not in bearing[token]
    }
    assert wrong == {}, f"pack reads an input pulumi_aws does not document: {wrong}"


def test_policy_documents_scan_finds_known_policy_types() -> None:
    bearing = policy_bearing_types()
    for token in ("aws:s3/bucketPolicy:BucketPolicy", "aws:kms/key:Key", "aws:iam/role:Role"):
        assert token in bearing, f"scan of pulumi_aws missed {token}: the scan is broken"


@pytest.mark.parametrize(
    ("token", "name"),
    [
        # not documented as a :param: found by its signature
        ("aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy", "resourcePolicy"),
        ("aws:organizations/resourcePolicy:ResourcePolicy", "content"),
        (
            "aws:cloudwatch/logDeliveryDestinationPolicy:LogDeliveryDestinationPolicy",
            "deliveryDestinationPolicy",
        ),
        # a policy inside a nested input object
        (
            "aws:s3control/multiRegionAccessPointPolicy:MultiRegionAccessPointPolicy",
            "details.policy",
        ),
    ],
)
def test_policy_documents_scan_finds_undocumented_and_nested_inputs(token: str, name: str) -> None:
    assert name in policy_bearing_types().get(token, set()), f"scan of pulumi_aws missed {token}"
