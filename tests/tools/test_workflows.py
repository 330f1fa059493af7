"""The GitHub workflows: they load, trigger on the right events and run the right Pulumi steps."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from tests.tools.helpers import REPO_ROOT

WORKFLOWS = REPO_ROOT / ".github" / "workflows"
PR_STACK = "pr-${{ github.event.pull_request.number }}"


def _load(name: str) -> dict[str, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as the boolean True.
    document["on"] = document.pop(True, document.get("on"))
    return document


def _steps(workflow: dict[str, Any]) -> list[dict[str, Any]]:
    return [step for job in workflow["jobs"].values() for step in job["steps"]]


def _pulumi_steps(workflow: dict[str, Any], command: str) -> list[dict[str, Any]]:
    return [
        step
        for step in _steps(workflow)
        if step.get("uses") == "pulumi/actions@v6"
        and step.get("with", {}).get("command") == command
    ]


def _runs(workflow: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in _steps(workflow))


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml", "pr-cleanup.yml"])
def test_workflow_has_triggers_and_runnable_jobs(name: str) -> None:
    workflow = _load(name)
    assert workflow["on"], f"{name} has no trigger"
    for job_name, job in workflow["jobs"].items():
        assert job.get("runs-on"), f"{name}:{job_name} has no runs-on"
        assert job.get("steps"), f"{name}:{job_name} has no steps"
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), f"{name}:{job_name} step {step}"


@pytest.mark.parametrize("name", ["pull-request.yml", "deploy.yml", "pr-cleanup.yml"])
def test_workflow_assumes_aws_role_through_oidc(name: str) -> None:
    workflow = _load(name)
    assert workflow["permissions"]["id-token"] == "write", name
    aws = [
        s
        for s in _steps(workflow)
        if s.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
    ]
    assert aws and all("role-to-assume" in s["with"] for s in aws), name


def test_pull_request_workflow_runs_make_test_with_postgresql() -> None:
    workflow = _load("pull-request.yml")
    assert "pull_request" in workflow["on"]
    runs = _runs(workflow)
    assert "make test" in runs and "install -y" in runs and "postgresql" in runs


def test_pull_request_workflow_previews_pr_stack_with_policy_pack() -> None:
    workflow = _load("pull-request.yml")
    [step] = _pulumi_steps(workflow, "preview")
    assert workflow["env"]["PREVIEW_STACK"] == PR_STACK
    assert step["with"]["stack-name"] == "${{ env.PREVIEW_STACK }}"
    assert step["with"]["policyPacks"] == "policies"


def test_pull_request_workflow_copies_dev_config_with_pr_suffix() -> None:
    runs = _runs(_load("pull-request.yml"))
    assert 'stack init "$PREVIEW_STACK" --copy-config-from dev' in runs
    assert 'config set --stack "$PREVIEW_STACK" environmentSuffix "$PREVIEW_STACK"' in runs


def test_pull_request_workflow_falls_back_to_offline_preview_without_credentials() -> None:
    workflow = _load("pull-request.yml")
    job = workflow["jobs"]["preview"]
    assert "secrets.AWS_ROLE_ARN" in job["env"]["HAS_CLOUD"]
    [offline] = [s for s in job["steps"] if s.get("run") == "make preview STACK=dev"]
    assert offline["if"] == "steps.cloud.outputs.available != 'true'"
    [cloud] = _pulumi_steps(workflow, "preview")
    assert cloud["if"] == "steps.cloud.outputs.available == 'true'"


def test_pull_request_workflow_never_tests_secrets_in_if() -> None:
    for step in _steps(_load("pull-request.yml")):
        assert "secrets." not in str(step.get("if", "")), step


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


def test_cleanup_workflow_runs_on_pull_request_close() -> None:
    assert _load("pr-cleanup.yml")["on"]["pull_request"]["types"] == ["closed"]


def test_cleanup_workflow_destroys_then_removes_pr_stack() -> None:
    workflow = _load("pr-cleanup.yml")
    assert workflow["env"]["PREVIEW_STACK"] == PR_STACK
    steps = workflow["jobs"]["destroy-preview-stack"]["steps"]
    [destroy] = _pulumi_steps(workflow, "destroy")
    assert destroy["with"]["stack-name"] == "${{ env.PREVIEW_STACK }}"
    [remove] = [s for s in steps if "stack rm --yes" in s.get("run", "")]
    assert steps.index(destroy) < steps.index(remove)
