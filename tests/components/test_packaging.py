"""components.lib.packaging: reproducible Lambda zips, dependency cache, failures that say where."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pulumi
import pytest

import components.lib.packaging
from components.lib.packaging import (
    SHARED_SOURCE_DIRS,
    FunctionArchive,
    PackagingError,
    build_function_archive,
)
from components.lib.paths import BUILD_DIR_ENV
from tools.lockfile import parse_lock

pytestmark = pytest.mark.slow

REPO_ROOT = Path(__file__).resolve().parents[2]
AGGREGATOR_DIR = REPO_ROOT / "functions" / "metric_aggregator"


# --- real builds: two pip runs for the whole session --------------------------------------------


@pytest.fixture(scope="session")
def real_builds(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[FunctionArchive, FunctionArchive]:
    """The aggregator built twice with real pip (PyPI), from two clean build directories."""
    first = build_function_archive(AGGREGATOR_DIR, build_dir=tmp_path_factory.mktemp("build-a"))
    second = build_function_archive(AGGREGATOR_DIR, build_dir=tmp_path_factory.mktemp("build-b"))
    return first, second


@pytest.fixture(scope="session")
def real_names(real_builds: tuple[FunctionArchive, FunctionArchive]) -> list[str]:
    with zipfile.ZipFile(real_builds[0].path) as zf:
        return zf.namelist()


def test_build_function_archive_clean_builds_are_byte_identical(
    real_builds: tuple[FunctionArchive, FunctionArchive],
) -> None:
    first, second = real_builds
    assert first.path != second.path
    assert first.path.read_bytes() == second.path.read_bytes()
    assert first.sha256_base64 == second.sha256_base64


def test_build_function_archive_has_handler_at_root_and_the_dependency(
    real_names: list[str],
) -> None:
    assert "handler.py" in real_names
    assert "aggregator/run.py" in real_names
    assert "aws_lambda_powertools/__init__.py" in real_names
    assert "jmespath/__init__.py" in real_names


def test_build_function_archive_vendors_exactly_the_locked_packages(
    real_builds: tuple[FunctionArchive, FunctionArchive],
) -> None:
    locked = parse_lock((AGGREGATOR_DIR / "requirements.txt").read_text())
    with zipfile.ZipFile(real_builds[0].path) as zf:
        vendored = {
            name.split("/")[0].removesuffix(".dist-info")
            for name in zf.namelist()
            if name.endswith(".dist-info/METADATA")
        }
    pinned = {f"{p.name.replace('-', '_')}-{p.version}" for p in locked.values()}
    assert {v.lower() for v in vendored} == pinned, (
        "metric_aggregator archive differs from its lock"
    )


def test_build_function_archive_carries_the_shared_code(real_names: list[str]) -> None:
    shared = [d for d in SHARED_SOURCE_DIRS if d.is_dir()]
    expected = {
        path.relative_to(directory).as_posix()
        for directory in shared
        for path in directory.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    }
    assert expected <= set(real_names), "metric_aggregator archive lacks shared files"


def test_build_function_archive_has_no_bytecode(real_names: list[str]) -> None:
    assert [n for n in real_names if n.endswith(".pyc") or "__pycache__" in n] == []


def test_build_function_archive_drops_installer_records(real_names: list[str]) -> None:
    dropped = {"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"}
    assert [n for n in real_names if n.rsplit("/", 1)[-1] in dropped] == []
    assert [n for n in real_names if n.startswith("bin/")] == []
    assert any(n.endswith(".dist-info/METADATA") for n in real_names)


def test_build_function_archive_entries_are_sorted_with_fixed_metadata(
    real_builds: tuple[FunctionArchive, FunctionArchive],
) -> None:
    with zipfile.ZipFile(real_builds[0].path) as zf:
        infos = zf.infolist()
    assert [i.filename for i in infos] == sorted(i.filename for i in infos)
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert {i.external_attr >> 16 for i in infos} == {0o100644}
    assert not [i.filename for i in infos if i.is_dir()]


def test_build_function_archive_hash_is_base64_sha256_of_the_zip(
    real_builds: tuple[FunctionArchive, FunctionArchive],
) -> None:
    archive = real_builds[0]
    digest = hashlib.sha256(archive.path.read_bytes()).digest()
    assert archive.sha256_base64 == base64.b64encode(digest).decode()


# --- fake installer: no pip ---------------------------------------------------------------------


class FakePip:
    """Installs a tiny package the way pip would, machine-specific records included."""

    def __init__(self, seconds: float = 0.0) -> None:
        self.calls: list[list[str]] = []
        self.seconds = seconds
        """How long an install takes: the window a parallel build of the same lock falls into."""
        self._lock = threading.Lock()

    def __call__(self, arguments: Sequence[str], target: Path) -> None:
        with self._lock:
            self.calls.append(list(arguments))
        time.sleep(self.seconds)
        (target / "fakedep").mkdir()
        (target / "fakedep" / "__init__.py").write_text("VALUE = 1\n")
        (target / "fakedep" / "__pycache__").mkdir()
        (target / "fakedep" / "__pycache__" / "__init__.cpython-312.pyc").write_bytes(os.urandom(8))
        info = target / "fakedep-1.0.dist-info"
        info.mkdir()
        (info / "METADATA").write_text("Name: fakedep\nVersion: 1.0\n")
        (info / "INSTALLER").write_text("pip\n")
        (info / "RECORD").write_text(f"fakedep/__init__.py,,\n# {target}\n")
        (info / "direct_url.json").write_text(f'{{"url": "file://{target}"}}')
        (target / "bin").mkdir()
        (target / "bin" / "fake").write_text(f"#!{target}/python\n")


@pytest.fixture
def function_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small function with one requirement, built without the repository's shared code."""
    monkeypatch.setattr(components.lib.packaging, "SHARED_SOURCE_DIRS", ())
    directory = tmp_path / "src" / "sample_fn"
    (directory / "pkg").mkdir(parents=True)
    (directory / "handler.py").write_text("def handler(event, context):\n    return 1\n")
    (directory / "pkg" / "__init__.py").write_text("")
    (directory / "pkg" / "__pycache__").mkdir()
    (directory / "pkg" / "__pycache__" / "x.cpython-311.pyc").write_bytes(b"\0")
    (directory / "requirements.txt").write_text("fakedep==1.0\n")
    return directory


