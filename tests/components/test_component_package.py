"""The component package: the schema Pulumi infers from the components, offline, and the
provider's own path from schema inputs to a constructed component.

The schema is what ``pulumi package add`` turns into a TypeScript, Go, C# or YAML SDK; it is
generated here exactly as the provider host does (``ComponentProvider``), without a CLI.
"""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import tomllib
import typing
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from components import (
    COMPONENTS,
    AlertingHubArgs,
    ApiWithHandlerArgs,
    FunctionRoleArgs,
    MetricAggregatorArgs,
    MonitoredDatabaseArgs,
    MonitoredVpcArgs,
    ServiceDashboardArgs,
)
from components.lib.args import ArgsError, from_inputs
from components.provider import PACKAGE_NAME, PACKAGE_VERSION, index_token, package_components
from tools.pulumi_mocks import run_in_mocks

REPO_ROOT = Path(__file__).resolve().parents[2]
ARGS = {
    "AlertingHub": AlertingHubArgs,
    "FunctionRole": FunctionRoleArgs,
    "MonitoredVpc": MonitoredVpcArgs,
    "MonitoredDatabase": MonitoredDatabaseArgs,
    "ApiWithHandler": ApiWithHandlerArgs,
    "MetricAggregator": MetricAggregatorArgs,
    "ServiceDashboard": ServiceDashboardArgs,
}
# Outputs every monitored component publishes for the ServiceDashboard.
MONITORING_OUTPUTS = {"alarms", "alarmArns", "pagingAlarmNames", "dashboardWidgets"}
MONITORED = ["MonitoredVpc", "MonitoredDatabase", "ApiWithHandler", "MetricAggregator"]


@pytest.fixture(scope="module")
def provider() -> ComponentProvider:
    return ComponentProvider(package_components(), PACKAGE_NAME, PACKAGE_NAME, "0.0.0")


@pytest.fixture(scope="module")
def schema(provider: ComponentProvider) -> dict[str, Any]:
    assert provider.schema is not None
    return dict(json.loads(provider.schema))


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def resource(schema: dict[str, Any], component: str) -> dict[str, Any]:
    return dict(schema["resources"][f"{PACKAGE_NAME}:index:{component}"])


def test_schema_serves_every_component_under_an_index_token(schema: dict[str, Any]) -> None:
    assert set(schema["resources"]) == {f"{PACKAGE_NAME}:index:{name}" for name in ARGS}


@pytest.mark.parametrize("component", list(ARGS))
def test_schema_inputs_are_the_args_fields(schema: dict[str, Any], component: str) -> None:
    """Every field of the Args dataclass is an input, nothing else; those without a default
    are required."""
    fields = dataclasses.fields(ARGS[component])
    spec = resource(schema, component)
    assert set(spec["inputProperties"]) == {camel(f.name) for f in fields}, component
    required = {
        camel(f.name)
        for f in fields
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    }
    assert set(spec.get("requiredInputs", [])) == required, component


@pytest.mark.parametrize("component", list(ARGS))
def test_schema_every_property_is_described(schema: dict[str, Any], component: str) -> None:
    spec = resource(schema, component)
    assert spec.get("description"), f"{component} has no description"
    for kind in ("inputProperties", "properties"):
        for name, prop in spec[kind].items():
            assert prop.get("description"), f"{component}.{name} ({kind}) has no description"
            assert "type" in prop or "$ref" in prop, f"{component}.{name} has no type"


@pytest.mark.parametrize("component", MONITORED)
def test_schema_monitored_components_publish_alarms_and_widgets(
    schema: dict[str, Any], component: str
) -> None:
    outputs = resource(schema, component)["properties"]
    assert MONITORING_OUTPUTS <= set(outputs), f"{component} outputs {sorted(outputs)}"
    assert outputs["alarmArns"]["items"]["type"] == "string"
    assert outputs["pagingAlarmNames"]["items"]["type"] == "string"
    assert outputs["dashboardWidgets"]["items"]["type"] == "object"
    alarm_ref = outputs["alarms"]["items"]["$ref"]
    assert alarm_ref.endswith("#/resources/aws:cloudwatch%2FmetricAlarm:MetricAlarm"), alarm_ref


