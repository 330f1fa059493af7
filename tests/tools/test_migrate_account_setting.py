"""tools/migrate_account_setting.py on hand-built `pulumi stack export` files (version 3).

The export mirrors a dev stack from before the account project: ``ApiWithHandler`` owned the
CloudWatch role, its policy attachment and the ``aws.apigateway.Account`` setting, and the stage
and method settings waited for the setting.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tools.migrate_account_setting import MigrationError, drop_account_setting, main

PREFIX = "urn:pulumi:dev::cw-analytics::"
STACK = f"{PREFIX}pulumi:pulumi:Stack::cw-analytics-dev"
PROVIDER = f"{PREFIX}pulumi:providers:aws::default_7_0_0"
API = f"{PREFIX}cw-analytics:api:ApiWithHandler::api"
ROLE = f"{PREFIX}cw-analytics:api:ApiWithHandler$aws:iam/role:Role::api-cloudwatch-role"
ATTACHMENT = (
    f"{PREFIX}cw-analytics:api:ApiWithHandler$"
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment::api-cloudwatch-role-logs"
)
ACCOUNT = f"{PREFIX}cw-analytics:api:ApiWithHandler$aws:apigateway/account:Account::api-account"
LOGS = f"{PREFIX}cw-analytics:api:ApiWithHandler$aws:cloudwatch/logGroup:LogGroup::api-access-logs"
STAGE = f"{PREFIX}cw-analytics:api:ApiWithHandler$aws:apigateway/stage:Stage::api-stage"
METHOD_SETTINGS = (
    f"{PREFIX}cw-analytics:api:ApiWithHandler$"
    "aws:apigateway/methodSettings:MethodSettings::api-method-settings"
)


def _resource(urn: str, parent: str | None = STACK, **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {"urn": urn, "type": urn.split("::")[2].rpartition("$")[2]}
    if parent is not None:
        resource["parent"] = parent
    return {**resource, **extra}


def _custom(urn: str, dependencies: list[str], **by_property: list[str]) -> dict[str, Any]:
    return _resource(
        urn,
        API,
        custom=True,
        id=urn.rsplit("::", 1)[1],
        provider=f"{PROVIDER}::04da6b54-80e4-46f7-96ec-b56ff0331ba9",
        dependencies=dependencies,
        propertyDependencies=by_property,
    )


def old_dev_export() -> dict[str, Any]:
    """What `pulumi stack export` printed for dev while it owned the account setting."""
    return {
        "version": 3,
        "deployment": {
            "manifest": {"time": "2026-11-01T10:00:00Z", "version": "v3.200.0"},
            "secrets_providers": {"type": "service", "state": {"project": "cw-analytics"}},
            "resources": [
                _resource(STACK, parent=None),
                _resource(PROVIDER, custom=True, id="04da6b54-80e4-46f7-96ec-b56ff0331ba9"),
                _resource(API),
                _custom(ROLE, []),
                _custom(ATTACHMENT, [ROLE], role=[ROLE]),
                _custom(ACCOUNT, [ATTACHMENT, ROLE], cloudwatchRoleArn=[ROLE]),
                _custom(LOGS, []),
                _custom(STAGE, [ACCOUNT, LOGS], accessLogSettings=[LOGS]),
                _custom(
                    METHOD_SETTINGS,
                    [ACCOUNT, LOGS, STAGE],
                    stageName=[STAGE],
                    settings=[ACCOUNT],
                ),
            ],
        },
    }


def _by_urn(export: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {resource["urn"]: resource for resource in export["deployment"]["resources"]}


def test_migrate_account_setting_removes_the_setting_only() -> None:
    migrated = drop_account_setting(old_dev_export())
    before, after = _by_urn(old_dev_export()), _by_urn(migrated.export)
    assert migrated.removed_urn == ACCOUNT
    assert set(before) - set(after) == {ACCOUNT}, f"removed {set(before) - set(after)}"


def test_migrate_account_setting_keeps_the_old_role_for_up_to_delete() -> None:
    """The account project uses a role of its own: the old one and its attachment stay in
    state, so `pulumi up` deletes them in AWS instead of leaving them behind."""
    after = _by_urn(drop_account_setting(old_dev_export()).export)
    assert ROLE in after and ATTACHMENT in after, "old role left orphaned in IAM"
    assert after[ATTACHMENT]["dependencies"] == [ROLE], ATTACHMENT


def test_migrate_account_setting_leaves_no_reference_to_the_setting() -> None:
    migrated = drop_account_setting(old_dev_export())
    assert ACCOUNT not in json.dumps(migrated.export), "a reference to the setting remains"
    assert set(migrated.unlinked) == {STAGE, METHOD_SETTINGS}, migrated.unlinked


def test_migrate_account_setting_keeps_the_stages_other_dependencies() -> None:
    after = _by_urn(drop_account_setting(old_dev_export()).export)
    assert after[STAGE]["dependencies"] == [LOGS], STAGE
    assert after[STAGE]["propertyDependencies"] == {"accessLogSettings": [LOGS]}, STAGE
    assert after[METHOD_SETTINGS]["dependencies"] == [LOGS, STAGE], METHOD_SETTINGS
    assert after[METHOD_SETTINGS]["propertyDependencies"] == {"stageName": [STAGE]}


def test_migrate_account_setting_output_refers_only_to_earlier_resources() -> None:
    """`pulumi stack import` rejects a state whose references point at missing resources."""
    seen: set[str] = set()
    for resource in drop_account_setting(old_dev_export()).export["deployment"]["resources"]:
        named = [*resource.get("dependencies", []), resource.get("parent")]
        named += [dep for deps in resource.get("propertyDependencies", {}).values() for dep in deps]
        missing = {urn for urn in named if urn is not None} - seen
        assert not missing, f"{resource['urn']} refers to {missing}"
        seen.add(resource["urn"])


def test_migrate_account_setting_keeps_everything_else_of_the_export() -> None:
    export = old_dev_export()
    migrated = drop_account_setting(export).export
    assert migrated["deployment"]["secrets_providers"] == export["deployment"]["secrets_providers"]
    assert migrated["deployment"]["manifest"] == export["deployment"]["manifest"]
    assert export == old_dev_export(), "the input export was modified in place"


def test_migrate_account_setting_clears_deleted_with() -> None:
    export = old_dev_export()
    export["deployment"]["resources"][-1]["deletedWith"] = ACCOUNT
    after = _by_urn(drop_account_setting(export).export)
    assert "deletedWith" not in after[METHOD_SETTINGS], METHOD_SETTINGS


def test_migrate_account_setting_refuses_a_stack_without_the_setting() -> None:
    """prod never owned the setting, and a migrated stack no longer does."""
    once = drop_account_setting(old_dev_export()).export
    with pytest.raises(MigrationError, match=r"no aws:apigateway/account:Account under"):
        drop_account_setting(once)


def test_migrate_account_setting_refuses_a_setting_outside_the_api_component() -> None:
    export = old_dev_export()
    account_project = (
        "urn:pulumi:eu-west-1::cw-analytics-account::aws:apigateway/account:Account::x"
    )
    for resource in export["deployment"]["resources"]:
        if resource["urn"] == ACCOUNT:
            resource["urn"] = account_project
    with pytest.raises(MigrationError, match=r"nothing to migrate"):
        drop_account_setting(export)


def test_migrate_account_setting_refuses_two_settings() -> None:
    export = old_dev_export()
    second = copy.deepcopy(_by_urn(export)[ACCOUNT])
    second["urn"] = ACCOUNT.replace("::api-account", "::api-account-2")
    export["deployment"]["resources"].append(second)
    with pytest.raises(MigrationError, match=r"more than one"):
        drop_account_setting(export)


def test_migrate_account_setting_refuses_a_resource_parented_to_the_setting() -> None:
    export = old_dev_export()
    child = f"{ACCOUNT.rpartition('::')[0]}$aws:iam/role:Role::child"
    export["deployment"]["resources"].append(_resource(child, parent=ACCOUNT))
    with pytest.raises(MigrationError, match=r"parented to"):
        drop_account_setting(export)


def test_migrate_account_setting_refuses_a_pending_operation_on_the_setting() -> None:
    export = old_dev_export()
    export["deployment"]["pending_operations"] = [
        {"resource": _by_urn(export)[ACCOUNT], "type": "deleting"}
    ]
    with pytest.raises(MigrationError, match=r"pending operation"):
        drop_account_setting(export)


@pytest.mark.parametrize(
    "export",
    [[], {"version": 1, "deployment": {"resources": []}}, {"version": 3, "deployment": {}}],
)
def test_migrate_account_setting_refuses_what_is_not_a_v3_export(export: object) -> None:
    with pytest.raises(MigrationError, match=r"version 3|no deployment.resources"):
        drop_account_setting(export)


def test_migrate_account_setting_cli_writes_an_importable_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "dev.json", tmp_path / "dev-migrated.json"
    source.write_text(json.dumps(old_dev_export()))
    assert main([str(source), str(target)]) == 0
    assert json.loads(target.read_text()) == drop_account_setting(old_dev_export()).export
    assert ACCOUNT in capsys.readouterr().out, "the removed URN is not reported"


def test_migrate_account_setting_cli_refuses_overwriting_the_export(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "dev.json"
    source.write_text(json.dumps(old_dev_export()))
    assert main([str(source), str(source)]) == 1
    assert "output must differ from input" in capsys.readouterr().err
    assert json.loads(source.read_text()) == old_dev_export(), "the backup was overwritten"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "cannot read"), ("{not json", "is not JSON"), ("{}", "version 3")],
)
def test_migrate_account_setting_cli_reports_bad_input_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | None, message: str
) -> None:
    source, target = tmp_path / "dev.json", tmp_path / "out.json"
    if content is not None:
        source.write_text(content)
    assert main([str(source), str(target)]) == 1
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err, err
    assert not target.exists(), "wrote an output for bad input"


def test_migrate_account_setting_cli_refuses_an_absent_setting(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source, target = tmp_path / "prod.json", tmp_path / "out.json"
    source.write_text(json.dumps(drop_account_setting(old_dev_export()).export))
    assert main([str(source), str(target)]) == 1
    assert "nothing to migrate" in capsys.readouterr().err
    assert not target.exists(), "wrote an output with nothing migrated"
