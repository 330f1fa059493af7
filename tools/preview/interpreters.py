"""Which Python interpreter runs a program or a policy pack: the one the Pulumi CLI would start.

Both follow the ``virtualenv`` runtime option of their project file, resolved the way the CLI
resolves it, and fail the way the CLI fails when that environment does not exist:

- a program (``Pulumi.yaml``): the Python language host joins a relative ``virtualenv`` to the
  project's directory and runs ``<virtualenv>/bin/python``; when it is missing the CLI stops with
  "The 'virtualenv' option in Pulumi.yaml is set to ..., but ... doesn't exist" (``toolchain``,
  ``NewVirtualEnvError``);
- a local policy pack (``PulumiPolicy.yaml``, ``--policy-pack DIR``): the engine starts the
  ``pulumi-analyzer-policy-python`` shim with the pack's folder as working directory and
  ``-virtualenv=<value>``; the shim runs ``<pack>/<virtualenv>/bin/python -u -m pulumi.policy``,
  or prints '"<path>" doesn't appear to be a virtual environment' and exits 1 — before any rule
  loads. Nothing installs a local pack's environment (``pulumi install`` run in the pack's
  folder does, on request).

Without a ``virtualenv`` option the CLI takes ``python3`` from ``PATH``; the offline preview
takes the interpreter it runs under instead (the same one in an activated environment).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tools.preview.errors import PreviewError

_PIP_TOOLCHAINS = (None, "", "pip")


class InterpreterError(PreviewError):
    """The interpreter a project file names does not exist: the CLI would stop here too."""


@dataclass(frozen=True)
class Interpreter:
    """A Python executable and why it was chosen."""

    path: Path
    source: str
    """Where the choice came from, e.g. ``virtualenv 'venv' in policies/PulumiPolicy.yaml``."""

    def describe(self) -> str:
        """``<path> (<source>)``, for the preview's report of what it ran."""
        return f"{self.path} ({self.source})"


def program_interpreter(program_dir: Path, override: Path | None = None) -> Interpreter:
    """The interpreter the CLI runs the program in ``program_dir`` with; ``--python`` wins."""
    if override is not None:
        if not Path(override).is_file():
            raise InterpreterError(f"--python {override}: no such interpreter")
        return Interpreter(Path(override), "--python")
    path = program_dir / "Pulumi.yaml"
    options = _runtime_options(_read_mapping(path, "a Pulumi project"), path)
    virtualenv = options.get("virtualenv")
    if not virtualenv:
        return Interpreter(Path(sys.executable), "no virtualenv in Pulumi.yaml: this interpreter")
    root = _venv_root(program_dir, str(virtualenv))
    python = root / "bin" / "python"
    if not python.is_file():
        state = (
            "doesn't exist" if not root.exists() else "doesn't appear to be a virtual environment"
        )
        raise InterpreterError(
            f'The \'virtualenv\' option in Pulumi.yaml is set to "{virtualenv}", but "{root}" '
            f"{state}; create it and install the program's requirements into it "
            f"(python3 -m venv {root} && {python} -m pip install -r requirements.txt), "
            "or run the preview with --python"
        )
    return Interpreter(python, f"virtualenv '{virtualenv}' in {program_dir / 'Pulumi.yaml'}")


def pack_interpreter(pack_dir: Path) -> Interpreter:
    """The interpreter the CLI's Python policy shim starts the pack in ``pack_dir`` with."""
    path = pack_dir / "PulumiPolicy.yaml"
    document = _read_mapping(path, "a policy pack")
    virtualenv = _runtime_options(document, path).get("virtualenv")
    if not virtualenv:
        return Interpreter(Path(sys.executable), f"no virtualenv in {path}: this interpreter")
    root = _venv_root(pack_dir, str(virtualenv))
    if not (root / "bin" / "python").is_file():
        raise InterpreterError(
            f'policy pack {pack_dir} cannot start: "{root}" doesn\'t appear to be a virtual '
            f"environment (PulumiPolicy.yaml sets virtualenv: {virtualenv}; the Pulumi CLI "
            f"stops the same way). Create it: `make venv`, or `pulumi install` in {pack_dir}"
        )
    return Interpreter(root / "bin" / "python", f"virtualenv '{virtualenv}' in {path}")


def _venv_root(base: Path, virtualenv: str) -> Path:
    """``virtualenv`` made absolute against ``base``; a trailing slash dropped (the shim's rule).

    The path is not resolved: a ``venv`` that is a symbolic link stays the path the CLI uses.
    """
    candidate = Path(virtualenv.rstrip("/") or "/")
    return candidate if candidate.is_absolute() else Path(base).absolute() / candidate


def _runtime_options(document: Mapping[str, Any], path: Path) -> Mapping[str, Any]:
    runtime = document.get("runtime")
    if not isinstance(runtime, Mapping):
        return {}
    options = runtime.get("options") or {}
    if not isinstance(options, Mapping):
        raise InterpreterError(f"{path}: runtime.options must be a mapping")
    if options.get("toolchain") not in _PIP_TOOLCHAINS:
        raise InterpreterError(
            f"{path}: toolchain {options['toolchain']!r}: the offline preview runs pip "
            "environments only (toolchain: pip, the default)"
        )
    return options


def _read_mapping(path: Path, what: str) -> Mapping[str, Any]:
    if not path.is_file():
        raise PreviewError(f"{path.parent} is not {what}: {path.name} is missing")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise PreviewError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(document, Mapping):
        raise PreviewError(f"{path}: expected a mapping at the top level")
    return document
