"""Family members that are private and destroyable."""

import pulumi_aws as aws

aws.ec2.DefaultSecurityGroup("ok-default-sg", vpc_id="vpc-123", ingress=[])
aws.vpc.SecurityGroupIngressRule(
    "ok-ingress-rule",
    security_group_id="sg-2",
    ip_protocol="tcp",
    from_port=5432,
    to_port=5432,
    cidr_ipv4="10.0.0.0/16",
)
aws.docdb.Cluster("ok-docdb", deletion_protection=False, skip_final_snapshot=True)
aws.neptune.Cluster(
    "ok-neptune", skip_final_snapshot=False, final_snapshot_identifier="neptune-final"
)
aws.rds.GlobalCluster(
    "ok-global-from-source",
    global_cluster_identifier="global",
    source_db_cluster_identifier="arn:aws:rds:us-east-1:123456789012:cluster:primary",
    force_destroy=True,
)
aws.docdb.ClusterInstance("ok-docdb-member", cluster_identifier="d", instance_class="db.r6g.large")
# DocumentDB and Neptune global clusters have no force_destroy: the provider removes the
# members itself before deleting one.
aws.docdb.GlobalCluster(
    "ok-docdb-global-from-source",
    global_cluster_identifier="g-docdb",
    source_db_cluster_identifier="arn:aws:rds:us-east-1:123456789012:cluster:docsrc",
)
aws.rds.Instance(
    "ok-replica-skips-snapshot",
    replicate_source_db="source-db",
    instance_class="db.t4g.micro",
    skip_final_snapshot=True,
)
