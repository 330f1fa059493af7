"""The data sources the offline mocks answer, and the error for the ones they cannot.

Answers agree with the stack: the region it is configured for, that region's partition and zone
ids, and the one account every mocked ARN carries. ``aws.iam.get_policy_document`` is rendered by
``tools.iam_policy_document``. A call and its ``_output`` form share one invoke token.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tools.iam_policy_document import PolicyDocumentError, render_policy_document


@dataclass(frozen=True)
class _Where:
    """The stack's region and account, with the region's partition."""

    region: str
    account_id: str

    @property
    def partition(self) -> str:
        """The partition of the region."""
        return partition_of(self.region)


def answer_data_source(
    token: str, args: dict[str, Any], region: str, account_id: str
) -> dict[str, Any]:
    """The result of invoke ``token``; ``UnansweredDataSource`` for a data source not known here."""
    answer = _DATA_SOURCES.get(token)
    if answer is None:
        raise UnansweredDataSource(token)
    try:
        return answer(_Where(region, account_id), args)
    except PolicyDocumentError as error:
        raise DataSourceError(f"{python_name(token)}: {error}") from error


class UnansweredDataSource(NotImplementedError):
    """The program called a data source the offline mocks have no answer for."""

    def __init__(self, token: str) -> None:
        known = ", ".join(sorted(python_name(t) for t in _DATA_SOURCES))
        super().__init__(
            f"the program calls the data source {python_name(token)} ({token}), which the "
            f"offline preview cannot answer (it answers {known}); add an answer to "
            "tools/mock_data_sources.py or preview this program with `pulumi preview`"
        )
        self.token = token


class DataSourceError(ValueError):
    """A data source the mocks know was called with arguments the provider would refuse."""


def python_name(token: str) -> str:
    """``aws:ec2/getVpc:getVpc`` as a program calls it: ``aws.ec2.get_vpc``."""
    package, _, rest = token.partition(":")
    module, _, function = rest.partition(":")
    module = module.split("/", 1)[0]
    snake = re.sub(r"(?<!^)(?=[A-Z])", "_", function).lower()
    path = [package] if module in ("index", "") else [package, module]
    return ".".join([*path, snake])


def partition_of(region: str) -> str:
    """The partition a region belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def dns_suffix(partition: str) -> str:
    return "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"


_DIRECTIONS = {
    "north": "n",
    "south": "s",
    "east": "e",
    "west": "w",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
    "gov": "g",
}


def zone_id_prefix(region: str) -> str:
    """A region's AZ id prefix: ``us-east-1`` gives ``use1``, ``ap-southeast-2`` ``apse2``."""
    area, *middle, number = region.split("-")
    return area + "".join(_DIRECTIONS.get(part, part[:1]) for part in middle) + number


def _availability_zones(where: _Where, args: dict[str, Any]) -> dict[str, Any]:
    letters = ("a", "b", "c")
    short = zone_id_prefix(where.region)
    return {
        "id": where.region,
        "names": [f"{where.region}{letter}" for letter in letters],
        "zoneIds": [f"{short}-az{i}" for i in range(1, len(letters) + 1)],
        "groupNames": [where.region] * len(letters),
        "state": args.get("state") or "available",
    }


def _caller_identity(where: _Where, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": where.account_id,
        "accountId": where.account_id,
        "arn": f"arn:{where.partition}:iam::{where.account_id}:user/offline-preview",
        "userId": "AIDAOFFLINEPREVIEW",
    }


def _region(where: _Where, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": where.region,
        "name": where.region,
        "region": where.region,
        "description": where.region,
        "endpoint": f"ec2.{where.region}.{dns_suffix(where.partition)}",
    }


def _partition(where: _Where, args: dict[str, Any]) -> dict[str, Any]:
    suffix = dns_suffix(where.partition)
    return {
        "id": where.partition,
        "partition": where.partition,
        "dnsSuffix": suffix,
        "reverseDnsPrefix": ".".join(reversed(suffix.split("."))),
    }


def _policy_document(where: _Where, args: dict[str, Any]) -> dict[str, Any]:
    return render_policy_document(args)


_DATA_SOURCES: dict[str, Callable[[_Where, dict[str, Any]], dict[str, Any]]] = {
    "aws:index/getAvailabilityZones:getAvailabilityZones": _availability_zones,
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getRegion:getRegion": _region,
    "aws:index/getPartition:getPartition": _partition,
    "aws:iam/getPolicyDocument:getPolicyDocument": _policy_document,
}
"""The data sources the mocks answer (a call and its ``_output`` form share a token)."""
