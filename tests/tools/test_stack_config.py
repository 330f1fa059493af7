"""The stack config loader: defaults, namespacing, value encoding and the errors it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.preview.cli import parse_arguments
from tools.preview.errors import StackConfigError
from tools.preview.stack_config import config_value_text, load_stack_config, pack_config_path

REPO_ROOT = Path(__file__).resolve().parents[2]

PROJECT = """\
name: demo
runtime:
  name: python
config:
  demo:suffix:
    type: string
  retentionDays:
    type: integer
    default: 7
  emails:
    type: array
    items:
      type: string
    default: [a@example.com]
  aws:region:
    value: us-east-2
"""


def _program(tmp_path: Path, stack_yaml: str, project_yaml: str = PROJECT) -> Path:
    (tmp_path / "Pulumi.yaml").write_text(project_yaml)
    (tmp_path / "Pulumi.dev.yaml").write_text(stack_yaml)
    (tmp_path / "__main__.py").write_text("")
    return tmp_path


def test_load_stack_config_applies_project_defaults(tmp_path: Path) -> None:
    loaded = load_stack_config(_program(tmp_path, "config:\n  suffix: dev\n"), "dev")
    assert loaded.config["demo:retentionDays"] == "7"


def test_load_stack_config_namespaces_bare_keys_with_project(tmp_path: Path) -> None:
    loaded = load_stack_config(_program(tmp_path, "config:\n  suffix: dev\n"), "dev")
    assert loaded.config["demo:suffix"] == "dev"


def test_load_stack_config_keeps_other_namespaces(tmp_path: Path) -> None:
    stack = "config:\n  suffix: dev\n  aws:region: eu-west-1\n"
    loaded = load_stack_config(_program(tmp_path, stack), "dev")
    assert (loaded.config["aws:region"], loaded.region) == ("eu-west-1", "eu-west-1")


def test_load_stack_config_takes_value_of_provider_key_declared_in_project(tmp_path: Path) -> None:
    loaded = load_stack_config(_program(tmp_path, "config:\n  suffix: dev\n"), "dev")
    assert loaded.config["aws:region"] == "us-east-2"


def test_load_stack_config_encodes_lists_as_compact_json(tmp_path: Path) -> None:
    stack = "config:\n  suffix: dev\n  emails:\n    - a@example.com\n    - b@example.com\n"
    loaded = load_stack_config(_program(tmp_path, stack), "dev")
    assert loaded.config["demo:emails"] == '["a@example.com","b@example.com"]'


def test_load_stack_config_stack_value_overrides_default(tmp_path: Path) -> None:
    stack = "config:\n  suffix: dev\n  retentionDays: 30\n"
    loaded = load_stack_config(_program(tmp_path, stack), "dev")
    assert loaded.config["demo:retentionDays"] == "30"


def test_load_stack_config_rejects_missing_required_key_naming_it(tmp_path: Path) -> None:
    with pytest.raises(StackConfigError, match=r"missing required config 'demo:suffix'"):
        load_stack_config(_program(tmp_path, "config:\n  retentionDays: 3\n"), "dev")


def test_load_stack_config_rejects_secure_value_naming_key(tmp_path: Path) -> None:
    stack = "config:\n  suffix: dev\n  demo:token:\n    secure: AAABAxyz\n"
    with pytest.raises(StackConfigError, match=r"'demo:token' is an encrypted \(secure\) value"):
        load_stack_config(_program(tmp_path, stack), "dev")


def test_load_stack_config_rejects_secure_value_nested_in_object(tmp_path: Path) -> None:
    stack = "config:\n  suffix: dev\n  demo:db:\n    user: app\n    password:\n      secure: AAAB\n"
    with pytest.raises(StackConfigError, match=r"'demo:db'"):
        load_stack_config(_program(tmp_path, stack), "dev")


def test_load_stack_config_rejects_wrong_type_naming_key(tmp_path: Path) -> None:
    stack = "config:\n  suffix: dev\n  retentionDays: seven\n"
    with pytest.raises(StackConfigError, match=r"'demo:retentionDays' must be of type integer"):
        load_stack_config(_program(tmp_path, stack), "dev")


def test_load_stack_config_rejects_missing_stack_file(tmp_path: Path) -> None:
    _program(tmp_path, "config: {}\n")
    with pytest.raises(StackConfigError, match=r"Pulumi.prod.yaml not found"):
        load_stack_config(tmp_path, "prod")


def test_load_stack_config_rejects_non_python_runtime(tmp_path: Path) -> None:
    project = PROJECT.replace("name: python", "name: nodejs")
    with pytest.raises(StackConfigError, match=r"runtime 'nodejs' is not python"):
        load_stack_config(_program(tmp_path, "config:\n  suffix: dev\n", project), "dev")


def test_load_stack_config_follows_main_option(tmp_path: Path) -> None:
    _program(tmp_path, "config:\n  suffix: dev\n", PROJECT + "main: src/\n")
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "__main__.py").write_text("")
    assert load_stack_config(tmp_path, "dev").main == tmp_path / "src" / "__main__.py"


def test_load_stack_config_marks_secret_declared_keys(tmp_path: Path) -> None:
    project = PROJECT + "  apiKey:\n    type: string\n    default: x\n    secret: true\n"
    loaded = load_stack_config(_program(tmp_path, "config:\n  suffix: dev\n", project), "dev")
    assert loaded.secret_keys == ("demo:apiKey",)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (True, "true"),
        (False, "false"),
        (20, "20"),
        (1.5, "1.5"),
        ("x", "x"),
        ({"a": [1, "b"]}, '{"a":[1,"b"]}'),
    ],
)
def test_config_value_text_matches_pulumi_encoding(value: object, text: str) -> None:
    assert config_value_text(value) == text


@pytest.mark.parametrize(
    ("stack", "config"), [("pr-42-prod", "prod"), ("pr-42-dev", "dev"), ("pr-7", "dev")]
)
def test_pack_config_path_gives_a_pull_request_stack_the_config_of_its_stack(
    stack: str, config: str
) -> None:
    # CI names them pr-<number>-<stack> and checks each with its stack's pack config.
    pack = REPO_ROOT / "policies"
    assert pack_config_path(pack, stack) == pack / "config" / f"{config}.json"


def test_pack_config_path_gives_a_pull_request_stack_dev_s_config() -> None:
    pack = REPO_ROOT / "policies"
    assert pack_config_path(pack, "pr-42") == pack / "config" / "dev.json"
    assert parse_arguments(["--stack", "pr-42"]).policy_pack_config == pack / "config" / "dev.json"


def test_pack_config_path_keeps_a_stack_s_own_config_and_none_for_others() -> None:
    pack = REPO_ROOT / "policies"
    assert pack_config_path(pack, "prod") == pack / "config" / "prod.json"
    assert pack_config_path(pack, "staging") is None
    assert pack_config_path(pack, "pr-x") is None
    assert pack_config_path(pack, "pr-42-staging") is None
