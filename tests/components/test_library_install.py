"""``pip install`` of the repository gives another program the components, and the example
program built on them previews clean with the policy pack.

The install goes into a fresh target directory from a copy of the sources the build needs, with
the shared environment's setuptools (no network), once per module. What the library imports is
read in one child interpreter whose path holds only that target (the repository's own
``components`` is out of reach); the examples run as the preview runs any program, in a child
interpreter with the target on ``PYTHONPATH``: the first through the command, and one policy pack
judges the other two.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from packaging.requirements import Requirement

from tests.preview_in_process import pack_process
from tools.policy_analyzer import PolicyPackProcess
from tools.preview.cli import main as preview_main
from tools.preview.judgement import judge
from tools.preview.program import start_program
from tools.preview.stack_config import load_stack_config

REPO_ROOT = Path(__file__).resolve().parents[2]
IMPORT_NAME = "cw_analytics_components"
EXAMPLE = REPO_ROOT / "examples" / "database-alerting"
FIVE = ["AlertingHub", "MonitoredVpc", "MonitoredDatabase", "ApiWithHandler", "MetricAggregator"]
_SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".build", "*.egg-info", "build")

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The library installed by pip from a copy of the repository's build inputs."""
    source = tmp_path_factory.mktemp("source")
    shutil.copy(REPO_ROOT / "pyproject.toml", source)
    for directory in ("components", "functions"):
        shutil.copytree(REPO_ROOT / directory, source / directory, ignore=_SKIP)
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation"]
        + ["--no-input", "--disable-pip-version-check", "--target", str(target), str(source)],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert result.returncode == 0, f"pip install failed:\n{result.stderr[-3000:]}"
    return target


ISOLATED_CHECKS = f"""\
import json
import sys

import {IMPORT_NAME} as lib
from {IMPORT_NAME}.lib import contract, paths

try:
    import components
except ModuleNotFoundError as error:
    repository = f"ModuleNotFoundError: {{error}}"
else:
    repository = f"imported from {{components.__file__}}"
print(json.dumps({{
    "modules": {{name: getattr(lib, name).__module__ for name in {FIVE!r}}},
    "functions_dir": str(paths.FUNCTIONS_DIR),
    "contract_module": contract.routes.__name__,
    "repository": repository,
}}))
"""


