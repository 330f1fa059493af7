"""The proof's IAM evaluator against the behaviour the IAM User Guide documents.

Each case restates an example or rule of AWS's documentation ("Policy evaluation logic",
"IAM JSON policy elements: NotAction / NotResource", "Condition operators", "Multivalued context
keys", the KMS developer guide's "Key policies"); none is derived from the policy pack.
"""

from __future__ import annotations

from typing import Any

import pytest

from tools.iam_proof.evaluator import Principal, Request, closest_statement, evaluate
from tools.iam_proof.policy import Policy, PolicyError, wildcard_match

ACCOUNT = "111122223333"
ROLE = Principal(account=ACCOUNT, arn=f"arn:aws:iam::{ACCOUNT}:role/app")
EVENTS = Principal(account=ACCOUNT, service="events.amazonaws.com")


def _policy(*statements: dict[str, Any], name: str = "p") -> Policy:
    return Policy.parse(name, {"Version": "2012-10-17", "Statement": list(statements)})


def _allowed(action: str, resource: str, *policies: Policy, **context: Any) -> bool:
    request = Request(ROLE, action, resource, {k.replace("__", ":"): v for k, v in context.items()})
    return evaluate(request, policies).allowed


def test_evaluator_denies_implicitly_when_no_statement_allows() -> None:
    policy = _policy({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"})
    assert not _allowed("s3:PutObject", "arn:aws:s3:::b/k", policy)


def test_evaluator_explicit_deny_overrides_an_allow_in_another_policy() -> None:
    allow = _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, name="allow")
    deny = _policy({"Effect": "Deny", "Action": "s3:DeleteBucket", "Resource": "*"}, name="deny")
    request = Request(ROLE, "s3:DeleteBucket", "arn:aws:s3:::b")
    decision = evaluate(request, [allow, deny])
    assert (decision.allowed, decision.reason) == (False, "explicit deny")
    assert [s.policy for s in decision.denying] == ["deny"]


def test_evaluator_not_action_allow_covers_everything_but_the_listed_action() -> None:
    # NotAction page: all S3 actions on any S3 resource except deleting a bucket.
    policy = _policy(
        {"Effect": "Allow", "NotAction": "s3:DeleteBucket", "Resource": "arn:aws:s3:::*"}
    )
    assert _allowed("s3:GetObject", "arn:aws:s3:::bucket/key", policy)
    assert not _allowed("s3:DeleteBucket", "arn:aws:s3:::bucket", policy)
    # Other services' resources are out of the statement's Resource scope.
    assert not _allowed("sqs:SendMessage", f"arn:aws:sqs:us-east-1:{ACCOUNT}:q", policy)


def test_evaluator_not_action_deny_without_mfa_spares_only_iam() -> None:
    # NotAction page: DenyAllUsersNotUsingMFA (BoolIfExists aws:MultiFactorAuthPresent false).
    allow = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"}, name="allow")
    deny = _policy(
        {
            "Sid": "DenyAllUsersNotUsingMFA",
            "Effect": "Deny",
            "NotAction": "iam:*",
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        },
        name="deny",
    )
    ec2, iam = "ec2:RunInstances", "iam:ListUsers"
    assert not _allowed(ec2, "*", allow, deny)  # key absent: IfExists makes the deny apply
    assert not _allowed(ec2, "*", allow, deny, aws__MultiFactorAuthPresent="false")
    assert _allowed(ec2, "*", allow, deny, aws__MultiFactorAuthPresent="true")
    assert _allowed(iam, "*", allow, deny)


def test_evaluator_not_resource_deny_spares_only_the_listed_resources() -> None:
    # NotResource page: HRPayroll may use nothing in S3 but HRBucket/Payroll.
    allow = _policy({"Effect": "Allow", "Action": "s3:*", "Resource": "*"}, name="allow")
    deny = _policy(
        {
            "Effect": "Deny",
            "Action": "s3:*",
            "NotResource": ["arn:aws:s3:::HRBucket/Payroll", "arn:aws:s3:::HRBucket/Payroll/*"],
        },
        name="deny",
    )
    assert _allowed("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2026.csv", allow, deny)
    assert not _allowed("s3:GetObject", "arn:aws:s3:::HRBucket/Other/x", allow, deny)
    # A NotResource deny alone grants nothing.
    assert not _allowed("s3:GetObject", "arn:aws:s3:::HRBucket/Payroll/2026.csv", deny)


def test_evaluator_actions_match_case_insensitively_resources_case_sensitively() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "DynamoDB:getitem",
            "Resource": "arn:aws:dynamodb:*:*:table/T",
        }
    )
    assert _allowed("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/T", policy)
    assert not _allowed("dynamodb:GetItem", f"arn:aws:dynamodb:eu-west-1:{ACCOUNT}:table/t", policy)


def test_wildcard_question_mark_matches_exactly_one_character() -> None:
    assert wildcard_match("table/t?", "table/t1")
    assert not wildcard_match("table/t?", "table/t")
    assert not wildcard_match("table/t?", "table/t12")


