"""Whose resources a pattern matches, found by matching it against the ARN grammar."""

from __future__ import annotations

import pytest

from policies.rules import arn_owners
from policies.rules.iam_patterns import owner_wildcard

ACCOUNT = "123456789012"


@pytest.mark.parametrize(
    "pattern",
    [
        "arn:aws:iam:*:role/app",  # the * is ":<account>"
        "arn:*:role/app",
        "arn:aws:sqs:*:app-queue",
        "arn:aws:iam::*:role/app",
        "arn:aws:iam::12345678901?:role/app",
        "arn*",
    ],
)
def test_account_owners_finds_many_accounts(pattern: str) -> None:
    owners = arn_owners.account_owners(pattern)
    assert arn_owners.MANY in owners or len(owners) > 1, f"{pattern} owners {set(owners)}"
    assert owner_wildcard(pattern) is not None, f"{pattern} not an owner wildcard"


@pytest.mark.parametrize(
    "pattern",
    [
        f"arn:aws:iam::{ACCOUNT}:role/*",
        f"arn:aws:sqs:*:{ACCOUNT}:*",
        f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:/aws/lambda/x:*",
        f"arn:*:dynamodb:*:{ACCOUNT}:table/t",
        # other readings would push the account, or an empty part, into the resource name
        f"arn:*:sqs:*:{ACCOUNT}:q",
    ],
)
def test_account_owners_finds_one_account(pattern: str) -> None:
    assert arn_owners.account_owners(pattern) == {ACCOUNT}, pattern
    assert owner_wildcard(pattern) is None, f"{pattern} reported as an owner wildcard"


@pytest.mark.parametrize(
    "pattern", ["arn:aws:s3:::*", "arn:aws:s3:::*/reports/*", "arn:aws:s3:::data-*/x"]
)
def test_bucket_owners_finds_many_buckets(pattern: str) -> None:
    assert owner_wildcard(pattern) is not None, f"{pattern} not an owner wildcard"


@pytest.mark.parametrize("pattern", ["arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket/a?c/*"])
def test_bucket_owners_finds_one_bucket(pattern: str) -> None:
    assert arn_owners.bucket_owners(pattern) == {"bucket"}, pattern


def test_account_owners_is_empty_for_non_arn() -> None:
    assert arn_owners.account_owners("execute-api:/*") == frozenset()


def test_account_owners_is_empty_for_accountless_arn() -> None:
    assert arn_owners.account_owners("arn:aws:apigateway:*::/apis/*") == frozenset()
