"""``make upgrade-check``: the offline plan from a git ref, judged by the plan guard, per stack."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests import shared_runs
from tests.tools.builders import struct
from tests.tools.helpers import REPO_ROOT
from tools.plan_guard.allow import load_allow_file
from tools.plan_guard.digest import load_digest
from tools.plan_guard.guard import judge
from tools.preview.checkout import checkout
from tools.preview.cli import main as preview_main
from tools.preview.model import PreviewResource
from tools.preview.upgrade import BUILD_DIR_ENV, baseline_environment, plan_upgrade

pytestmark = pytest.mark.slow

PREVIOUS_RELEASE = "32aa575"
LEGACY_ACCOUNT = (
    "urn:pulumi:dev::cw-analytics::cw-analytics:api:ApiWithHandler"
    "$aws:apigateway/account:Account::api-account"
)
GIT_IDENTITY = ["-c", "user.name=upgrade-check test", "-c", "user.email=test@example.invalid"]


def git(repo: Path, *args: str) -> str:
    """Run git in ``repo``; its stdout."""
    done = subprocess.run(
        ["git", *GIT_IDENTITY, "-C", str(repo), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def has_commit(ref: str) -> bool:
    """Whether the repository's history holds ``ref`` (a shallow clone may not)."""
    done = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "cat-file", "-e", f"{ref}^{{commit}}"],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def as_a_developer_checkout(clone: Path) -> None:
    """What a developer's checkout holds besides its tracked files, shared with this one: the
    environment, the pack's environment (both built by `make venv`) and the functions'
    vendored dependencies (content-keyed, so the clone's locks find theirs)."""
    (clone / "venv").symlink_to(sys.prefix)
    (clone / "policies" / "venv").symlink_to(REPO_ROOT / "policies" / "venv")
    deps = REPO_ROOT / ".build" / "deps"
    deps.mkdir(parents=True, exist_ok=True)
    (clone / ".build").mkdir()
    (clone / ".build" / "deps").symlink_to(deps)


