"""The child side of ``tools.preview.program``: run one program under mocks, report as JSON.

Started as ``python -m tools.preview.program_child REQUEST.json`` with the program's directory as
cwd; reads the request (project, stack, entry file, config) and writes the registered resources,
or the program's exception, to the result file the request names. Everything the program prints
goes to this process's stdout, which the parent keeps as the run's log.
"""

from __future__ import annotations

import gc
import json
import runpy
import sys
import traceback
from pathlib import Path
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import rpc
from pulumi.runtime.sync_await import _sync_await

from tools.preview.program import encode_struct
from tools.pulumi_mocks import MockRun, RecordedResource, run_in_mocks

GC_THRESHOLD = (20_000, 20, 20)
"""The collector's thresholds while the program runs (Python's default: 700, 10, 10)."""


def main() -> int:
    """Serve the request file named by argv[1]; exit status 0 once a result file is written."""
    # A program under mocks imports pulumi_aws's service modules as it goes: millions of
    # long-lived objects, little garbage. With the default thresholds the collector spent about
    # a sixth of a run walking them; what is loaded so far is frozen out of its passes, and the
    # passes come in larger batches.
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)
    request = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    result_path = Path(request["resultPath"])
    try:
        resources = run_request(request)
    except BaseException as error:  # noqa: BLE001 - a program may raise anything, even SystemExit
        failure = {
            "type": type(error).__name__,
            "message": str(error) or repr(error),
            "traceback": _program_traceback(error, Path(request["main"]).parent),
        }
        result_path.write_text(json.dumps({"error": failure}), encoding="utf-8")
        return 0
    result_path.write_text(json.dumps({"resources": resources}), encoding="utf-8")
    return 0


def _program_traceback(error: BaseException, program_dir: Path) -> str:
    """The traceback from the program's first frame on (the runner's frames are noise)."""
    tb = error.__traceback__
    while tb is not None and not tb.tb_frame.f_code.co_filename.startswith(str(program_dir)):
        tb = tb.tb_next
    if tb is None:
        return "".join(traceback.format_exception(error))
    return "".join(traceback.format_exception(type(error), error, tb))


def run_request(request: dict[str, Any]) -> list[dict[str, Any]]:
    """Run the request's program under mocks in this process; its resources as reported.

    Tests call it to judge many small programs in one process without an interpreter each.
    """
    return encode_resources(record_request(request))


def record_request(request: dict[str, Any]) -> MockRun:
    """Run the request's program under mocks in this process; what it registered and exported.

    The program's directory goes first on ``sys.path`` (as the Pulumi host puts it) and stays.
    """
    main_file = Path(request["main"])
    sys.path.insert(0, str(main_file.parent))
    return run_in_mocks(
        lambda: runpy.run_path(str(main_file), run_name="__main__"),
        config=request["config"],
        project=request["project"],
        stack=request["stack"],
        secret_keys=request["secretKeys"],
    )


def encode_resources(run: MockRun) -> list[dict[str, Any]]:
    """A run's resources as the child reports them (``tools.preview.program.decode_resource``
    reads them back)."""

    def encode(recorded: RecordedResource) -> dict[str, Any]:
        return {
            "urn": recorded.urn,
            "type": recorded.type,
            "name": recorded.name,
            "parent": recorded.parent,
            "custom": recorded.custom,
            "inputs": encode_struct(recorded.properties),
            "outputs": encode_struct(_serialise_outputs(recorded.outputs)),
            "options": recorded.options.to_json(),
        }

    return [encode(recorded) for recorded in run.resources]


def _serialise_outputs(outputs: dict[str, Any]) -> struct_pb2.Struct:
    """The mocked state in wire form, the way the engine hands outputs to AnalyzeStack."""
    return _sync_await(rpc.serialize_properties(outputs, {}))


if __name__ == "__main__":
    sys.exit(main())
