"""cw-analytics: compose the components for the current stack and export its outputs.

Composition only: the stack's config keys and types are read and checked once (every bad key
reported together), then mapped onto each component's plain arguments; each component checks
its own values when it is built. The API and function names the
aggregator watches follow from the API's resource name and prefix, so the aggregator (which
owns the metrics table) can be built before the API reads it. The service dashboard comes
last: it composes the alarms and widgets the other components expose.
"""

import pulumi
import pulumi_aws as aws

from components import (
    AlertingHub,
    ApiWithHandler,
    FunctionRole,
    MetricAggregator,
    MonitoredDatabase,
    MonitoredVpc,
    MonitoringSection,
    ServiceDashboard,
    ServiceDashboardArgs,
    WatchedResources,
)
from components.api import API_STAGE_NAME
from legacy_account import keep_legacy_account_setting
from stack_args import (
    aggregator_args,
    api_args,
    api_function_name,
    api_name,
    database_args,
    function_role_args,
    hub_args,
    names,
    vpc_args,
)
from stack_settings import load_settings

settings = load_settings()
provider = aws.Provider(
    "aws",
    region=settings.region,
    default_tags=aws.ProviderDefaultTagsArgs(tags=settings.tags),
)
# The API's resource name: its physical names derive from it, and the aggregator (built before
# the API, whose handler reads the aggregator's table) watches the API by the names it gives.
API = "api"
with_provider = pulumi.ResourceOptions(providers=[provider])

hub = AlertingHub("alerting", hub_args(settings), opts=with_provider)
api_role = FunctionRole(
    "api-handler",
    function_role_args(settings, "API handler"),
    opts=with_provider,
    # The API component built the role up to release 0.2.
    moved_from=pulumi.create_urn(API, ApiWithHandler.TYPE_TOKEN),
)
network = MonitoredVpc(
    "network",
    vpc_args(settings, hub),
    # The handler's interfaces live in the network's subnets and group; Lambda releases them
    # with the role after the function is gone. Depending on the role makes `pulumi destroy`
    # delete the whole network first and the role (and its interface grant) after it.
    opts=pulumi.ResourceOptions.merge(with_provider, pulumi.ResourceOptions(depends_on=[api_role])),
)
database = MonitoredDatabase(
    "database",
    database_args(
        settings, hub, network.db_subnet_group_name, [network.database_security_group_id]
    ),
    opts=with_provider,
)
aggregator = MetricAggregator(
    "metrics",
    aggregator_args(
        settings,
        hub,
        WatchedResources(
            api_name=api_name(settings, API),
            api_stage=API_STAGE_NAME,
            function_names=[api_function_name(settings, API)],
            db_identifier=database.identifier,
        ),
    ),
    opts=with_provider,
)
api = ApiWithHandler(
    API,
    api_args(
        settings,
        hub,
        api_role,
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
if settings.legacy_api_gateway_account:
    keep_legacy_account_setting(settings, api)
service = ServiceDashboard(
    "service",
    ServiceDashboardArgs(
        **names(settings),
        region=settings.region,
        alert_topic_arn=hub.topic_arn,
        hub_name_prefixes=hub.served_name_prefixes,
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
