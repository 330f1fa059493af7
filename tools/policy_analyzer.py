"""Run a Python CrossGuard policy pack the way the Pulumi engine does, without the Pulumi CLI.

The engine starts a Python pack through its ``pulumi-analyzer-policy-python`` shim, with the pack
directory as the working directory and the arguments ``<engine-address> . -<option>=<value>...``
(one per runtime option in ``PulumiPolicy.yaml``). The shim consumes ``-virtualenv=DIR`` to pick
the interpreter and runs ``python -u -m pulumi.policy <engine-address> .``, in an environment
that carries ``PULUMI_CONFIG``, ``PULUMI_PROJECT``, ``PULUMI_STACK``, ``PULUMI_ORGANIZATION`` and
``PULUMI_DRY_RUN``. The pack prints the port of its analyzer gRPC server on the first line of
stdout; the engine then calls ``GetAnalyzerInfo``, reconciles the policy config (schema defaults,
then ``all``, then each policy's entry) and sends it with ``Configure``, calls ``ConfigureStack``,
and finally ``Analyze`` for each resource and ``AnalyzeStack`` once for the whole stack.
:class:`PolicyPackProcess` does exactly that, so the offline preview and the tests see what
``pulumi preview --policy-pack`` would report.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import IO, Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from tools.preview.findings import ENFORCEMENT_LEVELS
from tools.resource_options import ResourceOptions

__all__ = [
    "ENFORCEMENT_LEVELS",
    "UNKNOWN",
    "AnalyzedResource",
    "AnalyzerInfo",
    "PolicyInfo",
    "PolicyPackError",
    "PolicyPackProcess",
    "Violation",
    "analyzer_options",
    "load_policy_config",
    "reconcile_policy_config",
]

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
"""The engine's marker for a value not known during preview (``plugin.UnknownStringValue``)."""

# The engine's own address is passed to the pack but a Python pack never dials it.
_ENGINE_ADDRESS = "127.0.0.1:0"
_STDERR_TAIL_LINES = 40
_MAX_MESSAGE = 1024 * 1024 * 400


class PolicyPackError(RuntimeError):
    """The pack could not be started, crashed, or rejected a call; the message has its stderr."""


@dataclass(frozen=True)
class PolicyInfo:
    """One policy as the pack describes it in ``GetAnalyzerInfo``."""

    name: str
    description: str
    enforcement_level: str
    config_schema: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnalyzerInfo:
    """The pack's name, version (``PulumiPolicy.yaml`` wins, as in the engine) and policies."""

    name: str
    version: str
    policies: tuple[PolicyInfo, ...]


@dataclass(frozen=True)
class AnalyzedResource:
    """A resource to analyze: inputs as a plain mapping, or a Struct already in wire form."""

    urn: str
    type: str
    name: str
    properties: Mapping[str, Any] | struct_pb2.Struct
    options: ResourceOptions = field(default_factory=ResourceOptions)
    """As registered, except ``protect``: the engine hands a pack the effective one."""
    parent: str = ""


@dataclass(frozen=True)
class Violation:
    """One diagnostic reported by the pack."""

    policy_pack: str
    policy: str
    enforcement_level: str
    urn: str
    message: str
    description: str


def _level_name(value: int) -> str:
    return analyzer_pb2.EnforcementLevel.Name(value).lower()


def _level_value(name: str) -> int:
    return int(analyzer_pb2.EnforcementLevel.Value(name.upper()))


def _validate_config_shape(config: Any, source: str) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise ValueError(
            f"{source}: policy config must be a JSON object, got {type(config).__name__}"
        )
    for key, value in config.items():
        if isinstance(value, str):
            level = value
        elif isinstance(value, dict):
            level = value.get("enforcementLevel", "advisory")
            if not isinstance(level, str):
                raise ValueError(
                    f"{source}: {key}.enforcementLevel must be a string, got {level!r}"
                )
        else:
            raise ValueError(
                f"{source}: {key!r} must be an enforcement level string or an object, got {value!r}"
            )
        if level not in ENFORCEMENT_LEVELS:
            raise ValueError(
                f"{source}: {key!r} has enforcement level {level!r}; "
                f"expected one of {', '.join(ENFORCEMENT_LEVELS)}"
            )
    return config


