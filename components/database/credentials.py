"""The database's master credentials: the secret that holds them and its one version."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ..lib.naming import Naming

DATABASE_NAME = "analytics"
MASTER_USERNAME = "analytics_admin"


@dataclass(frozen=True)
class SecretName:
    """Exactly one of ``name`` and ``name_prefix`` for the credentials secret."""

    name: str | None = None
    name_prefix: str | None = None


def secret_name(name: str, recovery_window_days: int) -> SecretName:
    """The fixed ``name``, or a ``name_prefix`` the provider completes with a unique suffix.

    A secret deleted with a recovery window keeps its name until the window ends, and
    CreateSecret with that name fails ("You can't create this secret because a secret with this
    name is already scheduled for deletion"). With no window the name is free at once; with
    one, each stack incarnation gets a unique suffix so a re-created stack never collides with
    the secret its predecessor left pending deletion.
    """
    if recovery_window_days == 0:
        return SecretName(name=name)
    return SecretName(name_prefix=f"{name}-")


@dataclass(frozen=True)
class DatabaseCredentials:
    """The master credentials' secret (``MonitoredDatabase.credentials``)."""

    secret: aws.secretsmanager.Secret
    """The secret, encrypted with the given key."""
    version: aws.secretsmanager.SecretVersion
    """Its value: ``username``, ``password``, ``host``, ``port``, ``dbname``, ``engine``."""


def create_credentials(
    name: str,
    *,
    naming: Naming,
    kms_key_arn: pulumi.Input[str],
    recovery_window_days: int,
    password: pulumi.Input[str],
    address: pulumi.Input[str],
    port: pulumi.Input[int],
    parent: pulumi.Resource,
    protect: bool = False,
) -> DatabaseCredentials:
    """The secret (encrypted with the stack key) and the JSON document the handler reads."""
    names = secret_name(naming.name("db-credentials"), recovery_window_days)
    secret = aws.secretsmanager.Secret(
        f"{name}-credentials",
        name=names.name,
        name_prefix=names.name_prefix,
        description=f"{naming.base}: PostgreSQL master credentials",
        kms_key_id=kms_key_arn,
        recovery_window_in_days=recovery_window_days,
        opts=pulumi.ResourceOptions(parent=parent, protect=protect),
    )
    document = pulumi.Output.json_dumps(
        {
            "username": MASTER_USERNAME,
            "password": password,
            "host": address,
            "port": port,
            "dbname": DATABASE_NAME,
            "engine": "postgres",
        }
    )
    version = aws.secretsmanager.SecretVersion(
        f"{name}-credentials-version",
        secret_id=secret.id,
        secret_string=document.apply(pulumi.Output.secret),
        opts=pulumi.ResourceOptions(parent=parent),
    )
    return DatabaseCredentials(secret=secret, version=version)
