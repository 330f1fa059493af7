"""``python -m tools.preview``: preview a stack offline and check it against the policy pack.

Exit status: 0 no mandatory violation, 1 at least one, 2 the config, the program or the pack
could not run (the error on stderr; its traceback only with ``--verbose``).
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tools.policy_analyzer import PolicyPackError, PolicyPackProcess, load_policy_config
from tools.preview.errors import PreviewError
from tools.preview.graph import render_mermaid, replace_generated_block
from tools.preview.interpreters import pack_interpreter, program_interpreter
from tools.preview.judgement import EXIT_COULD_NOT_RUN, EXIT_OK, judge
from tools.preview.program import TOOLS_ROOT, run_program, start_program
from tools.preview.report_json import write_report
from tools.preview.stack_config import load_stack_config, pack_config_path
from tools.preview.upgrade import plan_upgrade

REPO_ROOT = TOOLS_ROOT


@dataclass(frozen=True)
class Arguments:
    """The command line, with defaults resolved against the repository root."""

    stack: str
    program: Path
    policy_pack: Path
    policy_pack_config: Path | None
    json: Path | None
    verbose: bool
    graph: str | None = None
    write: Path | None = None
    python: Path | None = None
    baseline: str | None = None


def parse_arguments(argv: Sequence[str] | None = None) -> Arguments:
    """Parse the command line; the pack config defaults to ``<pack>/config/<stack>.json``."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.preview",
        description="Run a Pulumi Python program under mocks and check it with a policy pack.",
    )
    parser.add_argument("--stack", default="dev", help="stack name (Pulumi.<stack>.yaml)")
    parser.add_argument(
        "--program",
        type=Path,
        default=REPO_ROOT,
        help="program directory (default: the repository root)",
    )
    parser.add_argument(
        "--policy-pack",
        type=Path,
        default=REPO_ROOT / "policies",
        help="policy pack directory (default: policies/)",
    )
    parser.add_argument(
        "--policy-pack-config",
        type=Path,
        default=None,
        help="policy config JSON (default: <pack>/config/<stack>.json when it exists; "
        "dev's for a pull-request stack pr-<n>)",
    )
    parser.add_argument("--json", type=Path, default=None, help="write a JSON report here")
    parser.add_argument(
        "--verbose", action="store_true", help="show inputs, the program's output and tracebacks"
    )
    parser.add_argument(
        "--graph",
        choices=["mermaid"],
        default=None,
        help="print a diagram of components, resources and dependencies instead of the "
        "policy results; the pack runs only with --json (one program run gives both)",
    )
    parser.add_argument(
        "--write",
        type=Path,
        default=None,
        help="with --graph: replace the generated-diagram block of this Markdown file",
    )
    parser.add_argument(
        "--python",
        type=Path,
        default=None,
        help="run the program with this interpreter instead of the virtualenv its Pulumi.yaml "
        "names (the policy pack always runs as PulumiPolicy.yaml says)",
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        default=None,
        help="instead of checking policies, plan the upgrade from the program at this git ref "
        "to the work tree (create/update/replace/delete by URN); --json writes the plan in "
        "the shape of `pulumi preview --json` for `python -m tools.plan_guard`",
    )
    namespace = parser.parse_args(argv)
    if namespace.baseline is not None and namespace.graph is not None:
        parser.error("--baseline and --graph do not combine")
    if namespace.write is not None and namespace.graph is None:
        parser.error("--write needs --graph")
    if namespace.write is not None and not namespace.write.is_file():
        # Checked before the program runs: a run that cannot end well is not started.
        parser.error(f"--write {namespace.write}: not found (it updates an existing Markdown file)")
    config = namespace.policy_pack_config
    if config is None:
        config = pack_config_path(namespace.policy_pack, namespace.stack)
    return Arguments(
        stack=namespace.stack,
        program=namespace.program,
        policy_pack=namespace.policy_pack,
        policy_pack_config=config,
        json=namespace.json,
        verbose=namespace.verbose,
        graph=namespace.graph,
        write=namespace.write,
        python=namespace.python,
        baseline=namespace.baseline,
    )


