import { IConstruct } from "constructs";
import { formatArn } from "./arn";
import { Grant } from "./grant";
import { IGrantable } from "./iam";

export interface VpcPlacement {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** A list given as one unresolved token (e.g. another stack's output): its elements are unknown at synth. */
export function isListToken(ids: readonly string[]): boolean {
  return ids.length === 1 && /^#\{TfToken\[TOKEN\.\d+\]\}$/.test(ids[0]);
}

/**
 * What a service role needs to place a job's or a model's network interfaces in a VPC (SageMaker creates and
 * deletes them as the role): create them only in the given subnets with the given security groups.
 */
export function grantVpcNetworkInterfaces(scope: IConstruct, grantee: IGrantable, placement: VpcPlacement): Grant {
  const ec2 = (resource: string) => formatArn(scope, { service: "ec2", resource });
  const subnets = isListToken(placement.subnetIds) ? [ec2("subnet/*")] : placement.subnetIds.map((id) => ec2(`subnet/${id}`));
  return Grant.addToPrincipal(grantee, [
    {
      Effect: "Allow",
      Action: ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeDhcpOptions", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups"],
      // EC2 Describe actions support no resource-level permissions.
      Resource: "*",
    },
    {
      Effect: "Allow",
      Action: "ec2:CreateNetworkInterface",
      Resource: [ec2("network-interface/*"), ...subnets, ...placement.securityGroupIds.map((id) => ec2(`security-group/${id}`))],
    },
    {
      Effect: "Allow",
      Action: ["ec2:CreateNetworkInterfacePermission", "ec2:DeleteNetworkInterface", "ec2:DeleteNetworkInterfacePermission"],
      Resource: ec2("network-interface/*"),
    },
  ]);
}
