"""Derive, from the installed pulumi_aws, which input holds each resource type's physical name.

``python -m tools.physical_names`` rewrites ``policies/rules/data/physical_names.json``, which
the pack's physical-name rule reads (the pack's own environment has no pulumi_aws);
``--check`` exits 1 when the file differs from what the installed pulumi_aws gives.

The provider SDK's generated modules say it, type by type (read as source, without importing
the 200 service packages): the resource class passes its type token to ``__init__``, and its
``<Class>Args`` lists the inputs with the provider's documentation. An input holds the physical
name when

1. the provider offers a ``<input>_prefix`` beside it (it generates a unique name from the
   prefix when the input is omitted: ``name``/``name_prefix``, ``identifier``/``identifier_prefix``,
   ``bucket``/``bucket_prefix``, ``statement_id``/``statement_id_prefix``); or
2. it is ``name`` or ``<noun>_name``/``<noun>_id`` for a noun of the class's own name, and its
   documentation says the value is unique (``aws.dynamodb.Table.name``: "Unique within a region
   name of the table"; ``aws.cloudwatch.MetricAlarm.name``: "must be unique within the user's
   AWS account"); or
3. it is ``<noun>_name`` for a noun of the class's own name documented as "the name of the
   <noun>" (``aws.cloudwatch.Dashboard.dashboard_name``, ``aws.apigateway.Stage.stage_name``),
   or ``<noun>_id``/``<noun>_identifier`` documented as its identifier
   (``aws.rds.GlobalCluster.global_cluster_identifier``,
   ``aws.elasticache.ReplicationGroup.replication_group_id``).

Types with none of these have no name AWS keeps unique (``aws.apigateway.RestApi``,
``UsagePlan`` and ``ApiKey`` names may repeat) and are left out, except the few in
:data:`DOCUMENTED_UNIQUE` whose provider documentation does not say what AWS enforces.
"""

from __future__ import annotations

import argparse
import ast
import json
import re
import sys
from collections.abc import Iterator, Sequence
from importlib import metadata
from pathlib import Path

import pulumi_aws

DATA_FILE = (
    Path(__file__).resolve().parents[1] / "policies" / "rules" / "data" / "physical_names.json"
)
_TOKEN = re.compile(r"super\((\w+), __self__\)\.__init__\(\s*'(aws:[^']+)'")
_UNIQUE = re.compile(r"\bunique\b", re.IGNORECASE)
# The generated setter of an Args property, and an __init__'s body (its signature kept).
_SETTER = re.compile(
    r"\n    @\w+\.setter\n    def \w+\(self, value: [^\n]*\):\n        pulumi\.set\([^\n]*\)\n"
)
_INIT_BODY = re.compile(
    r"(?P<signature>\n    def __init__\(__self__.*?\):\n).*?(?=\n    @|\Z)", re.DOTALL
)

DOCUMENTED_UNIQUE: dict[str, str] = {
    # IAM API reference, CreateUser/CreateGroup: "names are not distinguished by case"; an
    # existing name fails with EntityAlreadyExists.
    "aws:iam/user:User": "name",
    "aws:iam/group:Group": "name",
    # CloudWatch Logs PutMetricFilter: a filter with the same name on the log group is replaced.
    "aws:cloudwatch/logMetricFilter:LogMetricFilter": "name",
    # ECR CreateRepository: RepositoryAlreadyExistsException for a name in the registry.
    "aws:ecr/repository:Repository": "name",
    # S3 Glacier CreateVault: vault names are unique within an account and region.
    "aws:glacier/vault:Vault": "name",
}
"""Types whose uniqueness AWS documents but the provider SDK's text does not state."""


def derive(package_dir: Path | None = None) -> dict[str, str]:
    """Type token → the camelCase input holding its physical name, for every pulumi_aws type."""
    root = package_dir or Path(pulumi_aws.__file__).parent
    names: dict[str, str] = {}
    for path in sorted(root.glob("*/[!_]*.py")):
        source = path.read_text(encoding="utf-8")
        tokens = dict(_TOKEN.findall(source))
        if not tokens:
            continue
        # Only the Args classes are parsed: the resource classes are most of each file.
        args_classes = dict(_args_classes(_parse_args_classes(_args_source(source, tokens))))
        for class_name, token in tokens.items():
            inputs = args_classes.get(f"{class_name}Args")
            if inputs is None:
                continue
            name_input = name_input_of(class_name, inputs)
            if name_input is not None:
                names[token] = _camel(name_input)
    return dict(sorted({**names, **DOCUMENTED_UNIQUE}.items()))


