"""Context decides: account-wide '*', embedded documents, assigned ids, name positions, Alexa,
and protect inherited from a component. Every ``bad-*`` resource must be rejected."""

import json

import pulumi
import pulumi_aws as aws

ACCOUNT = "123456789012"


def document(*statements: dict) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


aws.cloudwatch.LogResourcePolicy(
    "bad-logs-policy-every-group",
    policy_name="search-logs",
    policy_document=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "es.amazonaws.com"},
            "Action": ["logs:PutLogEvents", "logs:CreateLogStream"],
            "Resource": "*",
        }
    ),
)
aws.apigateway.RestApi(
    "bad-openapi-open-policy",
    body=json.dumps(
        {
            "openapi": "3.0.1",
            "info": {"title": "api"},
            "paths": {},
            "x-amazon-apigateway-policy": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": "*",
                        "Action": "execute-api:Invoke",
                        "Resource": "execute-api:/*",
                    }
                ],
            },
        }
    ),
)
aws.cloudformation.Stack(
    "bad-template-admin-policy",
    template_body="""
Resources:
  Admin:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Version: '2012-10-17'
        Statement:
          - Effect: Allow
            Action: '*'
            Resource: !Sub 'arn:aws:s3:::${AWS::AccountId}-*'
""",
)
role = aws.iam.Role(
    "ok-role",
    assume_role_policy=document(
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ),
)
aws.iam.RolePolicy(
    "bad-every-security-group-id",
    role=role.id,
    policy=document(
        {
            "Effect": "Allow",
            "Action": "ec2:AuthorizeSecurityGroupIngress",
            "Resource": f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/sg-*",
        }
    ),
)
aws.iam.RolePolicy(
    "bad-stream-of-every-log-group",
    role=role.id,
    policy=document(
        {
            "Effect": "Allow",
            "Action": "logs:PutLogEvents",
            "Resource": f"arn:aws:logs:us-east-1:{ACCOUNT}:log-group:*:log-stream:app",
        }
    ),
)
aws.lambda_.Permission(
    "bad-alexa-any-skill",
    function="fn",
    action="lambda:InvokeFunction",
    principal="alexa-appkit.amazon.com",
)


class Database(pulumi.ComponentResource):
    """A component whose callers protect it: the database inside inherits protect."""

    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("pack-test:index:Database", name, None, opts)
        aws.rds.Instance(
            f"bad-{name}-instance",
            instance_class="db.t4g.micro",
            engine="postgres",
            allocated_storage=20,
            skip_final_snapshot=True,
            storage_encrypted=True,
            kms_key_id=f"arn:aws:kms:us-east-1:{ACCOUNT}:key/k",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})


Database("inherits-protect", opts=pulumi.ResourceOptions(protect=True))
