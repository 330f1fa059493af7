"""The service-health composite alarm and the dashboard, composed from every component."""

from .service_dashboard import (
    MonitoredComponent,
    MonitoringSection,
    ServiceDashboard,
    ServiceDashboardArgs,
)

__all__ = ["MonitoredComponent", "MonitoringSection", "ServiceDashboard", "ServiceDashboardArgs"]
