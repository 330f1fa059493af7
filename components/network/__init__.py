"""The network: VPC, subnets, security groups, endpoints, flow logs and their alarm."""

from .subnets import SubnetPlan, plan_subnets
from .vpc import MonitoredVpc, MonitoredVpcArgs

__all__ = ["MonitoredVpc", "MonitoredVpcArgs", "SubnetPlan", "plan_subnets"]
