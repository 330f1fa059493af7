"""tools.lockfile and the functions' locks: complete, current, hashed, for Lambda."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from collections.abc import Sequence
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from components.lib.packaging import build_function_archive
from tools.lockfile import (
    INPUT_FILE,
    LOCK_FILE,
    LOCKED_FUNCTIONS,
    REPO_ROOT,
    LockedPackage,
    LockError,
    MetadataLookup,
    closure_problems,
    compile_command,
    lambda_environment,
    metadata_lookup,
    parse_input,
    parse_lock,
    staleness_problems,
)

ENV = lambda_environment()
HASH_A = "--hash=sha256:" + "a" * 64
HASH_B = "--hash=sha256:" + "b" * 64


def _lock(*packages: str, top_level: Sequence[str] = ()) -> dict[str, LockedPackage]:
    """A parsed lock of ``name==version`` strings; ``top_level`` ones come from the input."""
    result = {}
    for spec in packages:
        name, version = spec.split("==")
        result[name] = LockedPackage(name, version, ("sha256:" + "a" * 64,), name in top_level)
    return result


def _inputs(*lines: str) -> list[Requirement]:
    return [Requirement(line) for line in lines]


def _metadata(declared: dict[str, list[str]]) -> MetadataLookup:
    texts = []
    for key, requires in declared.items():
        name, version = key.split("==")
        body = "".join(f"Requires-Dist: {r}\n" for r in requires)
        texts.append(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n{body}")
    return metadata_lookup(texts)


# --- parse_lock: what a lock line may say ------------------------------------------------------


def test_parse_lock_reads_pins_hashes_and_top_level_annotations() -> None:
    text = (
        "# generated\n"
        f"a-pkg==1.0 \\\n    {HASH_A} \\\n    {HASH_B}\n    # via -r functions/x/requirements.in\n"
        f"Dep_Two==2.0 \\\n    {HASH_A}\n    # via\n    #   -r functions/x/requirements.in\n"
        "    #   a-pkg\n"
        f"leaf==3.0 \\\n    {HASH_A}\n    # via dep-two\n"
    )
    locked = parse_lock(text)
    assert sorted(locked) == ["a-pkg", "dep-two", "leaf"]
    assert locked["a-pkg"].hashes == ("sha256:" + "a" * 64, "sha256:" + "b" * 64)
    assert [n for n, p in locked.items() if p.top_level] == ["a-pkg", "dep-two"]


@pytest.mark.parametrize(
    "line",
    [
        "--index-url file:///opt/pypi/simple",
        "--extra-index-url https://mirror.example/simple",
        "--find-links /opt/wheels",
        "-e ./local",
        "-r other.txt",
    ],
)
def test_parse_lock_rejects_index_path_and_include_options(line: str) -> None:
    with pytest.raises(LockError, match=r"line 1: option '-[-a-z]+' is not allowed"):
        parse_lock(f"{line}\nx==1 {HASH_A}\n")


@pytest.mark.parametrize("spec", ["x>=1", "x", "x==1.*", "x~=1.0", "x==1,<2"])
def test_parse_lock_rejects_a_package_not_pinned_exactly(spec: str) -> None:
    with pytest.raises(LockError, match="'x' must be pinned with =="):
        parse_lock(f"{spec} {HASH_A}\n")


def test_parse_lock_rejects_a_pin_without_hash() -> None:
    with pytest.raises(LockError, match="line 2: 'y' has no --hash"):
        parse_lock(f"x==1 {HASH_A}\ny==2\n")


def test_parse_lock_rejects_a_weak_or_malformed_hash() -> None:
    with pytest.raises(LockError, match="only --hash=sha256"):
        parse_lock("x==1 --hash=md5:" + "a" * 32 + "\n")


def test_parse_lock_rejects_a_url_requirement() -> None:
    with pytest.raises(LockError, match="'x' comes from a URL"):
        parse_lock(f"x @ file:///opt/wheels/x-1-py3-none-any.whl {HASH_A}\n")


def test_parse_lock_rejects_a_package_pinned_twice() -> None:
    with pytest.raises(LockError, match="'a-b' is pinned twice"):
        parse_lock(f"a-b==1 {HASH_A}\nA_B==1 {HASH_A}\n")


# --- staleness: the lock against its input ---------------------------------------------------


def test_staleness_problems_none_when_input_and_lock_agree() -> None:
    locked = _lock("a==1.0", "b==2.0", top_level=["a"])
    assert staleness_problems(_inputs("a==1.0"), locked, ENV) == []


def test_staleness_problems_reports_a_changed_input_pin() -> None:
    locked = _lock("a==1.0", top_level=["a"])
    assert staleness_problems(_inputs("a==1.1"), locked, ENV) == [
        "'a==1.1' is in the input but the lock pins 1.0"
    ]


def test_staleness_problems_reports_a_new_input_package() -> None:
    locked = _lock("a==1.0", top_level=["a"])
    problems = staleness_problems(_inputs("a==1.0", "new==2"), locked, ENV)
    assert problems == ["'new==2' is in the input but 'new' is not in the lock"]


def test_staleness_problems_reports_a_package_dropped_from_the_input() -> None:
    locked = _lock("a==1.0", "gone==1", top_level=["a", "gone"])
    problems = staleness_problems(_inputs("a==1.0"), locked, ENV)
    assert problems == ["the lock records 'gone' as required by the input, which no longer says so"]


def test_staleness_problems_reports_a_transitive_promoted_in_the_input() -> None:
    locked = _lock("a==1.0", "dep==1", top_level=["a"])
    problems = staleness_problems(_inputs("a==1.0", "dep<2"), locked, ENV)
    assert problems == ["'dep' is in the input but the lock does not record it as such"]


# --- closure: every needed package pinned, nothing else --------------------------------------


def test_closure_problems_none_for_a_complete_lock() -> None:
    metadata = _metadata({"a==1": ["b>=2"], "b==2.5": []})
    assert closure_problems(_inputs("a==1"), _lock("a==1", "b==2.5"), metadata, ENV) == []


def test_closure_problems_reports_a_missing_transitive_package() -> None:
    metadata = _metadata({"a==1": ["b>=2"], "b==2.5": ["c"]})
    problems = closure_problems(_inputs("a==1"), _lock("a==1", "b==2.5"), metadata, ENV)
    assert problems == ["'c' (required by b: 'c') is not pinned"]


def test_closure_problems_reports_a_pin_outside_a_requirers_range() -> None:
    metadata = _metadata({"a==1": ["b<2"], "b==2.5": []})
    problems = closure_problems(_inputs("a==1"), _lock("a==1", "b==2.5"), metadata, ENV)
    assert problems == ["'b==2.5' does not satisfy a's 'b<2'"]


def test_closure_problems_reports_a_pin_nothing_needs() -> None:
    metadata = _metadata({"a==1": [], "left-over==3": []})
    problems = closure_problems(_inputs("a==1"), _lock("a==1", "left-over==3"), metadata, ENV)
    assert problems == ["'left-over==3' is pinned but nothing requires it"]


def test_closure_problems_ignores_dependencies_for_other_platforms() -> None:
    declared = [
        'pywin32; sys_platform == "win32"',
        'tomli; python_version < "3.11"',
        'x86only; platform_machine == "x86_64"',
        'armonly; platform_machine == "aarch64"',
    ]
    metadata = _metadata({"a==1": declared, "armonly==1": []})
    locked = _lock("a==1", "armonly==1")
    assert closure_problems(_inputs("a==1"), locked, metadata, ENV) == []


def test_closure_problems_follows_requested_extras_only() -> None:
    metadata = _metadata({"a==1": ['b; extra == "fast"', 'c; extra == "slow"'], "b==1": []})
    assert closure_problems(_inputs("a[fast]==1"), _lock("a==1", "b==1"), metadata, ENV) == []
    problems = closure_problems(_inputs("a==1"), _lock("a==1", "b==1"), metadata, ENV)
    assert problems == ["'b==1' is pinned but nothing requires it"]


def test_closure_problems_reports_missing_metadata() -> None:
    metadata = _metadata({"a==1": ["b"]})
    problems = closure_problems(_inputs("a==1"), _lock("a==1", "b==2"), metadata, ENV)
    assert problems == ["no metadata for 'b==2' to check it"]


# --- the repository's locks --------------------------------------------------------------------


def _function_files(function: str) -> tuple[Path, Path]:
    directory = REPO_ROOT / "functions" / function
    return directory / INPUT_FILE, directory / LOCK_FILE


@pytest.mark.parametrize("function", LOCKED_FUNCTIONS)
def test_function_lock_pins_every_package_with_a_hash(function: str) -> None:
    _, lock = _function_files(function)
    locked = parse_lock(lock.read_text(), source=str(lock))
    assert locked, f"{lock} pins nothing"
    assert all(p.hashes for p in locked.values()), f"{lock} has a pin without hash"


@pytest.mark.parametrize("function", LOCKED_FUNCTIONS)
def test_function_lock_names_no_local_index_or_path(function: str) -> None:
    _, lock = _function_files(function)
    text = lock.read_text()
    for needle in ("file:", "/opt/", "index-url", "find-links", str(REPO_ROOT)):
        assert needle not in text, f"{lock} mentions {needle!r}: it would not build elsewhere"


@pytest.mark.parametrize("function", LOCKED_FUNCTIONS)
def test_function_lock_matches_its_input(function: str) -> None:
    source, lock = _function_files(function)
    problems = staleness_problems(
        parse_input(source.read_text(), str(source)), parse_lock(lock.read_text()), ENV
    )
    assert problems == [], f"{lock} is stale (run `make lock`): {problems}"


@pytest.fixture(scope="module")
def vendored_metadata() -> dict[str, list[str]]:
    """METADATA texts of what pip installs from each lock for Lambda (real pip, PyPI or cache).

    Built where every preview builds the functions (``.build/`` or ``$CW_ANALYTICS_BUILD_DIR``):
    its dependencies are keyed by the lock's bytes and the target, so a set found there is what
    pip installed from this very lock, and none is installed twice in a test run.
    """
    texts: dict[str, list[str]] = {}
    for function in LOCKED_FUNCTIONS:
        archive = build_function_archive(REPO_ROOT / "functions" / function)
        with zipfile.ZipFile(archive.path) as zf:
            texts[function] = [
                zf.read(n).decode() for n in zf.namelist() if n.endswith(".dist-info/METADATA")
            ]
    return texts


@pytest.mark.parametrize("function", LOCKED_FUNCTIONS)
def test_function_lock_is_the_closure_of_its_input_for_lambda(
    function: str, vendored_metadata: dict[str, list[str]]
) -> None:
    # Each vendored wheel's own Requires-Dist, with markers evaluated for arm64 / Python 3.12.
    source, lock = _function_files(function)
    problems = closure_problems(
        parse_input(source.read_text(), str(source)),
        parse_lock(lock.read_text()),
        metadata_lookup(vendored_metadata[function]),
        ENV,
    )
    assert problems == [], f"{lock} is incomplete or carries extras (run `make lock`): {problems}"


@pytest.mark.parametrize("function", LOCKED_FUNCTIONS)
def test_function_lock_is_what_the_lock_command_writes(function: str, tmp_path: Path) -> None:
    # The same command `make lock` runs, on a copy (so it keeps the pins): the lock must come
    # back byte for byte. uv's cache answers offline; a cold cache (a fresh CI machine) asks PyPI.
    _, lock = _function_files(function)
    output = tmp_path / LOCK_FILE
    shutil.copyfile(lock, output)
    command = compile_command(function, output)
    result = subprocess.run(
        [*command, "--offline"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        result = subprocess.run(
            command, cwd=REPO_ROOT, capture_output=True, text=True, check=False, timeout=120
        )
    assert result.returncode == 0, f"locking {function} failed: {result.stderr[-2000:]}"
    assert output.read_text() == lock.read_text(), f"{lock} differs from a fresh `make lock`"


def test_lockfile_repo_root_is_the_repository() -> None:
    """``make lock`` writes the functions' locks under REPO_ROOT: it must be the checkout."""
    assert (REPO_ROOT / "pyproject.toml").is_file(), REPO_ROOT
    assert (REPO_ROOT / "functions" / "api_handler" / "requirements.in").is_file(), REPO_ROOT
