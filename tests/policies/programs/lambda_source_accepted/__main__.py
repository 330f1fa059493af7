"""Lambda permissions naming one source."""

import pulumi_aws as aws

ACCOUNT = "123456789012"
fn = "arn:aws:lambda:us-east-1:123456789012:function:handler"
aws.lambda_.Permission(
    "ok-bucket",
    action="lambda:InvokeFunction",
    function=fn,
    principal="s3.amazonaws.com",
    source_arn="arn:aws:s3:::uploads",
    source_account=ACCOUNT,
)
aws.lambda_.Permission(
    "ok-api",
    action="lambda:InvokeFunction",
    function=fn,
    principal="apigateway.amazonaws.com",
    source_arn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:abc123/*/GET/items",
)
aws.lambda_.Permission(
    "ok-rule",
    action="lambda:InvokeFunction",
    function=fn,
    principal="events.amazonaws.com",
    source_arn=f"arn:aws:events:us-east-1:{ACCOUNT}:rule/nightly",
)
