"""cw-analytics-account: the account- and region-wide settings every app stack relies on.

Deploy once per AWS account and region, before the first app stack (docs/operations.md).
"""

import pulumi
import pulumi_aws as aws
from account_settings import load_account_settings
from apigateway_logging import AccountLogging, AccountLoggingArgs

settings = load_account_settings()
provider = aws.Provider(
    "aws",
    region=settings.region,
    default_tags=aws.ProviderDefaultTagsArgs(
        tags={"Project": "cw-analytics", "Scope": "account", "ManagedBy": "pulumi"}
    ),
)
logging = AccountLogging(
    "apigateway-logging",
    AccountLoggingArgs(region=settings.region, log_retention_days=settings.log_retention_days),
    # Destroying the account setting resets API Gateway logging for every stage in the region,
    # prod's included: everything here is protected (children inherit it), so an accidental
    # `pulumi destroy` fails before deleting anything (docs/operations.md: deliberate teardown).
    opts=pulumi.ResourceOptions(providers=[provider], protect=True),
)
pulumi.export("apiGatewayCloudWatchRoleArn", logging.role_arn)
pulumi.export("welcomeLogGroup", logging.welcome_log_group.name)
