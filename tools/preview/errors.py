"""The errors the offline preview reports with exit status 2 (it could not run)."""

from __future__ import annotations


class PreviewError(Exception):
    """The preview could not run: the message says what and where, without a traceback."""

    def __init__(self, message: str, detail: str = "") -> None:
        super().__init__(message)
        self.detail = detail
        """Extra text (a program's traceback, a process's stderr) shown only with --verbose."""


class StackConfigError(PreviewError):
    """Pulumi.yaml or Pulumi.<stack>.yaml is missing, malformed or incomplete."""


class ProgramError(PreviewError):
    """The Pulumi program raised, or its process died, while running under mocks."""