def test_upgrade_check_fails_on_a_branch_that_replaces_the_database(tmp_path: Path) -> None:
    clone = tmp_path / "repo"
    subprocess.run(["git", "clone", "--quiet", str(REPO_ROOT), str(clone)], check=True)
    base = git(clone, "rev-parse", "HEAD")
    git(clone, "switch", "--quiet", "-c", "replace-database")
    instance = clone / "components" / "database" / "instance.py"
    source = instance.read_text(encoding="utf-8")
    assert source.count('engine="postgres"') == 1, "the RDS instance's engine line moved"
    instance.write_text(source.replace('engine="postgres"', 'engine="mysql"'), encoding="utf-8")
    git(clone, "commit", "--quiet", "-am", "Move the database to MySQL")
    as_a_developer_checkout(clone)
    done = subprocess.run(
        [
            "make",
            "-o",
            "venv/.installed",
            "-o",
            "policies/venv/.installed",
            "upgrade-check",
            f"BASE={base}",
            "UPGRADE_STACKS=dev",
            "UPGRADE_ACCOUNT_STACKS=",
        ],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    output = done.stdout + done.stderr
    assert done.returncode != 0, output
    assert "REFUSED replace aws:rds/instance:Instance database-instance" in output, output
    assert "forced by changes to: engine" in output, output


@pytest.mark.skipif(
    not has_commit(PREVIOUS_RELEASE), reason=f"{PREVIOUS_RELEASE} is not in this clone's history"
)
@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_upgrade_from_previous_release_refuses_nothing_but_the_legacy_api_account(
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    stack: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The release's program runs here; the work tree's is the run's shared program run (the
    # command runs both: test_upgrade_check_fails_on_a_branch_that_replaces_the_database).
    current = shared_runs.stack_resources(tmp_path_factory, stack)
    plan = tmp_path / f"plan-{stack}.json"
    status = plan_upgrade(REPO_ROOT, stack, PREVIOUS_RELEASE, plan, current_resources=current)
    printed = capsys.readouterr()
    assert status == 0, printed.err
    digest = load_digest(plan)
    verdict = judge(digest, load_allow_file(REPO_ROOT / "plan-guard-allow.yaml"))
    # Until the release that retains the legacy account setting is merged, dev's plan deletes
    # it; nothing else stateful may be lost.
    assert {j.urn for j in verdict.refused} <= {LEGACY_ACCOUNT}, printed.out
    for judgement in verdict.judgements:
        if judgement.urn == LEGACY_ACCOUNT:
            assert judgement.ops == ("delete",)
    # The dashboard moved from the hub to ServiceDashboard by alias: kept, not deleted.
    deleted = {s.urn.split("::")[-1] for s in digest.steps if s.op == "delete"}
    assert "service-dashboard" not in deleted and "service-health" not in deleted
    document = json.loads(plan.read_text(encoding="utf-8"))
    assert "[secret]" in json.dumps(document), "secret inputs must appear redacted"


def test_preview_baseline_names_an_unknown_ref(capsys: pytest.CaptureFixture[str]) -> None:
    status = preview_main(["--stack", "dev", "--baseline", "no-such-ref"])
    assert status == 2
    assert "--baseline 'no-such-ref' is not a commit" in capsys.readouterr().err


def test_upgrade_check_without_base_says_how_to_call_it() -> None:
    done = subprocess.run(
        ["make", "-o", "venv/.installed", "-o", "policies/venv/.installed", "upgrade-check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode != 0
    assert "usage: make upgrade-check BASE=<git ref>" in done.stderr


PROBE = """\
import os

import pulumi

build_dir = os.environ.get("CW_ANALYTICS_BUILD_DIR", "")
pulumi.CustomResource("test:index:Probe", "probe", {"buildDir": build_dir})
"""


def module_from_file(path: Path) -> ModuleType:
    """The module in ``path``, loaded under a name of its own (the package's ``__init__`` not
    run), so another version of a module this process imported can be read beside it."""
    name = f"_upgrade_check_{abs(hash(str(path)))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    try:
        spec.loader.exec_module(module)
    finally:
        del sys.modules[name]
    return module


def probe_repository(path: Path, main: str = PROBE) -> Path:
    """A git repository at ``path`` whose one commit holds the program ``main`` (the build
    directory probe by default), stack ``test``."""
    path.mkdir()
    (path / "Pulumi.yaml").write_text("name: probe\nruntime: python\n", encoding="utf-8")
    (path / "Pulumi.test.yaml").write_text("config: {}\n", encoding="utf-8")
    (path / "__main__.py").write_text(main, encoding="utf-8")
    git(path, "init", "--quiet")
    git(path, "add", "--all")
    git(path, "commit", "--quiet", "-m", "probe")
    return path


def test_upgrade_runs_the_baseline_with_the_repository_build_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The program at the ref packages its functions into the repository's .build, where the
    content-keyed dependencies of earlier checks are, not into its throw-away checkout."""
    monkeypatch.delenv(BUILD_DIR_ENV, raising=False)
    repo = probe_repository(tmp_path / "repo")
    plan = tmp_path / "plan.json"
    assert plan_upgrade(repo, "test", "HEAD", plan) == 0, capsys.readouterr().err
    steps = json.loads(plan.read_text(encoding="utf-8"))["steps"]
    [probe] = [step for step in steps if step["urn"].endswith("::probe")]
    assert probe["oldState"]["inputs"]["buildDir"] == str(repo.resolve() / ".build"), probe
    # The work tree's program keeps its own default (the variable stays unset for it).
    assert probe["newState"]["inputs"]["buildDir"] == "", probe


def test_upgrade_with_given_current_resources_runs_only_the_program_at_the_ref(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = probe_repository(tmp_path / "repo")
    # The work tree's program now fails: the plan succeeds only if it does not run.
    (repo / "__main__.py").write_text("raise SystemExit('work tree ran')\n", encoding="utf-8")
    kept = PreviewResource(
        urn="urn:pulumi:test::probe::pulumi:pulumi:Stack$test:index:Probe::probe",
        type="test:index:Probe",
        name="probe",
        parent="urn:pulumi:test::probe::pulumi:pulumi:Stack::probe-test",
        custom=True,
        inputs=struct({"buildDir": "given"}),
        outputs=struct({}),
    )
    plan = tmp_path / "plan.json"
    status = plan_upgrade(repo, "test", "HEAD", plan, current_resources=[kept])
    assert status == 0, capsys.readouterr().err
    steps = {step["urn"]: step for step in json.loads(plan.read_text(encoding="utf-8"))["steps"]}
    probe = steps[kept.urn]
    assert probe["op"] == "update", probe
    assert probe["oldState"]["inputs"]["buildDir"] == str(repo.resolve() / ".build"), probe
    assert probe["newState"]["inputs"]["buildDir"] == "given", probe
    # The ref's stack resource is not among the given ones: the plan deletes it.
    assert steps["urn:pulumi:test::probe::pulumi:pulumi:Stack::probe-test"]["op"] == "delete"


PYTHON_PROBE = """\
import sys

import pulumi

pulumi.CustomResource("test:index:Probe", "probe", {"python": sys.executable})
"""


def _environment_beside(target: Path) -> Path:
    """A virtual environment at ``target`` sharing this one's packages: its own ``bin/python``
    (so ``sys.executable`` names it), this environment's ``pyvenv.cfg`` and ``lib``."""
    (target / "bin").mkdir(parents=True)
    (target / "bin" / "python").symlink_to(Path(sys.executable).resolve())
    (target / "pyvenv.cfg").write_text(
        (Path(sys.prefix) / "pyvenv.cfg").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (target / "lib").symlink_to(Path(sys.prefix) / "lib")
    return target / "bin" / "python"


def test_upgrade_runs_both_programs_with_the_python_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--python`` reaches both programs of a ``--baseline`` plan, as it reaches a preview's."""
    repo = probe_repository(tmp_path / "repo", PYTHON_PROBE)
    python = _environment_beside(tmp_path / "other-env")
    plan = tmp_path / "plan.json"
    status = preview_main(
        ["--program", str(repo), "--stack", "test", "--baseline", "HEAD"]
        + ["--python", str(python), "--json", str(plan)]
    )
    printed = capsys.readouterr()
    assert status == 0, printed.err
    assert f"program interpreter: {python}" in printed.err, printed.err
    steps = json.loads(plan.read_text(encoding="utf-8"))["steps"]
    [probe] = [step for step in steps if step["urn"].endswith("::probe")]
    assert probe["oldState"]["inputs"]["python"] == str(python), probe
    assert probe["newState"]["inputs"]["python"] == str(python), probe


def test_upgrade_with_a_missing_python_stops_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = probe_repository(tmp_path / "repo", PYTHON_PROBE)
    missing = tmp_path / "no-such-python"
    status = preview_main(
        ["--program", str(repo), "--stack", "test", "--baseline", "HEAD", "--python", str(missing)]
    )
    assert status == 2
    assert f"--python {missing}: no such interpreter" in capsys.readouterr().err


def test_upgrade_baseline_environment_keeps_a_build_dir_the_user_chose(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "mine"))
    assert baseline_environment(tmp_path / "repo") == {}


def test_upgrade_build_dir_variable_is_the_one_the_components_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "kept"))
    paths = module_from_file(REPO_ROOT / "components" / "lib" / "paths.py")
    assert paths.default_build_dir() == tmp_path / "kept"


@pytest.mark.skipif(
    not has_commit(PREVIOUS_RELEASE), reason=f"{PREVIOUS_RELEASE} is not in this clone's history"
)
def test_upgrade_previous_release_builds_where_the_variable_says(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The release the stacks run today packages into the directory the variable names, so
    checks from it reuse the dependencies kept in the repository's .build."""
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "kept"))
    with checkout(REPO_ROOT, PREVIOUS_RELEASE) as tree:
        packaging = module_from_file(tree / "components" / "packaging.py")
    assert packaging.default_build_dir() == tmp_path / "kept"