def load_policy_config(path: Path) -> dict[str, Any]:
    """Read a ``--policy-pack-config`` JSON file; errors name the file (and line on bad JSON)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ValueError(f"cannot read policy config {path}: {exc}") from exc
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(
            f"policy config {path} is not valid JSON: {exc.msg} "
            f"(line {exc.lineno}, column {exc.colno})"
        ) from exc
    return _validate_config_shape(data, str(path))


def _split_entry(value: Any) -> tuple[str | None, dict[str, Any]]:
    if isinstance(value, str):
        return value, {}
    props = dict(value)
    level = props.pop("enforcementLevel", None)
    return level, props


def reconcile_policy_config(
    policies: Sequence[PolicyInfo], config: Mapping[str, Any] | None
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Combine policy defaults and a config file the way the engine does before ``Configure``.

    Start from each policy's enforcement level and its schema's ``default`` values; an ``all``
    level applies to every policy; then each named entry overrides its level and properties.
    Properties are validated against each policy's schema (JSON Schema, as the CLI does).
    """
    result: dict[str, tuple[str, dict[str, Any]]] = {}
    for policy in policies:
        defaults = {
            key: schema["default"]
            for key, schema in policy.config_schema.get("properties", {}).items()
            if isinstance(schema, Mapping) and "default" in schema
        }
        result[policy.name] = (policy.enforcement_level, defaults)
    config = dict(config or {})
    _validate_config_shape(config, "policy config")
    all_level, _ = _split_entry(config["all"]) if "all" in config else (None, {})
    if all_level is not None:
        result = {name: (all_level, props) for name, (_, props) in result.items()}
    for name, value in config.items():
        level, props = _split_entry(value)
        current_level, current_props = result.get(name, (level or "advisory", {}))
        result[name] = (level or current_level, {**current_props, **props})
    _validate_against_schemas(policies, result)
    return result


def _validate_against_schemas(
    policies: Sequence[PolicyInfo], config: Mapping[str, tuple[str, dict[str, Any]]]
) -> None:
    import jsonschema  # noqa: PLC0415 - only needed when a pack declares config schemas

    errors: list[str] = []
    for policy in policies:
        if not policy.config_schema:
            continue
        schema = {"type": "object", **dict(policy.config_schema)}
        validator = jsonschema.Draft7Validator(schema)
        props = config.get(policy.name, ("", {}))[1]
        errors.extend(f"{policy.name}: {err.message}" for err in validator.iter_errors(props))
    if errors:
        raise ValueError("policy config does not match the pack's schema: " + "; ".join(errors))


