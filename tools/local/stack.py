"""What a deployed stack would hold, read from the program itself run under Pulumi's mocks.

The local system is seeded from these resources rather than from restated constants: the metrics
table's keys and TTL attribute, both functions' environment (``METRIC_SOURCES`` as the component
builds it), their timeouts, the schedule, the stage, the database name and master user.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tools.preview.errors import ProgramError

if TYPE_CHECKING:
    from tools.preview.model import PreviewResource

# What reads the program's resources (protobuf, the preview's decoder, the stack's YAML) is
# imported where it is used: a start from the cached description, the usual one, needs none of it.

BUILD_DIR_ENV = "CW_ANALYTICS_BUILD_DIR"
"""Overrides the build directory (as for the Lambda archives, ``components.lib.paths``)."""
REPO_ROOT = Path(__file__).resolve().parents[2]


def default_cache_dir() -> Path:
    """``local/`` in the build directory the Lambda archives use: ``$CW_ANALYTICS_BUILD_DIR`` or
    the repository's ``.build``, as ``components.lib.paths.default_build_dir`` names it there.

    Not imported from there: the component library's package loads Pulumi's SDK and every
    component (about 1.5 s of CPU), which a start from the cached description never needs.
    """
    override = os.environ.get(BUILD_DIR_ENV)
    return (Path(override) if override else REPO_ROOT / ".build") / "local"


class StackError(RuntimeError):
    """The program's resources lack something the local system needs; the message says what."""


@dataclass(frozen=True)
class FunctionDescription:
    """One Lambda function as the stack declares it."""

    name: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int


@dataclass(frozen=True)
class TableDescription:
    """The metrics table's name, key schema and TTL attribute."""

    name: str
    hash_key: str
    range_key: str | None
    attributes: dict[str, str]
    ttl_attribute: str | None


@dataclass(frozen=True)
class StackDescription:
    """Everything the local system takes from the stack."""

    stack: str
    region: str
    api_handler: FunctionDescription
    aggregator: FunctionDescription
    table: TableDescription
    schedule_seconds: int
    stage: str
    api_name: str
    db_name: str
    db_username: str


def schedule_seconds(expression: str) -> int:
    """``rate(5 minutes)`` → 300; only ``rate()`` schedules can run on a local timer."""
    # Imported here: the component library's package loads Pulumi's SDK and every component
    # (about 1.5 s), which a start from the cached description does without.
    from components.lib import schedule  # noqa: PLC0415

    try:
        return schedule.schedule_seconds(expression.strip())
    except ValueError as error:
        raise StackError(f"schedule {expression!r}: {error}") from error


def _inputs(resource: PreviewResource) -> dict[str, Any]:
    from google.protobuf import json_format  # noqa: PLC0415 - see the imports

    return json_format.MessageToDict(resource.inputs)


def _unsecret(value: Any) -> Any:
    # A secret on the wire is {"<sig>": "<secret sig>", "value": ...}.
    if isinstance(value, Mapping) and "value" in value and len(value) == 2:
        return value["value"]
    return value


def _one(resources: list[PreviewResource], type_token: str, name: str) -> dict[str, Any]:
    found = [r for r in resources if r.type == type_token and r.name == name]
    if len(found) != 1:
        raise StackError(f"expected one {type_token} named {name!r}, found {len(found)}")
    return _inputs(found[0])


def _function(resources: list[PreviewResource], name: str) -> FunctionDescription:
    inputs = _one(resources, "aws:lambda/function:Function", name)
    variables = _unsecret(inputs.get("environment", {}).get("variables", {}))
    return FunctionDescription(
        name=str(inputs["name"]),
        environment={str(k): str(_unsecret(v)) for k, v in variables.items()},
        timeout_seconds=int(inputs.get("timeout", 3)),
        memory_mb=int(inputs.get("memorySize", 128)),
    )


