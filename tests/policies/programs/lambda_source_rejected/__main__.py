"""Lambda permissions whose source is not one named resource."""

import pulumi_aws as aws

ACCOUNT = "123456789012"
fn = "arn:aws:lambda:us-east-1:123456789012:function:handler"
aws.lambda_.Permission(
    "bad-any-bucket",
    action="lambda:InvokeFunction",
    function=fn,
    principal="s3.amazonaws.com",
    source_arn="arn:aws:s3:::*",
    source_account=ACCOUNT,
)
aws.lambda_.Permission(
    "bad-bucket-no-account",
    action="lambda:InvokeFunction",
    function=fn,
    principal="s3.amazonaws.com",
    source_arn="arn:aws:s3:::uploads",
)
aws.lambda_.Permission(
    "bad-any-api",
    action="lambda:InvokeFunction",
    function=fn,
    principal="apigateway.amazonaws.com",
    source_arn=f"arn:aws:execute-api:us-east-1:{ACCOUNT}:*/*",
)
aws.lambda_.Permission(
    "bad-any-account-rule",
    action="lambda:InvokeFunction",
    function=fn,
    principal="events.amazonaws.com",
    source_arn="arn:aws:events:us-east-1:*:rule/nightly",
)
aws.lambda_.Permission(
    "bad-ses-no-account",
    action="lambda:InvokeFunction",
    function=fn,
    principal="ses.amazonaws.com",
    source_arn=f"arn:aws:ses:us-east-1:{ACCOUNT}:receipt-rule-set/inbound:receipt-rule/store",
)
