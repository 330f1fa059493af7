"""Package ``functions/<name>/`` and its ``requirements.txt`` into a reproducible Lambda zip.

The archive's bytes depend only on the function's files, the requirements and the target
(architecture, Python version): entries are sorted, every timestamp is 1980-01-01, permissions are
0o644, entries are stored uncompressed (deflate output varies between zlib builds, stored bytes do
not), and byte-code, ``bin/`` scripts (their shebang names the local interpreter) and the
installer's own ``dist-info`` records are left out. So ``pulumi preview`` shows no diff when
nothing changed, on any machine.

Build output lives outside git, in ``<repo>/.build/`` or ``$CW_ANALYTICS_BUILD_DIR``:

- ``deps/<key>/``: the vendored dependencies, keyed by the sha256 of (requirements.txt, platform,
  implementation, Python version, architecture); a warm key means no pip run and no network.
- ``archives/<function>-<arch>-py<ver>-<source hash>.zip``: rebuilt only when the hash changes.

Both are written to a temporary sibling and moved into place with ``os.replace``, so two
processes building the same function at once both end up with a complete result.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pulumi

Architecture = Literal["arm64", "x86_64"]
Installer = Callable[[Sequence[str], Path], None]
"""``installer(pip_arguments, target_dir)``: install into ``target_dir`` or raise."""

REPO_ROOT = Path(__file__).resolve().parent.parent
BUILD_DIR_ENV = "CW_ANALYTICS_BUILD_DIR"
# Bump when the archive layout rules change, so old cache entries are not reused.
FORMAT_VERSION = "1"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o100644
_PLATFORMS: dict[str, str] = {
    "arm64": "manylinux2014_aarch64",
    "x86_64": "manylinux2014_x86_64",
}
_SKIP_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"})
_SKIP_SUFFIXES = (".pyc", ".pyo")
# dist-info files that record how and from where this machine installed the package.
_SKIP_DIST_INFO = frozenset({"RECORD", "INSTALLER", "REQUESTED", "direct_url.json"})
_STDERR_TAIL = 2000


class PackagingError(RuntimeError):
    """A function could not be packaged; the message names the function and the failing step."""


@dataclass(frozen=True)
class FunctionArchive:
    """A built Lambda archive."""

    path: Path
    """The zip file, inside the build directory."""
    sha256_base64: str
    """Base64 of the zip's SHA-256: what ``aws.lambda_.Function(source_code_hash=...)`` takes."""

    def asset(self) -> pulumi.FileArchive:
        """The archive for ``aws.lambda_.Function(code=...)``."""
        return pulumi.FileArchive(str(self.path))


def default_build_dir() -> Path:
    """``$CW_ANALYTICS_BUILD_DIR`` if set, else ``<repo>/.build``."""
    override = os.environ.get(BUILD_DIR_ENV)
    return Path(override) if override else REPO_ROOT / ".build"


