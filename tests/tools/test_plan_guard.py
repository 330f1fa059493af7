"""``python -m tools.plan_guard`` on digests in the CLI's exact ``pulumi preview --json`` shape."""

from __future__ import annotations

import importlib
import inspect
import json
from pathlib import Path

import pytest

from tools.plan_guard.cli import EXIT_ALLOWED, EXIT_BAD_INPUT, EXIT_REFUSED, main
from tools.plan_guard.stateful import GUARDED_TYPES

FIXTURES = Path(__file__).parent / "fixtures" / "plan_guard"
DB_URN = (
    "urn:pulumi:dev::cw-analytics::cw-analytics:database:MonitoredDatabase"
    "$aws:rds/instance:Instance::database-instance"
)
ACCOUNT_URN = (
    "urn:pulumi:dev::cw-analytics::cw-analytics:api:ApiWithHandler"
    "$aws:apigateway/account:Account::api-account"
)


def run(capsys: pytest.CaptureFixture[str], *argv: str | Path) -> tuple[int, str, str]:
    """Run the guard in-process; its exit status, stdout and stderr."""
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def allow_file(tmp_path: Path, text: str) -> Path:
    """Write an allow file and return its path."""
    path = tmp_path / "plan-guard-allow.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_plan_guard_refuses_database_replacement(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, FIXTURES / "replace_database.json")
    assert status == EXIT_REFUSED
    assert "REFUSED replace aws:rds/instance:Instance database-instance" in out
    assert DB_URN in out
    assert "create-replacement, replace, delete-replaced" in out
    assert "forced by changes to: identifier" in out
    assert "every row" in out


def test_plan_guard_reports_protected_state(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, FIXTURES / "replace_database.json")
    assert "protected in the state" in out


def test_plan_guard_refuses_delete_before_replace_of_secret(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, FIXTURES / "replace_secret_delete_before_replace.json")
    assert status == EXIT_REFUSED
    assert "delete-replaced, replace, create-replacement" in out
    assert "forced by changes to: secretString" in out


def test_plan_guard_refuses_account_setting_delete(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, FIXTURES / "delete_account_setting.json")
    assert status == EXIT_REFUSED
    assert "REFUSED delete aws:apigateway/account:Account api-account" in out
    assert "every stack in the account" in out


def test_plan_guard_reports_retained_delete_without_refusing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, FIXTURES / "delete_retained_account_setting.json")
    assert status == EXIT_ALLOWED
    assert "RETAINED delete aws:apigateway/account:Account api-account" in out
    assert "stays in AWS" in out


@pytest.mark.parametrize(
    ("fixture", "type_token"),
    [
        ("read_replacement_table.json", "aws:dynamodb/table:Table"),
        ("import_replacement_bucket.json", "aws:s3/bucketV2:BucketV2"),
        ("remove_pending_replace_key.json", "aws:kms/key:Key"),
    ],
)
def test_plan_guard_refuses_other_replacement_ops(
    capsys: pytest.CaptureFixture[str], fixture: str, type_token: str
) -> None:
    status, out, _ = run(capsys, FIXTURES / fixture)
    assert status == EXIT_REFUSED, out
    assert f"REFUSED replace {type_token}" in out