@pytest.fixture(scope="module")
def isolated(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What a child interpreter that sees the install and the shared packages only finds: the
    five components' modules, the Lambda sources' directory, the contract's module, and
    whether the repository's own ``components`` is importable after the library."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(installed)
    code = f"import sys; sys.path.insert(0, {str(installed)!r})\n{ISOLATED_CHECKS}"
    result = subprocess.run(
        [sys.executable, "-I", "-c", code],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path_factory.mktemp("isolated"),
        env=env,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return dict(json.loads(result.stdout))


def test_install_puts_only_the_library_on_the_path(installed: Path) -> None:
    """Nothing generic (``components``, ``functions``, ``tests``) lands in site-packages."""
    top_level = sorted(p.name for p in installed.iterdir() if not p.name.endswith(".dist-info"))
    assert top_level == [IMPORT_NAME], top_level


def test_install_leaves_out_the_program_and_dev_tools(installed: Path) -> None:
    """The stack's settings read this program's config and the lock tool writes into a checkout:
    neither belongs to another program's site-packages."""
    shipped = {
        p.relative_to(installed / IMPORT_NAME).with_suffix("").as_posix()
        for p in (installed / IMPORT_NAME).rglob("*.py")
        if "functions" not in p.relative_to(installed / IMPORT_NAME).parts
    }
    program_only = {"lib/settings", "lib/lockfile", "stack_settings", "stack_args", "lockfile"}
    assert shipped & program_only == set(), sorted(shipped & program_only)
    top_level = {p.stem for p in installed.glob("*.py")}
    assert top_level & {"stack_settings", "stack_args", "__main__"} == set(), sorted(top_level)


def test_install_imports_all_five_components(isolated: dict[str, Any]) -> None:
    modules = isolated["modules"]
    assert set(modules) == set(FIVE)
    assert all(m.startswith(f"{IMPORT_NAME}.") for m in modules.values()), modules


def test_install_does_not_import_the_repository(isolated: dict[str, Any]) -> None:
    assert isolated["repository"].startswith("ModuleNotFoundError"), isolated["repository"]


def test_install_carries_every_lambda_source(installed: Path, isolated: dict[str, Any]) -> None:
    """The archives the components build need the functions' files, the shared contract and
    the locks; the installed library finds them inside itself."""
    functions_dir, contract_module = isolated["functions_dir"], isolated["contract_module"]
    assert Path(functions_dir) == installed / IMPORT_NAME / "functions"
    assert contract_module.startswith(f"{IMPORT_NAME}.functions."), contract_module
    expected = {
        p.relative_to(REPO_ROOT / "functions").as_posix()
        for p in (REPO_ROOT / "functions").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }
    shipped = {
        p.relative_to(Path(functions_dir)).as_posix()
        for p in Path(functions_dir).rglob("*")
        if p.is_file()
    }
    assert expected - shipped == set(), f"missing from the install: {sorted(expected - shipped)}"


def test_install_lists_every_subpackage() -> None:
    """A subpackage missing from pyproject.toml would install without its modules."""
    declared = set(
        tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join([IMPORT_NAME, *p.parent.relative_to(REPO_ROOT / "components").parts])
        for p in (REPO_ROOT / "components").rglob("__init__.py")
    }
    assert on_disk <= declared, f"not declared: {sorted(on_disk - declared)}"


def test_install_dependencies_admit_the_pinned_versions() -> None:
    """The library's version ranges accept what requirements.txt pins for the program."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pins = {
        Requirement(line).name: Requirement(line)
        for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for dependency in map(Requirement, project["dependencies"]):
        pinned = next(iter(pins[dependency.name].specifier)).version
        assert dependency.specifier.contains(pinned), f"{dependency} rejects {pinned}"


@pytest.fixture(scope="module")
def example_pack() -> Iterator[PolicyPackProcess]:
    """The repository's pack as the preview starts it for the examples' stack, started once
    for the examples judged in this process."""
    with pack_process(stack="staging") as pack:
        yield pack


def test_example_program_previews_clean_with_the_policy_pack(installed: Path) -> None:
    """A second program (its own Pulumi.yaml and stack) reuses four components from the
    installed library, and the policy pack finds no mandatory violation: previewed by the
    command as ``make preview-example`` runs it, ``--python`` and all."""
    report_path = installed.parent / f"{EXAMPLE.name}-preview.json"
    output = io.StringIO()
    with (
        mock.patch.dict(os.environ, {"PYTHONPATH": str(installed)}),
        redirect_stdout(output),
        redirect_stderr(output),
    ):
        status = preview_main(
            ["--program", str(EXAMPLE), "--stack", "staging", "--json", str(report_path)]
            # The example's Pulumi.yaml names its own virtualenv; here the library is on
            # PYTHONPATH.
            + ["--python", sys.executable]
        )
    assert status == 0, output.getvalue()[-6000:]
    report = json.loads(report_path.read_text(encoding="utf-8"))
    types = {r["type"] for r in report["resources"]}
    assert {
        "cw-analytics:alerting:AlertingHub",
        "cw-analytics:network:MonitoredVpc",
        "cw-analytics:database:MonitoredDatabase",
        "cw-analytics:monitoring:ServiceDashboard",
    } <= types, types
    assert "cw-analytics:api:ApiWithHandler" not in types


def _preview_example(installed: Path, pack: PolicyPackProcess, name: str) -> dict[str, Any]:
    """The offline preview's report on ``examples/<name>``, stack ``staging``, with only the
    pip-installed library on the program's path; fails on any mandatory violation. The program
    runs in its own interpreter as the command runs it with ``--python`` (the first example
    shows the command itself), and ``pack`` judges it through the command's own ``judge``."""
    stack = load_stack_config(REPO_ROOT / "examples" / name, "staging")
    run = start_program(stack, python=sys.executable, environment={"PYTHONPATH": str(installed)})
    try:
        program = run.result()
    finally:
        run.close()
    judgement = judge(pack, pack.pack_dir, stack, program.resources)
    assert judgement.exit_status == 0, judgement.console()[-6000:]
    return judgement.json_report()


def test_example_two_databases_behind_a_hub_with_another_prefix_preview_clean(
    installed: Path, example_pack: PolicyPackProcess
) -> None:
    """Two databases named with the billing prefix, one hub named with the platform's: the
    hub's key admits both databases' log groups, and nothing collides."""
    resources = _preview_example(installed, example_pack, "shared-hub-databases")["resources"]
    identifiers = sorted(
        r["inputs"]["identifier"] for r in resources if r["type"] == "aws:rds/instance:Instance"
    )
    assert identifiers == ["billing-staging-invoices-db", "billing-staging-orders-db"]
    [key] = [r for r in resources if r["type"] == "aws:kms/key:Key"]
    policy = json.dumps(json.loads(key["inputs"]["policy"]))
    assert "/aws/rds/instance/billing-staging-*" in policy
    assert "/aws/rds/instance/platform-staging-*" in policy
    assert "/aws/*/" not in policy, "the key admits every service's log groups"


def test_example_api_with_its_own_handler_previews_clean(
    installed: Path, example_pack: PolicyPackProcess
) -> None:
    """An API with the program's own handler and two routes, given no database, table or VPC:
    the function carries that handler, and its role only what every function needs."""
    resources = _preview_example(installed, example_pack, "api-own-handler")["resources"]
    methods = sorted(
        r["inputs"]["httpMethod"] for r in resources if r["type"] == "aws:apigateway/method:Method"
    )
    assert methods == ["GET", "GET"]
    [function] = [r for r in resources if r["type"] == "aws:lambda/function:Function"]
    assert set(function["inputs"]["environment"]["variables"]).isdisjoint(
        {"DB_HOST", "DB_SECRET_ARN", "METRICS_TABLE"}
    )
    assert not function["inputs"].get("vpcConfig")
    [policy] = [r for r in resources if r["type"] == "aws:iam/rolePolicy:RolePolicy"]
    sids = [s["Sid"] for s in json.loads(policy["inputs"]["policy"])["Statement"]]
    assert sids == ["WriteOwnLogGroup", "PublishTracesInRegion"], sids
