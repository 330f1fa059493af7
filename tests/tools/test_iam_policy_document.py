"""``get_policy_document`` rendered offline as the AWS provider documents and renders it.

Arguments arrive as the SDK sends them on the wire: camelCase keys (``notActions``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tools.iam_policy_document import PolicyDocumentError, render_policy_document

QUEUE = "arn:aws:sqs:eu-west-1:123456789012:jobs"


def _doc(**args: Any) -> dict[str, Any]:
    rendered: dict[str, Any] = json.loads(render_policy_document(args)["json"])
    return rendered


def _statements(**args: Any) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = _doc(**args)["Statement"]
    return statements


def test_render_defaults_version_and_effect() -> None:
    doc = _doc(statements=[{"actions": ["sqs:SendMessage"], "resources": [QUEUE]}])
    assert doc == {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": QUEUE}],
    }


def test_render_single_element_lists_as_strings() -> None:
    [statement] = _statements(
        statements=[
            {
                "notActions": [],
                "actions": ["s3:GetObject"],
                "notResources": ["arn:aws:s3:::b/private/*"],
                "conditions": [
                    {"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]}
                ],
            }
        ]
    )
    assert statement["Action"] == "s3:GetObject"
    assert statement["NotResource"] == "arn:aws:s3:::b/private/*"
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "true"}}
    assert "NotAction" not in statement and "Resource" not in statement, statement


def test_render_sorts_several_actions_in_reverse_and_drops_duplicates() -> None:
    [statement] = _statements(
        statements=[
            {"actions": ["s3:GetObject", "s3:PutObject", "s3:GetObject", "s3:DeleteObject"]}
        ]
    )
    assert statement["Action"] == ["s3:PutObject", "s3:GetObject", "s3:DeleteObject"]


def test_render_keeps_field_order_of_the_provider() -> None:
    text = render_policy_document(
        {
            "statements": [
                {
                    "conditions": [{"test": "StringEquals", "variable": "k", "values": ["v"]}],
                    "principals": [{"type": "AWS", "identifiers": ["123456789012"]}],
                    "resources": [QUEUE],
                    "actions": ["sqs:SendMessage"],
                    "effect": "Deny",
                    "sid": "S",
                }
            ]
        }
    )["json"]
    keys = list(json.loads(text)["Statement"][0])
    assert keys == ["Sid", "Effect", "Action", "Resource", "Principal", "Condition"], keys


def test_render_indents_json_and_minifies_minified_json() -> None:
    out = render_policy_document({"statements": [{"actions": ["sqs:SendMessage"]}]})
    assert out["json"].startswith('{\n  "Version": "2012-10-17",\n  "Statement": [\n    {')
    assert out["minifiedJson"] == (
        '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage"}]}'
    )


def test_render_merges_principal_blocks_of_one_type() -> None:
    [statement] = _statements(
        statements=[
            {
                "actions": ["sts:AssumeRole"],
                "principals": [
                    {"type": "AWS", "identifiers": ["arn:aws:iam::111122223333:root"]},
                    {
                        "type": "Service",
                        "identifiers": ["ecs.amazonaws.com", "lambda.amazonaws.com"],
                    },
                    {"type": "AWS", "identifiers": ["arn:aws:iam::444455556666:root"]},
                ],
            }
        ]
    )
    assert statement["Principal"] == {
        "AWS": ["arn:aws:iam::111122223333:root", "arn:aws:iam::444455556666:root"],
        "Service": ["lambda.amazonaws.com", "ecs.amazonaws.com"],
    }


def test_render_star_principal_as_plain_star() -> None:
    [statement] = _statements(
        statements=[
            {"actions": ["s3:GetObject"], "principals": [{"type": "*", "identifiers": ["*"]}]}
        ]
    )
    assert statement["Principal"] == "*"


def test_render_aws_star_principal_stays_a_map() -> None:
    # IAM refuses "*" in a role trust policy but accepts {"AWS": "*"}; the provider keeps it so.
    [statement] = _statements(
        statements=[
            {"actions": ["s3:GetObject"], "principals": [{"type": "AWS", "identifiers": ["*"]}]}
        ]
    )
    assert statement["Principal"] == {"AWS": "*"}


def test_render_not_principal() -> None:
    [statement] = _statements(
        statements=[
            {
                "effect": "Deny",
                "actions": ["s3:*"],
                "notPrincipals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:role/a"]}],
            }
        ]
    )
    assert statement["NotPrincipal"] == {"AWS": "arn:aws:iam::1:role/a"}


def test_render_merges_conditions_on_one_test_and_variable() -> None:
    [statement] = _statements(
        statements=[
            {
                "actions": ["sqs:SendMessage"],
                "conditions": [
                    {"test": "ArnLike", "variable": "aws:SourceArn", "values": ["arn:a"]},
                    {"test": "ArnLike", "variable": "aws:SourceArn", "values": ["arn:b"]},
                    {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1"]},
                ],
            }
        ]
    )
    assert statement["Condition"] == {
        "ArnLike": {"aws:SourceArn": ["arn:a", "arn:b"]},
        "StringEquals": {"aws:SourceAccount": "1"},
    }


def test_render_policy_variable_written_with_ampersand() -> None:
    [statement] = _statements(
        statements=[
            {"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::b/home/&{aws:username}/*"]}
        ]
    )
    assert statement["Resource"] == "arn:aws:s3:::b/home/${aws:username}/*"


def test_render_policy_id_and_version() -> None:
    doc = _doc(policyId="p1", version="2008-10-17", statements=[{"actions": ["s3:GetObject"]}])
    assert doc["Id"] == "p1" and doc["Version"] == "2008-10-17", doc


def test_render_statement_overrides_source_statement_with_same_sid() -> None:
    source = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Sid": "Keep", "Effect": "Allow", "Action": "sqs:GetQueueUrl", "Resource": QUEUE},
                {"Sid": "Replace", "Effect": "Allow", "Action": "*", "Resource": "*"},
            ],
        }
    )
    statements = _statements(
        sourcePolicyDocuments=[source],
        statements=[{"sid": "Replace", "actions": ["sqs:SendMessage"], "resources": [QUEUE]}],
    )
    assert [s["Sid"] for s in statements] == ["Keep", "Replace"]
    assert statements[1]["Action"] == "sqs:SendMessage", statements


def test_render_appends_statements_without_sid_after_sources() -> None:
    source = json.dumps({"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}})
    statements = _statements(
        sourcePolicyDocuments=[source], statements=[{"actions": ["sqs:SendMessage"]}]
    )
    assert [s["Action"] for s in statements] == ["*", "sqs:SendMessage"], statements


def test_render_override_replaces_statement_by_sid_in_place() -> None:
    override = json.dumps({"Statement": [{"Sid": "A", "Effect": "Deny", "Action": "*"}]})
    statements = _statements(
        statements=[
            {"sid": "A", "actions": ["sqs:SendMessage"]},
            {"sid": "B", "actions": ["sqs:ReceiveMessage"]},
        ],
        overridePolicyDocuments=[override],
    )
    assert statements[0] == {"Sid": "A", "Effect": "Deny", "Action": "*"}, statements
    assert statements[1]["Sid"] == "B", statements


def test_render_later_override_wins() -> None:
    first = json.dumps({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "sqs:A"}]})
    second = json.dumps({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "sqs:B"}]})
    [statement] = _statements(
        statements=[{"sid": "A", "actions": ["sqs:C"]}], overridePolicyDocuments=[first, second]
    )
    assert statement["Action"] == "sqs:B"


def test_render_rejects_duplicate_sid_across_source_documents() -> None:
    source = json.dumps({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "sqs:A"}]})
    with pytest.raises(PolicyDocumentError, match=r"duplicate Sid \(A\) in sourcePolicyDocuments"):
        render_policy_document({"sourcePolicyDocuments": [source, source]})


def test_render_rejects_duplicate_sid_in_statements() -> None:
    with pytest.raises(PolicyDocumentError, match=r"duplicate sid \(A\)"):
        render_policy_document({"statements": [{"sid": "A"}, {"sid": "A"}]})


def test_render_rejects_source_that_is_not_json() -> None:
    with pytest.raises(PolicyDocumentError, match=r"sourcePolicyDocuments\[0\] is not a JSON"):
        render_policy_document({"sourcePolicyDocuments": ["{not json"]})


def test_render_rejects_unknown_effect() -> None:
    with pytest.raises(PolicyDocumentError, match="statements\\[0\\].effect 'allow'"):
        render_policy_document({"statements": [{"effect": "allow"}]})


def test_render_normalises_source_star_principal_map() -> None:
    source = json.dumps(
        {"Statement": [{"Effect": "Allow", "Action": "s3:*", "Principal": {"*": "*"}}]}
    )
    [statement] = _statements(sourcePolicyDocuments=[source])
    assert statement["Principal"] == "*"


def test_render_escapes_html_characters_like_go() -> None:
    out = render_policy_document(
        {"statements": [{"actions": ["s3:GetObject"], "resources": ["arn:aws:s3:::a<b>&c"]}]}
    )
    assert "a\\u003cb\\u003e\\u0026c" in out["json"] and "<" not in out["minifiedJson"]
    assert json.loads(out["json"])["Statement"][0]["Resource"] == "arn:aws:s3:::a<b>&c"


def test_render_id_is_stable() -> None:
    args = {"statements": [{"actions": ["s3:GetObject"]}]}
    assert render_policy_document(args)["id"] == render_policy_document(args)["id"]


def test_render_deprecated_source_and_override_json_still_apply() -> None:
    source = json.dumps({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "sqs:A"}]})
    override = json.dumps({"Statement": [{"Sid": "B", "Effect": "Deny", "Action": "*"}]})
    statements = _statements(
        sourceJson=source, overrideJson=override, statements=[{"sid": "B", "actions": ["sqs:B"]}]
    )
    assert [(s["Sid"], s["Action"]) for s in statements] == [("A", "sqs:A"), ("B", "*")]


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("not_actions", "NotAction"),
        ("not_resources", "NotResource"),
        ("notActions", "NotAction"),
    ],
)
def test_render_accepts_snake_case_statement_fields(key: str, field: str) -> None:
    values = ["s3:DeleteBucket"] if "ction" in key else ["arn:aws:s3:::keep"]
    other = "resources" if "ction" in key else "actions"
    [statement] = _statements(statements=[{key: values, other: ["*"]}])
    assert statement[field] == values[0], statement


def test_render_accepts_snake_case_not_principals_and_conditions() -> None:
    [statement] = _statements(
        statements=[
            {
                "actions": ["sqs:SendMessage"],
                "resources": [QUEUE],
                "not_principals": [{"type": "AWS", "identifiers": ["arn:aws:iam::1:root"]}],
                "conditions": [
                    {"test": "Bool", "variable": "aws:SecureTransport", "values": ["true"]}
                ],
            }
        ]
    )
    assert statement["NotPrincipal"] == {"AWS": "arn:aws:iam::1:root"}, statement
    assert statement["Condition"] == {"Bool": {"aws:SecureTransport": "true"}}, statement


def test_render_accepts_snake_case_document_arguments() -> None:
    source = json.dumps({"Statement": [{"Sid": "A", "Effect": "Allow", "Action": "s3:*"}]})
    doc = _doc(policy_id="pid", source_policy_documents=[source], statements=[])
    assert doc["Id"] == "pid" and doc["Statement"][0]["Action"] == "s3:*", doc


def test_render_snake_case_not_actions_reach_the_pack_as_not_action() -> None:
    """The pack judges what the provider would render: a snake_case ``not_actions`` is a
    NotAction statement, which iam-no-wildcard rejects."""
    from policies.rules import iam

    rendered = render_policy_document(
        {"statements": [{"not_actions": ["iam:*"], "resources": ["*"]}]}
    )["json"]
    found = iam.document_problems(rendered, require_condition=False)
    assert any("NotAction" in m for m in found), found
