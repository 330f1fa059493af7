"""ping-api: ApiWithHandler with this program's own handler (``app/``) and two routes.

No database, table or VPC is given, so the function gets none of their environment variables
and its role none of their permissions: only its log group and X-Ray.
"""

from pathlib import Path

import pulumi
import pulumi_aws as aws
from cw_analytics_components import (
    AlertingHub,
    AlertingHubArgs,
    ApiRoute,
    ApiWithHandler,
    ApiWithHandlerArgs,
)

config = pulumi.Config()
prefix = f"ping-{config.require('environmentSuffix')}"
region = aws.config.region or "eu-west-1"

hub = AlertingHub(
    "alerting",
    AlertingHubArgs(
        name_prefix=prefix, region=region, alarm_emails=config.require_object("alarmEmails")
    ),
)
api = ApiWithHandler(
    "api",
    ApiWithHandlerArgs(
        name_prefix=prefix,
        region=region,
        kms_key_arn=hub.key_arn,
        alert_topic_arn=hub.topic_arn,
        hub_name_prefixes=hub.served_name_prefixes,
        code_dir=str(Path(__file__).parent / "app"),
        routes=[ApiRoute("GET", "/ping"), ApiRoute("GET", "/echo/{word}")],
        throttle_rate_limit=10,
        throttle_burst_limit=20,
    ),
)

pulumi.export("apiUrl", api.api_url)
pulumi.export("functionName", api.function_name)
