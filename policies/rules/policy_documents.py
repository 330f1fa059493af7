"""Every resource input that carries an IAM policy document, and whose document it is.

The table lists the pulumi_aws resource types whose inputs are IAM policy JSON (found by reading
pulumi_aws's own resource definitions: inputs typed ``PolicyDocument`` and the ``policy``,
``access_policies``, ``policy_document``, ``resource_policy`` ... inputs documented as an IAM or
resource policy). A test re-reads the installed pulumi_aws and fails when a new version brings a
policy-bearing type missing here. Three kinds of document:

- ``identity``: attached to a principal; ``Resource`` says what it may touch.
- ``resource``: attached to a resource; ``Principal`` says who, and ``Resource: "*"`` or no
  ``Resource`` means the resource itself (ECR and Lambda policies omit it).
- ``key``: a KMS key policy, a resource policy where ``Resource`` must be ``"*"``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, NamedTuple

from pulumi_policy import ResourceValidationArgs

from . import embedded_documents
from .common import UNKNOWN, get, get_item

Kind = Literal["identity", "resource", "key"]
IDENTITY: Kind = "identity"
RESOURCE: Kind = "resource"
KEY: Kind = "key"

ROLE_TYPE = "aws:iam/role:Role"

_IDENTITY_POLICY = {
    "aws:iam/policy:Policy": "policy",
    "aws:iam/rolePolicy:RolePolicy": "policy",
    "aws:iam/userPolicy:UserPolicy": "policy",
    "aws:iam/groupPolicy:GroupPolicy": "policy",
    "aws:ssoadmin/permissionSetInlinePolicy:PermissionSetInlinePolicy": "inlinePolicy",
    # Session policies: they can only narrow the role, but a wildcard in them is still a finding.
    "aws:transfer/user:User": "policy",
    "aws:transfer/access:Access": "policy",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation": "policy",
    # IoT policies use IAM's grammar for IoT actions and resources.
    "aws:iot/policy:Policy": "policy",
    "aws:rolesanywhere/profile:Profile": "sessionPolicy",
}
_KEY_POLICY = {
    "aws:kms/key:Key": "policy",
    "aws:kms/keyPolicy:KeyPolicy": "policy",
    "aws:kms/externalKey:ExternalKey": "policy",
    "aws:kms/replicaKey:ReplicaKey": "policy",
    "aws:kms/replicaExternalKey:ReplicaExternalKey": "policy",
}
_RESOURCE_POLICY = {
    ROLE_TYPE: "assumeRolePolicy",
    "aws:acmpca/policy:Policy": "policy",
    "aws:amp/resourcePolicy:ResourcePolicy": "policyDocument",
    "aws:apigateway/domainName:DomainName": "policy",
    "aws:apigateway/restApi:RestApi": "policy",
    "aws:apigateway/restApiPolicy:RestApiPolicy": "policy",
    "aws:backup/vaultPolicy:VaultPolicy": "policy",
    "aws:bedrock/agentcoreResourcePolicy:AgentcoreResourcePolicy": "policy",
    "aws:cloudsearch/domainServiceAccessPolicy:DomainServiceAccessPolicy": "accessPolicy",
    "aws:cloudwatch/eventBusPolicy:EventBusPolicy": "policy",
    "aws:cloudwatch/logDeliveryDestinationPolicy:LogDeliveryDestinationPolicy": (
        "deliveryDestinationPolicy"
    ),
    "aws:cloudwatch/logDestinationPolicy:LogDestinationPolicy": "accessPolicy",
    "aws:cloudwatch/logResourcePolicy:LogResourcePolicy": "policyDocument",
    "aws:codeartifact/domainPermissions:DomainPermissions": "policyDocument",
    "aws:codeartifact/repositoryPermissionsPolicy:RepositoryPermissionsPolicy": "policyDocument",
    "aws:codebuild/resourcePolicy:ResourcePolicy": "policy",
    "aws:dsql/clusterPolicy:ClusterPolicy": "policy",
    "aws:dynamodb/resourcePolicy:ResourcePolicy": "policy",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "policy",
    "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy": "policy",
    "aws:ecr/registryPolicy:RegistryPolicy": "policy",
    "aws:ecr/repositoryCreationTemplate:RepositoryCreationTemplate": "repositoryPolicy",
    "aws:ecr/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:ecrpublic/repositoryPolicy:RepositoryPolicy": "policy",
    "aws:efs/fileSystemPolicy:FileSystemPolicy": "policy",
    "aws:fsx/s3AccessPointAttachment:S3AccessPointAttachment": "s3AccessPoint.policy",
    "aws:elasticsearch/domain:Domain": "accessPolicies",
    "aws:elasticsearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:glacier/vault:Vault": "accessPolicy",
    "aws:glacier/vaultLock:VaultLock": "policy",
    "aws:glue/resourcePolicy:ResourcePolicy": "policy",
    "aws:kinesis/resourcePolicy:ResourcePolicy": "policy",
    "aws:lambda/resourcePolicy:ResourcePolicy": "policy",
    "aws:mediastore/containerPolicy:ContainerPolicy": "policy",
    "aws:msk/clusterPolicy:ClusterPolicy": "policy",
    "aws:networkfirewall/resourcePolicy:ResourcePolicy": "policy",
    "aws:oam/sinkPolicy:SinkPolicy": "policy",
    "aws:opensearch/domain:Domain": "accessPolicies",
    "aws:opensearch/domainPolicy:DomainPolicy": "accessPolicies",
    "aws:opensearchingest/resourcePolicy:ResourcePolicy": "policy",
    "aws:organizations/resourcePolicy:ResourcePolicy": "content",
    "aws:pinpoint/smsvoicev2ResourcePolicy:Smsvoicev2ResourcePolicy": "policy",
    "aws:redshift/resourcePolicy:ResourcePolicy": "policy",
    "aws:redshiftserverless/resourcePolicy:ResourcePolicy": "policy",
    "aws:s3/accessPoint:AccessPoint": "policy",
    "aws:s3/bucket:Bucket": "policy",
    "aws:s3/bucketPolicy:BucketPolicy": "policy",
    "aws:s3/bucketV2:BucketV2": "policy",
    "aws:s3/filesFileSystemPolicy:FilesFileSystemPolicy": "policy",
    "aws:s3/vectorsVectorBucketPolicy:VectorsVectorBucketPolicy": "policy",
    "aws:s3control/accessGrantsInstanceResourcePolicy:AccessGrantsInstanceResourcePolicy": (
        "policy"
    ),
    "aws:s3control/accessPointPolicy:AccessPointPolicy": "policy",
    "aws:s3control/bucketPolicy:BucketPolicy": "policy",
    "aws:s3control/multiRegionAccessPointPolicy:MultiRegionAccessPointPolicy": "details.policy",
    "aws:s3control/objectLambdaAccessPointPolicy:ObjectLambdaAccessPointPolicy": "policy",
    "aws:s3tables/tableBucketPolicy:TableBucketPolicy": "resourcePolicy",
    "aws:s3tables/tablePolicy:TablePolicy": "resourcePolicy",
    "aws:sagemaker/modelPackageGroupPolicy:ModelPackageGroupPolicy": "resourcePolicy",
    "aws:schemas/registryPolicy:RegistryPolicy": "policy",
    "aws:secretsmanager/secret:Secret": "policy",
    "aws:secretsmanager/secretPolicy:SecretPolicy": "policy",
    "aws:ses/identityPolicy:IdentityPolicy": "policy",
    "aws:sesv2/emailIdentityPolicy:EmailIdentityPolicy": "policy",
    "aws:sns/topic:Topic": "policy",
    "aws:sns/topicPolicy:TopicPolicy": "policy",
    "aws:sqs/queue:Queue": "policy",
    "aws:sqs/queuePolicy:QueuePolicy": "policy",
    "aws:vpclattice/authPolicy:AuthPolicy": "policy",
    "aws:vpclattice/resourcePolicy:ResourcePolicy": "policy",
    "aws:xray/resourcePolicy:ResourcePolicy": "policyDocument",
}

DOCUMENT_INPUTS: Mapping[str, tuple[str, Kind]] = {
    **{t: (i, IDENTITY) for t, i in _IDENTITY_POLICY.items()},
    **{t: (i, KEY) for t, i in _KEY_POLICY.items()},
    **{t: (i, RESOURCE) for t, i in _RESOURCE_POLICY.items()},
}
"""Resource type -> (input holding an IAM policy document, kind of document).

