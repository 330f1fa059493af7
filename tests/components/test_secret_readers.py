"""Whoever reads the database secret depends on its version, not only on the secret."""

from __future__ import annotations

import pytest

from tests.components.support import whole_stack

SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
FUNCTION = "aws:lambda/function:Function"


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_secret_readers_depend_on_the_secret_version(stack: str) -> None:
    run = whole_stack(stack)
    secret, version = run.one(SECRET), run.one(VERSION)
    arn = secret.outputs["arn"]
    readers = [
        r
        for r in run.resources
        if r.custom and r.type != VERSION and any(arn in str(v) for v in r.inputs.values())
    ]
    assert any(r.type == FUNCTION for r in readers), f"{stack}: no function reads {arn}"
    for reader in readers:
        depends = {u for urns in reader.options.property_dependencies.values() for u in urns}
        assert version.urn in depends | set(reader.options.dependencies), (
            f"{reader.urn} reads the secret but can start before it has a value"
        )


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_secret_readers_get_the_unchanged_secret_arn(stack: str) -> None:
    run = whole_stack(stack)
    handler = next(f for f in run.of_type(FUNCTION) if "DB_SECRET_ARN" in str(f.inputs))
    env = handler.inputs["environment"]["variables"]
    assert env["DB_SECRET_ARN"] == run.one(SECRET).outputs["arn"]
