"""The offline preview's verdict on a program run in the test's own process.

``python -m tools.preview`` starts an interpreter for the program and another for the policy
pack, for every preview. Tests that ask what the pack concludes about a program (which resources
it rejects, what the JSON report holds) need neither: the program runs here through the program
child's own entry (``record_request``), and one running pack judges any number of programs through
the CLI's own ``judge``. What only the process boundary shows (exit status, the files and text
the CLI writes) is still proven with the real command (tests/tools/test_preview_cli.py), which
also proves this path reports what the command does.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.tools.helpers import FIXTURES, ToolRun
from tools.policy_analyzer import PolicyPackProcess, load_policy_config
from tools.preview.interpreters import pack_interpreter
from tools.preview.judgement import Judgement, judge
from tools.preview.model import PreviewResource
from tools.preview.program import decode_resource, program_request
from tools.preview.program_child import encode_resources, record_request
from tools.preview.stack_config import StackConfig, load_stack_config, pack_config_path
from tools.pulumi_mocks import MockRun

REPO_ROOT = Path(__file__).resolve().parent.parent
REPO_PACK = REPO_ROOT / "policies"


@contextlib.contextmanager
def pack_process(pack_dir: Path = REPO_PACK, stack: str = "test") -> Iterator[PolicyPackProcess]:
    """The pack started as the CLI starts it for ``stack``: the interpreter its
    ``PulumiPolicy.yaml`` names and the stack's config file, if the pack has one.

    The CLI also hands the pack the program's project name and config; the pack reads neither
    (they only fill its environment), so one process judges programs of any project.
    """
    config_path = pack_config_path(pack_dir, stack)
    config = load_policy_config(config_path) if config_path is not None else None
    python = str(pack_interpreter(pack_dir).path)
    with PolicyPackProcess(pack_dir, python=python, config=config, stack=stack) as pack:
        yield pack


def program_run(stack: StackConfig) -> MockRun:
    """``stack``'s program run under mocks in this process from its own directory, through the
    program child's own entry: what it registered and exported."""
    request = program_request(stack)
    search_path = list(sys.path)
    try:
        with contextlib.chdir(stack.program_dir):
            return record_request(request)
    finally:
        sys.path[:] = search_path  # the program's directory goes first while it runs


def as_previewed(run: MockRun) -> list[PreviewResource]:
    """A run's resources encoded as the program child reports them and decoded exactly as the
    CLI decodes that report."""
    return [decode_resource(item) for item in encode_resources(run)]


def program_resources(stack: StackConfig) -> list[PreviewResource]:
    """What ``stack``'s program registers under mocks, run in this process from its own
    directory, decoded exactly as the CLI decodes its program child's report."""
    return as_previewed(program_run(stack))


def judge_program(pack: PolicyPackProcess, program_dir: Path, stack: str = "test") -> Judgement:
    """The preview's verdict on the program in ``program_dir`` for ``stack``, by ``pack``."""
    config = load_stack_config(program_dir, stack)
    return judge(pack, pack.pack_dir, config, program_resources(config))


def mandatory_names(judgement: Judgement) -> frozenset[str]:
    """Logical names of the resources a mandatory policy rejected."""
    return frozenset(f.urn.rsplit("::", 1)[-1] for f in judgement.report.mandatory)


def as_tool_run(judgement: Judgement) -> ToolRun:
    """The verdict as the command hands it over: its exit status, the text it prints and the
    report ``--json`` writes (nothing goes to stderr when the program runs)."""
    return ToolRun(judgement.exit_status, judgement.console(), "", judgement.json_report())


@contextlib.contextmanager
def judged_fixtures(*names: str) -> Iterator[dict[str, ToolRun]]:
    """Fixture programs of tests/tools/fixtures judged by one repository pack, as command runs."""
    with pack_process() as pack:
        yield {name: as_tool_run(judge_program(pack, FIXTURES / name)) for name in names}
