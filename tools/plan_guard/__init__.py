"""``python -m tools.plan_guard``: refuse plans that delete or replace what holds data.

Reads the document ``pulumi preview --json`` writes (or ``python -m tools.preview --baseline``
writes in the same shape) and refuses every step that deletes or replaces a stateful resource or
an account-level singleton, unless the allow file names that URN with a reason.
"""
