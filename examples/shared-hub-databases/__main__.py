"""shared-hub: two databases behind one alerting hub, named with another prefix than the hub's.

The platform owns the hub and the network (``platform-staging-...``); the billing team's two
databases are named ``billing-staging-orders-db`` and ``billing-staging-invoices-db``. The hub
admits them because its ``served_name_prefixes`` lists the billing prefix; each database is given
those prefixes as ``hub_name_prefixes`` and would fail this preview if its names fell outside.
"""

import pulumi
import pulumi_aws as aws
from cw_analytics_components import (
    AlertingHub,
    AlertingHubArgs,
    MonitoredDatabase,
    MonitoredDatabaseArgs,
    MonitoredVpc,
    MonitoredVpcArgs,
    MonitoringSection,
    ServiceDashboard,
    ServiceDashboardArgs,
)

config = pulumi.Config()
suffix = config.require("environmentSuffix")
region = aws.config.region or "eu-west-1"
platform, billing = f"platform-{suffix}", f"billing-{suffix}"

hub = AlertingHub(
    "alerting",
    AlertingHubArgs(
        name_prefix=platform,
        region=region,
        alarm_emails=config.require_object("alarmEmails"),
        served_name_prefixes=[platform, billing],
    ),
)
uses_hub = {
    "region": region,
    "kms_key_arn": hub.key_arn,
    "alert_topic_arn": hub.topic_arn,
    "hub_name_prefixes": hub.served_name_prefixes,
}
network = MonitoredVpc("network", MonitoredVpcArgs(name_prefix=platform, **uses_hub))
databases = [
    MonitoredDatabase(
        name,
        MonitoredDatabaseArgs(
            name_prefix=billing,
            **uses_hub,
            subnet_group_name=network.db_subnet_group_name,
            security_group_ids=[network.database_security_group_id],
            instance_class="db.t4g.small",
        ),
    )
    for name in ("orders", "invoices")
]
dashboard = ServiceDashboard(
    "service",
    ServiceDashboardArgs(
        name_prefix=billing,
        region=region,
        alert_topic_arn=hub.topic_arn,
        hub_name_prefixes=hub.served_name_prefixes,
        sections=[MonitoringSection.of(db.pulumi_resource_name, db) for db in databases],
    ),
)

for database in databases:
    pulumi.export(f"{database.pulumi_resource_name}Endpoint", database.endpoint)
pulumi.export("dashboardName", dashboard.dashboard_name)
