"""Run a Pulumi program or component under Pulumi's own mock runtime, deterministically.

One implementation serves the component tests and the offline preview: ``DeterministicMocks``
answers resource registrations and invokes the way the AWS provider would (ids, ARNs,
endpoints, availability zones, the caller's account), always the same for the same input;
``RecordingMonitor`` keeps every ``RegisterResource`` request, options included, which the
plain ``MockResourceArgs`` do not carry; ``run_in_mocks`` runs a callable (a whole program or
a few components) and returns what was registered.
"""

from __future__ import annotations

import base64
import hashlib
import json
import runpy
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc
from pulumi.runtime.settings import SETTINGS, set_root_resource
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from tools.mock_data_sources import answer_data_source, dns_suffix, partition_of
from tools.resource_options import TIMEOUT_OPERATIONS, ResourceOptions

ACCOUNT_ID = "123456789012"
DEFAULT_REGION = "us-east-1"
STACK_TYPE = "pulumi:pulumi:Stack"
# Inputs whose value is a JSON document; the provider stores them as strings.
_JSON_DOCUMENT_INPUTS = ("policy", "assumeRolePolicy", "dashboardBody", "redrivePolicy")


def _digest(*parts: str, length: int = 17) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()[:length]


def _answer(result: dict[str, Any]) -> tuple[dict, list[tuple[str, str]]]:
    """An invoke answer with no check failures."""
    return result, []


@dataclass(frozen=True)
class RecordedResource:
    """One ``RegisterResource`` request: what the engine (and a policy pack) would see."""

    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    properties: struct_pb2.Struct
    """The inputs exactly as serialised on the wire, for the policy analyzer."""
    options: ResourceOptions = field(default_factory=ResourceOptions)
    """As registered: what the resource set itself (the SDK copies only ``protect`` from the
    parent; the engine resolves the rest)."""
    outputs: dict[str, Any] = field(default_factory=dict)