def _names(archive: FunctionArchive) -> list[str]:
    with zipfile.ZipFile(archive.path) as zf:
        return zf.namelist()


def test_build_function_archive_vendors_and_scrubs_the_installed_dependency(
    function_dir: Path, tmp_path: Path
) -> None:
    archive = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=FakePip())
    assert _names(archive) == [
        "fakedep-1.0.dist-info/METADATA",
        "fakedep/__init__.py",
        "handler.py",
        "pkg/__init__.py",
        "requirements.txt",
    ]


def test_build_function_archive_ignores_file_mtimes(function_dir: Path, tmp_path: Path) -> None:
    first = build_function_archive(function_dir, build_dir=tmp_path / "a", installer=FakePip())
    later = time.time() + 3600
    for path in function_dir.rglob("*"):
        os.utime(path, (later, later))
    second = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=FakePip())
    assert second.sha256_base64 == first.sha256_base64


def test_build_function_archive_changes_with_a_source_byte(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    first = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    (function_dir / "handler.py").write_text("def handler(event, context):\n    return 2\n")
    second = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    assert second.sha256_base64 != first.sha256_base64
    assert second.path != first.path


def test_build_function_archive_second_call_does_not_run_pip(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    assert len(fake.calls) == 1


def test_build_function_archive_keeps_an_unchanged_zip(function_dir: Path, tmp_path: Path) -> None:
    first = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=FakePip())
    stat = first.path.stat()
    second = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=FakePip())
    assert (second.path.stat().st_ino, second.path.stat().st_mtime_ns) == (
        stat.st_ino,
        stat.st_mtime_ns,
    )


