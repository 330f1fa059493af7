"""A Lambda function's execution role, built before what the function runs in."""

from .role import FunctionRole, FunctionRoleArgs

__all__ = ["FunctionRole", "FunctionRoleArgs"]
