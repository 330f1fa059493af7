"""Every SQL statement of the API, as functions taking a pg8000 native connection.

The SQL runs on PostgreSQL 15 (tests) and 16 (RDS): no MERGE ... RETURNING, no 16-only syntax.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pg8000.native import Connection

from api.errors import IdempotencyKeyReused
from api.validation import ANONYMOUS_CALLER, NewEvent, SummaryQuery

# Any constant works; all containers must agree on it. ("cwa-schema" as bytes, truncated.)
SCHEMA_LOCK_ID = 0x6377615F736368

CALLER_KEY_INDEX = "events_caller_idempotency_key_key"
"""Idempotency keys are unique per caller: two callers may pick the same key."""

SCHEMA_STATEMENTS = (
    """
    CREATE TABLE IF NOT EXISTS events (
        id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name            TEXT NOT NULL,
        value           DOUBLE PRECISION NOT NULL,
        ts              TIMESTAMPTZ NOT NULL,
        dimensions      JSONB NOT NULL DEFAULT '{}'::jsonb,
        idempotency_key TEXT,
        request_hash    TEXT,
        received_at     TIMESTAMPTZ NOT NULL DEFAULT now()
    )
    """,
    # A table made before keys were scoped per caller gets the column; a constant default is
    # stored in the catalogue (PostgreSQL 11+), so this does not rewrite the table.
    "ALTER TABLE events ADD COLUMN IF NOT EXISTS caller TEXT NOT NULL "
    f"DEFAULT '{ANONYMOUS_CALLER}'",
    f"CREATE UNIQUE INDEX IF NOT EXISTS {CALLER_KEY_INDEX} ON events (caller, idempotency_key)",
    # The table-wide key constraint of the first schema (PostgreSQL's default name for it).
    "ALTER TABLE events DROP CONSTRAINT IF EXISTS events_idempotency_key_key",
    "CREATE INDEX IF NOT EXISTS events_name_ts_idx ON events (name, ts)",
)
"""Creates the schema or brings an older one up to date; each statement is a no-op when its
part is already there, and all of them run in one transaction."""

_EVENT_COLUMNS = "id, name, value, ts, dimensions, received_at"


@dataclass(frozen=True)
class StoredEvent:
    """An event as stored (the POST /events response)."""

    id: int
    name: str
    value: float
    timestamp: datetime
    dimensions: dict[str, str]
    received_at: datetime

    def to_json(self) -> dict[str, Any]:
        """The JSON body of this event."""
        return {
            "id": self.id,
            "name": self.name,
            "value": self.value,
            "timestamp": self.timestamp.isoformat(),
            "dimensions": self.dimensions,
            "received_at": self.received_at.isoformat(),
        }


@dataclass(frozen=True)
class Bucket:
    """One bucket of GET /events/summary."""

    start: datetime
    count: int
    sum: float
    avg: float
    p95: float

    def to_json(self) -> dict[str, Any]:
        """The JSON form of this bucket."""
        return {
            "start": self.start.isoformat(),
            "count": self.count,
            "sum": self.sum,
            "avg": self.avg,
            "p95": self.p95,
        }


def ping(con: Connection) -> None:
    """One round trip: ``SELECT 1``."""
    con.run("SELECT 1")


def schema_current(con: Connection) -> bool:
    """Whether the schema is up to date (a cheap check before taking the lock): the per-caller
    key index is made by the last statements, in the same transaction as the rest.

    Reads pg_class under the statement's snapshot: ``to_regclass`` goes through the session's
    catalogue cache, which an advisory lock does not refresh, so it can miss a table another
    session just committed.
    """
    rows = con.run(
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c "
        "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relname = :index)",
        index=CALLER_KEY_INDEX,
    )
    return bool(rows[0][0])


def ensure_schema(con: Connection) -> bool:
    """Create or upgrade the schema; safe when many containers race. True if this call did it.

    ``CREATE TABLE IF NOT EXISTS`` alone is not race-free (two sessions can both pass the
    check and one fails on the catalogue's unique index), so creators serialise on a
    transaction-scoped advisory lock and re-check under it.
    """
    if schema_current(con):
        return False
    con.run("START TRANSACTION")
    try:
        con.run("SELECT pg_advisory_xact_lock(:id)", id=SCHEMA_LOCK_ID)
        created = not schema_current(con)
        if created:  # another session may have done it while this one waited for the lock
            for statement in SCHEMA_STATEMENTS:
                con.run(statement)
        con.run("COMMIT")
    except BaseException:
        _rollback_quietly(con)
        raise
    return created


def _rollback_quietly(con: Connection) -> None:
    try:
        con.run("ROLLBACK")
    except Exception:  # noqa: BLE001 - the connection may be gone; the caller reports that
        pass


def _to_event(row: list[Any]) -> StoredEvent:
    return StoredEvent(
        id=int(row[0]),
        name=row[1],
        value=float(row[2]),
        timestamp=row[3],
        dimensions=dict(row[4] or {}),
        received_at=row[5],
    )


def insert_event(
    con: Connection, event: NewEvent, idempotency_key: str | None, caller: str
) -> tuple[StoredEvent, bool]:
    """Store an event; with a key, the same caller's retry returns the first row. Returns
    (event, replayed).

    Keys are scoped per caller: another caller's row under the same key is never returned.
    Raises ``IdempotencyKeyReused`` when the caller used the key for a different request.
    """
    fingerprint = event.fingerprint()
    rows = con.run(
        f"""
        INSERT INTO events (name, value, ts, dimensions, idempotency_key, request_hash, caller)
        VALUES (:name, :value, COALESCE(CAST(:ts AS timestamptz), now()),
                CAST(:dimensions AS jsonb), :key, :hash, :caller)
        ON CONFLICT (caller, idempotency_key) DO NOTHING
        RETURNING {_EVENT_COLUMNS}
        """,
        name=event.name,
        value=event.value,
        ts=event.timestamp,
        dimensions=json.dumps(event.dimensions),
        key=idempotency_key,
        hash=fingerprint,
        caller=caller,
    )
    if rows:
        return _to_event(rows[0]), False
    # Only a non-null key can conflict; the first request's row is committed and visible.
    existing = con.run(
        f"SELECT {_EVENT_COLUMNS}, request_hash FROM events "
        "WHERE caller = :caller AND idempotency_key = :key",
        caller=caller,
        key=idempotency_key,
    )
    if existing[0][6] != fingerprint:
        raise IdempotencyKeyReused("Idempotency-Key was already used for a different request body")
    return _to_event(existing[0][:6]), True


def summarise(con: Connection, query: SummaryQuery) -> list[Bucket]:
    """count, sum, avg and p95 (percentile_cont) of an event name per time bucket (UTC)."""
    rows = con.run(
        """
        SELECT date_trunc(CAST(:bucket AS text), ts, 'UTC') AS bucket_start,
               count(*),
               sum(value),
               avg(value),
               percentile_cont(0.95) WITHIN GROUP (ORDER BY value)
        FROM events
        WHERE name = :name AND ts >= :start AND ts < :end
        GROUP BY bucket_start
        ORDER BY bucket_start
        """,
        bucket=query.bucket,
        name=query.name,
        start=query.start,
        end=query.end,
    )
    return [
        Bucket(start=r[0], count=int(r[1]), sum=float(r[2]), avg=float(r[3]), p95=float(r[4]))
        for r in rows
    ]
