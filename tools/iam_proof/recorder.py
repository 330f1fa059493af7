"""Record every AWS call a process makes: service, operation, region and request parameters.

Installed from outside the code under test (the local system's worker, a pytest fixture) and
never by the functions themselves. It hooks botocore's ``before-parameter-build`` event, which
every client emits once per API call (retries included in that one call) with the caller's own
parameters, on every session created after :func:`install` and on the default boto3 session.

Only the standard library and botocore are imported: the worker loads this file by path into the
function's own interpreter, and nothing of the repository may become importable there.
One JSON object a line is appended to the log file; several processes may share it (each line is
written with a single ``write`` on a file opened for appending).
"""

from __future__ import annotations

import base64
import datetime
import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

ENV_VAR = "CWA_AWS_CALL_LOG"
"""Where the local system's worker is told to append the calls (a file path)."""

Attribution = Callable[[], "str | None"]
"""Names who made the call being recorded (a function name); None: not one to record."""

_CREDENTIAL_VARIABLES = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"}
)
_lock = threading.Lock()
_installed: dict[str, Any] = {}


def _plain(value: Any) -> Any:
    """Parameters as JSON: bytes as base64, datetimes as ISO strings, the rest as is."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return repr(value)


def frames_under(roots: Mapping[str, Path]) -> Attribution:
    """Attribute a call to the first label whose directory holds a frame of the calling stack.

    For processes that run more than the function (a test session): calls the test makes to set
    up the emulator are not the function's and are not recorded.
    """
    prefixes = [(str(path.resolve()) + os.sep, label) for label, path in roots.items()]

    def attribute() -> str | None:
        frame = sys._getframe(2)
        while frame is not None:
            filename = frame.f_code.co_filename
            for prefix, label in prefixes:
                if filename.startswith(prefix):
                    return label
            frame = frame.f_back  # type: ignore[assignment]
        return None

    return attribute


def fixed(label: str) -> Attribution:
    """Attribute every call of the process to one function (a Lambda worker runs nothing else)."""
    return lambda: label


def install(log_path: Path, attribute: Attribution) -> None:
    """Record from now on every call ``attribute`` names a function for, into ``log_path``.

    Idempotent per process: a second call replaces the log and the attribution.
    """
    import botocore.session  # noqa: PLC0415 - the caller's botocore, imported only when used

    _installed["path"] = Path(log_path)
    _installed["attribute"] = attribute
    if _installed.get("patched"):
        return
    original = botocore.session.Session.create_client

    def create_client(self: Any, *args: Any, **kwargs: Any) -> Any:
        client = original(self, *args, **kwargs)
        client.meta.events.register("before-parameter-build", _record)
        return client

    botocore.session.Session.create_client = create_client
    _installed["patched"] = True
    _installed["original"] = original


def uninstall() -> None:
    """Stop recording for clients created from now on (tests that install it temporarily)."""
    import botocore.session  # noqa: PLC0415

    if _installed.get("patched"):
        botocore.session.Session.create_client = _installed["original"]
    _installed.clear()


def _record(params: Mapping[str, Any], model: Any, context: Mapping[str, Any], **_: Any) -> None:
    attribute: Attribution | None = _installed.get("attribute")
    if attribute is None:
        return
    function = attribute()
    if function is None:
        return
    _append(
        {
            "function": function,
            "service": model.service_model.service_name,
            "operation": model.name,
            "region": context.get("client_region"),
            "params": params,
        }
    )


def _append(entry: Mapping[str, Any]) -> None:
    path: Path | None = _installed.get("path")
    if path is None:
        return
    line = json.dumps(_plain(entry), sort_keys=True)
    with _lock, path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _invocation_source(event: Any) -> dict[str, Any]:
    """What of an event says who invoked the function (the service calls Lambda for it)."""
    if not isinstance(event, Mapping):
        return {"source": "unknown"}
    context = event.get("requestContext")
    if isinstance(context, Mapping) and "httpMethod" in context:
        return {
            "source": "apigateway",
            "api_id": context.get("apiId"),
            "stage": context.get("stage"),
            "method": context.get("httpMethod"),
            "resource": context.get("resourcePath") or event.get("resource"),
            "path": event.get("path"),
        }
    if event.get("source") == "aws.events":
        return {"source": "events", "resources": list(event.get("resources") or [])}
    return {"source": "unknown"}


def wrap_handler(handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    """The handler, recording who invoked it before each invocation."""

    def recorded(event: Any, context: Any) -> Any:
        attribute: Attribution | None = _installed.get("attribute")
        function = attribute() if attribute else None
        if function is not None:
            _append({"function": function, "invocation": _invocation_source(event)})
        return handler(event, context)

    return recorded


def install_from_environment() -> bool:
    """In a Lambda worker: record every call into the file ``CWA_AWS_CALL_LOG`` names.

    The variable is removed from the environment first, so the function never sees it.
    """
    target = os.environ.pop(ENV_VAR, "")
    if not target:
        return False
    function = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "unknown")
    install(Path(target), fixed(function))
    # What the function learns resource names from: the proof maps the local system's values
    # (an emulator's secret ARN) onto the stack's. Credentials are left out.
    environment = {k: v for k, v in os.environ.items() if k not in _CREDENTIAL_VARIABLES}
    _append({"function": function, "environment": environment})
    return True
