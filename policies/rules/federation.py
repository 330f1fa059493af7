"""Trust policies for web identity providers that issue tokens to everyone.

GitHub Actions mints a token for every workflow of every repository on GitHub, all with the
same audience (``sts.amazonaws.com``); a Cognito identity pool token is issued to users of every
identity pool. A role trusting such a provider is open to all of them unless a Condition names
whose tokens count: the repository owner in ``token.actions.githubusercontent.com:sub``, the
identity pool in ``cognito-identity.amazonaws.com:aud``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .common import UNKNOWN, get, get_item, operator_narrows

__all__ = ["shared_provider_problem"]

GITHUB = "token.actions.githubusercontent.com"
COGNITO = "cognito-identity.amazonaws.com"
# Provider -> the claim whose condition says whose tokens are accepted.
_NARROWING_CLAIM = {GITHUB: f"{GITHUB}:sub", COGNITO: f"{COGNITO}:aud"}
_GITHUB_REPO = "repo:"


def _strings(value: Any) -> list[Any]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [get_item(value, index) for index in range(len(value))]
    return [value]


def _provider(federated: str) -> str | None:
    """The shared provider a Federated principal names (by OIDC provider ARN or domain)."""
    issuer = federated.strip().split(":oidc-provider/", 1)[-1].lower()
    return issuer if issuer in _NARROWING_CLAIM else None


def _wild(text: str) -> bool:
    return "*" in text or "?" in text


def _value_names_owner(provider: str, value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if not isinstance(value, str) or value.strip("*? ") == "":
        return False
    if provider == GITHUB and value.startswith(_GITHUB_REPO):
        owner = value[len(_GITHUB_REPO) :].split("/", 1)[0]
        return owner != "" and not _wild(owner)
    return not _wild(value)


def _narrowed(statement: Mapping[str, Any], provider: str) -> bool:
    condition = get(statement, "Condition")
    if condition is UNKNOWN:
        return True
    if not isinstance(condition, Mapping):
        return False
    claim = _NARROWING_CLAIM[provider]
    for operator in condition:
        block = get(condition, operator)
        if not isinstance(operator, str) or not operator_narrows(operator):
            continue
        if not isinstance(block, Mapping):
            continue
        for key in block:
            if not isinstance(key, str) or key.lower() != claim:
                continue
            values = _strings(get(block, key))
            if values and all(_value_names_owner(provider, v) for v in values):
                return True
    return False


def shared_provider_problem(statement: Mapping[str, Any]) -> str | None:
    """Why an Allow statement trusting a shared web identity provider is open, or None."""
    principal = get(statement, "Principal")
    if not isinstance(principal, Mapping):
        return None
    for key in principal:
        if not isinstance(key, str) or key != "Federated":
            continue
        for federated in _strings(get(principal, key)):
            if not isinstance(federated, str):
                continue
            provider = _provider(federated)
            if provider is not None and not _narrowed(statement, provider):
                return (
                    f"trusts {provider}, which issues tokens to everyone using it, with no "
                    f"Condition on {_NARROWING_CLAIM[provider]} naming whose tokens count"
                    + (" (e.g. repo:my-org/my-repo:*)" if provider == GITHUB else "")
                )
    return None