def test_build_function_archive_reinstalls_when_requirements_change(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    (function_dir / "requirements.txt").write_text("fakedep==1.1\n")
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    assert len(fake.calls) == 2


def test_build_function_archive_dependency_cache_is_per_architecture(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    build_function_archive(
        function_dir, build_dir=tmp_path / "b", installer=fake, architecture="x86_64"
    )
    platforms = [c[c.index("--platform") + 1] for c in fake.calls]
    assert platforms == ["manylinux2014_aarch64", "manylinux2014_x86_64"]


def test_build_function_archive_asks_pip_for_lambda_wheels_only(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    arguments = fake.calls[0]
    assert "--only-binary=:all:" in arguments
    assert arguments[arguments.index("--python-version") + 1] == "3.12"
    assert arguments[arguments.index("--implementation") + 1] == "cp"
    assert arguments[arguments.index("-r") + 1] == str(function_dir / "requirements.txt")


def test_build_function_archive_installs_the_lock_with_hashes_required(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    assert "--require-hashes" in fake.calls[0], "pip may install an unhashed transitive package"


def test_build_function_archive_reinstalls_when_a_locked_hash_changes(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    (function_dir / "requirements.txt").write_text(f"fakedep==1.0 --hash=sha256:{'a' * 64}\n")
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    (function_dir / "requirements.txt").write_text(f"fakedep==1.0 --hash=sha256:{'b' * 64}\n")
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    assert len(fake.calls) == 2, "the dependency cache key ignores the lock's hashes"


def test_build_function_archive_ignores_the_input_file_for_dependencies(
    function_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    (function_dir / "requirements.in").write_text("fakedep\n")
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    (function_dir / "requirements.in").write_text("fakedep>=1\n")
    build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    assert len(fake.calls) == 1, "only the lock decides what is installed"


# --- shared source directories -------------------------------------------------------------------


@pytest.fixture
def shared_dir(tmp_path: Path) -> Path:
    """A stand-in for functions/shared/ holding an empty analytics_contract package."""
    directory = tmp_path / "shared"
    (directory / "analytics_contract" / "__pycache__").mkdir(parents=True)
    (directory / "analytics_contract" / "__init__.py").write_text('NAME = "contract"\n')
    (directory / "analytics_contract" / "__pycache__" / "x.cpython-312.pyc").write_bytes(b"\0")
    return directory


def test_build_function_archive_puts_shared_packages_at_the_root(
    function_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    archive = build_function_archive(
        function_dir, build_dir=tmp_path / "b", installer=FakePip(), extra_source_dirs=[shared_dir]
    )
    names = _names(archive)
    assert "analytics_contract/__init__.py" in names
    assert [n for n in names if "__pycache__" in n] == []


def test_build_function_archive_shared_package_imports_from_the_root(
    function_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    # Lambda puts the unpacked archive (/var/task) on sys.path; do the same with a copy.
    archive = build_function_archive(
        function_dir, build_dir=tmp_path / "b", installer=FakePip(), extra_source_dirs=[shared_dir]
    )
    task = tmp_path / "task"
    with zipfile.ZipFile(archive.path) as zf:
        zf.extractall(task)
    code = "import analytics_contract, handler; print(analytics_contract.NAME)"
    result = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(task)!r}); {code}"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout.strip()) == (0, "contract"), result.stderr


def test_build_function_archive_uses_the_shared_constant_by_default(
    function_dir: Path, shared_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(components.lib.packaging, "SHARED_SOURCE_DIRS", (shared_dir,))
    archive = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=FakePip())
    assert "analytics_contract/__init__.py" in _names(archive)


def test_build_function_archive_default_skips_an_absent_shared_dir(
    function_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(components.lib.packaging, "SHARED_SOURCE_DIRS", (tmp_path / "absent",))
    archive = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=FakePip())
    assert "handler.py" in _names(archive)


def test_build_function_archive_named_shared_dir_must_exist(
    function_dir: Path, tmp_path: Path
) -> None:
    with pytest.raises(PackagingError, match=r"'sample_fn': shared source directory .*absent"):
        build_function_archive(
            function_dir,
            build_dir=tmp_path / "b",
            installer=FakePip(),
            extra_source_dirs=[tmp_path / "absent"],
        )


def test_build_function_archive_shared_file_clashing_with_function_raises(
    function_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    (shared_dir / "handler.py").write_text("SHADOW = True\n")
    with pytest.raises(PackagingError, match=r"'handler.py' exists both in the function and in"):
        build_function_archive(
            function_dir,
            build_dir=tmp_path / "b",
            installer=FakePip(),
            extra_source_dirs=[shared_dir],
        )


def test_build_function_archive_shared_package_clashing_with_a_dependency_raises(
    function_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    (shared_dir / "fakedep").mkdir()
    (shared_dir / "fakedep" / "__init__.py").write_text("")
    with pytest.raises(PackagingError, match=r"'fakedep/__init__.py' exists both in shared"):
        build_function_archive(
            function_dir,
            build_dir=tmp_path / "b",
            installer=FakePip(),
            extra_source_dirs=[shared_dir],
        )


def test_build_function_archive_changes_with_a_shared_byte(
    function_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    fake = FakePip()
    first = build_function_archive(
        function_dir, build_dir=tmp_path / "b", installer=fake, extra_source_dirs=[shared_dir]
    )
    (shared_dir / "analytics_contract" / "__init__.py").write_text('NAME = "changed"\n')
    second = build_function_archive(
        function_dir, build_dir=tmp_path / "b", installer=fake, extra_source_dirs=[shared_dir]
    )
    assert second.sha256_base64 != first.sha256_base64


def test_build_function_archive_with_shared_code_is_byte_identical_across_builds(
    function_dir: Path, shared_dir: Path, tmp_path: Path
) -> None:
    first = build_function_archive(
        function_dir, build_dir=tmp_path / "a", installer=FakePip(), extra_source_dirs=[shared_dir]
    )
    later = time.time() + 3600
    for path in shared_dir.rglob("*"):
        os.utime(path, (later, later))
    second = build_function_archive(
        function_dir, build_dir=tmp_path / "b", installer=FakePip(), extra_source_dirs=[shared_dir]
    )
    assert first.path.read_bytes() == second.path.read_bytes()


def test_build_function_archive_honours_the_build_dir_variable(
    function_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(BUILD_DIR_ENV, str(tmp_path / "from-env"))
    archive = build_function_archive(function_dir, installer=FakePip())
    assert archive.path.is_relative_to(tmp_path / "from-env")


def test_build_function_archive_concurrent_builds_install_once_and_agree(
    function_dir: Path, tmp_path: Path
) -> None:
    # Four builders start together on a cold cache while the first install is still running.
    fake = FakePip(seconds=0.5)
    start = threading.Barrier(4)
    results: list[FunctionArchive] = []
    errors: list[BaseException] = []

    def build() -> None:
        try:
            start.wait(timeout=10)
            results.append(
                build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=build) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(fake.calls) == 1, "the builders that waited must reuse the first install"
    assert len(results) == 4 and len({r.sha256_base64 for r in results}) == 1
    leftovers = [p.name for p in (tmp_path / "b").rglob(".sample_fn-*")]
    assert leftovers == []
    assert "fakedep/__init__.py" in _names(results[0])


def test_build_function_archive_without_requirements_runs_no_pip(
    function_dir: Path, tmp_path: Path
) -> None:
    (function_dir / "requirements.txt").write_text("# nothing\n")
    fake = FakePip()
    archive = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=fake)
    assert fake.calls == []
    assert "handler.py" in _names(archive)


def test_build_function_archive_failing_pip_names_the_function(
    function_dir: Path, tmp_path: Path
) -> None:
    # A real pip run that fails while parsing, before it would touch the network.
    (function_dir / "requirements.txt").write_text("this is not ( valid\n")
    with pytest.raises(PackagingError, match=r"'sample_fn': dependency install") as info:
        build_function_archive(function_dir, build_dir=tmp_path / "b")
    assert "Invalid requirement" in str(info.value)
    assert list((tmp_path / "b" / "deps").iterdir()) == []


def test_build_function_archive_installer_error_carries_stderr_tail(
    function_dir: Path, tmp_path: Path
) -> None:
    def failing(arguments: Sequence[str], target: Path) -> None:
        raise subprocess.CalledProcessError(1, ["pip"], stderr="x" * 5000 + "THE END")

    with pytest.raises(PackagingError, match="exit code 1") as info:
        build_function_archive(function_dir, build_dir=tmp_path / "b", installer=failing)
    assert str(info.value).endswith("THE END")
    assert len(str(info.value)) < 2300


def test_build_function_archive_missing_directory_raises(tmp_path: Path) -> None:
    with pytest.raises(PackagingError, match="'nope': directory .* not found"):
        build_function_archive(tmp_path / "nope", build_dir=tmp_path / "b")


def test_function_archive_asset_is_a_file_archive(function_dir: Path, tmp_path: Path) -> None:
    archive = build_function_archive(function_dir, build_dir=tmp_path / "b", installer=FakePip())
    asset = archive.asset()
    assert isinstance(asset, pulumi.FileArchive)
    assert asset.path == str(archive.path)
