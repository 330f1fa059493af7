"""The console report: tree, counts and the Policies section."""

from __future__ import annotations

from tests.tools.builders import STACK_URN, resource, secret, stack
from tools.preview.findings import Finding, PackSummary, PolicyReport
from tools.preview.options import resolve_options
from tools.preview.render import (
    display_type,
    render_counts,
    render_policies,
    render_summary,
    render_tree,
    urn_label,
)

PACK = PackSummary("pack", "1.0.0", "policies", 3)


def _component_tree() -> list:
    hub = resource("demo:index:Hub", "hub")
    return resolve_options(
        [
            stack(),
            hub,
            resource("aws:sns/topic:Topic", "topic", parent=hub.urn),
            resource("aws:kms/key:Key", "key", parent=hub.urn),
            resource("aws:iam/role:Role", "role"),
        ]
    )


def test_display_type_shortens_module_file_like_pulumi() -> None:
    assert display_type("aws:kms/key:Key") == "aws:kms:Key"


def test_display_type_keeps_tokens_it_cannot_shorten() -> None:
    assert display_type("cw-analytics:alerting:AlertingHub") == "cw-analytics:alerting:AlertingHub"


def test_render_tree_indents_children_under_parent() -> None:
    lines = render_tree(_component_tree()).splitlines()
    assert [line.split()[-1] for line in lines[1:]] == ["demo-test", "hub", "topic", "key", "role"]
    assert lines[3].startswith(" +   │  ├─ aws:sns:Topic"), lines[3]
    assert lines[4].startswith(" +   │  └─ aws:kms:Key"), lines[4]


def test_render_tree_marks_every_resource_as_create() -> None:
    lines = render_tree(_component_tree()).splitlines()[1:]
    assert all(line.startswith(" +   ") for line in lines), lines


def test_render_tree_never_prints_secret_inputs() -> None:
    param = resource("aws:ssm/parameter:Parameter", "p", inputs={"value": secret("hunter2!")})
    text = render_tree(resolve_options([stack(), param]), show_inputs=True)
    assert "hunter2!" not in text and 'value: "[secret]"' in text


def test_render_counts_counts_each_type() -> None:
    text = render_counts(_component_tree())
    assert "+ 5 to create" in text and "    1  aws:kms/key:Key" in text


def test_render_policies_groups_by_pack_then_level() -> None:
    findings = (
        Finding("pack", "advice", "advisory", STACK_URN, "consider this"),
        Finding(
            "pack",
            "rule",
            "mandatory",
            "urn:pulumi:test::demo::aws:iam/policy:Policy::p",
            "fix that",
        ),
    )
    lines = render_policies(PolicyReport((PACK,), findings)).splitlines()
    assert lines[1].startswith("    ❌ pack@v1.0.0"), lines
    assert [line.strip() for line in lines[2:]] == [
        "mandatory (1)",
        "- rule  (aws:iam/policy:Policy: p)",
        "fix that",
        "advisory (1)",
        "- advice  (pulumi:pulumi:Stack: demo-test)",
        "consider this",
    ]


def test_render_policies_reports_clean_pack() -> None:
    assert "✅ pack@v1.0.0 (local: policies): 3 policies, 0 violations" in render_policies(
        PolicyReport((PACK,), ())
    )


def test_render_summary_says_failed_on_mandatory() -> None:
    report = PolicyReport((PACK,), (Finding("pack", "r", "mandatory", "", "m"),))
    assert render_summary(report).endswith("FAILED (mandatory policy violated)")


def test_urn_label_names_stack_for_empty_urn() -> None:
    assert urn_label("") == "(the stack as a whole)"


def test_render_tree_marks_lifecycle_options_after_the_name() -> None:
    db = resource("aws:rds/instance:Instance", "db", retain_on_delete=True, protect=True)
    replica = resource("aws:rds/instance:Instance", "replica", deleted_with=db.urn)
    lines = render_tree(resolve_options([stack(), db, replica])).splitlines()
    [db_line, replica_line] = [line for line in lines if "aws:rds:Instance" in line]
    assert db_line.endswith("db  [protected]  [retain on delete]"), db_line
    assert replica_line.endswith("[deleted with aws:rds/instance:Instance: db]"), replica_line