@pytest.mark.parametrize(
    ("component", "name", "expected"),
    [
        ("MonitoredDatabase", "allocatedStorageGb", {"type": "integer", "plain": True}),
        ("MonitoredDatabase", "multiAz", {"type": "boolean", "plain": True}),
        ("MonitoredDatabase", "instanceClass", {"type": "string", "plain": True}),
        ("MonitoredDatabase", "kmsKeyArn", {"type": "string"}),
        ("MonitoredDatabase", "subnetGroupName", {"type": "string"}),
        ("ApiWithHandler", "throttleRateLimit", {"type": "number", "plain": True}),
        ("ApiWithHandler", "dbPort", {"type": "integer"}),
        ("AlertingHub", "alarmEmails", {"type": "array", "plain": True}),
        ("MonitoredVpc", "alertTopicArn", {"type": "string"}),
        # Another component's output array (MonitoredVpc.privateSubnetIds) passes as it is.
        ("MonitoredDatabase", "securityGroupIds", {"type": "array"}),
        ("ApiWithHandler", "subnetIds", {"type": "array"}),
        ("ApiWithHandler", "routes", {"type": "array", "plain": True}),
        ("AlertingHub", "servedNamePrefixes", {"type": "array", "plain": True}),
    ],
)
def test_schema_input_types_say_what_may_be_an_output(
    schema: dict[str, Any], component: str, name: str, expected: dict[str, Any]
) -> None:
    """Name parts and sizes decide names and structure, so they are plain values; ARNs, ids and
    endpoints come from other resources, so they accept outputs."""
    prop = resource(schema, component)["inputProperties"][name]
    got = {key: prop[key] for key in ("type", "plain") if key in prop}
    assert got == expected, f"{component}.{name}: {prop}"


def test_schema_nested_types_are_described(schema: dict[str, Any]) -> None:
    watched = schema["types"][f"{PACKAGE_NAME}:index:WatchedResources"]
    assert set(watched["properties"]) == {"apiName", "apiStage", "dbIdentifier", "functionNames"}
    assert set(watched["required"]) == {"apiName", "apiStage", "dbIdentifier"}
    section = schema["types"][f"{PACKAGE_NAME}:index:MonitoringSection"]
    assert set(section["properties"]) == {"title", "widgets", "alarmArns", "pagingAlarmNames"}
    for type_name, spec in schema["types"].items():
        for name, prop in spec["properties"].items():
            assert prop.get("description"), f"{type_name}.{name} has no description"


def test_schema_depends_on_the_pinned_aws_provider(schema: dict[str, Any]) -> None:
    pins = dict(
        line.split("==")
        for line in (REPO_ROOT / "requirements.txt").read_text().splitlines()
        if "==" in line and not line.startswith("#")
    )
    assert {"name": "aws", "version": pins["pulumi-aws"]} in schema["dependencies"]


def test_package_keeps_the_python_type_tokens() -> None:
    """The Python program's URNs carry the library tokens; only the package uses index ones."""
    assert [c.TYPE_TOKEN for c in COMPONENTS] == [  # type: ignore[attr-defined]
        "cw-analytics:alerting:AlertingHub",
        "cw-analytics:function:FunctionRole",
        "cw-analytics:network:MonitoredVpc",
        "cw-analytics:database:MonitoredDatabase",
        "cw-analytics:api:ApiWithHandler",
        "cw-analytics:metrics:MetricAggregator",
        "cw-analytics:monitoring:ServiceDashboard",
    ]
    served = package_components()
    assert [c.TYPE_TOKEN for c in served] == [  # type: ignore[attr-defined]
        index_token(c) for c in COMPONENTS
    ]
    for original, thin in zip(COMPONENTS, served, strict=True):
        assert issubclass(thin, original) and thin.__name__ == original.__name__
        assert set(vars(thin)) <= {"__doc__", "__module__", "__qualname__", "TYPE_TOKEN"} | {
            "__dict__",
            "__weakref__",
        }, f"{thin.__name__} overrides {sorted(vars(thin))}"


def test_package_version_is_the_projects() -> None:
    """The SDKs other languages generate carry the version pyproject.toml gives the library."""
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert PACKAGE_VERSION == project["version"]


