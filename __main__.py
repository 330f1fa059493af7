"""cw-analytics: compose the five components for the current stack and export its outputs.

Composition only: settings are read and validated first, then each component receives what it
needs as arguments. The API and function names the aggregator watches are fixed by the naming
scheme, so the aggregator (which owns the metrics table) can be built before the API reads it.
"""

import pulumi
import pulumi_aws as aws

from components.alerting import AlertingHub, AlertingHubArgs
from components.api import API_STAGE_NAME, ApiWithHandler, ApiWithHandlerArgs
from components.database import MonitoredDatabase, MonitoredDatabaseArgs
from components.metrics import MetricAggregator, MetricAggregatorArgs, WatchedResources
from components.network import MonitoredVpc, MonitoredVpcArgs
from components.settings import load_settings

settings = load_settings()
naming = settings.naming
provider = aws.Provider(
    "aws",
    region=settings.region,
    default_tags=aws.ProviderDefaultTagsArgs(tags=naming.tags()),
)
with_provider = pulumi.ResourceOptions(providers=[provider])

hub = AlertingHub("alerting", AlertingHubArgs(settings=settings), opts=with_provider)
network = MonitoredVpc("network", MonitoredVpcArgs(settings=settings, hub=hub), opts=with_provider)
database = MonitoredDatabase(
    "database",
    MonitoredDatabaseArgs(
        settings=settings,
        hub=hub,
        subnet_group_name=network.db_subnet_group_name,
        security_group_ids=[network.database_security_group_id],
    ),
    opts=with_provider,
)
aggregator = MetricAggregator(
    "metrics",
    MetricAggregatorArgs(
        settings=settings,
        hub=hub,
        watched=WatchedResources(
            api_name=naming.name("api"),
            api_stage=API_STAGE_NAME,
            function_names=[naming.name("api-handler")],
            db_identifier=database.identifier,
        ),
    ),
    opts=with_provider,
)
api = ApiWithHandler(
    "api",
    ApiWithHandlerArgs(
        settings=settings,
        hub=hub,
        vpc_id=network.vpc_id,
        subnet_ids=network.private_subnet_ids,
        security_group_id=network.lambda_security_group_id,
        db_address=database.address,
        db_port=database.port,
        db_name=database.database_name,
        db_secret_arn=database.secret_arn,
        metrics_table_name=aggregator.table_name,
        metrics_table_arn=aggregator.table_arn,
    ),
    opts=with_provider,
)
hub.finish()

pulumi.export("apiUrl", api.api_url)
pulumi.export("healthUrl", api.health_url)
pulumi.export("apiKeyId", api.api_key_id)
pulumi.export("dashboardName", hub.dashboard_name)
pulumi.export("alertTopicArn", hub.topic_arn)
pulumi.export("dbEndpoint", database.endpoint)
pulumi.export("dbSecretArn", database.secret_arn)
pulumi.export("metricsTableName", aggregator.table_name)
pulumi.export("vpcId", network.vpc_id)
pulumi.export("keyArn", hub.key_arn)
