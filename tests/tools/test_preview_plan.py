"""The offline upgrade plan (``tools.preview.plan``): ops by URN, aliases, retain, ForceNew."""

from __future__ import annotations

import inspect
import re
from typing import Any

import pulumi_aws
import pulumi_random
import pytest
from google.protobuf import struct_pb2

from tools.plan_guard.allow import Allowance
from tools.plan_guard.digest import parse_digest
from tools.plan_guard.guard import judge
from tools.preview.force_new import FORCE_NEW
from tools.preview.model import PreviewResource
from tools.preview.plan import build_plan
from tools.preview.property_paths import PropertyPathError
from tools.preview.values import SECRET_SIG, SIG_KEY
from tools.resource_options import ResourceOptions

PREFIX = "urn:pulumi:dev::cw-analytics::"
STACK_URN = PREFIX + "pulumi:pulumi:Stack::cw-analytics-dev"
DB_COMPONENT = "cw-analytics:database:MonitoredDatabase"
INSTANCE = "aws:rds/instance:Instance"
DB_INPUTS = {
    "identifier": "cw-analytics-dev-db",
    "engine": "postgres",
    "instanceClass": "db.t4g.micro",
}


def resource(
    type_: str,
    name: str,
    inputs: dict[str, Any] | None = None,
    *,
    parent: str = STACK_URN,
    parent_type: str = "",
    custom: bool = True,
    **options: Any,
) -> PreviewResource:
    """A registered resource as the preview records it."""
    struct = struct_pb2.Struct()
    struct.update(inputs or {})
    qualified = f"{parent_type}${type_}" if parent_type else type_
    return PreviewResource(
        urn=f"{PREFIX}{qualified}::{name}",
        type=type_,
        name=name,
        parent=parent,
        custom=custom,
        inputs=struct,
        outputs=struct_pb2.Struct(),
        options=ResourceOptions(**options),
    )


def component(name: str, type_: str = DB_COMPONENT, **options: Any) -> PreviewResource:
    """A component resource directly under the stack."""
    return resource(type_, name, custom=False, **options)


def database(inputs: dict[str, Any], **options: Any) -> PreviewResource:
    """The RDS instance under the database component."""
    parent = component("database")
    return resource(
        INSTANCE,
        "database-instance",
        inputs,
        parent=parent.urn,
        parent_type=DB_COMPONENT,
        **options,
    )


