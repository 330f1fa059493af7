"""reports-db: a database and its alerting, reusing four cw-analytics components.

``AlertingHub`` (key and alert topic), ``MonitoredVpc``, ``MonitoredDatabase`` and the
``ServiceDashboard`` that composes their alarms and widgets; not the API or the aggregator.

The components come from the installed library (``pip install`` of the cw-analytics repository),
under its own import name. Nothing here knows the cw-analytics stack's settings: every
component takes plain values.
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
region = aws.config.region or "eu-central-1"
# Every physical name starts with the prefix, then the component's resource name:
# reports-staging-database-db is the database, reports-staging-alerting-alerts the topic.
names = {"name_prefix": f"reports-{config.require('environmentSuffix')}"}

alerting = AlertingHub(
    "alerting",
    AlertingHubArgs(**names, region=region, alarm_emails=config.require_object("alarmEmails")),
)
wired = {
    **names,
    "region": region,
    "kms_key_arn": alerting.key_arn,
    "alert_topic_arn": alerting.topic_arn,
    # The hub serves names starting with its prefix; a component outside it fails here.
    "hub_name_prefixes": alerting.served_name_prefixes,
}
network = MonitoredVpc("network", MonitoredVpcArgs(**wired, vpc_cidr="10.42.0.0/20"))
database = MonitoredDatabase(
    "database",
    MonitoredDatabaseArgs(
        **wired,
        subnet_group_name=network.db_subnet_group_name,
        security_group_ids=[network.database_security_group_id],
        instance_class=config.require("instanceClass"),
        engine_version="16.4",
        allocated_storage_gb=50,
        backup_retention_days=7,
        log_retention_days=30,
    ),
)
dashboard = ServiceDashboard(
    "service",
    ServiceDashboardArgs(
        **names,
        region=region,
        alert_topic_arn=alerting.topic_arn,
        hub_name_prefixes=alerting.served_name_prefixes,
        sections=[
            MonitoringSection.of("Database", database),
            MonitoringSection.of("Network", network),
        ],
    ),
)

pulumi.export("dbEndpoint", database.endpoint)
pulumi.export("dbSecretArn", database.secret_arn)
pulumi.export("dashboardName", dashboard.dashboard_name)
