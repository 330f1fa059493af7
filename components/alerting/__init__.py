"""The stack's KMS key and its encrypted alert topic."""

from .hub import AlertingHub, AlertingHubArgs
from .policies import key_policy, log_group_names, topic_policy

__all__ = ["AlertingHub", "AlertingHubArgs", "key_policy", "log_group_names", "topic_policy"]