def describe(resources: list[PreviewResource], stack: str, region: str) -> StackDescription:
    """The description of the resources of one program run."""
    table = _one(resources, "aws:dynamodb/table:Table", "metrics-table")
    ttl = table.get("ttl") or {}
    rule = _one(resources, "aws:cloudwatch/eventRule:EventRule", "metrics-schedule")
    stage = _one(resources, "aws:apigateway/stage:Stage", "api-stage")
    database = _one(resources, "aws:rds/instance:Instance", "database-instance")
    return StackDescription(
        stack=stack,
        region=region,
        api_handler=_function(resources, "api-handler"),
        aggregator=_function(resources, "metrics-aggregator"),
        table=TableDescription(
            name=str(table["name"]),
            hash_key=str(table["hashKey"]),
            range_key=table.get("rangeKey"),
            attributes={str(a["name"]): str(a["type"]) for a in table.get("attributes", [])},
            ttl_attribute=ttl.get("attributeName") if ttl.get("enabled") else None,
        ),
        schedule_seconds=schedule_seconds(str(rule["scheduleExpression"])),
        stage=str(stage["stageName"]),
        api_name=str(_one(resources, "aws:apigateway/restApi:RestApi", "api")["name"]),
        db_name=str(database["dbName"]),
        db_username=str(_unsecret(database["username"])),
    )