def test_plugin_manifest_runs_the_entry_point() -> None:
    manifest = yaml.safe_load((REPO_ROOT / "provider" / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    entry = (REPO_ROOT / "provider" / "__main__.py").read_text()
    assert re.search(r"^from components\.provider import main", entry, re.MULTILINE)
    assert 'if __name__ == "__main__":\n    main()' in entry


def _as_schema_inputs(args: Any) -> dict[str, Any]:
    """Args as a program in another language sends them: camelCase keys, nested dicts."""
    out: dict[str, Any] = {}
    for field in dataclasses.fields(args):
        value = getattr(args, field.name)
        if dataclasses.is_dataclass(value):
            value = _as_schema_inputs(value)
        elif isinstance(value, list | tuple) and value and dataclasses.is_dataclass(value[0]):
            value = [_as_schema_inputs(item) for item in value]
        out[camel(field.name)] = value
    return out


def _sample(cls: type) -> Any:
    """An instance of an Args class with every field set to a value of its type."""
    values: dict[str, Any] = {}
    for field in dataclasses.fields(cls):
        hint = field.type
        members = [m for m in typing.get_args(hint) if m is not type(None)]
        if typing.get_origin(hint) is typing.Union and len(members) == 1:
            hint = members[0]  # a Defaulted[X] field: X at run time is Optional[X]
        text = str(hint)
        if dataclasses.is_dataclass(hint):
            values[field.name] = _sample(hint)  # type: ignore[arg-type]
        elif "ApiRoute" in text:
            from components import ApiRoute

            values[field.name] = [ApiRoute("GET", "/health"), ApiRoute("POST", "/events", True)]
        elif "Mapping" in text:
            values[field.name] = {"EXTRA": "value"}
        elif "MonitoringSection" in text:
            from components import MonitoringSection

            values[field.name] = [MonitoringSection("Example", [], ["arn:x"], ["paging"])]
        elif hint is bool:
            values[field.name] = True
        elif hint is int or int in typing.get_args(hint):
            values[field.name] = 20
        elif hint is float:
            values[field.name] = 5.0
        elif "Sequence" in text or "list" in text:
            values[field.name] = ["a@example.com"]
        else:
            values[field.name] = f"value-of-{field.name}"
    return cls(**values)


@pytest.mark.parametrize("component", list(ARGS))
def test_provider_maps_schema_inputs_back_to_the_args(
    provider: ComponentProvider, component: str
) -> None:
    """What the provider hands the constructor (a dict of Python names) becomes the very Args
    a Python program would pass."""
    args = _sample(ARGS[component])
    mapped = provider.map_inputs(
        _as_schema_inputs(args),
        provider._component_defs[component],  # the definitions the provider serves
    )
    assert from_inputs(ARGS[component], mapped) == args


def test_from_inputs_names_a_missing_required_field() -> None:
    with pytest.raises(ArgsError, match="required field 'region' is missing"):
        from_inputs(AlertingHubArgs, {"name_prefix": "p", "alarm_emails": []})


def test_from_inputs_names_an_unknown_field() -> None:
    with pytest.raises(ArgsError, match=r"unknown fields \['regoin'\]"):
        from_inputs(
            AlertingHubArgs,
            {"name_prefix": "p", "alarm_emails": [], "region": "r", "regoin": "x"},
        )


def test_package_component_registers_under_its_index_token() -> None:
    """A component built the way the provider builds it: dict inputs, index type token."""
    hub = next(c for c in package_components() if c.__name__ == "AlertingHub")
    run = run_in_mocks(
        lambda: hub(
            "alerting",
            {
                "name_prefix": "other-team",
                "region": "eu-west-1",
                "alarm_emails": ["oncall@example.com"],
            },
        ),
        config={},
        project="other",
        stack="team",
    )
    component = run.one(f"{PACKAGE_NAME}:index:AlertingHub")
    topic = run.one("aws:sns/topic:Topic")
    assert topic.parent == component.urn and topic.inputs["name"] == "other-team-alerting-alerts"


def test_plugin_entry_point_serves_the_schema_over_the_provider_protocol() -> None:
    """What ``pulumi package add`` does once the language host has started the plugin: read
    the port it prints, then ask for the schema over gRPC."""
    plugin = subprocess.Popen(
        # The engine address is only used for logging; nothing listens there in this test.
        [sys.executable, str(REPO_ROOT / "provider" / "__main__.py"), "127.0.0.1:1"],
        cwd=REPO_ROOT / "provider",
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert plugin.stdout is not None
        port = plugin.stdout.readline().strip()
        assert port.isdigit(), f"the plugin printed {port!r}; stderr: {plugin.stderr}"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = provider_pb2_grpc.ResourceProviderStub(channel)
            reply = stub.GetSchema(provider_pb2.GetSchemaRequest(), timeout=30)
        served = json.loads(reply.schema)
    finally:
        plugin.kill()
        plugin.wait(timeout=10)
    assert served["name"] == PACKAGE_NAME
    assert set(served["resources"]) == {f"{PACKAGE_NAME}:index:{name}" for name in ARGS}
