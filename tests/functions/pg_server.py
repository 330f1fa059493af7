"""The throw-away PostgreSQL server now lives in ``tools.local.pg_server`` (``make local`` uses it
too); this name stays for the Lambda tests and the handler benchmark."""

from tools.local.pg_server import (
    SUPERUSER,
    PgServer,
    PostgresUnavailableError,
    TlsMaterial,
    find_bin_dir,
    free_port,
    make_ca_and_server_cert,
    start_server,
)

__all__ = [
    "SUPERUSER",
    "PgServer",
    "PostgresUnavailableError",
    "TlsMaterial",
    "find_bin_dir",
    "free_port",
    "make_ca_and_server_cert",
    "start_server",
]
