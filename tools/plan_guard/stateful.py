"""Which resource types hold data or account-wide settings, and what deleting one costs.

A type is listed when deleting or replacing it loses something a new resource does not bring
back: stored data (rows, items, objects, messages, log events, snapshots), key material that
encrypted data, a secret's value, confirmed subscriptions, or a setting that exists once per
account or region and that every other stack sees (deleting the resource resets it).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    """Why a type is guarded: its family and what a delete or replacement loses."""

    family: str
    loss: str

    @property
    def account_wide(self) -> bool:
        """Whether this is an account- or region-level singleton rather than stored data."""
        return self.family == "account setting"


_DATABASE = Kind("database", "the database and every row in it (a new one starts empty)")
_SNAPSHOT = Kind("snapshot", "the backup itself")
_TABLE = Kind("table", "every item in the table")
_KEY = Kind("key", "the key material: data it encrypted can no longer be decrypted")
_SECRET = Kind("secret", "the secret's value; readers holding its ARN break")
_LOG = Kind("log group", "every log event in the group")
_QUEUE = Kind("queue", "every message waiting in the queue")
_TOPIC = Kind("topic", "the topic's subscriptions; e-mail endpoints must confirm again")
_BUCKET = Kind("bucket", "every object in the bucket")
_STREAM = Kind("stream", "every record in the stream")
_FILESYSTEM = Kind("file system", "every file on the volume")
_REGISTRY = Kind("registry", "every image in the repository")
_DIRECTORY = Kind("user directory", "every user and their credentials")
_ACCOUNT = Kind("account setting", "a setting shared by every stack in the account or region")

GUARDED_TYPES: dict[str, Kind] = {
    "aws:rds/instance:Instance": _DATABASE,
    "aws:rds/cluster:Cluster": _DATABASE,
    "aws:rds/clusterInstance:ClusterInstance": _DATABASE,
    "aws:rds/globalCluster:GlobalCluster": _DATABASE,
    "aws:docdb/cluster:Cluster": _DATABASE,
    "aws:docdb/globalCluster:GlobalCluster": _DATABASE,
    "aws:neptune/cluster:Cluster": _DATABASE,
    "aws:neptune/globalCluster:GlobalCluster": _DATABASE,
    "aws:redshift/cluster:Cluster": _DATABASE,
    "aws:elasticache/replicationGroup:ReplicationGroup": _DATABASE,
    "aws:elasticache/cluster:Cluster": _DATABASE,
    "aws:elasticache/serverlessCache:ServerlessCache": _DATABASE,
    "aws:memorydb/cluster:Cluster": _DATABASE,
    "aws:opensearch/domain:Domain": _DATABASE,
    "aws:elasticsearch/domain:Domain": _DATABASE,
    "aws:rds/snapshot:Snapshot": _SNAPSHOT,
    "aws:rds/clusterSnapshot:ClusterSnapshot": _SNAPSHOT,
    "aws:ebs/snapshot:Snapshot": _SNAPSHOT,
    "aws:docdb/clusterSnapshot:ClusterSnapshot": _SNAPSHOT,
    "aws:neptune/clusterSnapshot:ClusterSnapshot": _SNAPSHOT,
    "aws:dynamodb/table:Table": _TABLE,
    "aws:dynamodb/globalTable:GlobalTable": _TABLE,
    "aws:timestreamwrite/table:Table": _TABLE,
    "aws:kms/key:Key": _KEY,
    "aws:kms/replicaKey:ReplicaKey": _KEY,
    "aws:kms/externalKey:ExternalKey": _KEY,
    "aws:secretsmanager/secret:Secret": _SECRET,
    "aws:secretsmanager/secretVersion:SecretVersion": _SECRET,
    "aws:ssm/parameter:Parameter": _SECRET,
    "aws:cloudwatch/logGroup:LogGroup": _LOG,
    "aws:sqs/queue:Queue": _QUEUE,
    "aws:sns/topic:Topic": _TOPIC,
    "aws:s3/bucket:Bucket": _BUCKET,
    "aws:s3/bucketV2:BucketV2": _BUCKET,
    "aws:kinesis/stream:Stream": _STREAM,
    "aws:efs/fileSystem:FileSystem": _FILESYSTEM,
    "aws:ebs/volume:Volume": _FILESYSTEM,
    "aws:ecr/repository:Repository": _REGISTRY,
    "aws:cognito/userPool:UserPool": _DIRECTORY,
    "aws:apigateway/account:Account": _ACCOUNT,
    "aws:iam/accountPasswordPolicy:AccountPasswordPolicy": _ACCOUNT,
    "aws:iam/accountAlias:AccountAlias": _ACCOUNT,
    "aws:ebs/encryptionByDefault:EncryptionByDefault": _ACCOUNT,
    "aws:ebs/defaultKmsKey:DefaultKmsKey": _ACCOUNT,
    "aws:s3/accountPublicAccessBlock:AccountPublicAccessBlock": _ACCOUNT,
    "aws:guardduty/detector:Detector": _ACCOUNT,
    "aws:securityhub/account:Account": _ACCOUNT,
    "aws:macie2/account:Account": _ACCOUNT,
    "aws:xray/encryptionConfig:EncryptionConfig": _ACCOUNT,
    "aws:ec2/serialConsoleAccess:SerialConsoleAccess": _ACCOUNT,
    "aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess": _ACCOUNT,
    "aws:cfg/recorder:Recorder": _ACCOUNT,
    "aws:account/alternativeContact:AlternativeContact": _ACCOUNT,
    "aws:account/primaryContact:PrimaryContact": _ACCOUNT,
}
"""Type token → why it is guarded. A type not listed here is rebuilt from the program alone."""


def guarded_kind(type_token: str) -> Kind | None:
    """The reason a type is guarded, or None when deleting it loses nothing."""
    return GUARDED_TYPES.get(type_token)
