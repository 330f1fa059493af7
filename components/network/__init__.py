"""The network: VPC, subnets, security groups, endpoints, flow logs and their alarm."""

from .vpc import MonitoredVpc, MonitoredVpcArgs

__all__ = ["MonitoredVpc", "MonitoredVpcArgs"]