def _plain(value: Any) -> Any:
    if isinstance(value, str | bytes | bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    return value


def _to_struct(properties: Mapping[str, Any] | struct_pb2.Struct) -> struct_pb2.Struct:
    if isinstance(properties, struct_pb2.Struct):
        return properties
    from pulumi_policy.deserialize import serialize_properties  # noqa: PLC0415

    serialised = serialize_properties(_plain(properties))
    struct = struct_pb2.Struct()
    struct.update(dict(serialised))
    return struct


def analyzer_options(options: ResourceOptions, parent: str) -> analyzer_pb2.AnalyzerResourceOptions:
    """The options message the engine sends a pack (its ``marshalResourceOptions``).

    ``deleteBeforeReplaceDefined`` tells an unset option from ``false``; timeouts go in seconds,
    0 for an operation the program did not time.
    """
    message = analyzer_pb2.AnalyzerResourceOptions(
        protect=bool(options.protect),
        ignoreChanges=list(options.ignore_changes),
        deleteBeforeReplace=bool(options.delete_before_replace),
        deleteBeforeReplaceDefined=options.delete_before_replace is not None,
        additionalSecretOutputs=list(options.additional_secret_outputs),
        aliases=list(options.aliases),
        parent=parent,
    )
    timeouts = options.timeout_seconds()
    message.customTimeouts.create = timeouts["create"]
    message.customTimeouts.update = timeouts["update"]
    message.customTimeouts.delete = timeouts["delete"]
    return message


def _provider_message(urn: str) -> analyzer_pb2.AnalyzerProviderResource | None:
    if not urn:
        return None
    parts = urn.split("::")
    type_token = parts[-2] if len(parts) >= 2 else ""
    return analyzer_pb2.AnalyzerProviderResource(
        urn=urn, type=type_token, name=parts[-1], properties=struct_pb2.Struct()
    )


def _read_pack_yaml(pack_dir: Path) -> dict[str, Any]:
    import yaml  # noqa: PLC0415

    path = pack_dir / "PulumiPolicy.yaml"
    if not path.is_file():
        raise PolicyPackError(f"{pack_dir} is not a policy pack: {path.name} is missing")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise PolicyPackError(f"{path} must be a YAML mapping")
    return data


def _runtime_option_args(pack_yaml: Mapping[str, Any]) -> list[str]:
    runtime = pack_yaml.get("runtime")
    if not isinstance(runtime, Mapping):
        return []
    options = runtime.get("options") or {}
    return [f"-{key}={value}" for key, value in options.items() if str(value) != ""]


class PolicyPackProcess:
    """A running policy pack, started like the engine starts it; use it as a context manager.

    ``config`` is the content of a ``--policy-pack-config`` file (see :func:`load_policy_config`);
    it is reconciled with the pack's defaults and sent with ``Configure`` as the engine does.
    ``project``/``stack``/``dry_run``/``stack_config`` fill the environment the engine gives
    the pack.
    """

    def __init__(
        self,
        pack_dir: Path,
        *,
        python: str = sys.executable,
        config: Mapping[str, Any] | None = None,
        startup_timeout: float = 60.0,
        project: str = "cw-analytics",
        stack: str = "dev",
        organization: str = "organization",
        dry_run: bool = True,
        stack_config: Mapping[str, str] | None = None,
    ) -> None:
        self.pack_dir = Path(pack_dir).resolve()
        self.python = python
        self.config = dict(config or {})
        self.startup_timeout = startup_timeout
        self.project = project
        self.stack = stack
        self.organization = organization
        self.dry_run = dry_run
        self.stack_config = dict(stack_config or {})
        self._process: subprocess.Popen[bytes] | None = None
        self._channel: grpc.Channel | None = None
        self._stub: analyzer_pb2_grpc.AnalyzerStub | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=_STDERR_TAIL_LINES)
        self._info: AnalyzerInfo | None = None
        self._version_override = ""
        self.effective_config: dict[str, tuple[str, dict[str, Any]]] = {}
        """Per policy: (enforcement level, properties) as sent with ``Configure``."""

    # -- lifecycle -------------------------------------------------------------------------
    def __enter__(self) -> PolicyPackProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def command(self) -> list[str]:
        """The argv the engine's Python policy shim ends up running, with ``self.python``.

        The shim passes only the engine address and ``.`` on; the runtime options
        (:meth:`shim_arguments`) only choose the interpreter, which the caller chooses here.
        """
        return [self.python, "-u", "-m", "pulumi.policy", _ENGINE_ADDRESS, "."]

    def shim_arguments(self) -> list[str]:
        """The arguments the engine hands the ``pulumi-analyzer-policy-python`` shim."""
        return [_ENGINE_ADDRESS, ".", *_runtime_option_args(_read_pack_yaml(self.pack_dir))]

    def environment(self) -> dict[str, str]:
        """The environment the engine gives a policy pack (``constructEnv``)."""
        env = dict(os.environ)
        if self.stack_config:
            env["PULUMI_CONFIG"] = json.dumps(self.stack_config)
        env["PULUMI_ORGANIZATION"] = self.organization
        env["PULUMI_PROJECT"] = self.project
        env["PULUMI_STACK"] = self.stack
        env["PULUMI_DRY_RUN"] = "true" if self.dry_run else "false"
        return env

    def start(self) -> None:
        """Launch the pack, wait for its port, then GetAnalyzerInfo, Configure, ConfigureStack."""
        pack_yaml = _read_pack_yaml(self.pack_dir)
        self._version_override = str(pack_yaml.get("version") or "")
        self._process = subprocess.Popen(  # noqa: S603 - argv built from our own settings
            self.command(),
            cwd=self.pack_dir,
            env=self.environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self._process.stdout is not None and self._process.stderr is not None
        ports: queue.Queue[str | None] = queue.Queue()
        threading.Thread(
            target=self._pump_stdout, args=(self._process.stdout, ports), daemon=True
        ).start()
        threading.Thread(
            target=self._pump_stderr, args=(self._process.stderr,), daemon=True
        ).start()
        try:
            port = self._wait_for_port(ports)
            self._channel = grpc.insecure_channel(
                f"127.0.0.1:{port}",
                options=[
                    ("grpc.max_receive_message_length", _MAX_MESSAGE),
                    ("grpc.max_send_message_length", _MAX_MESSAGE),
                ],
            )
            grpc.channel_ready_future(self._channel).result(timeout=self.startup_timeout)
            self._stub = analyzer_pb2_grpc.AnalyzerStub(self._channel)
            self._info = self._fetch_info()
            self._configure()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the pack process and close the channel (safe to call twice)."""
        if self._channel is not None:
            self._channel.close()
            self._channel = None
        self._stub = None
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.kill()
            process.wait(timeout=10)

    def _pump_stdout(self, stream: IO[bytes], ports: queue.Queue[str | None]) -> None:
        first = True
        for raw in iter(stream.readline, b""):
            if first:
                ports.put(raw.decode(errors="replace").strip())
                first = False
        if first:
            ports.put(None)

    def _pump_stderr(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            self._stderr.append(raw.decode(errors="replace").rstrip("\n"))

    def stderr_tail(self) -> str:
        """The last lines the pack wrote to stderr."""
        return "\n".join(self._stderr)

    def _failure(self, what: str) -> PolicyPackError:
        process = self._process
        if process is not None and process.poll() is not None:
            # Give the stderr reader a moment to drain what the dying process wrote.
            time.sleep(0.1)
            what += f" (exit code {process.returncode})"
        tail = self.stderr_tail() or "<no stderr output>"
        return PolicyPackError(f"policy pack {self.pack_dir}: {what}\n--- pack stderr ---\n{tail}")

    def _wait_for_port(self, ports: queue.Queue[str | None]) -> int:
        try:
            line = ports.get(timeout=self.startup_timeout)
        except queue.Empty:
            raise self._failure(f"printed no port within {self.startup_timeout:g}s") from None
        if line is None:
            if self._process is not None:
                self._process.wait(timeout=10)
            raise self._failure("exited before printing its port")
        if not line.isdigit():
            raise self._failure(f"first line of stdout should be the port, got {line!r}")
        return int(line)

    def _call(self, method: str, request: Any) -> Any:
        if self._stub is None:
            raise PolicyPackError("policy pack is not running (use it as a context manager)")
        try:
            return getattr(self._stub, method)(request)
        except grpc.RpcError as exc:
            raise self._failure(f"{method} failed: {exc}") from exc

    # -- engine calls ----------------------------------------------------------------------
    def _fetch_info(self) -> AnalyzerInfo:
        response = self._call("GetAnalyzerInfo", empty_pb2.Empty())
        policies = tuple(
            PolicyInfo(
                name=p.name,
                description=p.description,
                enforcement_level=_level_name(p.enforcementLevel),
                config_schema=json_format.MessageToDict(p.configSchema)
                if p.HasField("configSchema")
                else {},
            )
            for p in response.policies
        )
        return AnalyzerInfo(
            name=response.name,
            version=self._version_override or response.version,
            policies=tuple(sorted(policies, key=lambda p: p.name)),
        )

    def _configure(self) -> None:
        assert self._info is not None
        try:
            self.effective_config = reconcile_policy_config(self._info.policies, self.config)
        except ValueError as exc:
            raise PolicyPackError(f"policy pack {self.pack_dir}: {exc}") from exc
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        for name, (level, props) in self.effective_config.items():
            entry = request.policyConfig[name]
            entry.enforcementLevel = _level_value(level)
            entry.properties.update(_plain(props))
        self._call("Configure", request)
        stack_request = analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=self.stack,
            project=self.project,
            organization=self.organization,
            dry_run=self.dry_run,
        )
        try:
            self._call("ConfigureStack", stack_request)
        except PolicyPackError as exc:
            if "UNIMPLEMENTED" not in str(exc):
                raise

    def info(self) -> AnalyzerInfo:
        """The pack's name, version and policies with their default enforcement levels."""
        if self._info is None:
            raise PolicyPackError("policy pack is not running (use it as a context manager)")
        return self._info

    def plugin_version(self) -> str:
        """The pulumi-policy SDK version the pack reports through GetPluginInfo."""
        return str(self._call("GetPluginInfo", empty_pb2.Empty()).version)

    def _violations(self, response: Any, default_urn: str) -> list[Violation]:
        return [
            Violation(
                policy_pack=d.policyPackName,
                policy=d.policyName,
                enforcement_level=_level_name(d.enforcementLevel),
                urn=d.urn or default_urn,
                message=d.message,
                description=d.description,
            )
            for d in response.diagnostics
        ]

    def analyze(self, resource: AnalyzedResource) -> list[Violation]:
        """Analyze one resource (its inputs), as the engine does before each step."""
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=_to_struct(resource.properties),
            urn=resource.urn,
            name=resource.name,
            options=analyzer_options(resource.options, resource.parent),
        )
        provider = _provider_message(resource.options.provider_urn)
        if provider is not None:
            request.provider.CopyFrom(provider)
        return self._violations(self._call("Analyze", request), resource.urn)

    def analyze_stack(self, resources: Sequence[AnalyzedResource]) -> list[Violation]:
        """Run the pack's stack policies over every resource, as the engine does at the end."""
        request = analyzer_pb2.AnalyzeStackRequest()
        for resource in resources:
            message = request.resources.add(
                type=resource.type,
                urn=resource.urn,
                name=resource.name,
                parent=resource.parent,
                dependencies=list(resource.options.dependencies),
            )
            message.properties.CopyFrom(_to_struct(resource.properties))
            message.options.CopyFrom(analyzer_options(resource.options, resource.parent))
            provider = _provider_message(resource.options.provider_urn)
            if provider is not None:
                message.provider.CopyFrom(provider)
            for key, urns in resource.options.property_dependencies.items():
                if urns:
                    message.propertyDependencies[key].urns.extend(urns)
        return self._violations(self._call("AnalyzeStack", request), "")