A dotted input (``details.policy``) is a field of a nested input object."""

# Resource policies that are not attached to one resource but to an account, a registry or a
# catalog: there ``Resource: "*"`` is every resource of that kind in the account, not "this
# resource" (CloudWatch Logs resource policies, the ECR registry policy, the Glue Data Catalog
# policy, the X-Ray account policy, the Organizations delegation policy), and a VPC endpoint
# policy's ``*`` is every resource reachable through the endpoint, in any account.
ACCOUNT_WIDE_TYPES = frozenset(
    {
        "aws:cloudwatch/logResourcePolicy:LogResourcePolicy",
        "aws:ecr/registryPolicy:RegistryPolicy",
        "aws:glue/resourcePolicy:ResourcePolicy",
        "aws:xray/resourcePolicy:ResourcePolicy",
        "aws:organizations/resourcePolicy:ResourcePolicy",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
        "aws:ec2/vpcEndpointPolicy:VpcEndpointPolicy",
    }
)

# Resource policies whose own resource may be written as a shorthand ARN: API Gateway documents
# ``execute-api:/stage/method/path`` as "this API" in a REST API's resource policy.
SELF_RESOURCE_PREFIXES: Mapping[str, tuple[str, ...]] = {
    "aws:apigateway/restApi:RestApi": ("execute-api:/",),
    "aws:apigateway/restApiPolicy:RestApiPolicy": ("execute-api:/",),
}

# Types whose document input is required: a missing one is reported, not skipped.
REQUIRED_INPUT = frozenset(_IDENTITY_POLICY) - {
    "aws:rolesanywhere/profile:Profile",
    "aws:transfer/user:User",
    "aws:transfer/access:Access",
    "aws:eks/podIdentityAssociation:PodIdentityAssociation",
}
KEY_POLICY_TYPES = frozenset(_KEY_POLICY)


def document_input(props: Mapping[str, Any], name: str) -> Any:
    """The value of a document input, following a dotted path into nested inputs (None when a
    step is missing, :data:`UNKNOWN` when one is not known yet)."""
    value: Any = props
    for step in name.split("."):
        if value is UNKNOWN:
            return UNKNOWN
        if not isinstance(value, Mapping):
            return None
        value = get(value, step)
    return value


class Document(NamedTuple):
    """One policy document a resource carries."""

    where: str
    raw: Any
    """The document (JSON text or object), None when absent, UNKNOWN when not known yet."""
    kind: Kind
    account_wide: bool
    """``Resource: "*"`` is every resource of its kind in the account, not the resource itself."""
    error: str | None = None
    """Why an input that embeds documents cannot be read (then ``raw`` is None)."""


def documents(args: ResourceValidationArgs) -> Iterator[Document]:
    """Every policy document the resource carries: its policy input, a role's inline policies,
    and documents embedded in other inputs (a REST API's OpenAPI body, a CloudFormation
    template)."""
    entry = DOCUMENT_INPUTS.get(args.resource_type)
    wide = args.resource_type in ACCOUNT_WIDE_TYPES
    if entry is not None:
        name, kind = entry
        yield Document(name, document_input(args.props, name), kind, wide)
    if args.resource_type == ROLE_TYPE:
        inline = get(args.props, "inlinePolicies")
        if isinstance(inline, Sequence) and not isinstance(inline, str):
            for index in range(len(inline)):
                item = get_item(inline, index)
                if isinstance(item, Mapping) and get(item, "policy") is not None:
                    label = get(item, "name")
                    where = f"inlinePolicies[{index}]" + (
                        f" ('{label}')" if isinstance(label, str) else ""
                    )
                    yield Document(where, get(item, "policy"), IDENTITY, False)
    yield from _embedded(args)


def _embedded(args: ResourceValidationArgs) -> Iterator[Document]:
    if args.resource_type == embedded_documents.REST_API:
        where = f"body {embedded_documents.OPENAPI_POLICY_KEY}"
        try:
            found = embedded_documents.openapi_policy(get(args.props, "body"))
        except embedded_documents.TemplateError as exc:
            yield Document("body", None, RESOURCE, False, f"the OpenAPI body {exc}")
            return
        if found is not None:
            yield Document(where, found, RESOURCE, False)
        return
    name = embedded_documents.TEMPLATE_INPUTS.get(args.resource_type)
    if name is None:
        return
    template = get(args.props, name)
    if template is UNKNOWN or template is None:
        return
    try:
        for where, raw, kind, wide in embedded_documents.template_documents(template):
            yield Document(f"{name} {where}", raw, kind, wide)
    except embedded_documents.TemplateError as exc:
        yield Document(name, None, IDENTITY, False, f"the template {exc}")
