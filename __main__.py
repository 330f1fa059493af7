"""cw-analytics: compose the components for the current stack and export its outputs.

Composition only: the stack's config is read and validated once (every bad key reported
together), then mapped onto each component's plain arguments. The API and function names the
aggregator watches are fixed by the naming scheme, so the aggregator (which owns the metrics
table) can be built before the API reads it. The service dashboard comes last: it composes the
alarms and widgets the other components expose.
"""

import pulumi
import pulumi_aws as aws

from components import (
    AlertingHub,
    AlertingHubArgs,
    ApiWithHandler,
    ApiWithHandlerArgs,
    MetricAggregator,
    MetricAggregatorArgs,
    MonitoredDatabase,
    MonitoredDatabaseArgs,
    MonitoredVpc,
    MonitoredVpcArgs,
    MonitoringSection,
    ServiceDashboard,
    ServiceDashboardArgs,
    WatchedResources,
)
from components.api import API_STAGE_NAME
from stack_settings import load_settings

settings = load_settings()
naming = settings.naming
names = {"project_name": settings.project_name, "environment_suffix": settings.environment_suffix}
provider = aws.Provider(
    "aws",
    region=settings.region,
    default_tags=aws.ProviderDefaultTagsArgs(tags=naming.tags()),
)
with_provider = pulumi.ResourceOptions(providers=[provider])

hub = AlertingHub(
    "alerting",
    AlertingHubArgs(
        **names,
        region=settings.region,
        alarm_emails=settings.alarm_emails,
        key_deletion_window_days=settings.key_deletion_window_days,
        retain_key_on_delete=settings.key_outlives_stack,
    ),
    opts=with_provider,
)
encrypted_and_alerting = {
    **names,
    "region": settings.region,
    "kms_key_arn": hub.key_arn,
    "alert_topic_arn": hub.topic_arn,
}
network = MonitoredVpc(
    "network",
    MonitoredVpcArgs(
        **encrypted_and_alerting,
        vpc_cidr=settings.vpc_cidr,
        log_retention_days=settings.log_retention_days,
    ),
    opts=with_provider,
)
database = MonitoredDatabase(
    "database",
    MonitoredDatabaseArgs(
        **encrypted_and_alerting,
        subnet_group_name=network.db_subnet_group_name,
        security_group_ids=[network.database_security_group_id],
        instance_class=settings.db_instance_class,
        engine_version=settings.db_engine_version,
        allocated_storage_gb=settings.db_allocated_storage_gb,
        multi_az=settings.db_multi_az,
        backup_retention_days=settings.db_backup_retention_days,
        deletion_protection=settings.db_deletion_protection,
        apply_immediately=settings.db_apply_immediately,
        final_snapshot=settings.db_final_snapshot,
        secret_recovery_window_days=settings.secret_recovery_window_days,
        log_retention_days=settings.log_retention_days,
    ),
    opts=with_provider,
)
aggregator = MetricAggregator(
    "metrics",
    MetricAggregatorArgs(
        **encrypted_and_alerting,
        watched=WatchedResources(
            api_name=naming.name("api"),
            api_stage=API_STAGE_NAME,
            function_names=[naming.name("api-handler")],
            db_identifier=database.identifier,
        ),
        schedule=settings.aggregator_schedule,
        metrics_retention_days=settings.metrics_retention_days,
        log_retention_days=settings.log_retention_days,
        table_deletion_protection=settings.metrics_table_deletion_protection,
        reserved_concurrency=settings.aggregator_reserved_concurrency,
    ),
    opts=with_provider,
)
api = ApiWithHandler(
    "api",
    ApiWithHandlerArgs(
        **encrypted_and_alerting,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        security_group_id=network.lambda_security_group_id,
        db_address=database.address,
        db_port=database.port,
        db_name=database.database_name,
        db_secret_arn=database.secret_arn,
        metrics_table_name=aggregator.table_name,
        metrics_table_arn=aggregator.table_arn,
        throttle_rate_limit=settings.api_throttle_rate_limit,
        throttle_burst_limit=settings.api_throttle_burst_limit,
        reserved_concurrency=settings.api_reserved_concurrency,
        log_retention_days=settings.log_retention_days,
    ),
    opts=with_provider,
)
service = ServiceDashboard(
    "service",
    ServiceDashboardArgs(
        **names,
        region=settings.region,
        alert_topic_arn=hub.topic_arn,
        sections=[
            MonitoringSection.of("Network", network),
            MonitoringSection.of("Database", database),
            MonitoringSection.of("Metric aggregator", aggregator),
            MonitoringSection.of("API", api),
        ],
    ),
    opts=with_provider,
    # The hub built the dashboard and the service-health alarm before this component did.
    moved_from=hub,
)

pulumi.export("apiUrl", api.api_url)
pulumi.export("healthUrl", api.health_url)
pulumi.export("apiKeyId", api.api_key_id)
pulumi.export("dashboardName", service.dashboard_name)
pulumi.export("alertTopicArn", hub.topic_arn)
pulumi.export("dbEndpoint", database.endpoint)
pulumi.export("dbSecretArn", database.secret_arn)
pulumi.export("metricsTableName", aggregator.table_name)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("keyArn", hub.key_arn)
