"""Every member of the security-group and RDS-API database families is judged."""

import pulumi
import pulumi_aws as aws

aws.ec2.DefaultSecurityGroup(
    "bad-default-sg",
    vpc_id="vpc-123",
    ingress=[
        aws.ec2.DefaultSecurityGroupIngressArgs(
            protocol="tcp", from_port=22, to_port=22, cidr_blocks=["0.0.0.0/0"]
        )
    ],
)
aws.ec2.SecurityGroupRule(
    "bad-sg-rule",
    type="ingress",
    security_group_id="sg-1",
    protocol="tcp",
    from_port=3389,
    to_port=3389,
    cidr_blocks=["0.0.0.0/0"],
)
aws.vpc.SecurityGroupIngressRule(
    "bad-ingress-rule-v6",
    security_group_id="sg-2",
    ip_protocol="tcp",
    from_port=5432,
    to_port=5432,
    cidr_ipv6="::/0",
)
aws.docdb.Cluster("bad-docdb-protected", deletion_protection=True, skip_final_snapshot=True)
aws.neptune.Cluster("bad-neptune-no-snapshot-name", skip_final_snapshot=False)
aws.rds.GlobalCluster(
    "bad-global-from-source",
    global_cluster_identifier="global",
    source_db_cluster_identifier="arn:aws:rds:us-east-1:123456789012:cluster:primary",
)
aws.rds.ClusterInstance(
    "bad-public-member",
    cluster_identifier="c",
    instance_class="db.r6g.large",
    engine="aurora-postgresql",
    publicly_accessible=True,
)
aws.neptune.ClusterInstance(
    "bad-neptune-member-public",
    cluster_identifier="n",
    instance_class="db.r6g.large",
    publicly_accessible=True,
)
# The provider reads "true" as true; a transformation's value is what reaches AWS.
aws.docdb.Cluster(
    "bad-docdb-protected-string",
    master_username="app",
    master_password="x" * 16,
    skip_final_snapshot=True,
    deletion_protection="true",
)


def _protect(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult:
    return pulumi.ResourceTransformationResult(
        {**args.props, "deletion_protection": True}, args.opts
    )


aws.neptune.Cluster(
    "bad-neptune-protected-by-transformation",
    skip_final_snapshot=True,
    opts=pulumi.ResourceOptions(transformations=[_protect]),
)
aws.rds.GlobalCluster(
    "bad-global-force-destroy-false",
    global_cluster_identifier="g-false",
    source_db_cluster_identifier="arn:aws:rds:us-east-1:123456789012:cluster:src",
    force_destroy=False,
)
aws.rds.Instance(
    "bad-replica-protected",
    replicate_source_db="source-db",
    instance_class="db.t4g.micro",
    skip_final_snapshot=True,
    deletion_protection=True,
)