class StackReader:
    """The program running under mocks in a child interpreter; ``result()`` waits for it.

    The request and result files are those of ``tools.preview.program``; the child is
    ``tools.local.stack_child``, which skips vendoring the functions' dependencies.
    """

    def __init__(self, program_dir: Path, stack: str, timeout: float = 180.0) -> None:
        from tools.preview.stack_config import load_stack_config  # noqa: PLC0415 - see the imports

        config = load_stack_config(program_dir, stack)
        self._stack = stack
        self._region = config.region or str(config.config.get("aws:region", "us-east-1"))
        self._timeout = timeout
        self._main = config.main
        self._files = _temporary_files(2)
        self._request, self._result = self._files
        self._request.write_text(
            json.dumps(
                {
                    "project": config.project,
                    "stack": config.stack,
                    "main": str(config.main),
                    "config": config.config,
                    "secretKeys": list(config.secret_keys),
                    "resultPath": str(self._result),
                }
            ),
            encoding="utf-8",
        )
        tools_root = Path(__file__).resolve().parents[2]
        paths = [str(tools_root), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
        self._process = subprocess.Popen(
            [sys.executable, "-m", "tools.local.stack_child", str(self._request)],
            cwd=config.program_dir,
            env={**os.environ, "PYTHONPATH": os.pathsep.join(paths)},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def result(self) -> StackDescription:
        """The stack's description (raises ``ProgramError`` or ``StackError``)."""
        try:
            log, _ = self._process.communicate(timeout=self._timeout)
        except subprocess.TimeoutExpired as error:
            raise ProgramError(
                f"program {self._main} did not finish within {self._timeout:.0f} s"
            ) from error
        text = self._result.read_text(encoding="utf-8") if self._result.exists() else ""
        if not text:
            raise ProgramError(
                f"program {self._main} exited with status {self._process.returncode} "
                "before reporting its resources",
                detail=log[-4000:],
            )
        document = json.loads(text)
        if "error" in document:
            failure = document["error"]
            raise ProgramError(
                f"program {self._main} failed: {failure['type']}: {failure['message']}",
                detail=failure.get("traceback", ""),
            )
        from tools.preview.program import decode_resource  # noqa: PLC0415 - see the imports

        resources = [decode_resource(item) for item in document["resources"]]
        return describe(resources, self._stack, self._region)

    def close(self) -> None:
        """Stop the program if it still runs; remove the request and result files."""
        if self._process.poll() is None:
            self._process.kill()
            self._process.communicate()
        for path in self._files:
            path.unlink(missing_ok=True)


def _temporary_files(count: int) -> list[Path]:
    files = []
    for _ in range(count):
        handle, name = tempfile.mkstemp(prefix="cwa-local-stack-", suffix=".json")
        os.close(handle)
        files.append(Path(name))
    return files


def to_json(description: StackDescription) -> str:
    """The description as JSON."""
    return json.dumps(asdict(description), indent=2, sort_keys=True)


def from_json(text: str) -> StackDescription:
    """The description ``to_json`` wrote."""
    doc = json.loads(text)
    return StackDescription(
        **{
            **doc,
            "api_handler": FunctionDescription(**doc["api_handler"]),
            "aggregator": FunctionDescription(**doc["aggregator"]),
            "table": TableDescription(**doc["table"]),
        }
    )


def digest_inputs(program_dir: Path, stack: str) -> list[Path]:
    """The files the description depends on: the program, its config, this code."""
    tools_dir = Path(__file__).resolve().parents[1]
    return [
        # The program and every module beside it that it may import (settings, their mapping).
        *sorted(program_dir.glob("*.py")),
        program_dir / "Pulumi.yaml",
        program_dir / f"Pulumi.{stack}.yaml",
        *sorted((program_dir / "components").rglob("*.py")),
        *sorted((tools_dir / "preview").glob("*.py")),
        tools_dir / "pulumi_mocks.py",
        Path(__file__).resolve(),
        Path(__file__).resolve().with_name("stack_child.py"),
    ]


def program_digest(program_dir: Path, stack: str) -> str:
    """A digest of every file of ``digest_inputs``: a changed one invalidates the cache."""
    digest = hashlib.sha256()
    for path in digest_inputs(program_dir, stack):
        digest.update(str(path.relative_to(program_dir)).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
    return digest.hexdigest()[:20]


KEPT_DESCRIPTIONS = 8
"""Descriptions kept per stack, the most recently used: checkouts (branches, worktrees) that
share one build directory each find their own, instead of each replacing the last one's."""


def store_description(
    cache_dir: Path, stack: str, digest: str, description: StackDescription
) -> Path:
    """Write ``description`` as the cache entry of ``digest`` (atomically: a reader never sees
    half a file, and two runs writing at once each rename their own file), then drop all but
    the ``KEPT_DESCRIPTIONS`` most recently used entries of ``stack``; return the entry."""
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"stack-{stack}-{digest}.json"
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=cache_dir)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(to_json(description))
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)  # no half-written file left beside the cache
        raise
    entry = re.compile(rf"stack-{re.escape(stack)}-[0-9a-f]{{20}}\.json")
    used = []
    for path in cache_dir.iterdir():
        if entry.fullmatch(path.name):
            try:
                used.append((path.stat().st_mtime_ns, path))
            except OSError:
                continue  # removed by another run meanwhile
    for _, old in sorted(used, reverse=True)[KEPT_DESCRIPTIONS:]:
        old.unlink(missing_ok=True)
    return target


def load_stack(program_dir: Path, stack: str, cache_dir: Path | None = None) -> StackDescription:
    """The stack's description, from the cache when the program has not changed since.

    Running the program under mocks takes seconds (Pulumi's SDK); its description depends only
    on the files ``program_digest`` reads, so it is kept in ``cache_dir`` (default: ``local/``
    in the build directory the Lambda archives use) between runs, one entry per digest.
    """
    cache_dir = cache_dir or default_cache_dir()
    digest = program_digest(program_dir, stack)
    cached = cache_dir / f"stack-{stack}-{digest}.json"
    if cached.is_file():
        try:
            description = from_json(cached.read_text(encoding="utf-8"))
        except (ValueError, TypeError, KeyError):
            cached.unlink(missing_ok=True)
        else:
            with contextlib.suppress(OSError):
                os.utime(cached)  # used now: the last to be dropped
            return description
    reader = StackReader(program_dir, stack)
    try:
        description = reader.result()
    finally:
        reader.close()
    store_description(cache_dir, stack, digest, description)
    return description