def test_wildcard_star_spans_colons_and_slashes_in_resources() -> None:
    group = "arn:aws:logs:eu-west-1:1:log-group:/aws/lambda/f"
    assert wildcard_match(group + ":*", group + ":log-stream:2026/01/01/[$LATEST]abc")
    assert not wildcard_match(group + ":*", group)


def test_evaluator_string_equals_is_case_sensitive_and_any_value_matches() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "kms:Decrypt",
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:ViaService": ["a.amazonaws.com", "b.amazonaws.com"]}
            },
        }
    )
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k"
    assert _allowed("kms:Decrypt", key, policy, **{"kms:ViaService": "b.amazonaws.com"})
    assert not _allowed("kms:Decrypt", key, policy, **{"kms:ViaService": "B.amazonaws.com"})
    assert not _allowed("kms:Decrypt", key, policy)  # key absent: false


def test_evaluator_condition_keys_are_case_insensitive() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringEquals": {"AWS:RequestedRegion": "eu-west-1"}},
        }
    )
    assert _allowed("xray:PutTraceSegments", "*", policy, aws__requestedregion="eu-west-1")


def test_evaluator_negated_operator_is_true_when_the_key_is_absent() -> None:
    # Condition operators page: a missing key makes StringNotLike / ArnNotLike true.
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"StringNotLike": {"aws:PrincipalTag/team": "blocked*"}},
        }
    )
    assert _allowed("s3:GetObject", "*", policy)
    assert _allowed("s3:GetObject", "*", policy, **{"aws:PrincipalTag/team": "data"})
    assert not _allowed("s3:GetObject", "*", policy, **{"aws:PrincipalTag/team": "blocked-1"})


def test_evaluator_if_exists_passes_absent_keys_and_checks_present_ones() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "ec2:RunInstances",
            "Resource": "*",
            "Condition": {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
        }
    )
    assert _allowed("ec2:RunInstances", "*", policy)
    assert _allowed("ec2:RunInstances", "*", policy, **{"ec2:InstanceType": "t2.micro"})
    assert not _allowed("ec2:RunInstances", "*", policy, **{"ec2:InstanceType": "x1.32xlarge"})


def test_evaluator_null_tests_presence_of_the_key() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "ec2:*",
            "Resource": "*",
            "Condition": {"Null": {"aws:TokenIssueTime": "false"}},
        }
    )
    assert not _allowed("ec2:DescribeInstances", "*", policy)
    assert _allowed("ec2:DescribeInstances", "*", policy, aws__TokenIssueTime="2026-01-01T00:00Z")


def test_evaluator_for_all_values_is_true_for_a_missing_key() -> None:
    # Multivalued keys: ForAllValues also returns true when the key is not in the request.
    deny = _policy(
        {
            "Effect": "Deny",
            "Action": "iam:TagUser",
            "Resource": "*",
            "Condition": {"ForAllValues:StringLike": {"aws:TagKeys": ["key1*"]}},
        },
        name="deny",
    )
    allow = _policy({"Effect": "Allow", "Action": "iam:*", "Resource": "*"}, name="allow")
    assert not _allowed("iam:TagUser", "*", allow, deny)
    assert not _allowed("iam:TagUser", "*", allow, deny, aws__TagKeys=["key1a", "key1b"])
    assert _allowed("iam:TagUser", "*", allow, deny, aws__TagKeys=["key1a", "other"])


def test_evaluator_for_any_value_needs_one_request_value_to_match() -> None:
    allow = _policy(
        {
            "Effect": "Allow",
            "Action": "iam:TagUser",
            "Resource": "*",
            "Condition": {"ForAnyValue:StringEquals": {"aws:TagKeys": ["CostCenter"]}},
        }
    )
    assert not _allowed("iam:TagUser", "*", allow)
    assert _allowed("iam:TagUser", "*", allow, aws__TagKeys=["Owner", "CostCenter"])
    assert not _allowed("iam:TagUser", "*", allow, aws__TagKeys=["Owner"])


def test_evaluator_arn_like_matches_each_of_the_six_parts_on_its_own() -> None:
    def allows(pattern: str, source: str) -> bool:
        policy = _policy(
            {
                "Effect": "Allow",
                "Action": "*",
                "Resource": "*",
                "Condition": {"ArnLike": {"aws:SourceArn": pattern}},
            }
        )
        return _allowed("sqs:SendMessage", "*", policy, aws__SourceArn=source)

    rule = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/nightly"
    assert allows(f"arn:aws:events:*:{ACCOUNT}:rule/*", rule)
    # A '*' in the service part cannot reach into the region or account parts.
    assert not allows("arn:aws:*:rule/nightly", rule)
    assert not allows(f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/Nightly", rule)


def test_evaluator_arn_equals_with_several_values_matches_any() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "kms:Encrypt",
            "Resource": "*",
            "Condition": {
                "ArnEquals": {
                    "kms:EncryptionContext:aws:logs:arn": ["arn:a:b:c:d:x", "arn:a:b:c:d:y"]
                }
            },
        }
    )
    assert _allowed(
        "kms:Encrypt", "*", policy, **{"kms:EncryptionContext:aws:logs:arn": "arn:a:b:c:d:y"}
    )
    assert not _allowed(
        "kms:Encrypt", "*", policy, **{"kms:EncryptionContext:aws:logs:arn": "arn:a:b:c:d:z"}
    )


