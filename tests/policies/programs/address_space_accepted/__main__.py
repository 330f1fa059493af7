"""Private, small or allowed-port ranges."""

import pulumi_aws as aws

rule = aws.ec2.SecurityGroupIngressArgs
aws.ec2.SecurityGroup(
    "ok-private-halves",
    vpc_id="vpc-123",
    ingress=[
        rule(protocol="tcp", from_port=22, to_port=22, cidr_blocks=["10.0.0.0/9"]),
        rule(protocol="tcp", from_port=22, to_port=22, cidr_blocks=["10.128.0.0/9"]),
    ],
)
aws.ec2.SecurityGroup(
    "ok-office",
    vpc_id="vpc-123",
    ingress=[
        rule(
            protocol="tcp",
            from_port=443,
            to_port=443,
            cidr_blocks=["52.94.0.0/16", "2600:1f00::/40"],
        )
    ],
)
group = aws.ec2.SecurityGroup("shared", vpc_id="vpc-123")
aws.vpc.SecurityGroupIngressRule(
    "ok-split-rule-0",
    security_group_id=group.id,
    ip_protocol="tcp",
    from_port=22,
    to_port=22,
    cidr_ipv4="44.0.0.0/9",
)
aws.vpc.SecurityGroupIngressRule(
    "ok-split-rule-1",
    security_group_id=group.id,
    ip_protocol="tcp",
    from_port=23,
    to_port=23,
    cidr_ipv4="44.128.0.0/9",
)
# Only the public space counts: 8000::/1 holds no global unicast address, and NAT64's
# 64:ff9b::/96 is no internet source.
aws.ec2.SecurityGroup(
    "ok-ipv6-reserved",
    vpc_id="vpc-123",
    ingress=[
        aws.ec2.SecurityGroupIngressArgs(
            protocol="tcp",
            from_port=22,
            to_port=22,
            ipv6_cidr_blocks=["8000::/1", "64:ff9b::/96"],
        )
    ],
)
aws.vpc.SecurityGroupEgressRule(
    "ok-egress-anywhere", security_group_id="sg-1", ip_protocol="-1", cidr_ipv4="0.0.0.0/0"
)
