"""The database: RDS PostgreSQL, its credentials secret, log groups and alarms."""

from .alarms import DatabaseThresholds, thresholds_for
from .instance import MonitoredDatabase, MonitoredDatabaseArgs, max_allocated_storage

__all__ = [
    "DatabaseThresholds",
    "MonitoredDatabase",
    "MonitoredDatabaseArgs",
    "max_allocated_storage",
    "thresholds_for",
]
