"""Pulumi.yaml is refused offline where the Pulumi CLI refuses it (its project schema and
``Project.Validate``), with the CLI's wording."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tools.preview.errors import StackConfigError
from tools.preview.project_file import validate_project
from tools.preview.stack_config import load_stack_config

from .helpers import REPO_ROOT

PATH = Path("Pulumi.yaml")


def _project(config: str) -> dict[str, object]:
    return yaml.safe_load(f"name: demo\nruntime: python\nconfig:\n{config}")


def _refused(config: str) -> str:
    with pytest.raises(StackConfigError) as caught:
        validate_project(_project(config), PATH)
    return str(caught.value)


def test_validate_project_refuses_misspelt_default_and_names_the_attribute() -> None:
    message = _refused("  demo:retention:\n    type: integer\n    defualt: 7\n")
    assert "'defualt' not allowed; did you mean 'default'?" in message, message


def test_validate_project_refuses_array_without_items() -> None:
    message = _refused("  emails:\n    type: array\n    default: [a@example.com]\n")
    assert "declares an array but does not specify the underlying type" in message, message


def test_validate_project_refuses_type_on_another_namespace() -> None:
    message = _refused("  aws:region:\n    type: string\n    value: eu-west-1\n")
    assert "'aws:region' is not namespaced by the project and should not define a type" in (
        message
    ), message


def test_validate_project_refuses_default_on_another_namespace() -> None:
    message = _refused("  aws:region:\n    default: eu-west-1\n")
    assert "Did you mean to use the 'value' attribute instead of 'default'?" in message, message


def test_validate_project_refuses_default_and_value_together() -> None:
    message = _refused("  size:\n    default: a\n    value: b\n")
    assert "cannot have both a 'default' and 'value' attribute" in message, message


def test_validate_project_refuses_default_of_the_wrong_type() -> None:
    message = _refused("  retention:\n    type: integer\n    default: seven\n")
    assert "is not of the expected type 'integer'" in message, message


def test_validate_project_refuses_unknown_runtime_attribute() -> None:
    document = {"name": "demo", "runtime": {"name": "python", "option": {}}}
    with pytest.raises(StackConfigError, match="'option' not allowed; did you mean 'options'"):
        validate_project(document, PATH)


def test_validate_project_suggests_a_misspelt_name_attribute() -> None:
    with pytest.raises(StackConfigError, match="missing a 'name' attribute; found 'nme' instead"):
        validate_project({"nme": "demo", "runtime": "python"}, PATH)


def test_validate_project_rewrites_shorthand_as_default_or_value() -> None:
    project = validate_project(_project("  size: small\n  aws:region: eu-west-1\n"), PATH)
    assert project["config"] == {"size": {"default": "small"}, "aws:region": {"value": "eu-west-1"}}


def test_validate_project_allows_unknown_top_level_attributes() -> None:
    document = {"name": "demo", "runtime": "python", "x-team": "platform"}
    assert validate_project(document, PATH)["x-team"] == "platform"


@pytest.mark.parametrize(
    "program", ["", "account", "examples/database-alerting"], ids=["app", "account", "example"]
)
def test_repository_project_files_pass_the_cli_checks(program: str) -> None:
    path = REPO_ROOT / program / "Pulumi.yaml"
    validate_project(yaml.safe_load(path.read_text(encoding="utf-8")), path)


def test_load_stack_config_refuses_a_misspelt_declaration(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nconfig:\n  demo:size:\n    type: string\n    defualt: s\n"
    )
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("")
    with pytest.raises(StackConfigError, match="'defualt' not allowed"):
        load_stack_config(tmp_path, "dev")