def preview(args: Arguments) -> int:
    """Run the preview; the exit status for the policy result. Raises ``PreviewError``."""
    stack = load_stack_config(args.program, args.stack)
    if not (args.policy_pack / "PulumiPolicy.yaml").is_file():
        raise PreviewError(f"policy pack {args.policy_pack} has no PulumiPolicy.yaml")
    pack_config = _pack_config(args.policy_pack_config)
    program_python = program_interpreter(stack.program_dir, args.python)
    pack_python = pack_interpreter(args.policy_pack)
    sys.stderr.write(
        f"program interpreter: {program_python.describe()}\n"
        f"policy pack interpreter: {pack_python.describe()}\n"
    )
    run = start_program(stack, python=str(program_python.path))
    try:
        # The pack starts while the program runs in its own process: the two overlap.
        with PolicyPackProcess(
            args.policy_pack,
            python=str(pack_python.path),
            config=pack_config,
            project=stack.project,
            stack=stack.stack,
            stack_config=stack.config,
        ) as pack:
            program = run.result()
            if args.verbose and program.log:
                sys.stderr.write(program.log)
            judgement = judge(pack, args.policy_pack, stack, program.resources)
    finally:
        run.close()
    # The diagram alone goes to stdout when it is printed; the verdict's reasons then go to
    # stderr, so an exit status 1 is never left unexplained.
    report = sys.stdout if args.graph is None or args.write is not None else sys.stderr
    report.write(judgement.console(show_inputs=args.verbose))
    if args.json is not None:
        write_report(args.json, judgement.json_report())
    if args.graph is not None:
        _show_diagram(args, render_mermaid(program.resources))
    return judgement.exit_status


def draw(args: Arguments) -> int:
    """Run the program (no policy pack) and print or write its Mermaid diagram."""
    stack = load_stack_config(args.program, args.stack)
    program_python = program_interpreter(stack.program_dir, args.python)
    sys.stderr.write(f"program interpreter: {program_python.describe()}\n")
    program = run_program(stack, python=str(program_python.path))
    if args.verbose and program.log:
        sys.stderr.write(program.log)
    _show_diagram(args, render_mermaid(program.resources))
    return EXIT_OK


def _show_diagram(args: Arguments, diagram: str) -> None:
    """Print ``diagram``, or put it into the generated block of the file ``--write`` names."""
    if args.write is None:
        sys.stdout.write(diagram)
        return
    document = args.write.read_text(encoding="utf-8")  # its existence is checked up front
    args.write.write_text(replace_generated_block(document, diagram, args.write), encoding="utf-8")
    sys.stdout.write(f"wrote the {args.stack} diagram to {args.write}\n")


def _pack_config(path: Path | None) -> dict[str, Any] | None:
    if path is None:
        return None
    if not path.is_file():
        raise PreviewError(f"policy pack config {path} not found")
    try:
        return load_policy_config(path)
    except ValueError as error:
        raise PreviewError(str(error)) from error


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: 0 no mandatory violation, 1 a mandatory violation, 2 could not run."""
    args = parse_arguments(argv)
    try:
        if args.baseline is not None:
            return plan_upgrade(
                args.program, args.stack, args.baseline, args.json, python=args.python
            )
        # With --json the pack checks the program run that draws the diagram.
        return draw(args) if args.graph and args.json is None else preview(args)
    except PreviewError as error:
        _report_failure(str(error), error.detail if args.verbose else "")
    except PolicyPackError as error:
        if args.verbose:
            _report_failure(str(error), traceback.format_exc())
        else:
            _report_failure(_without_traceback(str(error)), "")
    except Exception as error:  # noqa: BLE001 - any failure must become exit 2, not a crash
        detail = traceback.format_exc() if args.verbose else ""
        _report_failure(f"{type(error).__name__}: {error}", detail)
    return EXIT_COULD_NOT_RUN


def _without_traceback(message: str) -> str:
    """A pack error's first line and the last line of the pack's stderr (its exception)."""
    head, _, stderr = message.partition("\n--- pack stderr ---\n")
    last = [line for line in stderr.splitlines() if line.strip()][-1:]
    return head.splitlines()[0] + "".join(f": {line.strip()}" for line in last)


def _report_failure(message: str, detail: str) -> None:
    if detail:
        sys.stderr.write(detail.rstrip() + "\n")
    sys.stderr.write(f"error: {message}\n")