def resource_types(package_dir: Path | None = None) -> set[str]:
    """Every resource type token the installed pulumi_aws defines."""
    root = package_dir or Path(pulumi_aws.__file__).parent
    return {
        token
        for path in root.glob("*/[!_]*.py")
        for _, token in _TOKEN.findall(path.read_text(encoding="utf-8"))
    }


def name_input_of(class_name: str, inputs: dict[str, str]) -> str | None:
    """The input (snake_case) holding the physical name, by the rules in the module docstring;
    ``inputs`` maps each input to its documentation."""
    for name in inputs:
        if f"{name}_prefix" in inputs:
            return name
    nouns = set(_snake(class_name).split("_"))
    for name, doc in inputs.items():
        own = name == "name" or (
            name.rsplit("_", 1)[-1] in {"name", "id"} and name.rsplit("_", 1)[0] in nouns
        )
        if own and _UNIQUE.search(doc.split("\n\n")[0]):
            return name
    # Without "unique" in the text, the input must name the whole class (``dashboard_name`` of
    # Dashboard), not a part of it (``key_id`` of UsagePlanKey refers to another resource).
    for name, doc in inputs.items():
        noun, _, suffix = name.rpartition("_")
        if not noun or set(noun.split("_")) != nouns:
            continue
        first = doc.strip().lower()
        spoken = noun.replace("_", " ")
        if suffix == "name" and first.startswith(
            (f"the name of the {spoken}", f"name of the {spoken}")
        ):
            return name
        if suffix in {"id", "identifier"} and "identifier" in first.split("\n\n")[0]:
            return name
    return None


def _args_source(source: str, tokens: dict[str, str]) -> list[str]:
    """The top-level ``<Class>Args`` class definitions of a module, as source."""
    parts = []
    for class_name in tokens:
        start = source.find(f"\nclass {class_name}Args:")
        if start < 0:
            continue
        ends = [source.find(m, start + 1) for m in ("\nclass ", "\n@")]
        parts.append(source[start : min((e for e in ends if e > 0), default=len(source))])
    return parts


def _parse_args_classes(parts: list[str]) -> ast.Module:
    """The Args classes parsed without what :func:`_args_classes` never reads, the property
    setters and the ``__init__`` body (half the text and of the parsing time); as written when
    that reduction does not parse."""
    reduced = [
        _INIT_BODY.sub(lambda m: m.group("signature") + "        pass\n", _SETTER.sub("\n", part))
        for part in parts
    ]
    try:
        return ast.parse("\n".join(reduced))
    except SyntaxError:
        return ast.parse("\n".join(parts))


def _args_classes(tree: ast.Module) -> Iterator[tuple[str, dict[str, str]]]:
    """Each ``*Args`` class: its ``__init__`` inputs with their property docstrings."""
    for node in tree.body:
        if not (isinstance(node, ast.ClassDef) and node.name.endswith("Args")):
            continue
        docs: dict[str, str] = {}
        params: list[str] = []
        for item in node.body:
            if not isinstance(item, ast.FunctionDef):
                continue
            if item.name == "__init__":
                params = [a.arg for a in (*item.args.args, *item.args.kwonlyargs)][1:]
            elif any(_is_property(d) for d in item.decorator_list):
                docs[item.name] = ast.get_docstring(item) or ""
        yield node.name, {param: docs.get(param, "") for param in params}


def _is_property(decorator: ast.expr) -> bool:
    """``@pulumi.getter`` or ``@pulumi.getter(name="...")``."""
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "getter"


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def main(argv: Sequence[str] | None = None) -> int:
    """Write the data file, or with ``--check`` compare it with a fresh derivation."""
    parser = argparse.ArgumentParser(prog="python -m tools.physical_names", description=__doc__)
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    document = {
        "source": f"derived from pulumi_aws {_version()} by python -m tools.physical_names",
        "nameInputs": derive(),
    }
    text = json.dumps(document, indent=1, sort_keys=True) + "\n"
    if args.check:
        current = DATA_FILE.read_text(encoding="utf-8") if DATA_FILE.exists() else ""
        if current != text:
            sys.stderr.write(f"{DATA_FILE} is stale: run python -m tools.physical_names\n")
            return 1
        return 0
    DATA_FILE.write_text(text, encoding="utf-8")
    sys.stdout.write(f"wrote {len(document['nameInputs'])} types to {DATA_FILE}\n")
    return 0


def _version() -> str:
    return metadata.version("pulumi_aws")


if __name__ == "__main__":
    sys.exit(main())
