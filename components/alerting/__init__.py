"""The stack's KMS key and its encrypted alert topic."""

from .hub import AlertingHub, AlertingHubArgs

__all__ = ["AlertingHub", "AlertingHubArgs"]
