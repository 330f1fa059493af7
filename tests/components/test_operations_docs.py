"""docs/operations.md: the steps and the exact error texts an operator searches for."""

from __future__ import annotations

import re

import pytest
import yaml

from stack_settings import CONFIG_KEYS
from tests.components.support import REPO_ROOT

OPERATIONS = REPO_ROOT / "docs" / "operations.md"
RESERVATION_ERROR = (
    "Specified ReservedConcurrentExecutions for function decreases account's "
    "UnreservedConcurrentExecution below its minimum value of [10]."
)


def _text() -> str:
    return OPERATIONS.read_text(encoding="utf-8")


def _section(title: str) -> str:
    text = _text()
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"docs/operations.md has no '## {title}' section"
    return match.group(1)


@pytest.mark.parametrize(
    "title",
    [
        "Prerequisites",
        "Deploy",
        "Destroy",
        "Restore from the final snapshot after a destroy",
        "Re-create a stack with the same names",
        "Troubleshooting",
    ],
)
def test_operations_doc_has_section(title: str) -> None:
    assert _section(title).strip(), f"'{title}' is empty"


def test_operations_doc_troubleshooting_quotes_the_reservation_error() -> None:
    rows = [line for line in _section("Troubleshooting").splitlines() if line.startswith("|")]
    assert any(RESERVATION_ERROR in row for row in rows), "no row with Lambda's exact error"


def test_operations_doc_prerequisites_name_the_concurrency_quota() -> None:
    text = _section("Prerequisites")
    assert "get-account-settings" in text and "151" in text, "quota check or figure missing"


def test_operations_doc_deploys_the_account_project_before_app_stacks() -> None:
    deploy = _section("Deploy")
    assert deploy.index("cd account") < deploy.index("App stacks"), "order of the deploy steps"
    stack = yaml.safe_load((REPO_ROOT / "account" / "Pulumi.eu-west-1.yaml").read_text())
    assert stack["config"]["aws:region"] == "eu-west-1"
    assert "pulumi stack init eu-west-1" in deploy


# Keys the migration notes name because older stacks still carry them; the program ignores them.
RETIRED_KEYS = frozenset({"manageApiGatewayAccount"})
# Fields of a `pulumi stack export` file the migration names: camelCase, but not config keys.
STATE_FIELDS = frozenset({"propertyDependencies"})


def test_operations_doc_names_only_config_keys_the_program_reads() -> None:
    named = set(re.findall(r"`([a-z]+[A-Z][A-Za-z]+)(?::[^`]*)?`", _text()))
    assert not RETIRED_KEYS & set(CONFIG_KEYS), "a retired key is read again"
    unknown = {key for key in named - RETIRED_KEYS - STATE_FIELDS if key not in CONFIG_KEYS}
    assert not unknown, f"docs/operations.md names unknown config keys {sorted(unknown)}"
    assert {"dbFinalSnapshot", "secretRecoveryWindowDays", "keyDeletionWindowDays"} <= named


def test_operations_doc_destroy_explains_the_interface_wait() -> None:
    destroy = " ".join(_section("Destroy").split())
    assert "45 minutes" in destroy and "network interfaces" in destroy, "the wait is unexplained"
    assert "replace_security_groups_on_destroy" in destroy, "why the option is not used"


def _migration() -> str:
    match = re.search(
        r"^### Moving an existing account to the account project\n(.*?)(?=^#)", _text(), re.M | re.S
    )
    assert match, "docs/operations.md has no migration to the account project"
    return match.group(1)


def test_operations_doc_migration_keeps_the_setting_retained_for_a_release() -> None:
    """Pulumi deletes a removed resource with the options in its state: the retain has to be
    applied by one release's `pulumi up` before the next release drops the declaration."""
    text = " ".join(_migration().split())
    steps = ["legacyApiGatewayAccount: true", "retain_on_delete=True", "The next release"]
    missing = [step for step in steps if step not in text]
    assert not missing, f"migration lacks {missing}"
    positions = [text.index(step) for step in steps]
    assert positions == sorted(positions), f"migration steps out of order: {steps}"
    assert "ignore_changes" in text, "the doc does not say why the projects do not fight"


def test_operations_doc_migration_runs_no_state_delete() -> None:
    """The doc may say why `pulumi state delete` fails, never give it a resource to delete."""
    deletes = re.findall(r"pulumi state delete[^`\n]*urn:", _migration())
    assert not deletes, f"the migration tells operators to run {deletes}"


def test_operations_doc_migration_tool_exists() -> None:
    assert (REPO_ROOT / "tools" / "migrate_account_setting.py").is_file()
    assert "tools/migrate_account_setting.py" in _migration()


def test_operations_doc_migration_says_what_happens_to_the_old_role() -> None:
    text = " ".join(_migration().split())
    assert "cw-analytics-dev-apigw-cloudwatch-role" in text, "old role's fate unexplained"
    assert text.index("account project") < text.index("aws iam delete-role")