def ops(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(op, last URN part) for every step."""
    return [(step["op"], step["urn"].split("::")[-1]) for step in document["steps"]]


def test_plan_same_when_inputs_are_equal() -> None:
    document = build_plan([database(DB_INPUTS)], [database(dict(DB_INPUTS))])
    assert ops(document) == [("same", "database-instance")]
    assert document["changeSummary"] == {"same": 1}


def test_plan_update_when_a_changed_input_does_not_force_replacement() -> None:
    document = build_plan(
        [database(DB_INPUTS)], [database({**DB_INPUTS, "instanceClass": "db.m6g.large"})]
    )
    (step,) = document["steps"]
    assert step["op"] == "update"
    assert step["diffReasons"] == ["instanceClass"]
    assert step["detailedDiff"] == {"instanceClass": {"kind": "update", "inputDiff": True}}


@pytest.mark.parametrize(
    ("key", "value"), [("identifier", "cw-analytics-dev-db2"), ("engine", "mysql")]
)
def test_plan_replaces_database_when_a_force_new_input_changes(key: str, value: str) -> None:
    document = build_plan([database(DB_INPUTS)], [database({**DB_INPUTS, key: value})])
    # A fixed identifier: the bridge deletes the old instance before it creates the new one.
    assert [op for op, _ in ops(document)] == ["delete-replaced", "replace", "create-replacement"]
    replace = document["steps"][1]
    assert replace["replaceReasons"] == [key]
    assert replace["detailedDiff"][key] == {"kind": "update-replace", "inputDiff": True}
    assert document["changeSummary"] == {"replace": 1}


def test_plan_creates_before_deleting_a_replacement_with_a_generated_name() -> None:
    old = resource("aws:secretsmanager/secret:Secret", "creds", {"name": "app-creds"})
    new = resource("aws:secretsmanager/secret:Secret", "creds", {"namePrefix": "app-creds-"})
    document = build_plan([old], [new])
    assert [op for op, _ in ops(document)] == ["create-replacement", "replace", "delete-replaced"]


def test_plan_ignores_changes_to_inputs_under_ignore_changes() -> None:
    document = build_plan(
        [database(DB_INPUTS)],
        [database({**DB_INPUTS, "engine": "mysql"}, ignore_changes=("engine",))],
    )
    assert ops(document) == [("same", "database-instance")]


def test_plan_ignore_changes_path_hides_only_that_value() -> None:
    """``ignoreChanges: ["tags.Name"]`` keeps the state's Name; a changed Owner tag still
    updates the instance (the whole ``tags`` input is not ignored)."""
    old = database({**DB_INPUTS, "tags": {"Name": "a", "Owner": "x"}})
    renamed = database(
        {**DB_INPUTS, "tags": {"Name": "b", "Owner": "x"}}, ignore_changes=("tags.Name",)
    )
    assert ops(build_plan([old], [renamed])) == [("same", "database-instance")]
    reowned = database(
        {**DB_INPUTS, "tags": {"Name": "b", "Owner": "y"}}, ignore_changes=('tags["Name"]',)
    )
    [step] = build_plan([old], [reowned])["steps"]
    assert (step["op"], step["diffReasons"]) == ("update", ["tags"])


def test_plan_ignore_changes_wildcard_covers_each_element() -> None:
    old = resource(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {"ingress": [{"cidrBlocks": ["10.0.0.0/8"], "fromPort": 443}]},
    )
    widened = resource(
        "aws:ec2/securityGroup:SecurityGroup",
        "sg",
        {"ingress": [{"cidrBlocks": ["0.0.0.0/0"], "fromPort": 443}]},
        ignore_changes=("ingress[*].cidrBlocks",),
    )
    assert ops(build_plan([old], [widened])) == [("same", "sg")]


def test_plan_replace_on_changes_path_replaces_on_a_change_under_it_only() -> None:
    """``replaceOnChanges: ["tags.Name"]``: a new Name replaces the queue, a new Owner tag
    updates it."""
    old = resource("aws:sqs/queue:Queue", "q", {"tags": {"Name": "a", "Owner": "x"}})
    rule = {"replace_on_changes": ("tags.Name",)}
    renamed = resource("aws:sqs/queue:Queue", "q", {"tags": {"Name": "b", "Owner": "x"}}, **rule)
    reowned = resource("aws:sqs/queue:Queue", "q", {"tags": {"Name": "a", "Owner": "y"}}, **rule)
    assert "replace" in {op for op, _ in ops(build_plan([old], [renamed]))}
    assert ops(build_plan([old], [reowned])) == [("update", "q")]


def test_plan_replace_on_changes_path_replaces_when_its_container_goes() -> None:
    """The tags removed altogether take ``tags.Name`` with them: a replacement (the plan
    assumes it where the engine's answer rests on the provider's detailed diff)."""
    old = resource("aws:sqs/queue:Queue", "q", {"tags": {"Name": "a"}})
    new = resource("aws:sqs/queue:Queue", "q", {}, replace_on_changes=("tags.Name",))
    assert "replace" in {op for op, _ in ops(build_plan([old], [new]))}


def test_plan_names_a_malformed_option_path_and_its_resource() -> None:
    old = resource("aws:sqs/queue:Queue", "q", {"tags": {"Name": "a"}})
    new = resource("aws:sqs/queue:Queue", "q", {"tags": {"Name": "b"}}, ignore_changes=("tags[",))
    with pytest.raises(PropertyPathError, match=r"ignoreChanges of urn:pulumi:.*::q: 'tags\['"):
        build_plan([old], [new])


def test_plan_replaces_on_a_replace_on_changes_input() -> None:
    old = resource("aws:sqs/queue:Queue", "q", {"visibilityTimeoutSeconds": 30})
    new = resource(
        "aws:sqs/queue:Queue",
        "q",
        {"visibilityTimeoutSeconds": 60},
        replace_on_changes=("visibilityTimeoutSeconds",),
    )
    assert "replace" in {op for op, _ in ops(build_plan([old], [new]))}


def test_plan_follows_a_replacement_into_an_input_that_forces_new() -> None:
    secret_type = "aws:secretsmanager/secret:Secret"
    version_type = "aws:secretsmanager/secretVersion:SecretVersion"
    old_secret = resource(secret_type, "creds", {"name": "a"})
    new_secret = resource(secret_type, "creds", {"name": "b"})
    version_inputs = {"secretId": "arn:same-in-mocks"}
    old_version = resource(version_type, "creds-version", version_inputs)
    new_version = resource(
        version_type,
        "creds-version",
        version_inputs,
        property_dependencies={"secretId": (new_secret.urn,)},
    )
    document = build_plan([old_secret, old_version], [new_secret, new_version])
    replaced = {step["urn"] for step in document["steps"] if step["op"] == "replace"}
    assert replaced == {new_secret.urn, new_version.urn}


def test_plan_aliased_resource_is_moved_not_deleted_and_created() -> None:
    old = resource("aws:cloudwatch/dashboard:Dashboard", "dashboard", {"dashboardName": "d"})
    moved_parent = component("service", "cw-analytics:monitoring:ServiceDashboard")
    new = resource(
        "aws:cloudwatch/dashboard:Dashboard",
        "dashboard",
        {"dashboardName": "d"},
        parent=moved_parent.urn,
        parent_type="cw-analytics:monitoring:ServiceDashboard",
        aliases=(old.urn,),
    )
    document = build_plan([old], [moved_parent, new])
    assert ops(document) == [("create", "service"), ("same", "dashboard")]
    assert document["steps"][1]["oldState"]["urn"] == old.urn


def test_plan_child_inherits_its_parents_alias() -> None:
    old_parent = component("db", DB_COMPONENT)
    old_child = resource(
        INSTANCE, "db-instance", DB_INPUTS, parent=old_parent.urn, parent_type=DB_COMPONENT
    )
    new_parent = component("database", DB_COMPONENT, aliases=(old_parent.urn,))
    new_child = resource(
        INSTANCE, "database-instance", DB_INPUTS, parent=new_parent.urn, parent_type=DB_COMPONENT
    )
    document = build_plan([old_parent, old_child], [new_parent, new_child])
    assert [op for op, _ in ops(document)] == ["same", "same"]


def test_plan_removed_retained_resource_is_a_state_only_delete_the_guard_reports() -> None:
    account = resource(
        "aws:apigateway/account:Account",
        "api-account",
        {"cloudwatchRoleArn": "arn:role"},
        retain_on_delete=True,
    )
    document = build_plan([account], [])
    (step,) = document["steps"]
    assert step["op"] == "delete" and step["oldState"]["retainOnDelete"] is True
    verdict = judge(parse_digest(document), {})
    assert not verdict.refused
    assert verdict.judgements[0].retained


def test_plan_removed_child_of_a_retained_component_is_a_state_only_delete() -> None:
    # retain_on_delete on the component: the engine stores it on the child too.
    parent = component("database", retain_on_delete=True)
    child = database(DB_INPUTS)
    document = build_plan([parent, child], [])
    steps = {step["urn"]: step for step in document["steps"]}
    assert steps[child.urn]["oldState"]["retainOnDelete"] is True
    verdict = judge(parse_digest(document), {})
    assert not verdict.refused, verdict


def test_plan_removed_unretained_account_setting_is_refused_by_the_guard() -> None:
    account = resource("aws:apigateway/account:Account", "api-account", {})
    verdict = judge(parse_digest(build_plan([account], [])), {})
    assert [j.urn for j in verdict.refused] == [account.urn]


def test_plan_database_replacement_is_refused_unless_allowed() -> None:
    document = build_plan([database(DB_INPUTS)], [database({**DB_INPUTS, "engine": "mysql"})])
    urn = database(DB_INPUTS).urn
    assert [j.urn for j in judge(parse_digest(document), {}).refused] == [urn]
    allowed = judge(parse_digest(document), {urn: Allowance(urn, "rebuilt from a dump")})
    assert not allowed.refused


def test_plan_deletes_dependents_before_what_they_depend_on() -> None:
    parent = component("database")
    child = resource(
        INSTANCE, "database-instance", DB_INPUTS, parent=parent.urn, parent_type=DB_COMPONENT
    )
    assert ops(build_plan([parent, child], [])) == [
        ("delete", "database-instance"),
        ("delete", "database"),
    ]


def test_plan_compares_secrets_by_value_and_shows_them_redacted() -> None:
    def version(value: str) -> PreviewResource:
        secret = {SIG_KEY: SECRET_SIG, "value": value}
        return resource(
            "aws:secretsmanager/secretVersion:SecretVersion", "v", {"secretString": secret}
        )

    document = build_plan([version("old-password")], [version("new-password")])
    assert document["steps"][1]["replaceReasons"] == ["secretString"]
    text = repr(document)
    assert "old-password" not in text and "new-password" not in text
    assert document["steps"][1]["newState"]["inputs"]["secretString"] == "[secret]"


def _input_names(type_token: str) -> set[str]:
    """The Pulumi (camelCase) input names of a resource, from its provider SDK's Args class."""
    package, module, class_name = type_token.split(":")
    namespace = pulumi_random if package == "random" else getattr(pulumi_aws, module.split("/")[0])
    args_class = getattr(namespace, f"{class_name}Args")
    parameters = inspect.signature(args_class.__init__).parameters
    return {re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name) for name in parameters}


@pytest.mark.parametrize("type_token", sorted(FORCE_NEW))
def test_force_new_rows_name_real_inputs_of_the_type(type_token: str) -> None:
    unknown = set(FORCE_NEW[type_token].inputs) - _input_names(type_token)
    assert not unknown, f"{type_token}: {sorted(unknown)} are not inputs of the type"
