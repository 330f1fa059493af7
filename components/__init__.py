"""cw-analytics components: a monitored analytics system on AWS as reusable Pulumi components.

Each component takes plain values and ``pulumi.Input`` s, builds its own alarms from its alarm
table and exposes them and its dashboard widgets as outputs; ``ServiceDashboard`` composes those
into the service-health alarm and the dashboard. See docs/components.md.
"""

from .alerting import AlertingHub, AlertingHubArgs
from .api import ApiRoute, ApiWithHandler, ApiWithHandlerArgs
from .dashboard import MonitoringSection, ServiceDashboard, ServiceDashboardArgs
from .database import MonitoredDatabase, MonitoredDatabaseArgs
from .function import FunctionRole, FunctionRoleArgs
from .metrics import MetricAggregator, MetricAggregatorArgs, WatchedResources
from .network import MonitoredVpc, MonitoredVpcArgs

COMPONENTS = (
    AlertingHub,
    FunctionRole,
    MonitoredVpc,
    MonitoredDatabase,
    ApiWithHandler,
    MetricAggregator,
    ServiceDashboard,
)
"""Every component class of the library, in the order a program composes them."""

__all__ = [
    "COMPONENTS",
    "AlertingHub",
    "AlertingHubArgs",
    "ApiRoute",
    "FunctionRole",
    "FunctionRoleArgs",
    "ApiWithHandler",
    "ApiWithHandlerArgs",
    "MetricAggregator",
    "MetricAggregatorArgs",
    "MonitoredDatabase",
    "MonitoredDatabaseArgs",
    "MonitoredVpc",
    "MonitoredVpcArgs",
    "MonitoringSection",
    "ServiceDashboard",
    "ServiceDashboardArgs",
    "WatchedResources",
]
