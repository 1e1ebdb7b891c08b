import { Construct } from "constructs";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { awsEnvironmentOf } from "../core/aws-environment";
import { resourceName } from "../core/naming";

/** Services an ML platform calls constantly: training and serving (SageMaker), images (ECR), IRSA (STS), logs. */
export const DEFAULT_INTERFACE_ENDPOINTS: readonly string[] = [
  "sagemaker.api",
  "sagemaker.runtime",
  "ecr.api",
  "ecr.dkr",
  "sts",
  "logs",
];

export interface VpcEndpointsProps {
  readonly namePrefix: string;
  readonly vpcId: string;
  readonly vpcCidr: string;
  /** Subnets the interface endpoints get a network interface in, one per AZ. */
  readonly subnetIds: readonly string[];
  /** Route tables that reach S3 through the gateway endpoint. */
  readonly routeTableIds: readonly string[];
  /** Suffixes of the service names (`com.amazonaws.<region>.<suffix>`). */
  readonly interfaceServices: readonly string[];
}

/** An S3 gateway endpoint (free) and private-DNS interface endpoints, reachable over HTTPS from the VPC only. */
export class VpcEndpoints extends Construct {
  readonly securityGroupId: string;

  constructor(scope: Construct, id: string, props: VpcEndpointsProps) {
    super(scope, id);
    const { region } = awsEnvironmentOf(this);
    const service = (suffix: string) => `com.amazonaws.${region}.${suffix}`;

    const securityGroup = new SecurityGroup(this, "SecurityGroup", {
      name: resourceName([props.namePrefix, "vpc-endpoints"], { maxLength: 255 }),
      description: "HTTPS from the VPC to AWS service endpoints",
      vpcId: props.vpcId,
    });
    new VpcSecurityGroupIngressRule(this, "HttpsFromVpc", {
      securityGroupId: securityGroup.id,
      description: "HTTPS from inside the VPC",
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: props.vpcCidr,
    });
    this.securityGroupId = securityGroup.id;

    new VpcEndpoint(this, "S3", {
      vpcId: props.vpcId,
      serviceName: service("s3"),
      vpcEndpointType: "Gateway",
      routeTableIds: [...props.routeTableIds],
      tags: { Name: resourceName([props.namePrefix, "s3"], { maxLength: 255 }) },
    });
    for (const suffix of props.interfaceServices) {
      new VpcEndpoint(this, `Interface-${suffix}`, {
        vpcId: props.vpcId,
        serviceName: service(suffix),
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: [...props.subnetIds],
        securityGroupIds: [securityGroup.id],
        tags: { Name: resourceName([props.namePrefix, suffix], { maxLength: 255 }) },
      });
    }
  }
}