class DeterministicMocks(pulumi.runtime.Mocks):
    """Answers for the AWS, random and Pulumi resources a program declares, the same each run."""

    def __init__(
        self, region: str = DEFAULT_REGION, account_id: str = ACCOUNT_ID, stack: str = ""
    ) -> None:
        self.region = region
        self.account_id = account_id
        # Ids AWS generates (API ids, ENI ids, ...) differ between stacks, as they do in AWS.
        self.stack = stack

    @property
    def partition(self) -> str:
        """The AWS partition of the region (``aws``, ``aws-cn``, ``aws-us-gov``)."""
        return partition_of(self.region)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict, list[tuple[str, str]] | None]:
        """Data source results, consistent with the stack's region and account.

        Raises ``UnansweredDataSource`` for a data source these mocks do not know: an invented
        answer could hide exactly what a preview is meant to catch.
        """
        return _answer(
            answer_data_source(args.token, dict(args.args), self.region, self.account_id)
        )

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict]:
        """The id and output state a provider would return for a new resource."""
        inputs = {
            key: json.dumps(value)
            if key in _JSON_DOCUMENT_INPUTS and isinstance(value, dict)
            else value
            for key, value in args.inputs.items()
        }
        if not args.custom:
            return None, inputs
        resource_id, computed = self._computed(args.typ, args.name, inputs)
        return resource_id, {
            **computed,
            **inputs,
            **self._always_computed(args.typ, args.name, inputs),
        }

    def _arn(self, service: str, resource: str, *, regional: bool = True) -> str:
        region = self.region if regional else ""
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    def _always_computed(self, typ: str, name: str, inputs: dict[str, Any]) -> dict[str, Any]:
        """Outputs the provider computes even when an input of the same name was given."""
        if typ == "random:index/randomPassword:RandomPassword":
            return {"result": "Offline-" + _digest(self.stack, typ, name, length=24)}
        if typ == "random:index/randomId:RandomId":
            raw = bytes.fromhex(
                _digest(self.stack, typ, name, length=2 * int(inputs.get("byteLength", 8)))
            )
            return {
                "hex": raw.hex(),
                "dec": str(int.from_bytes(raw, "big")),
                "b64Std": base64.standard_b64encode(raw).decode(),
                "b64Url": base64.urlsafe_b64encode(raw).decode().rstrip("="),
            }
        return {}

    def _computed(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict]:
        """Outputs the provider fills in; inputs given by the program win over these."""
        digest = _digest(self.stack, typ, name)
        physical = str(inputs.get("name") or f"{name}-{digest[:7]}")
        kind = typ.rsplit(":", 1)[-1]
        module = typ.split(":")[1].split("/", maxsplit=1)[0] if typ.count(":") == 2 else ""
        handler = self._BY_TYPE.get(typ)
        if handler is not None:
            resource_id, out = handler(self, _Naming(name, physical, digest), inputs)
        elif module == "ec2":
            prefix = _EC2_ID_PREFIXES.get(kind, kind.lower())
            resource_id, out = f"{prefix}-{digest}", {"name": physical}
            if kind == "VpcEndpoint":
                out["prefixListId"] = f"pl-{digest[:8]}"
        else:
            resource_id, out = f"{name}-{digest[:8]}", {"name": physical}
        if "arn" not in out and module:
            service = {"cloudwatch": "logs"}.get(module, module)
            out["arn"] = self._arn(service, f"{kind.lower()}/{resource_id}")
        out.setdefault("id", resource_id)
        return resource_id, out

    def _kms_key(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        d = n.digest
        key_id = f"{d[:8]}-{d[8:12]}-4{d[13:16]}-8000-{d[:12]}"
        return key_id, {"keyId": key_id, "arn": self._arn("kms", f"key/{key_id}")}

    def _kms_alias(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        return n.physical, {
            "name": n.physical,
            "arn": self._arn("kms", n.physical),
            "targetKeyArn": inputs.get("targetKeyId", ""),
        }

    def _sns_topic(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        arn = self._arn("sns", n.physical)
        return arn, {"name": n.physical, "arn": arn}

    def _sqs_queue(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        url = f"https://sqs.{self.region}.amazonaws.com/{self.account_id}/{n.physical}"
        return url, {"name": n.physical, "url": url, "arn": self._arn("sqs", n.physical)}

    def _dynamodb_table(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        arn = self._arn("dynamodb", f"table/{n.physical}")
        return n.physical, {
            "name": n.physical,
            "arn": arn,
            "streamArn": f"{arn}/stream/2026-01-01T00:00:00.000",
        }

    def _log_group(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        return n.physical, {
            "name": n.physical,
            "arn": self._arn("logs", f"log-group:{n.physical}"),
        }

    def _lambda_function(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        arn = self._arn("lambda", f"function:{n.physical}")
        return n.physical, {
            "name": n.physical,
            "arn": arn,
            "qualifiedArn": f"{arn}:1",
            "version": "1",
            "invokeArn": f"arn:aws:apigateway:{self.region}:lambda:path/2015-03-31"
            f"/functions/{arn}/invocations",
        }

    def _secret(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        arn = self._arn("secretsmanager", f"secret:{n.physical}-{n.digest[:6]}")
        return arn, {"name": n.physical, "arn": arn}

    def _secret_version(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        # The provider's id is "<secret ARN>|<version id>"; its secret_arn output (and the
        # deprecated arn) is the secret's.
        secret = str(inputs.get("secretId", ""))
        version = f"{n.digest[:8]}-{n.digest[8:12]}-4{n.digest[13:16]}-8000-{n.digest[:12]}"
        return f"{secret}|{version}", {"arn": secret, "secretArn": secret, "versionId": version}

    def _rds_instance(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        identifier = str(inputs.get("identifier") or n.physical)
        address = f"{identifier}.c{n.digest[:10]}.{self.region}.rds.amazonaws.com"
        return identifier, {
            "identifier": identifier,
            "address": address,
            "endpoint": f"{address}:5432",
            "port": 5432,
            "resourceId": f"db-{n.digest.upper()}",
            "arn": self._arn("rds", f"db:{identifier}"),
        }

    def _rest_api(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        api_id = n.digest[:10]
        return api_id, {
            "name": n.physical,
            "rootResourceId": n.digest[10:16],
            "executionArn": self._arn("execute-api", api_id),
        }

    def _stage(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        api, stage = str(inputs.get("restApi", "api")), str(inputs.get("stageName", "stage"))
        return f"ags-{api}-{stage}", {
            "invokeUrl": f"https://{api}.execute-api.{self.region}.amazonaws.com/{stage}",
            "executionArn": self._arn("execute-api", f"{api}/{stage}"),
            "arn": f"arn:aws:apigateway:{self.region}::/restapis/{api}/stages/{stage}",
        }

    def _api_key(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        return n.digest[:10], {"name": n.physical, "value": f"offline-api-key-{n.digest}"}

    def _vpc(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        return f"vpc-{n.digest}", {
            "defaultSecurityGroupId": f"sg-{_digest(n.digest, 'sg')}",
            "mainRouteTableId": f"rtb-{_digest(n.digest, 'rt')}",
        }

    def _metric_alarm(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        arn = self._arn("cloudwatch", f"alarm:{n.physical}")
        return n.physical, {"name": n.physical, "arn": arn}

    def _composite_alarm(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        alarm_name = str(inputs.get("alarmName") or n.physical)
        return alarm_name, {"arn": self._arn("cloudwatch", f"alarm:{alarm_name}")}

    def _dashboard(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        dashboard = str(inputs.get("dashboardName") or n.physical)
        return dashboard, {
            "dashboardArn": self._arn("cloudwatch", f"dashboard/{dashboard}", regional=False)
        }

    def _event_rule(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        return n.physical, {"name": n.physical, "arn": self._arn("events", f"rule/{n.physical}")}

    def _s3_bucket(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        # S3 bucket ARNs carry neither region nor account: bucket names are global.
        bucket = str(inputs.get("bucket") or n.physical)
        suffix = dns_suffix(self.partition)
        return bucket, {
            "bucket": bucket,
            "arn": f"arn:{self.partition}:s3:::{bucket}",
            "bucketDomainName": f"{bucket}.s3.{suffix}",
            "bucketRegionalDomainName": f"{bucket}.s3.{self.region}.{suffix}",
            "region": self.region,
        }

    def _layer_version(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        # A layer's first published version is 1; the version ARN ends with it.
        layer_arn = self._arn("lambda", f"layer:{inputs.get('layerName') or n.physical}")
        return f"{layer_arn}:1", {
            "arn": f"{layer_arn}:1",
            "layerArn": layer_arn,
            "version": "1",
        }

    def _ecr_repository(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        return n.physical, {
            "name": n.physical,
            "arn": self._arn("ecr", f"repository/{n.physical}"),
            "registryId": self.account_id,
            "repositoryUrl": f"{self.account_id}.dkr.ecr.{self.region}."
            f"{dns_suffix(self.partition)}/{n.physical}",
        }

    def _event_bus(self, n: _Naming, inputs: dict[str, Any]) -> tuple[str, dict]:
        return n.physical, {
            "name": n.physical,
            "arn": self._arn("events", f"event-bus/{n.physical}"),
        }

    _BY_TYPE: dict[str, Callable[[DeterministicMocks, _Naming, dict], tuple[str, dict]]] = {}


@dataclass(frozen=True)
class _Naming:
    """The names a mocked resource derives its id and ARN from."""

    logical: str
    physical: str
    digest: str


def _iam_handler(kind: str) -> Callable[[DeterministicMocks, _Naming, dict], tuple[str, dict]]:
    """Roles, users, groups, instance profiles and managed policies: global ARNs under a path."""

    def build(mocks: DeterministicMocks, n: _Naming, inputs: dict) -> tuple[str, dict]:
        path = str(inputs.get("path") or "/")
        return n.physical, {
            "name": n.physical,
            "arn": mocks._arn("iam", f"{kind}{path}{n.physical}", regional=False),
            "uniqueId": _IAM_ID_PREFIXES.get(kind, "AIDA") + n.digest.upper(),
        }

    return build


# IAM's unique ids start with a prefix naming the kind of entity.
_IAM_ID_PREFIXES = {
    "role": "AROA",
    "user": "AIDA",
    "group": "AGPA",
    "policy": "ANPA",
    "instance-profile": "AIPA",
}
_EC2_ID_PREFIXES = {
    "Subnet": "subnet",
    "SecurityGroup": "sg",
    "RouteTable": "rtb",
    "InternetGateway": "igw",
    "VpcEndpoint": "vpce",
    "FlowLog": "fl",
}
DeterministicMocks._BY_TYPE.update(
    {
        "aws:kms/key:Key": DeterministicMocks._kms_key,
        "aws:kms/alias:Alias": DeterministicMocks._kms_alias,
        "aws:sns/topic:Topic": DeterministicMocks._sns_topic,
        "aws:sqs/queue:Queue": DeterministicMocks._sqs_queue,
        "aws:dynamodb/table:Table": DeterministicMocks._dynamodb_table,
        "aws:cloudwatch/logGroup:LogGroup": DeterministicMocks._log_group,
        "aws:iam/role:Role": _iam_handler("role"),
        "aws:iam/policy:Policy": _iam_handler("policy"),
        "aws:iam/user:User": _iam_handler("user"),
        "aws:iam/group:Group": _iam_handler("group"),
        "aws:iam/instanceProfile:InstanceProfile": _iam_handler("instance-profile"),
        "aws:s3/bucket:Bucket": DeterministicMocks._s3_bucket,
        "aws:s3/bucketV2:BucketV2": DeterministicMocks._s3_bucket,
        "aws:lambda/layerVersion:LayerVersion": DeterministicMocks._layer_version,
        "aws:ecr/repository:Repository": DeterministicMocks._ecr_repository,
        "aws:cloudwatch/eventBus:EventBus": DeterministicMocks._event_bus,
        "aws:lambda/function:Function": DeterministicMocks._lambda_function,
        "aws:secretsmanager/secret:Secret": DeterministicMocks._secret,
        "aws:secretsmanager/secretVersion:SecretVersion": DeterministicMocks._secret_version,
        "aws:rds/instance:Instance": DeterministicMocks._rds_instance,
        "aws:apigateway/restApi:RestApi": DeterministicMocks._rest_api,
        "aws:apigateway/stage:Stage": DeterministicMocks._stage,
        "aws:apigateway/apiKey:ApiKey": DeterministicMocks._api_key,
        "aws:ec2/vpc:Vpc": DeterministicMocks._vpc,
        "aws:cloudwatch/metricAlarm:MetricAlarm": DeterministicMocks._metric_alarm,
        "aws:cloudwatch/compositeAlarm:CompositeAlarm": DeterministicMocks._composite_alarm,
        "aws:cloudwatch/dashboard:Dashboard": DeterministicMocks._dashboard,
        "aws:cloudwatch/eventRule:EventRule": DeterministicMocks._event_rule,
    }
)


class RecordingMonitor(pulumi_mocks.MockMonitor):
    """A mock monitor that keeps every registration with the options the engine sees."""

    def __init__(self, mocks: pulumi.runtime.Mocks) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 - gRPC method name
        """Record the request, then let the mock monitor answer it."""
        options = self._options(request)
        response = super().RegisterResource(request)
        urn = response.urn
        inputs = {} if request.type == STACK_TYPE else rpc.deserialize_properties(request.object)
        registration = self.resources.get(urn)
        properties = struct_pb2.Struct()
        properties.CopyFrom(request.object)
        self.recorded.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                custom=bool(request.custom),
                inputs=dict(inputs),
                properties=properties,
                options=options,
                outputs=dict(registration.state) if registration else {},
            )
        )
        return response

    def _options(self, request: Any) -> ResourceOptions:
        """The request's options; raises, as the engine refuses the request, on a timeout the
        engine cannot read."""
        try:
            return ResourceOptions(
                protect=request.protect if request.HasField("protect") else None,
                ignore_changes=tuple(request.ignoreChanges),
                delete_before_replace=(
                    request.deleteBeforeReplace if request.deleteBeforeReplaceDefined else None
                ),
                retain_on_delete=(
                    request.retainOnDelete if request.HasField("retainOnDelete") else None
                ),
                replace_on_changes=tuple(request.replaceOnChanges),
                deleted_with=request.deletedWith,
                custom_timeouts={
                    operation: value
                    for operation in TIMEOUT_OPERATIONS
                    if (value := getattr(request.customTimeouts, operation))
                },
                dependencies=tuple(request.dependencies),
                property_dependencies={
                    key: tuple(deps.urns) for key, deps in request.propertyDependencies.items()
                },
                provider=request.provider,
                aliases=self._alias_urns(request),
                additional_secret_outputs=tuple(request.additionalSecretOutputs),
            )
        except ValueError as error:
            raise ValueError(f"{request.type} {request.name!r}: {error}") from error

    def _alias_urns(self, request: Any) -> tuple[str, ...]:
        """The URNs named by the request's aliases: given whole, or as a spec whose missing
        parts (name, type, parent) are the resource's own, as the engine resolves them."""
        urns = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urn = self.make_urn(parent, spec.type or request.type, spec.name or request.name)
            if spec.stack or spec.project:
                _, _, rest = urn.split("::", 2)
                stack, project = urn.split("::")[0].split(":")[-1], urn.split("::")[1]
                urn = f"urn:pulumi:{spec.stack or stack}::{spec.project or project}::{rest}"
            urns.append(urn)
        return tuple(urns)


@dataclass
class MockRun:
    """What a run under mocks registered, and the stack outputs it exported."""

    resources: list[RecordedResource]
    outputs: dict[str, Any]

    def of_type(self, type_token: str) -> list[RecordedResource]:
        """Every resource of one type token, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> RecordedResource:
        """The single resource of a type (and logical name, when given); fails otherwise."""
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(
                f"expected one {type_token}{f' named {name}' if name else ''}, found "
                f"{[r.name for r in found]}"
            )
        return found[0]

    def children_of(self, parent_urn: str) -> list[RecordedResource]:
        """Direct children of a resource."""
        return [r for r in self.resources if r.parent == parent_urn]


def run_in_mocks(
    body: Callable[[], Any],
    *,
    config: Mapping[str, str],
    project: str = "cw-analytics",
    stack: str = "test",
    region: str | None = None,
    secret_keys: list[str] | None = None,
    preview: bool = False,
) -> MockRun:
    """Run ``body`` (a program or some components) under mocks; return what it registered.

    ``config`` is the stack config with namespaced keys (``cw-analytics:environmentSuffix``).
    Exceptions from the body propagate after the runtime has settled.
    """
    region = region or config.get("aws:region") or DEFAULT_REGION
    mocks = DeterministicMocks(region=region, stack=stack)
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_all_config(dict(config), secret_keys or [])
    SETTINGS.rpc_manager.clear()
    SETTINGS.outputs.clear()
    set_root_resource(None)  # type: ignore[arg-type]
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=preview, monitor=monitor)
    root = pulumi.runtime.settings.get_root_resource()

    def program() -> None:
        body()

    _sync_await(run_pulumi_func(program))
    outputs: dict[str, Any] = {}
    if root is not None:
        for key, value in getattr(root, "outputs", {}).items():
            outputs[key] = _sync_await(pulumi.Output.from_input(value).future())
    return MockRun(resources=list(monitor.recorded), outputs=outputs)


def run_program_in_mocks(
    program_dir: Path,
    *,
    config: Mapping[str, str],
    project: str,
    stack: str,
    secret_keys: list[str] | None = None,
) -> MockRun:
    """Run the ``__main__.py`` of a Pulumi Python program directory under mocks."""
    main = program_dir / "__main__.py"
    if not main.is_file():
        raise FileNotFoundError(f"{program_dir} has no __main__.py")
    added = str(program_dir.resolve())
    sys.path.insert(0, added)
    try:
        return run_in_mocks(
            lambda: runpy.run_path(str(main), run_name="__main__"),
            config=config,
            project=project,
            stack=stack,
            secret_keys=secret_keys,
        )
    finally:
        if added in sys.path:
            sys.path.remove(added)
