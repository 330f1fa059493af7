"""``aws.iam.get_policy_document`` rendered offline the way the AWS provider renders it.

The provider (terraform-provider-aws, data source ``aws_iam_policy_document``) builds the JSON
from its own statement model, and a policy pack judges exactly that text, so the preview must
produce the same document:

- ``Version`` defaults to ``2012-10-17``; ``Id`` comes from ``policy_id``; each statement's
  ``Effect`` defaults to ``Allow``; empty fields are left out.
- Actions, resources, principal identifiers and condition values with one element are rendered
  as a plain string, several as a list sorted in *reverse* order (the provider sorts them so);
  actions, resources and identifiers are sets (duplicates dropped).
- Principal blocks of the same type merge into one key; ``type = "*"`` with identifier ``"*"``
  is rendered as ``"Principal": "*"``. Conditions with the same test and variable merge values.
- ``&{aws:username}`` is rendered as ``${aws:username}`` (a policy variable written so Pulumi
  and Terraform leave it alone) when the version is ``2012-10-17``.
- Documents merge by ``Sid``: the ``source_policy_documents`` first (their Sids must be unique),
  then this call's ``statements`` (a statement replaces a source statement with its Sid), then each
  ``override_policy_documents`` entry the same way; statements without a Sid are appended.
- ``json`` is indented by two spaces, ``minifiedJson`` compact, both with ``<``, ``>`` and ``&``
  escaped as Go's encoder does.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

DEFAULT_VERSION = "2012-10-17"
_STATEMENT_FIELDS = (
    "Sid",
    "Effect",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Principal",
    "NotPrincipal",
    "Condition",
)
_LIST_FIELDS = (
    ("actions", "Action"),
    ("notActions", "NotAction"),
    ("resources", "Resource"),
    ("notResources", "NotResource"),
)


class PolicyDocumentError(ValueError):
    """The arguments cannot make a policy document (the provider would fail the same way)."""


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _camel_keys(value: Mapping[str, Any]) -> dict[str, Any]:
    """A mapping with its snake_case keys (``not_actions``) in the wire's camelCase; a key
    given in both spellings keeps the camelCase one."""
    result = {_camel(str(key)): item for key, item in value.items() if "_" in str(key)}
    result.update({str(key): item for key, item in value.items() if "_" not in str(key)})
    return result


def _blocks(value: Any) -> list[dict[str, Any]]:
    return [_camel_keys(block) if isinstance(block, Mapping) else block for block in value or []]


def normalise_arguments(args: Mapping[str, Any]) -> dict[str, Any]:
    """Invoke arguments with every key in camelCase, at every level the data source defines.

    The Python SDK sends dict inputs with the keys as written; the provider accepts both
    spellings of a statement's fields (``not_actions``/``notActions``, ``not_principals``, a
    condition's ``variable``...) and of the arguments (``source_policy_documents``).
    """
    top = _camel_keys(args)
    statements = []
    for raw in top.get("statements") or []:
        statement = _camel_keys(raw) if isinstance(raw, Mapping) else raw
        if isinstance(statement, dict):
            for key in ("principals", "notPrincipals", "conditions"):
                if statement.get(key):
                    statement[key] = _blocks(statement[key])
        statements.append(statement)
    if "statements" in top:
        top["statements"] = statements
    return top


def render_policy_document(args: Mapping[str, Any]) -> dict[str, str]:
    """The data source's outputs (``json``, ``minifiedJson``, ``id``) for invoke ``args``
    (keys in either spelling: see :func:`normalise_arguments`)."""
    args = normalise_arguments(args)
    version = str(args.get("version") or DEFAULT_VERSION)
    statements = [
        _statement(raw, index, version) for index, raw in enumerate(args.get("statements") or [])
    ]
    _reject_duplicate_sids(statements)
    merged: dict[str, Any] = {"Version": version, "Statement": []}
    # The deprecated source_json/override_json act as one more source/override, applied first.
    _merge_sources(merged, _labelled(args, "sourceJson", "sourcePolicyDocuments"))
    own = {"Version": version, "Statement": statements}
    if args.get("policyId"):
        own["Id"] = str(args["policyId"])
    _merge(merged, own)
    for where, text in _labelled(args, "overrideJson", "overridePolicyDocuments"):
        _merge(merged, _parse(text, where))
    document = _ordered_document(merged)
    pretty = _go_escape(json.dumps(document, indent=2, ensure_ascii=False))
    minified = _go_escape(json.dumps(document, separators=(",", ":"), ensure_ascii=False))
    # The provider's id is the CRC-32 hash code of the rendered JSON.
    return {"id": str(zlib.crc32(pretty.encode())), "json": pretty, "minifiedJson": minified}


def _statement(raw: Mapping[str, Any], index: int, version: str) -> dict[str, Any]:
    statement: dict[str, Any] = {}
    if raw.get("sid"):
        statement["Sid"] = str(raw["sid"])
    effect = raw.get("effect") or "Allow"
    if effect not in ("Allow", "Deny"):
        raise PolicyDocumentError(
            f"statements[{index}].effect {effect!r} must be 'Allow' or 'Deny' "
            "(the provider validates it)"
        )
    statement["Effect"] = effect
    for key, field in _LIST_FIELDS:
        values = _unique(raw.get(key) or [])
        if values:
            statement[field] = _string_or_list(_variables(values, version))
    for key, field in (("principals", "Principal"), ("notPrincipals", "NotPrincipal")):
        if raw.get(key):
            statement[field] = _principals(raw[key], version)
    if raw.get("conditions"):
        statement["Condition"] = _conditions(raw["conditions"], version)
    return statement


def _unique(values: Sequence[Any]) -> list[str]:
    return list(dict.fromkeys(str(value) for value in values))


def _string_or_list(values: Sequence[str]) -> str | list[str]:
    if len(values) == 1:
        return values[0]
    return sorted(values, reverse=True)


def _variables(values: Sequence[str], version: str) -> list[str]:
    if version != DEFAULT_VERSION:
        return list(values)
    return [value.replace("&{", "${") for value in values]


def _principals(blocks: Sequence[Mapping[str, Any]], version: str) -> str | dict[str, Any]:
    merged: dict[str, list[str]] = {}
    for block in blocks:
        identifiers = _variables(_unique(block.get("identifiers") or []), version)
        merged.setdefault(str(block.get("type", "")), []).extend(
            sorted(identifiers, reverse=True) if len(identifiers) > 1 else identifiers
        )
    if list(merged) == ["*"] and merged["*"] == ["*"]:
        return "*"
    return {kind: ids[0] if len(ids) == 1 else ids for kind, ids in sorted(merged.items())}


def _conditions(blocks: Sequence[Mapping[str, Any]], version: str) -> dict[str, Any]:
    merged: dict[str, dict[str, list[str]]] = {}
    for block in blocks:
        values = _variables([str(v) for v in block.get("values") or []], version)
        ordered = sorted(values, reverse=True) if len(values) > 1 else values
        test = merged.setdefault(str(block.get("test", "")), {})
        test.setdefault(str(block.get("variable", "")), []).extend(ordered)
    return {
        test: {var: vals[0] if len(vals) == 1 else vals for var, vals in sorted(tests.items())}
        for test, tests in sorted(merged.items())
    }


def _reject_duplicate_sids(statements: Sequence[Mapping[str, Any]]) -> None:
    seen: set[str] = set()
    for statement in statements:
        sid = statement.get("Sid")
        if sid and sid in seen:
            raise PolicyDocumentError(
                f"found duplicate sid ({sid}) in statements: remove the sid or make it unique"
            )
        if sid:
            seen.add(sid)


def _labelled(args: Mapping[str, Any], single: str, many: str) -> list[tuple[str, str]]:
    """The non-empty documents of a deprecated single argument and its list, each named."""
    documents = [(single, args.get(single))]
    documents += [(f"{many}[{i}]", text) for i, text in enumerate(args.get(many) or [])]
    return [(where, str(text)) for where, text in documents if text]


def _merge_sources(merged: dict[str, Any], sources: Sequence[tuple[str, str]]) -> None:
    seen: set[str] = set()
    for where, text in sources:
        source = _parse(text, where)
        for position, statement in enumerate(source["Statement"]):
            sid = statement.get("Sid")
            if sid and sid in seen:
                raise PolicyDocumentError(
                    f"duplicate Sid ({sid}) in sourcePolicyDocuments ({where}; statement "
                    f"{position}): use override_policy_documents to replace a statement"
                )
            if sid:
                seen.add(sid)
        _merge(merged, source)


def _merge(into: dict[str, Any], new: Mapping[str, Any]) -> None:
    """The provider's merge: adopt Id, upgrade Version, replace statements by Sid, else append."""
    if new.get("Id"):
        into["Id"] = new["Id"]
    if str(new.get("Version", "")) > str(into.get("Version", "")):
        into["Version"] = new["Version"]
    statements: list[dict[str, Any]] = into["Statement"]
    for statement in new.get("Statement", []):
        sid = statement.get("Sid")
        same = [i for i, old in enumerate(statements) if sid and old.get("Sid") == sid]
        if same:
            statements[same[0]] = dict(statement)
        else:
            statements.append(dict(statement))


