"""The pack and the program run with the interpreter their project files name, resolved and
failing the way the Pulumi CLI does; a fresh clone after `make venv` has the pack's own one."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tools.policy_analyzer import PolicyPackProcess
from tools.preview.interpreters import InterpreterError, pack_interpreter, program_interpreter

from .helpers import REPO_ROOT, run_tool

pytestmark = pytest.mark.slow

PACK_YAML = "name: p\nruntime:\n  name: python\n  options:\n    virtualenv: {venv}\n"


def _fake_venv(root: Path) -> Path:
    (root / "bin").mkdir(parents=True)
    python = root / "bin" / "python"
    python.write_text("")
    return python


def test_pack_interpreter_resolves_virtualenv_against_the_pack_folder(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text(PACK_YAML.format(venv="venv"))
    python = _fake_venv(tmp_path / "venv")
    assert pack_interpreter(tmp_path).path == python


def test_pack_interpreter_takes_an_absolute_virtualenv_as_is(tmp_path: Path) -> None:
    python = _fake_venv(tmp_path / "elsewhere")
    pack = tmp_path / "pack"
    pack.mkdir()
    (pack / "PulumiPolicy.yaml").write_text(PACK_YAML.format(venv=tmp_path / "elsewhere"))
    assert pack_interpreter(pack).path == python


def test_pack_interpreter_missing_virtualenv_fails_like_the_cli_shim(tmp_path: Path) -> None:
    (tmp_path / "PulumiPolicy.yaml").write_text(PACK_YAML.format(venv="venv"))
    with pytest.raises(InterpreterError, match=r"venv\" doesn't appear to be a virtual env"):
        pack_interpreter(tmp_path)


def test_program_interpreter_missing_virtualenv_fails_like_the_cli(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(PACK_YAML.format(venv="venv"))
    with pytest.raises(
        InterpreterError, match="'virtualenv' option in Pulumi.yaml .* doesn't exist"
    ):
        program_interpreter(tmp_path)


def test_program_interpreter_resolves_virtualenv_against_the_project(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "Pulumi.yaml").write_text(PACK_YAML.format(venv="../common-env"))
    python = _fake_venv(tmp_path / "common-env")
    assert program_interpreter(project).path.resolve() == python.resolve()


def test_program_interpreter_override_wins(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(PACK_YAML.format(venv="venv"))
    chosen = program_interpreter(tmp_path, Path(sys.executable))
    assert chosen.path == Path(sys.executable) and chosen.source == "--python"


def test_program_interpreter_refuses_other_toolchains(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text(
        "name: p\nruntime:\n  name: python\n  options:\n    toolchain: poetry\n"
    )
    with pytest.raises(InterpreterError, match="toolchain 'poetry'"):
        program_interpreter(tmp_path)


# --- a fresh clone after the README's set-up command ----------------------------------------

# The packages `make venv` installed into the repository's own pack environment.
BUILT_PACK_PYTHON = REPO_ROOT / "policies" / "venv" / "bin" / "python"


def _purelib(python: Path) -> Path:
    """``python``'s site-packages directory."""
    done = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True,
        text=True,
        check=True,
    )
    return Path(done.stdout.strip())


@pytest.fixture(scope="module")
def fresh_clone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The repository's tracked files, copied, then the pack's environment where `make venv`
    puts it.

    What `make venv` does there is checked on its plan; the environment itself is a virtual
    environment of its own (its own ``bin/python`` at the path PulumiPolicy.yaml names) whose
    packages are the ones `make venv` installed into the repository's pack environment, reached
    by a ``.pth`` file instead of a second download and install. That policies/requirements.txt
    alone makes a working pack is proven where those packages come from: `make venv` builds
    policies/venv from that file and nothing else, and every preview of the suite starts the
    pack with it.
    """
    assert BUILT_PACK_PYTHON.is_file(), f"{BUILT_PACK_PYTHON} is missing: run `make venv`"
    clone = tmp_path_factory.mktemp("clone")
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = REPO_ROOT / name
        if source.is_file() and not source.is_symlink():
            (clone / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, clone / name)
    plan = subprocess.run(
        ["make", "-n", "venv"], cwd=clone, capture_output=True, text=True, check=True
    ).stdout
    assert "policies/venv/bin/python -m pip install --quiet -r policies/requirements.txt" in plan, (
        f"`make venv` does not build the pack's environment:\n{plan}"
    )
    environment = clone / "policies" / "venv"
    subprocess.run(
        [str(BUILT_PACK_PYTHON), "-m", "venv", "--without-pip", str(environment)],
        capture_output=True,
        check=True,
        timeout=120,
    )
    packages = _purelib(environment / "bin" / "python") / "make-venv-packages.pth"
    packages.write_text(f"{_purelib(BUILT_PACK_PYTHON)}\n", encoding="utf-8")
    yield clone


def test_preview_names_the_interpreters_it_used(fresh_clone: Path, tmp_path: Path) -> None:
    """The program's from its Pulumi.yaml, the pack's from the clone's PulumiPolicy.yaml."""
    program = tmp_path / "program"
    program.mkdir()
    (program / "Pulumi.yaml").write_text(
        f"name: p\nruntime:\n  name: python\n  options:\n    virtualenv: {sys.prefix}\n"
    )
    (program / "Pulumi.test.yaml").write_text("config: {}\n")
    (program / "__main__.py").write_text("import pulumi\n\npulumi.export('answer', 42)\n")
    pack = fresh_clone / "policies"
    run = run_tool("--program", str(program), "--stack", "test", "--policy-pack", str(pack))
    assert run.returncode == 0, run.describe()
    program_python = Path(sys.prefix) / "bin" / "python"
    assert (
        f"program interpreter: {program_python} "
        f"(virtualenv '{sys.prefix}' in {program / 'Pulumi.yaml'})"
    ) in run.stderr, run.describe()
    assert (
        f"policy pack interpreter: {pack / 'venv' / 'bin' / 'python'} "
        f"(virtualenv 'venv' in {pack / 'PulumiPolicy.yaml'})"
    ) in run.stderr, run.describe()
    assert f"(local: {pack}): " in run.stdout, run.describe()


def test_fresh_clone_pack_answers_with_the_interpreter_its_yaml_names(fresh_clone: Path) -> None:
    pack = fresh_clone / "policies"
    python = pack_interpreter(pack)
    assert python.path == pack / "venv" / "bin" / "python", python.describe()
    with PolicyPackProcess(pack, python=str(python.path)) as process:
        names = {policy.name for policy in process.info().policies}
    assert "iam-no-wildcard" in names, f"pack in {pack} lists {names}"


def test_fresh_clone_without_the_pack_environment_fails_like_the_cli(fresh_clone: Path) -> None:
    pack = fresh_clone / "policies"
    aside = fresh_clone / "venv-aside"
    (pack / "venv").rename(aside)
    try:
        with pytest.raises(InterpreterError, match="doesn't appear to be a virtual environment"):
            pack_interpreter(pack)
        run = run_tool("--stack", "dev", "--policy-pack", str(pack))
        assert run.returncode == 2, run.describe()
        assert "doesn't appear to be a virtual environment" in run.stderr, run.describe()
    finally:
        aside.rename(pack / "venv")


def test_pack_folder_gitignore_keeps_its_environment_out_of_a_published_pack() -> None:
    lines = (REPO_ROOT / "policies" / ".gitignore").read_text(encoding="utf-8").splitlines()
    assert "venv/" in lines and "__pycache__/" in lines, lines
