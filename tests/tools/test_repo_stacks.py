"""Every stack of this repository previews offline and satisfies the policy pack.

Part of ``make test``: CI rejects a change that breaks the program or violates the pack.
"""

from __future__ import annotations

import itertools

import pytest
import yaml

from tests import shared_runs
from tests.tools.helpers import REPO_ROOT, ToolRun

STACKS = sorted(p.name.split(".")[1] for p in REPO_ROOT.glob("Pulumi.*.yaml"))
COMPONENTS = (
    "cw-analytics:alerting:AlertingHub",
    "cw-analytics:network:MonitoredVpc",
    "cw-analytics:database:MonitoredDatabase",
    "cw-analytics:api:ApiWithHandler",
    "cw-analytics:metrics:MetricAggregator",
)


@pytest.fixture(scope="module")
def previews(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ToolRun]:
    """The offline preview of every stack (run once per test run, shared with other files)."""
    return {stack: shared_runs.stack_preview(tmp_path_factory, stack) for stack in STACKS}


def test_repo_has_dev_and_prod_stacks() -> None:
    assert {"dev", "prod"} <= set(STACKS), STACKS


def _suffix(stack: str) -> str:
    config = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    return str(config["config"]["cw-analytics:environmentSuffix"])


def test_repo_stack_suffixes_never_extend_one_another() -> None:
    """The key and topic policies admit names ``<project>-<suffix>-*``: were one suffix another
    followed by ``-`` (``dev`` and ``dev-eu``), the first stack's grants would cover the second
    stack's resources. Pull-request stacks (``pr-<n>-<stack>``) keep the property."""
    suffixes = {_suffix(stack) for stack in STACKS}
    suffixes |= {f"pr-7-{suffix}" for suffix in suffixes}
    assert len(suffixes) == 2 * len(STACKS), "two stacks share a suffix"
    extending = [
        (a, b) for a, b in itertools.permutations(sorted(suffixes), 2) if b.startswith(f"{a}-")
    ]
    assert extending == [], f"suffixes extending another: {extending}"


@pytest.mark.slow
@pytest.mark.parametrize("stack", STACKS)
def test_repo_stack_previews_without_mandatory_violation(
    stack: str, previews: dict[str, ToolRun]
) -> None:
    run = previews[stack]
    assert run.returncode == 0, run.describe()


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_repo_stack_declares_the_five_components(stack: str, previews: dict[str, ToolRun]) -> None:
    run = previews[stack]
    assert run.report is not None, run.describe()
    types = [r["type"] for r in run.report["resources"]]
    for token in COMPONENTS:
        assert types.count(token) == 1, f"{stack}: {token} appears {types.count(token)} times"
        assert token in run.stdout, f"{stack}: {token} missing from the printed tree"


@pytest.mark.slow
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_repo_stack_has_no_database_that_outlives_destroy(
    stack: str, previews: dict[str, ToolRun]
) -> None:
    run = previews[stack]
    assert run.report is not None, run.describe()
    kept = [
        v["urn"]
        for v in run.report["policyViolations"]
        if v["policy"] == "preview-database-outlives-destroy"
    ]
    assert not kept, f"{stack}: databases that outlive `pulumi destroy`: {kept}"
