"""``METRIC_SOURCES``: the compact JSON naming what the aggregator watches (schema v1).

The MetricAggregator component encodes it at deploy time and the aggregator parses it at run time,
both with this module, so a value one accepts the other accepts too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

SCHEMA_VERSION = 1

# Names end up inside series ids (``lambda.<fn>.Duration.p99``), which are DynamoDB keys and URL
# path segments of the API's GET /metrics/{series}: no slashes, no spaces, no '#'; at most 128
# characters so the longest series id stays within the API's 200. fullmatch, never ``$``: ``$``
# also matches before a trailing newline.
_NAME = re.compile(r"[A-Za-z0-9._-]{1,128}")
# CloudWatch namespace characters; the AWS/ prefix is reserved for AWS services.
_NAMESPACE = re.compile(r"[A-Za-z0-9.\-_/#:]{1,255}")
# Lambda's environment holds 4 KB in all; anything longer cannot be a deployed value.
MAX_ENCODED_CHARS = 4096
_TOP_KEYS = frozenset({"v", "api", "functions", "db", "table", "namespace"})
_API_KEYS = frozenset({"name", "stage"})


class SourcesError(ValueError):
    """``METRIC_SOURCES`` is not valid schema v1; the message names the field and the rule."""


@dataclass(frozen=True)
class MetricSources:
    """What to watch: an API stage, Lambda functions, an RDS instance, a table, a namespace."""

    api_name: str
    """REST API name (the ``ApiName`` dimension of AWS/ApiGateway)."""
    api_stage: str
    """Stage name (the ``Stage`` dimension)."""
    functions: tuple[str, ...]
    """Lambda function names (the ``FunctionName`` dimension), unique, at least one."""
    db: str
    """RDS instance identifier (the ``DBInstanceIdentifier`` dimension)."""
    table: str
    """DynamoDB table name (the ``TableName`` dimension)."""
    namespace: str
    """Namespace of the custom EMF metrics (dimension ``service``)."""

    def __post_init__(self) -> None:
        _check_name("api.name", self.api_name)
        _check_name("api.stage", self.api_stage)
        if isinstance(self.functions, str | bytes) or not isinstance(self.functions, tuple):
            raise SourcesError("functions must be a list of function names")
        if not self.functions:
            raise SourcesError("functions must name at least one Lambda function")
        for index, name in enumerate(self.functions):
            _check_name(f"functions[{index}]", name)
        if len(set(self.functions)) != len(self.functions):
            raise SourcesError(f"functions must not repeat a name: {list(self.functions)}")
        _check_name("db", self.db)
        _check_name("table", self.table)
        if not isinstance(self.namespace, str) or not _NAMESPACE.fullmatch(self.namespace):
            raise SourcesError(
                f"namespace {self.namespace!r} must match {_NAMESPACE.pattern}"
                " (CloudWatch namespace)"
            )
        if self.namespace.startswith("AWS/"):
            raise SourcesError(
                f"namespace {self.namespace!r} must not start with 'AWS/' (reserved for AWS)"
            )

    def to_json_obj(self) -> dict[str, Any]:
        """The schema-v1 object, keys in a fixed order."""
        return {
            "v": SCHEMA_VERSION,
            "api": {"name": self.api_name, "stage": self.api_stage},
            "functions": list(self.functions),
            "db": self.db,
            "table": self.table,
            "namespace": self.namespace,
        }

    def to_env(self) -> str:
        """Compact JSON for the ``METRIC_SOURCES`` environment variable."""
        return json.dumps(self.to_json_obj(), separators=(",", ":"), ensure_ascii=True)


def encode_metric_sources(
    *,
    api_name: str,
    api_stage: str,
    functions: Iterable[str],
    db: str,
    table: str,
    namespace: str,
) -> str:
    """Validate the names and return the compact ``METRIC_SOURCES`` JSON."""
    return MetricSources(
        api_name=api_name,
        api_stage=api_stage,
        functions=tuple(functions),
        db=db,
        table=table,
        namespace=namespace,
    ).to_env()


def parse_metric_sources(text: str) -> MetricSources:
    """Parse and strictly validate ``METRIC_SOURCES``; unknown or missing fields are errors."""
    if not isinstance(text, str):
        raise SourcesError("METRIC_SOURCES must be a string")
    if len(text) > MAX_ENCODED_CHARS:
        raise SourcesError(
            f"METRIC_SOURCES is {len(text)} characters, more than Lambda's environment holds "
            f"({MAX_ENCODED_CHARS})"
        )
    try:
        raw = json.loads(text, object_pairs_hook=_unique_keys)
    except SourcesError:
        raise
    except ValueError as exc:
        raise SourcesError(f"METRIC_SOURCES is not valid JSON: {exc}") from exc
    except RecursionError:
        # The decoder recurses per nesting level; schema v1 is two levels deep.
        raise SourcesError(
            "METRIC_SOURCES is nested too deeply (schema v1 has two levels)"
        ) from None
    if not isinstance(raw, Mapping):
        raise SourcesError("METRIC_SOURCES must be a JSON object")
    _check_keys("METRIC_SOURCES", raw, _TOP_KEYS)
    version = raw["v"]
    # bool is an int and 1.0 == 1: only the integer 1 itself is schema v1.
    if type(version) is not int or version != SCHEMA_VERSION:
        raise SourcesError(f"v must be {SCHEMA_VERSION}, got {version!r}")
    api = raw["api"]
    if not isinstance(api, Mapping):
        raise SourcesError("api must be an object with name and stage")
    _check_keys("api", api, _API_KEYS)
    functions = raw["functions"]
    if not isinstance(functions, list):
        raise SourcesError("functions must be a list of function names")
    return MetricSources(
        api_name=api["name"],
        api_stage=api["stage"],
        functions=tuple(functions),
        db=raw["db"],
        table=raw["table"],
        namespace=raw["namespace"],
    )


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [key for key, _ in pairs]
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        # json.loads keeps the last of repeated keys silently; a reader must not guess which.
        raise SourcesError(f"METRIC_SOURCES repeats field(s): {', '.join(repeated)}")
    return dict(pairs)


def _check_keys(where: str, obj: Mapping[str, Any], expected: frozenset[str]) -> None:
    missing = sorted(expected - obj.keys())
    if missing:
        raise SourcesError(f"{where} is missing field(s): {', '.join(missing)}")
    unknown = sorted(obj.keys() - expected)
    if unknown:
        raise SourcesError(f"{where} has unknown field(s): {', '.join(unknown)}")


def _check_name(field: str, value: object) -> None:
    if not isinstance(value, str) or not _NAME.fullmatch(value):
        raise SourcesError(
            f"{field} {value!r} must match {_NAME.pattern} (it becomes part of series ids)"
        )