def pip_install(arguments: Sequence[str], target: Path) -> None:
    """Run the current interpreter's pip; raise ``CalledProcessError`` carrying its stderr."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    subprocess.run(
        [sys.executable, "-m", "pip", "install", *arguments, "--target", str(target)],
        check=True,
        capture_output=True,
        text=True,
        cwd=target,
        env=env,
    )


def build_function_archive(
    function_dir: Path,
    *,
    architecture: Architecture = "arm64",
    python_version: str = "3.12",
    build_dir: Path | None = None,
    installer: Installer | None = None,
) -> FunctionArchive:
    """Build (or reuse) the zip of ``function_dir`` plus its requirements for Lambda.

    ``function_dir``'s contents become the zip root; dependencies are installed as wheels for the
    Lambda platform (``--only-binary=:all:``), so the result does not depend on this machine.
    ``installer`` replaces pip (tests). Raises ``PackagingError`` naming the function and the step.
    """
    function_dir = Path(function_dir).resolve()
    name = function_dir.name
    if not function_dir.is_dir():
        raise PackagingError(f"packaging function '{name}': directory {function_dir} not found")
    if architecture not in _PLATFORMS:
        raise PackagingError(
            f"packaging function '{name}': architecture {architecture!r} must be "
            f"one of {sorted(_PLATFORMS)}"
        )
    root = Path(build_dir) if build_dir is not None else default_build_dir()
    deps_dir = _ensure_dependencies(
        name,
        function_dir,
        architecture=architecture,
        python_version=python_version,
        root=root,
        installer=installer or pip_install,
    )
    entries = _collect(name, function_dir, deps_dir)
    digest = hashlib.sha256(f"{FORMAT_VERSION}\0{architecture}\0{python_version}\0".encode())
    for arcname, path in entries:
        digest.update(arcname.encode() + b"\0" + _sha256_file(path) + b"\0")
    stem = f"{name}-{architecture}-py{python_version}-{digest.hexdigest()[:32]}"
    archive = root / "archives" / f"{stem}.zip"
    if not archive.is_file():
        _write_zip(name, archive, entries)
    data = archive.read_bytes()
    return FunctionArchive(
        path=archive, sha256_base64=base64.b64encode(hashlib.sha256(data).digest()).decode()
    )


def dependency_key(requirements: bytes, architecture: str, python_version: str) -> str:
    """The cache key of an installed dependency set."""
    material = b"\0".join(
        [
            FORMAT_VERSION.encode(),
            requirements,
            _PLATFORMS[architecture].encode(),
            b"cp",
            python_version.encode(),
            architecture.encode(),
        ]
    )
    return hashlib.sha256(material).hexdigest()


def _ensure_dependencies(
    name: str,
    function_dir: Path,
    *,
    architecture: Architecture,
    python_version: str,
    root: Path,
    installer: Installer,
) -> Path | None:
    requirements = function_dir / "requirements.txt"
    if not requirements.is_file():
        return None
    content = requirements.read_bytes()
    if not any(line.strip() and not line.strip().startswith(b"#") for line in content.splitlines()):
        return None
    final = root / "deps" / dependency_key(content, architecture, python_version)
    if final.is_dir():
        return final
    final.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=final.parent))
    arguments = [
        "--quiet",
        "--no-compile",
        "--no-input",
        "--platform",
        _PLATFORMS[architecture],
        "--implementation",
        "cp",
        "--python-version",
        python_version,
        "--only-binary=:all:",
        "-r",
        str(requirements),
    ]
    try:
        installer(arguments, staging)
    except subprocess.CalledProcessError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        tail = (exc.stderr or "").strip()[-_STDERR_TAIL:]
        raise PackagingError(
            f"packaging function '{name}': dependency install (pip install -r {requirements}) "
            f"failed with exit code {exc.returncode}:\n{tail}"
        ) from exc
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise PackagingError(
            f"packaging function '{name}': dependency install could not run: {exc}"
        ) from exc
    _scrub(staging)
    try:
        os.replace(staging, final)
    except OSError:
        # Another build installed the same key first: its result is equivalent, keep it.
        shutil.rmtree(staging, ignore_errors=True)
        if not final.is_dir():
            raise
    return final


def _scrub(target: Path) -> None:
    """Drop what pip leaves that is machine-specific or useless on Lambda."""
    shutil.rmtree(target / "bin", ignore_errors=True)
    for path in sorted(target.rglob("*"), reverse=True):
        if path.is_dir() and path.name == "__pycache__":
            shutil.rmtree(path, ignore_errors=True)
        elif path.is_file() and (
            path.suffix in _SKIP_SUFFIXES
            or (path.parent.name.endswith(".dist-info") and path.name in _SKIP_DIST_INFO)
        ):
            path.unlink()


def _walk(base: Path) -> Iterator[tuple[str, Path]]:
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in _SKIP_DIRS]
        for filename in filenames:
            path = Path(dirpath) / filename
            if filename.endswith(_SKIP_SUFFIXES) or not path.is_file():
                continue
            yield path.relative_to(base).as_posix(), path


def _collect(name: str, function_dir: Path, deps_dir: Path | None) -> list[tuple[str, Path]]:
    entries = dict(_walk(function_dir))
    if deps_dir is not None:
        for arcname, path in _walk(deps_dir):
            if arcname in entries:
                raise PackagingError(
                    f"packaging function '{name}': '{arcname}' exists both in the function "
                    "and in its dependencies"
                )
            entries[arcname] = path
    return sorted(entries.items())


def _write_zip(name: str, archive: Path, entries: Sequence[tuple[str, Path]]) -> None:
    archive.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as zf:
        for arcname, path in entries:
            info = zipfile.ZipInfo(arcname, date_time=ZIP_EPOCH)
            info.create_system = 3  # Unix, so external_attr carries the mode on every OS
            info.external_attr = FILE_MODE << 16
            info.compress_type = zipfile.ZIP_STORED
            zf.writestr(info, path.read_bytes())
    handle, temporary = tempfile.mkstemp(prefix=f".{name}-", suffix=".zip", dir=archive.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(buffer.getvalue())
        os.chmod(temporary, 0o644)
        os.replace(temporary, archive)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise PackagingError(
            f"packaging function '{name}': writing {archive} failed: {exc}"
        ) from exc


def _sha256_file(path: Path) -> bytes:
    return hashlib.sha256(path.read_bytes()).digest()
