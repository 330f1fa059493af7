"""The service-health composite alarm and the dashboard, composed from every component."""

from .service_dashboard import MonitoringSection, ServiceDashboard, ServiceDashboardArgs

__all__ = ["MonitoringSection", "ServiceDashboard", "ServiceDashboardArgs"]
