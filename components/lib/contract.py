"""The API's and the aggregator's shared contract (``functions/shared/analytics_contract``).

The components read the same modules the Lambda archives carry. In the repository they are
importable as ``functions.shared.analytics_contract``; the installed library carries them inside
its own package, so the relative import is tried first and a consumer's own top-level
``functions`` package can never be picked up instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from functions.shared.analytics_contract import metrics, routes, sources
else:
    try:
        from ..functions.shared.analytics_contract import metrics, routes, sources
    except ModuleNotFoundError:
        from functions.shared.analytics_contract import metrics, routes, sources

__all__ = ["metrics", "routes", "sources"]