def test_plan_guard_allows_create_update_same_read_refresh_discard(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ops = {step["op"] for step in json.loads((FIXTURES / "no_loss.json").read_text())["steps"]}
    assert ops == {"same", "create", "update", "read", "refresh", "discard"}
    status, out, _ = run(capsys, FIXTURES / "no_loss.json")
    assert status == EXIT_ALLOWED
    assert "REFUSED" not in out


def test_plan_guard_allows_replacement_of_stateless_resource(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, out, _ = run(capsys, FIXTURES / "replace_stateless.json")
    assert status == EXIT_ALLOWED
    assert "REFUSED" not in out


def test_plan_guard_allows_urn_named_with_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = allow_file(
        tmp_path, f"allow:\n  - urn: {DB_URN}\n    reason: dev data is rebuilt nightly\n"
    )
    status, out, _ = run(capsys, FIXTURES / "replace_database.json", "--allow", path)
    assert status == EXIT_ALLOWED
    assert "ALLOWED replace aws:rds/instance:Instance" in out
    assert "allowed: dev data is rebuilt nightly" in out


def test_plan_guard_allowance_for_another_urn_does_not_allow(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = allow_file(tmp_path, f"allow:\n  - urn: {ACCOUNT_URN}\n    reason: moved\n")
    status, out, _ = run(capsys, FIXTURES / "replace_database.json", "--allow", path)
    assert status == EXIT_REFUSED
    assert f"the allow file names {ACCOUNT_URN}, which this plan does not lose" in out


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"allow:\n  - urn: {DB_URN}\n", "has no 'reason'"),
        (f"allow:\n  - urn: {DB_URN}\n    reason: '  '\n", "has no 'reason'"),
        ("allow:\n  - reason: why\n", "has no 'urn'"),
        ("allow:\n  - urn: database-instance\n    reason: why\n", "is not a Pulumi URN"),
        (f"allow:\n  - urn: {DB_URN}\n    reason: a\n    ops: [delete]\n", "unknown keys"),
        (
            f"allow:\n  - urn: {DB_URN}\n    reason: a\n  - urn: {DB_URN}\n    reason: b\n",
            "a second time",
        ),
        ("urns: []\n", "one key 'allow'"),
        ("allow: {a: b}\n", "must be a list"),
        ("allow: [\n", "is not YAML"),
    ],
)
def test_plan_guard_bad_allow_file_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, message: str
) -> None:
    path = allow_file(tmp_path, text)
    status, out, err = run(capsys, FIXTURES / "replace_database.json", "--allow", path)
    assert status == EXIT_BAD_INPUT
    assert message in err
    assert str(path) in err
    assert out == ""


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ("[]", "not a JSON object"),
        ('{"steps": {}}', "'steps' is not a list"),
        ('{"steps": [{"op": "destroy", "urn": "urn:pulumi:a::b::t::n"}]}', "has op 'destroy'"),
        ('{"steps": [{"op": "delete"}]}', "has no 'urn'"),
        ('{"steps": [{"op": "delete", "urn": "db"}]}', "is not a Pulumi URN"),
        (
            '{"steps": [{"op": "delete", "urn": "urn:pulumi:a::b::aws:kms/key:Key::k"}]}',
            "has no oldState",
        ),
        (
            '{"steps": [{"op": "create", "urn": "urn:pulumi:a::b::t::n", "newState": {}}]}',
            "newState needs string 'urn' and 'type'",
        ),
        ('{"changeSummary": {"explode": 1}}', "unknown operations"),
        ("{not json", "is not JSON"),
    ],
)
def test_plan_guard_malformed_digest_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, document: str, message: str
) -> None:
    path = tmp_path / "preview.json"
    path.write_text(document, encoding="utf-8")
    status, _, err = run(capsys, path)
    assert status == EXIT_BAD_INPUT
    assert message in err and str(path) in err


def test_plan_guard_missing_file_is_bad_input(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    status, _, err = run(capsys, tmp_path / "absent.json")
    assert status == EXIT_BAD_INPUT
    assert "absent.json" in err


def test_plan_guard_fixtures_show_secrets_as_the_cli_does() -> None:
    text = (FIXTURES / "replace_database.json").read_text()
    document = json.loads(text)
    assert document["config"]["cw-analytics:dbPassword"] == "[secret]"
    assert document["steps"][1]["oldState"]["inputs"]["password"] == "[secret]"
    assert "ciphertext" not in text and "4dabf18193072939515e22adb298388d" not in text


@pytest.mark.parametrize("type_token", sorted(GUARDED_TYPES))
def test_plan_guard_guarded_type_is_a_pulumi_aws_token(type_token: str) -> None:
    _, module, class_name = type_token.split(":")
    package = importlib.import_module(f"pulumi_aws.{module.split('/')[0]}")
    resource_class = getattr(package, class_name.split("/")[-1])
    source = inspect.getsource(inspect.getmodule(resource_class))  # type: ignore[arg-type]
    assert f"'{type_token}'" in source, f"{type_token} is not {resource_class.__name__}'s token"
