"""``--graph mermaid``: components, resources by type, dependency edges; docs kept in sync."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests import shared_runs
from tests.preview_in_process import program_resources
from tests.tools.builders import STACK_URN, resource, stack, struct
from tests.tools.helpers import FIXTURES, REPO_ROOT, fixture_args
from tools.preview import cli
from tools.preview.errors import PreviewError
from tools.preview.graph import (
    BEGIN_MARKER,
    END_MARKER,
    REGENERATE,
    generated_block,
    render_mermaid,
    replace_generated_block,
)
from tools.preview.model import PreviewResource
from tools.preview.stack_config import load_stack_config

ARCHITECTURE = REPO_ROOT / "docs" / "architecture.md"


def component(type_token: str, name: str, parent: str = STACK_URN) -> PreviewResource:
    """A component resource under ``parent``."""
    qualified = f"{parent.split('::')[2]}${type_token}"
    return PreviewResource(
        urn=f"urn:pulumi:test::demo::{qualified}::{name}",
        type=type_token,
        name=name,
        parent=parent,
        custom=False,
        inputs=struct({}),
        outputs=struct({}),
    )


HUB = component("demo:alerting:Hub", "alerting")
DB = component("demo:database:Db", "database")
KEY = resource("aws:kms/key:Key", "key", parent=HUB.urn)
TOPIC = resource(
    "aws:sns/topic:Topic",
    "topic",
    parent=HUB.urn,
    property_dependencies={"kmsMasterKeyId": (KEY.urn,)},
)
INSTANCE = resource(
    "aws:rds/instance:Instance", "db", parent=DB.urn, property_dependencies={"kmsKeyId": (KEY.urn,)}
)
ALARMS = [
    resource(
        "aws:cloudwatch/metricAlarm:MetricAlarm",
        f"alarm-{i}",
        parent=DB.urn,
        dependencies=(INSTANCE.urn, TOPIC.urn),
        property_dependencies={"alarmActions": (TOPIC.urn,), "dimensions": (INSTANCE.urn,)},
    )
    for i in range(3)
]
STACK_RESOURCES = [stack(), HUB, KEY, TOPIC, DB, INSTANCE, *ALARMS]


def _edges(diagram: str) -> list[str]:
    return [line.strip() for line in diagram.splitlines() if "-->" in line]


def test_render_mermaid_is_a_flowchart_with_one_subgraph_per_component() -> None:
    diagram = render_mermaid(STACK_RESOURCES)
    assert diagram.startswith("flowchart LR\n")
    titles = re.findall(r'subgraph (\w+)\["([^"]+)"\]', diagram)
    assert titles == [("alerting", "alerting (Hub)"), ("database", "database (Db)")], titles


def test_render_mermaid_collapses_resources_of_one_type_with_a_count() -> None:
    diagram = render_mermaid(STACK_RESOURCES)
    assert '["aws:cloudwatch:MetricAlarm ×3"]' in diagram, diagram
    assert diagram.count('["aws:cloudwatch:MetricAlarm') == 1, diagram


def test_render_mermaid_draws_dependency_inside_a_component() -> None:
    assert "alerting__sns_Topic --> alerting__kms_Key" in _edges(render_mermaid(STACK_RESOURCES))


def test_render_mermaid_draws_one_edge_between_components() -> None:
    edges = _edges(render_mermaid(STACK_RESOURCES))
    assert edges.count("database --> alerting") == 1, edges
    assert not any("database__" in e and "alerting__" in e for e in edges), edges


def test_render_mermaid_deduplicates_edges() -> None:
    edges = _edges(render_mermaid(STACK_RESOURCES))
    assert len(edges) == len(set(edges)), edges
    assert edges.count("database__cloudwatch_MetricAlarm --> database__rds_Instance") == 1


def test_render_mermaid_leaves_out_edge_implied_inside_a_component() -> None:
    role = resource("aws:iam/role:Role", "role", parent=HUB.urn)
    policy = resource(
        "aws:iam/rolePolicy:RolePolicy",
        "p",
        parent=HUB.urn,
        property_dependencies={"role": (role.urn,)},
    )
    function = resource(
        "aws:lambda/function:Function",
        "f",
        parent=HUB.urn,
        dependencies=(policy.urn, role.urn),
        property_dependencies={"role": (role.urn,)},
    )
    edges = _edges(render_mermaid([stack(), HUB, role, policy, function]))
    assert "alerting__lambda_Function --> alerting__iam_RolePolicy" in edges, edges
    assert "alerting__iam_RolePolicy --> alerting__iam_Role" in edges, edges
    assert "alerting__lambda_Function --> alerting__iam_Role" not in edges, edges


def test_render_mermaid_draws_no_self_edge() -> None:
    first = resource("aws:ec2/subnet:Subnet", "a", parent=HUB.urn)
    second = resource("aws:ec2/subnet:Subnet", "b", parent=HUB.urn, dependencies=(first.urn,))
    assert _edges(render_mermaid([stack(), HUB, first, second])) == []


def test_render_mermaid_ignores_registration_order() -> None:
    shuffled = [STACK_RESOURCES[0], DB, *reversed(ALARMS), INSTANCE, HUB, TOPIC, KEY]
    assert render_mermaid(shuffled) == render_mermaid(STACK_RESOURCES)


def test_render_mermaid_nests_child_components() -> None:
    inner = component("demo:alerting:Group", "alarms", parent=HUB.urn)
    alarm = resource("aws:cloudwatch/metricAlarm:MetricAlarm", "a", parent=inner.urn)
    diagram = render_mermaid([stack(), HUB, inner, alarm])
    hub_at, inner_at = diagram.index("subgraph alerting["), diagram.index("subgraph alarms[")
    assert hub_at < inner_at < diagram.index("alarms__cloudwatch_MetricAlarm"), diagram


def test_render_mermaid_escapes_keyword_component_name() -> None:
    diagram = render_mermaid([stack(), component("demo:x:End", "end")])
    assert "subgraph n_end[" in diagram, diagram


def test_render_mermaid_shows_resources_outside_components() -> None:
    bucket = resource("aws:s3/bucket:Bucket", "b")
    assert 'stack__s3_Bucket["aws:s3:Bucket"]' in render_mermaid([stack(), bucket])


def test_replace_generated_block_is_idempotent() -> None:
    document = f"intro\n{BEGIN_MARKER}\nold\n{END_MARKER}\noutro\n"
    once = replace_generated_block(document, "flowchart LR\n", Path("a.md"))
    assert once == replace_generated_block(once, "flowchart LR\n", Path("a.md"))
    assert once.startswith("intro\n") and once.endswith(f"{END_MARKER}\noutro\n"), once
    assert generated_block(once) == "flowchart LR\n"


def test_replace_generated_block_without_markers_names_them() -> None:
    with pytest.raises(PreviewError, match="a.md has no generated-diagram block"):
        replace_generated_block("no markers", "flowchart LR\n", Path("a.md"))


def test_preview_write_without_graph_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.main(["--write", str(tmp_path / "x.md")])
    stderr = capsys.readouterr().err
    assert exited.value.code == 2 and "--write needs --graph" in stderr, stderr


def test_preview_graph_without_json_prints_the_diagram_and_runs_no_pack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A pack that does not exist would fail the run (exit 2) if the pack were started.
    program = FIXTURES / "clean"
    status = cli.main(
        [*fixture_args("clean"), "--graph", "mermaid", "--policy-pack", str(tmp_path / "none")]
    )
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert printed.out == render_mermaid(program_resources(load_stack_config(program, "test")))


def test_preview_graph_with_json_checks_the_same_program_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[str] = []
    for name in ("start_program", "run_program"):
        real = getattr(cli, name)

        def counted(*args: Any, _real: Any = real, _name: str = name, **kwargs: Any) -> Any:
            started.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(cli, name, counted)
    report_path = tmp_path / "report.json"
    status = cli.main(
        [*fixture_args("wildcard_iam"), "--graph", "mermaid", "--json", str(report_path)]
    )
    printed = capsys.readouterr()
    assert status == 1, printed.err  # the verdict: the fixture's wildcard policy is mandatory
    report = json.loads(report_path.read_text(encoding="utf-8"))
    assert [v["policy"] for v in report["policyViolations"]] == ["iam-no-wildcard"], report
    # The diagram takes the place of the printed results.
    assert printed.out.startswith("flowchart LR\n") and "Policies:" not in printed.out, printed.out
    assert '["aws:iam:Policy"]' in printed.out, printed.out
    # The reasons for the exit status 1 go to stderr.
    assert "iam-no-wildcard" in printed.err, printed.err
    assert len(started) == 1, f"the program ran {len(started)} times: {started}"


def test_preview_graph_write_to_a_missing_file_stops_before_the_program_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "missing.md"
    report_path = tmp_path / "report.json"
    with pytest.raises(SystemExit) as stopped:
        cli.main(
            [*fixture_args("raises"), "--graph", "mermaid", "--write", str(missing)]
            + ["--json", str(report_path)]
        )
    printed = capsys.readouterr()
    assert stopped.value.code == 2
    assert f"--write {missing}: not found" in printed.err, printed.err
    # The fixture's program raises: had it run, its error would show; no report was written.
    assert "program interpreter" not in printed.err and not report_path.exists(), printed.err


@pytest.mark.slow
def test_preview_graph_write_with_json_prints_the_results_and_writes_both(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    run = shared_runs.stack_preview(tmp_path_factory, "dev")
    assert run.returncode == 0 and run.report is not None, run.describe()
    assert "wrote the dev diagram to" in run.stdout, run.describe()
    assert "cw-analytics:database:MonitoredDatabase" in run.stdout, run.describe()
    assert shared_runs.stack_diagram(tmp_path_factory, "dev").startswith("flowchart LR\n")


@pytest.mark.slow
def test_architecture_doc_holds_the_current_diagram(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    # The dev preview the run shares draws the diagram from the program run it checks.
    drawn = shared_runs.stack_diagram(tmp_path_factory, "dev")
    held = generated_block(ARCHITECTURE.read_text(encoding="utf-8"))
    assert held == drawn, (
        f"{ARCHITECTURE.relative_to(REPO_ROOT)} is out of date with the dev stack; "
        f"regenerate it with `{REGENERATE}` and commit it"
    )