def test_evaluator_bool_compares_true_and_false_ignoring_case() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "s3:GetObject",
            "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "true"}},
        }
    )
    assert _allowed("s3:GetObject", "*", policy, aws__SecureTransport=True)
    assert _allowed("s3:GetObject", "*", policy, aws__SecureTransport="TRUE")
    assert not _allowed("s3:GetObject", "*", policy, aws__SecureTransport=False)


def test_evaluator_unknown_condition_operator_is_refused_not_guessed() -> None:
    policy = _policy(
        {
            "Effect": "Allow",
            "Action": "*",
            "Resource": "*",
            "Condition": {"DateLessThan": {"aws:CurrentTime": "2030-01-01T00:00:00Z"}},
        }
    )
    with pytest.raises(PolicyError, match="DateLessThan"):
        _allowed("s3:GetObject", "*", policy, aws__CurrentTime="2026-01-01T00:00:00Z")


def test_evaluator_same_account_resource_policy_naming_the_role_allows_alone() -> None:
    queue = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"
    resource = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": ROLE.arn},
            "Action": "sqs:SendMessage",
            "Resource": queue,
        }
    )
    assert evaluate(Request(ROLE, "sqs:SendMessage", queue), [], resource).allowed


def test_evaluator_resource_policy_naming_the_account_delegates_to_identity_policies() -> None:
    queue = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"
    resource = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "sqs:*",
            "Resource": queue,
        }
    )
    assert not evaluate(Request(ROLE, "sqs:SendMessage", queue), [], resource).allowed


def test_evaluator_kms_key_policy_must_enable_iam_policies() -> None:
    # KMS: without a key policy statement for the account (or the role), identity policies
    # grant nothing on the key.
    key = f"arn:aws:kms:eu-west-1:{ACCOUNT}:key/k"
    identity = _policy({"Effect": "Allow", "Action": "kms:Decrypt", "Resource": key})
    other = _policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "logs.amazonaws.com"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    enabling = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        }
    )
    request = Request(ROLE, "kms:Decrypt", key)
    assert not evaluate(request, [identity], other, resource_policy_required=True).allowed
    assert evaluate(request, [identity], enabling, resource_policy_required=True).allowed
    assert not evaluate(request, [], enabling, resource_policy_required=True).allowed


def test_evaluator_service_principal_is_allowed_only_by_a_resource_policy() -> None:
    queue = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:dlq"
    rule = f"arn:aws:events:eu-west-1:{ACCOUNT}:rule/r"
    resource = _policy(
        {
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sqs:SendMessage",
            "Resource": queue,
            "Condition": {"ArnEquals": {"aws:SourceArn": rule}},
        }
    )
    identity = _policy({"Effect": "Allow", "Action": "*", "Resource": "*"})
    assert evaluate(
        Request(EVENTS, "sqs:SendMessage", queue, {"aws:SourceArn": rule}), [], resource
    ).allowed
    other_rule = {"aws:SourceArn": rule + "-2"}
    assert not evaluate(
        Request(EVENTS, "sqs:SendMessage", queue, other_rule), [identity], resource
    ).allowed


def test_closest_statement_names_the_statement_and_what_it_lacks() -> None:
    policy = _policy(
        {
            "Sid": "Read",
            "Effect": "Allow",
            "Action": ["dynamodb:Query"],
            "Resource": "arn:aws:dynamodb:r:1:table/a",
        },
        {"Sid": "Logs", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"},
    )
    statement, missing = closest_statement(
        Request(ROLE, "dynamodb:Query", "arn:aws:dynamodb:r:1:table/b"), [policy]
    )
    assert statement is not None and statement.sid == "Read"
    assert missing == [
        "resource arn:aws:dynamodb:r:1:table/b not in ['arn:aws:dynamodb:r:1:table/a']"
    ]


def test_policy_parse_rejects_a_statement_with_both_action_and_not_action() -> None:
    with pytest.raises(PolicyError, match="exactly one of Action and NotAction"):
        _policy({"Effect": "Allow", "Action": "*", "NotAction": "iam:*", "Resource": "*"})


def test_evaluator_wildcard_inside_a_principal_arn_matches_no_role() -> None:
    # Principal element page: a wildcard cannot match part of a principal's name or ARN.
    queue = f"arn:aws:sqs:eu-west-1:{ACCOUNT}:q"
    resource = _policy(
        {
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/*"},
            "Action": "sqs:SendMessage",
            "Resource": queue,
        }
    )
    assert not evaluate(Request(ROLE, "sqs:SendMessage", queue), [], resource).allowed
