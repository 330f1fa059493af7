"""RDS instance classes: memory, max_connections and Performance Insights support."""

from __future__ import annotations

import pytest

from components.lib.instance_classes import GIB, parse_instance_class


@pytest.mark.parametrize(
    ("name", "gib"),
    [
        ("db.t3.micro", 1),
        ("db.t3.small", 2),
        ("db.t4g.large", 8),
        ("db.m6g.large", 8),
        ("db.r6g.xlarge", 32),
        ("db.m5.4xlarge", 64),
    ],
)
def test_instance_class_memory(name: str, gib: int) -> None:
    assert parse_instance_class(name).memory_bytes == gib * GIB, name


def test_instance_class_max_connections_follows_rds_formula() -> None:
    """RDS default: DBInstanceClassMemory / 9531392, with ~90 % of the memory usable."""
    small = parse_instance_class("db.t3.small")
    assert small.max_connections == int(2 * GIB * 0.9) // 9_531_392
    assert 150 < small.max_connections < 250
    assert parse_instance_class("db.t3.micro").max_connections < small.max_connections


def test_instance_class_max_connections_is_capped() -> None:
    assert parse_instance_class("db.r6g.16xlarge").max_connections == 5000


def test_instance_class_performance_insights_off_on_micro() -> None:
    """Performance Insights is not supported on db.t3.micro."""
    assert parse_instance_class("db.t3.micro").supports_performance_insights is False
    assert parse_instance_class("db.t4g.micro").supports_performance_insights is False


def test_instance_class_performance_insights_on_small_and_larger() -> None:
    """The default class db.t3.small supports Performance Insights."""
    for name in ("db.t3.small", "db.t3.medium", "db.m6g.large"):
        assert parse_instance_class(name).supports_performance_insights, name


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("t3.small", "must look like db.<family>.<size>"),
        ("db.x9.large", "unknown instance class family 'x9'"),
        ("db.t3.4xlarge", "family 't3' has no size '4xlarge'"),
        ("db.m6g.micro", "family 'm6g' has no size 'micro'"),
    ],
)
def test_instance_class_rejects(name: str, message: str) -> None:
    with pytest.raises(ValueError, match=message.replace(".", r"\.")):
        parse_instance_class(name)
