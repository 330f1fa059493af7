"""The components as a Pulumi component package, for TypeScript, Go, YAML or C# programs.

``pulumi package add`` runs ``provider/__main__.py``, which calls ``main()``: Pulumi's component
provider host infers the package schema from the component classes (their Args annotations and
attribute docstrings, their annotated outputs) and serves them over the provider protocol.

The host names every resource ``<package>:index:<ClassName>``, while the Python program's type
tokens (``cw-analytics:database:MonitoredDatabase``) stay what they are so its URNs do not
change. ``package_components`` therefore hands the host thin subclasses whose ``TYPE_TOKEN`` is
the index token; nothing else differs. They keep the component's name, module and qualified
name, because the schema analyzer finds attribute docstrings by reading the source of the class
it is given, and must find the component's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi
from pulumi.provider.experimental import component_provider_host

from . import COMPONENTS

PACKAGE_NAME = "cw-analytics"
PACKAGE_NAMESPACE = "cw-analytics"
PACKAGE_VERSION = "0.2.0"


def index_token(component: type[pulumi.ComponentResource]) -> str:
    """The token the component provider uses: ``cw-analytics:index:<ClassName>``."""
    return f"{PACKAGE_NAME}:index:{component.__name__}"


def package_components(
    components: Sequence[type[pulumi.ComponentResource]] = COMPONENTS,
) -> list[type[pulumi.ComponentResource]]:
    """The components as the package serves them: same classes, index type tokens."""
    return [
        type(
            component.__name__,
            (component,),
            {
                "__doc__": component.__doc__,
                "__module__": component.__module__,
                "__qualname__": component.__qualname__,
                "TYPE_TOKEN": index_token(component),
            },
        )
        for component in components
    ]


def main() -> None:
    """Serve the package (called by the plugin's entry point, never at import)."""
    component_provider_host(
        package_components(),
        name=PACKAGE_NAME,
        namespace=PACKAGE_NAMESPACE,
        version=PACKAGE_VERSION,
    )
