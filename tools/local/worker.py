"""One Lambda "container": imports a function's ``handler.py`` and runs invocations one at a time.

Started by ``tools.local.functions`` with the function's environment. Invocations arrive as JSON
lines on stdin. Everything the handler prints goes to stdout, as it would to CloudWatch Logs
in Lambda (EMF lines included); after each invocation one line starting with the marker given
in ``CWA_LOCAL_MARKER`` carries the result, so the parent has read every line the invocation
printed when it gets the result.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class LocalContext:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    function_name: str
    memory_limit_in_mb: int
    invoked_function_arn: str
    aws_request_id: str
    timeout_seconds: float
    function_version: str = "$LATEST"
    log_group_name: str = ""
    log_stream_name: str = "local"
    _deadline: float = field(default=0.0, repr=False)

    def __post_init__(self) -> None:
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self._deadline = time.monotonic() + self.timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the function's timeout."""
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(function_dir: Path, shared_dirs: Sequence[Path] = ()) -> Any:
    """``handler.handler`` of the function, imported with its directory first on ``sys.path``.

    ``shared_dirs`` come next: their contents sit at the archive's root beside the function's
    own code in Lambda (the shared contract package), so they are importable the same way.
    """
    for directory in reversed((function_dir, *shared_dirs)):
        sys.path.insert(0, str(directory))
    spec = importlib.util.spec_from_file_location("handler", function_dir / "handler.py")
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {function_dir / 'handler.py'}")
    module = importlib.util.module_from_spec(spec)
    sys.modules["handler"] = module
    spec.loader.exec_module(module)
    return module.handler


def install_call_recorder() -> Any:
    """Record the function's AWS calls when the system asks (``tools.iam_proof`` reads them);
    returns what wraps the handler to record who invokes it.

    Loaded by file path so that no repository package becomes importable to the function.
    """
    path = Path(__file__).resolve().parents[1] / "iam_proof" / "recorder.py"
    spec = importlib.util.spec_from_file_location("_cwa_aws_call_recorder", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.install_from_environment()
    return module.wrap_handler


def main() -> int:
    """Serve invocations until stdin closes."""
    function_dir = Path(sys.argv[1])
    shared_dirs = [Path(arg) for arg in sys.argv[2:]]
    # Started by file name: drop this tool's directory, the function sees only its own code.
    sys.path.pop(0)
    marker = os.environ.pop("CWA_LOCAL_MARKER")
    out = sys.stdout
    try:
        wrap = install_call_recorder() if os.environ.get("CWA_AWS_CALL_LOG") else None
        handler = load_handler(function_dir, shared_dirs)
        if wrap is not None:
            handler = wrap(handler)
        out.write(marker + json.dumps({"ready": True}) + "\n")
    except Exception:  # noqa: BLE001 - reported to the parent as the init error Lambda shows
        out.write(marker + json.dumps({"ready": False, "error": traceback.format_exc()}) + "\n")
        out.flush()
        return 1
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        context = LocalContext(**request["context"])
        try:
            reply: dict[str, Any] = {"result": handler(request["event"], context)}
        except Exception as exc:  # noqa: BLE001 - Lambda reports the error, the container lives on
            traceback.print_exc(file=out)
            reply = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc)}}
        sys.stdout.flush()
        out.write(marker + json.dumps(reply, default=str) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
