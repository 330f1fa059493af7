"""Inputs the AWS provider documents as forcing a new resource, for the stateful types used here.

pulumi-aws is bridged from terraform-provider-aws: an input whose Terraform schema says
``ForceNew: true`` (or, for Plugin Framework resources, ``RequiresReplace``) makes the engine
replace the resource when it changes. Each row cites the provider source that says so; the
Pulumi registry page of each type lists the same inputs. Input names are the Pulumi (camelCase)
ones the program registers.

``name_key`` is the input that holds the physical name: when the program sets it, the bridge
asks the engine to delete before it creates (two resources cannot share the name), so the old
resource is gone before the new one exists.
"""

from __future__ import annotations

from dataclasses import dataclass

_TFAWS = "terraform-provider-aws internal/service/"


@dataclass(frozen=True)
class ForceNew:
    """The replacing inputs of one type and where the provider documents them."""

    inputs: frozenset[str]
    source: str
    name_key: str | None = None


def _row(source: str, *inputs: str, name_key: str | None = None) -> ForceNew:
    return ForceNew(frozenset(inputs), source, name_key)


FORCE_NEW: dict[str, ForceNew] = {
    "aws:rds/instance:Instance": _row(
        _TFAWS + "rds/instance.go (resourceInstance schema, ForceNew)",
        "identifier",
        "identifierPrefix",
        "engine",
        "dbName",
        "username",
        "storageEncrypted",
        "kmsKeyId",
        "availabilityZone",
        "characterSetName",
        "ncharCharacterSetName",
        "timezone",
        "snapshotIdentifier",
        "restoreToPointInTime",
        "customIamInstanceProfile",
        name_key="identifier",
    ),
    "aws:dynamodb/table:Table": _row(
        _TFAWS + "dynamodb/table.go (name, hash_key, range_key, local_secondary_index: ForceNew)",
        "name",
        "hashKey",
        "rangeKey",
        "localSecondaryIndexes",
        name_key="name",
    ),
    "aws:kms/key:Key": _row(
        _TFAWS + "kms/key.go (customer_master_key_spec, key_usage, multi_region, "
        "custom_key_store_id, xks_key_id: ForceNew)",
        "customerMasterKeySpec",
        "keyUsage",
        "multiRegion",
        "customKeyStoreId",
        "xksKeyId",
    ),
    "aws:secretsmanager/secret:Secret": _row(
        _TFAWS + "secretsmanager/secret.go (name, name_prefix: ForceNew)",
        "name",
        "namePrefix",
        name_key="name",
    ),
    "aws:secretsmanager/secretVersion:SecretVersion": _row(
        _TFAWS + "secretsmanager/secret_version.go (secret_id, secret_string, secret_binary, "
        "secret_string_wo_version: ForceNew)",
        "secretId",
        "secretString",
        "secretBinary",
        "secretStringWoVersion",
    ),
    "aws:cloudwatch/logGroup:LogGroup": _row(
        _TFAWS + "logs/group.go (name, name_prefix, log_group_class: ForceNew)",
        "name",
        "namePrefix",
        "logGroupClass",
        name_key="name",
    ),
    "aws:sqs/queue:Queue": _row(
        _TFAWS + "sqs/queue.go (name, name_prefix, fifo_queue: ForceNew)",
        "name",
        "namePrefix",
        "fifoQueue",
        name_key="name",
    ),
    "aws:sns/topic:Topic": _row(
        _TFAWS + "sns/topic.go (name, name_prefix, fifo_topic: ForceNew)",
        "name",
        "namePrefix",
        "fifoTopic",
        name_key="name",
    ),
    "aws:s3/bucket:Bucket": _row(
        _TFAWS + "s3/bucket.go (bucket, bucket_prefix, object_lock_enabled: ForceNew)",
        "bucket",
        "bucketPrefix",
        "objectLockEnabled",
        name_key="bucket",
    ),
    "aws:s3/bucketV2:BucketV2": _row(
        _TFAWS + "s3/bucket.go (bucket, bucket_prefix, object_lock_enabled: ForceNew)",
        "bucket",
        "bucketPrefix",
        "objectLockEnabled",
        name_key="bucket",
    ),
    "random:index/randomPassword:RandomPassword": _row(
        "terraform-provider-random internal/provider/resource_password.go (every argument "
        "RequiresReplace: a new password)",
        "length",
        "keepers",
        "special",
        "upper",
        "lower",
        "numeric",
        "minLower",
        "minUpper",
        "minNumeric",
        "minSpecial",
        "overrideSpecial",
    ),
}
"""Type token → the inputs that replace it. Types not listed are diffed as updates only."""


def force_new(type_token: str) -> ForceNew | None:
    """The replacing inputs of a type, or None when the table has no row for it."""
    return FORCE_NEW.get(type_token)
