"""What the program needs to know about RDS instance classes.

Memory sizes decide the connection alarm threshold (PostgreSQL's default ``max_connections``
on RDS is ``LEAST(DBInstanceClassMemory / 9531392, 5000)``); the Performance Insights rule comes
from the RDS documentation: the smallest burstable sizes (``*.micro``) do not support it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GIB = 1024**3

# Memory in GiB per size, for the burstable families; the fixed-performance families share
# a memory-per-vCPU ratio, listed below.
_BURSTABLE_MEMORY_GIB: dict[str, float] = {
    "micro": 1,
    "small": 2,
    "medium": 4,
    "large": 8,
    "xlarge": 16,
    "2xlarge": 32,
}
_VCPUS_PER_SIZE: dict[str, int] = {
    "large": 2,
    "xlarge": 4,
    "2xlarge": 8,
    "4xlarge": 16,
    "8xlarge": 32,
    "12xlarge": 48,
    "16xlarge": 64,
    "24xlarge": 96,
}
_GIB_PER_VCPU: dict[str, int] = {
    "m5": 4,
    "m6g": 4,
    "m6gd": 4,
    "m6i": 4,
    "m6id": 4,
    "m7g": 4,
    "m7i": 4,
    "r5": 8,
    "r6g": 8,
    "r6gd": 8,
    "r6i": 8,
    "r6id": 8,
    "r7g": 8,
    "r7i": 8,
}
BURSTABLE_FAMILIES = ("t3", "t4g")
KNOWN_FAMILIES = BURSTABLE_FAMILIES + tuple(_GIB_PER_VCPU)

_CLASS_PATTERN = re.compile(r"^db\.(?P<family>[a-z0-9]+)\.(?P<size>[a-z0-9]+)$")
# RDS reserves part of the instance memory for the OS and its agents; this is the share left
# to DBInstanceClassMemory, close to what RDS reports for the burstable classes.
_DB_MEMORY_SHARE = 0.9
_BYTES_PER_CONNECTION = 9_531_392
_MAX_CONNECTIONS_CAP = 5000


@dataclass(frozen=True)
class InstanceClass:
    """An RDS instance class this project knows how to size alarms for."""

    name: str
    family: str
    size: str
    memory_bytes: int

    @property
    def supports_performance_insights(self) -> bool:
        """Performance Insights is unavailable on ``*.micro`` classes (RDS rejects the call)."""
        return self.size != "micro"

    @property
    def max_connections(self) -> int:
        """PostgreSQL's default ``max_connections`` on RDS for this class."""
        usable = int(self.memory_bytes * _DB_MEMORY_SHARE)
        return min(usable // _BYTES_PER_CONNECTION, _MAX_CONNECTIONS_CAP)


def parse_instance_class(name: str) -> InstanceClass:
    """Return the class described by ``name`` (``db.t3.small``) or raise ``ValueError``.

    The message names the rule that failed: the ``db.<family>.<size>`` shape, an unknown
    family, or a size the family does not come in.
    """
    match = _CLASS_PATTERN.match(name)
    if match is None:
        raise ValueError("must look like db.<family>.<size>, e.g. db.t3.small")
    family, size = match["family"], match["size"]
    if family not in KNOWN_FAMILIES:
        raise ValueError(
            f"unknown instance class family '{family}' (known: {', '.join(KNOWN_FAMILIES)})"
        )
    if family in BURSTABLE_FAMILIES:
        if size not in _BURSTABLE_MEMORY_GIB:
            raise ValueError(
                f"family '{family}' has no size '{size}' "
                f"(sizes: {', '.join(_BURSTABLE_MEMORY_GIB)})"
            )
        memory_gib = _BURSTABLE_MEMORY_GIB[size]
    else:
        if size not in _VCPUS_PER_SIZE:
            raise ValueError(
                f"family '{family}' has no size '{size}' (sizes: {', '.join(_VCPUS_PER_SIZE)})"
            )
        memory_gib = _VCPUS_PER_SIZE[size] * _GIB_PER_VCPU[family]
    return InstanceClass(name=name, family=family, size=size, memory_bytes=int(memory_gib * GIB))
