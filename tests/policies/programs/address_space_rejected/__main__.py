"""Source ranges that together cover the internet or a large public range."""

import pulumi_aws as aws

rule = aws.ec2.SecurityGroupIngressArgs
aws.ec2.SecurityGroup(
    "bad-two-halves",
    vpc_id="vpc-123",
    ingress=[
        rule(protocol="tcp", from_port=22, to_port=22, cidr_blocks=["0.0.0.0/1"]),
        rule(protocol="tcp", from_port=22, to_port=22, cidr_blocks=["128.0.0.0/1"]),
    ],
)
aws.ec2.SecurityGroup(
    "bad-four-quarters",
    vpc_id="vpc-123",
    ingress=[
        rule(
            protocol="tcp",
            from_port=0,
            to_port=65535,
            cidr_blocks=["0.0.0.0/2", "64.0.0.0/2", "128.0.0.0/2", "192.0.0.0/2"],
        )
    ],
)
aws.ec2.SecurityGroup(
    "bad-ipv6-halves",
    vpc_id="vpc-123",
    ingress=[rule(protocol="-1", from_port=0, to_port=0, ipv6_cidr_blocks=["::/1", "8000::/1"])],
)
aws.ec2.SecurityGroup(
    "bad-large-range",
    vpc_id="vpc-123",
    ingress=[rule(protocol="tcp", from_port=5432, to_port=5432, cidr_blocks=["44.0.0.0/8"])],
)
group = aws.ec2.SecurityGroup("shared", vpc_id="vpc-123")
for index, cidr in enumerate(["44.0.0.0/9", "44.128.0.0/9"]):
    aws.vpc.SecurityGroupIngressRule(
        f"bad-split-rule-{index}",
        security_group_id=group.id,
        ip_protocol="tcp",
        from_port=22,
        to_port=22,
        cidr_ipv4=cidr,
    )
# Inline ingress and a separate rule on one group: two /9s below the threshold, a /8 together.
mixed = aws.ec2.SecurityGroup(
    "bad-inline-half",
    vpc_id="vpc-1",
    ingress=[
        aws.ec2.SecurityGroupIngressArgs(
            protocol="tcp", from_port=3389, to_port=3389, cidr_blocks=["44.0.0.0/9"]
        )
    ],
)
aws.ec2.SecurityGroupRule(
    "bad-rule-other-half",
    type="ingress",
    security_group_id=mixed.id,
    protocol="tcp",
    from_port=3389,
    to_port=3389,
    cidr_blocks=["44.128.0.0/9"],
)
# A TCP half inline on the group and an all-protocol half as a separate rule: port 22 is open.
mixed = aws.ec2.SecurityGroup(
    "bad-inline-tcp-half",
    vpc_id="vpc-123",
    ingress=[rule(protocol="tcp", from_port=0, to_port=65535, cidr_blocks=["0.0.0.0/1"])],
)
aws.vpc.SecurityGroupIngressRule(
    "bad-rule-all-protocols-half",
    security_group_id=mixed.id,
    ip_protocol="-1",
    cidr_ipv4="128.0.0.0/1",
)
# ::/1 alone holds all of 2000::/3, the public IPv6 space.
aws.ec2.SecurityGroup(
    "bad-ipv6-lower-half",
    vpc_id="vpc-123",
    ingress=[rule(protocol="tcp", from_port=22, to_port=22, ipv6_cidr_blocks=["::/1"])],
)
