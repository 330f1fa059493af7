"""The database: RDS PostgreSQL, its credentials secret, log groups and alarms."""

from .instance import MonitoredDatabase, MonitoredDatabaseArgs

__all__ = ["MonitoredDatabase", "MonitoredDatabaseArgs"]