def _parse(text: str, where: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (TypeError, json.JSONDecodeError) as error:
        raise PolicyDocumentError(f"{where} is not a JSON policy document: {error}") from error
    if not isinstance(document, dict):
        raise PolicyDocumentError(f"{where} is not a JSON object")
    raw = document.get("Statement", [])
    statements = [raw] if isinstance(raw, dict) else raw
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise PolicyDocumentError(f"{where}: Statement must be an object or a list of objects")
    parsed: dict[str, Any] = {"Statement": [_normalised(s) for s in statements]}
    for key in ("Version", "Id"):
        if document.get(key):
            parsed[key] = str(document[key])
    return parsed


def _normalised(statement: Mapping[str, Any]) -> dict[str, Any]:
    """A statement read back from JSON the way the provider reads one."""
    result = {key: statement[key] for key in _STATEMENT_FIELDS if statement.get(key)}
    for field in ("Principal", "NotPrincipal"):
        if result.get(field) in ({"*": "*"}, {"*": ["*"]}):
            result[field] = "*"
        elif isinstance(result.get(field), Mapping):
            result[field] = {
                kind: sorted(ids, reverse=True) if isinstance(ids, list) else ids
                for kind, ids in sorted(result[field].items())
            }
    if isinstance(result.get("Condition"), Mapping):
        result["Condition"] = {
            test: {
                var: _condition_value(vals)
                for var, vals in sorted(tests.items())
                if isinstance(tests, Mapping)
            }
            for test, tests in sorted(result["Condition"].items())
        }
    return result


def _condition_value(values: Any) -> Any:
    if isinstance(values, bool):
        return "true" if values else "false"
    if isinstance(values, list) and len(values) == 1:
        return values[0]
    return values


def _ordered_document(merged: Mapping[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {"Version": merged["Version"]}
    if merged.get("Id"):
        document["Id"] = merged["Id"]
    if merged["Statement"]:
        document["Statement"] = [
            {key: s[key] for key in _STATEMENT_FIELDS if key in s} for s in merged["Statement"]
        ]
    return document


def _go_escape(text: str) -> str:
    """Go's JSON encoder escapes these for HTML safety; the provider's output carries them so."""
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
