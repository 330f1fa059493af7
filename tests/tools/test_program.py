"""Running a program under mocks in its own interpreter: isolation, cwd, crashes."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import pytest

from tools.preview.errors import ProgramError
from tools.preview.program import run_program
from tools.preview.program_child import GC_THRESHOLD
from tools.preview.stack_config import load_stack_config

pytestmark = pytest.mark.slow

_PROJECT = "name: {name}\nruntime: python\n"


def _program(root: Path, name: str, main: str, files: dict[str, str] | None = None) -> Path:
    directory = root / name
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(_PROJECT.format(name=name))
    (directory / "Pulumi.test.yaml").write_text("config:\n  aws:region: eu-west-1\n")
    (directory / "__main__.py").write_text(main)
    for relative, text in (files or {}).items():
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_text(text)
    return directory


def _topic_names(directory: Path) -> list[str]:
    result = run_program(load_stack_config(directory, "test"))
    return [r.name for r in result.resources if r.type == "aws:sns/topic:Topic"]


_USES_COMPONENTS = "import pulumi_aws as aws\nfrom components import NAME\naws.sns.Topic(NAME)\n"


def test_run_program_gives_each_program_its_own_packages(tmp_path: Path) -> None:
    first = _program(
        tmp_path, "first", _USES_COMPONENTS, {"components/__init__.py": "NAME = 'from-first'\n"}
    )
    second = _program(
        tmp_path, "second", _USES_COMPONENTS, {"components/__init__.py": "NAME = 'from-second'\n"}
    )
    assert (_topic_names(first), _topic_names(second)) == (["from-first"], ["from-second"])


def test_run_program_runs_in_program_directory(tmp_path: Path) -> None:
    main = "import pulumi_aws as aws\naws.sns.Topic(open('topic.txt').read().strip())\n"
    directory = _program(tmp_path, "reads-file", main, {"topic.txt": "named-by-file\n"})
    assert _topic_names(directory) == ["named-by-file"]


def test_run_program_leaves_caller_cwd_and_path_alone(tmp_path: Path) -> None:
    main = "import os, sys\nos.chdir('/')\nsys.path.insert(0, '/nowhere')\n"
    before = (os.getcwd(), list(sys.path))
    run_program(load_stack_config(_program(tmp_path, "wanders", main), "test"))
    assert (os.getcwd(), sys.path) == before


def test_run_program_reports_hard_exit_as_program_error(tmp_path: Path) -> None:
    directory = _program(tmp_path, "exits", "import os\nos._exit(3)\n")
    with pytest.raises(ProgramError, match=r"exited with status 3 before reporting"):
        run_program(load_stack_config(directory, "test"))


def test_run_program_reports_sys_exit_with_its_type(tmp_path: Path) -> None:
    directory = _program(tmp_path, "sys-exits", "import sys\nsys.exit('configuration bad')\n")
    with pytest.raises(ProgramError, match=r"SystemExit: configuration bad"):
        run_program(load_stack_config(directory, "test"))


def test_run_program_runs_the_program_with_the_child_s_collector_thresholds(
    tmp_path: Path,
) -> None:
    main = "import gc\nraise RuntimeError(f'thresholds {gc.get_threshold()}')\n"
    directory = _program(tmp_path, "reports-gc", main)
    with pytest.raises(ProgramError, match=re.escape(f"thresholds {GC_THRESHOLD}")):
        run_program(load_stack_config(directory, "test"))


def test_run_program_times_out_hanging_program(tmp_path: Path) -> None:
    directory = _program(tmp_path, "hangs", "import time\ntime.sleep(60)\n")
    with pytest.raises(ProgramError, match=r"did not finish within 2 s"):
        run_program(load_stack_config(directory, "test"), timeout=2)


def test_run_program_rejects_duplicate_urn_like_engine(tmp_path: Path) -> None:
    main = "import pulumi_aws as aws\naws.sns.Topic('same')\naws.sns.Topic('same')\n"
    directory = _program(tmp_path, "duplicates", main)
    with pytest.raises(ProgramError, match=r"duplicate resource URN .*Topic::same"):
        run_program(load_stack_config(directory, "test"))
