"""Every `pulumi` command the README and docs/ give is the CLI's real syntax: a command that
exists, flags it declares, arguments in the right place (pkg/cmd/pulumi, CLI 3.259-3.272).

The table lists what the docs use, each entry read from the command's cobra definition: its
``Use`` line (positional arguments) and its flags. A command or flag missing here fails the test
until someone checks it against the CLI and adds it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest

from .helpers import REPO_ROOT

# Flags every command takes (pkg/cmd/pulumi/pulumi.go persistent flags), with whether they take
# a value.
GLOBAL_FLAGS = {"-C": True, "--cwd": True, "--color": True, "--non-interactive": False}


@dataclass(frozen=True)
class Command:
    """One CLI command: how many positional arguments and which flags (True: takes a value)."""

    min_args: int
    max_args: int
    flags: dict[str, bool]


_UPDATE = {
    "--stack": True,
    "-s": True,
    "--yes": False,
    "-y": False,
    "--policy-pack": True,
    "--policy-pack-config": True,
    "--diff": False,
    "--json": False,
    "-j": False,
    "--expect-no-changes": False,
    "--refresh": False,
    "--target": True,
    "--skip-preview": False,
}
COMMANDS: dict[str, Command] = {
    # --replace (a URN to replace) exists on up and preview only.
    "up": Command(0, 1, {**_UPDATE, "--replace": True}),
    "preview": Command(0, 0, {**_UPDATE, "--save-plan": True, "--replace": True}),
    "destroy": Command(0, 0, {**_UPDATE, "--preview-only": False, "--remove": False}),
    "refresh": Command(0, 0, {**_UPDATE, "--preview-only": False}),
    "login": Command(0, 1, {"--local": False, "--cloud-url": True}),
    "install": Command(0, 0, {"--reinstall": False, "--no-plugins": False}),
    "import": Command(0, 3, {"--file": True, "-f": True, "--stack": True, "--yes": False}),
    "stack init": Command(0, 1, {"--secrets-provider": True, "--copy-config-from": True}),
    "stack select": Command(0, 1, {"--stack": True, "-s": True, "--create": False, "-c": False}),
    "stack rm": Command(0, 1, {"--yes": False, "-y": False, "--force": False, "--stack": True}),
    "stack ls": Command(0, 0, {"--all": False, "-a": False, "--json": False, "-j": False}),
    "stack output": Command(0, 1, {"--json": False, "--show-secrets": False, "--stack": True}),
    "stack export": Command(0, 0, {"--file": True, "--stack": True, "--show-secrets": False}),
    "stack import": Command(0, 0, {"--file": True, "--stack": True, "--force": False}),
    "config set": Command(1, 2, {"--path": False, "--secret": False, "--stack": True}),
    "config rm": Command(1, 1, {"--path": False, "--stack": True}),
    "config cp": Command(0, 1, {"--dest": True, "-d": True, "--path": False, "--stack": True}),
    "state delete": Command(0, 1, {"--force": False, "--yes": False, "--stack": True}),
    "state unprotect": Command(
        0, 1, {"--all": False, "--yes": False, "-y": False, "--stack": True, "-s": True}
    ),
    # `publish [org-name]`: the pack is found from the working directory, not an argument.
    "policy publish": Command(0, 1, {}),
    "package add": Command(1, 8, {}),
}
_GROUPS = {"stack", "config", "policy", "package", "state"}
DOCS = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
_COMMAND = re.compile(r"(?:^|[\s`(;&|$])(pulumi\s[^`\n|;&)]*)")
# A ref after `@` that `pulumi package add` accepts for a Git source: v<semver> or a commit hash.
_GIT_REF = re.compile(r"@(v\d+\.\d+\.\d+\S*|[0-9a-f]{7,40})$")


def _commands() -> list[tuple[str, str]]:
    found = []
    for path in DOCS:
        for line in path.read_text(encoding="utf-8").splitlines():
            for match in _COMMAND.finditer(line):
                text = match.group(1).split(" #")[0].strip()
                found.append((f"{path.relative_to(REPO_ROOT)}: {text}", text))
    return found


COMMAND_LINES = _commands()


def test_docs_give_pulumi_commands_to_check() -> None:
    assert len(COMMAND_LINES) > 20, COMMAND_LINES


@pytest.mark.parametrize("where,text", COMMAND_LINES, ids=[w for w, _ in COMMAND_LINES])
def test_docs_pulumi_command_is_real_cli_syntax(where: str, text: str) -> None:
    # Placeholders become sample values: <org> an organisation, <semver> a version.
    sample = re.sub(r"<([^>]+)>", lambda m: "1.0.0" if m[1] == "semver" else m[1], text)
    words = shlex.split(sample)[1:]
    words = _without_global_flags(words, where)
    if not words:
        return  # the bare word "pulumi" in prose
    name = " ".join(words[:2]) if " ".join(words[:2]) in COMMANDS else words[0]
    if name not in COMMANDS:
        # Prose may name a command group alone ("pulumi stack"); anything more must be known.
        group_alone = name in _GROUPS and len(words) == 1
        assert group_alone, (
            f"{where}: `pulumi {' '.join(words[:2])}` is not a command the table knows"
        )
        return
    command = COMMANDS[name]
    positional = _positional(words[len(name.split()) :], command, where)
    assert command.min_args <= len(positional) <= command.max_args, (
        f"{where}: `pulumi {name}` takes {command.min_args}-{command.max_args} arguments, "
        f"got {positional}"
    )
    if name == "policy publish" and positional:
        assert not (REPO_ROOT / positional[0]).exists(), (
            f"{where}: `pulumi policy publish` takes an organisation, not the folder "
            f"{positional[0]} (run it in the pack's folder: pulumi -C policies policy publish)"
        )
    if name == "package add" and "@" in positional[0]:
        assert _GIT_REF.search(positional[0]), (
            f"{where}: a Git source's ref must be a v<semver> tag or a commit hash"
        )


def _without_global_flags(words: list[str], where: str) -> list[str]:
    rest: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in GLOBAL_FLAGS:
            index += 2 if GLOBAL_FLAGS[word] else 1
            continue
        if word.startswith("-") and not rest:
            raise AssertionError(f"{where}: {word} before the command is not a global flag")
        rest.append(word)
        index += 1
    return rest


def _positional(words: list[str], command: Command, where: str) -> list[str]:
    positional: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word.startswith("-") and len(word) > 1:
            flag = word.split("=", 1)[0]
            assert flag in command.flags or flag in GLOBAL_FLAGS, (
                f"{where}: {flag} is not a flag of this command"
            )
            takes_value = command.flags.get(flag, GLOBAL_FLAGS.get(flag, False))
            index += 2 if takes_value and "=" not in word else 1
            continue
        positional.append(word)
        index += 1
    return positional


def test_check_catches_the_old_publish_and_package_add_mistakes(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match="takes an organisation"):
        test_docs_pulumi_command_is_real_cli_syntax("x", "pulumi policy publish policies")
    with pytest.raises(AssertionError, match="v<semver> tag or a commit hash"):
        test_docs_pulumi_command_is_real_cli_syntax(
            "x", "pulumi package add https://github.com/o/r.git/provider@<tag>"
        )
    with pytest.raises(AssertionError, match="--policypack is not a flag"):
        test_docs_pulumi_command_is_real_cli_syntax("x", "pulumi up --policypack policies")
