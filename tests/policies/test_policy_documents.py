"""The pack covers every pulumi_aws resource type whose inputs carry an IAM policy document."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pulumi_aws

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
    }
)
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
}
_TOKEN = re.compile(r"__init__\(\s*'(aws:[^']+)'")
_PARAM = re.compile(r":param pulumi\.Input\[([^\n]*?)\] (\w+): ")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@functools.lru_cache(maxsize=1)
def policy_bearing_types() -> dict[str, set[str]]:
    """Type token -> inputs (camelCase) that pulumi_aws documents as policy JSON.

    Only the first ``:param`` block of a resource file is read: it documents the ``Args``
    class, so outputs (``LayerVersionPermission.policy``) are not taken for inputs.
    """
    root = Path(pulumi_aws.__file__).parent
    found: dict[str, set[str]] = {}
    for path in root.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        token = _TOKEN.search(text)
        if token is None:
            continue
        first_block = text.split('"""', 2)[1] if text.count('"""') >= 2 else ""
        for annotation, name in _PARAM.findall(first_block):
            if "PolicyDocument" in annotation or name in _POLICY_INPUT_NAMES:
                found.setdefault(token.group(1), set()).add(_camel(name))
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
