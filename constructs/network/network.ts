import { Construct } from "constructs";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { Eip } from "@cdktf/provider-aws/lib/eip";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { NatGateway } from "@cdktf/provider-aws/lib/nat-gateway";
import { Route } from "@cdktf/provider-aws/lib/route";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { parseCidr } from "../core/cidr";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { FlowLog, FlowLogTrafficType } from "./flow-log";
import { MAX_ZONES, planSubnets } from "./subnet-layout";
import { DEFAULT_INTERFACE_ENDPOINTS, VpcEndpoints } from "./vpc-endpoints";
import { ConstructPropsError } from "../core/errors";

export type NatGatewayMode = "single" | "perAz";

export interface NetworkProps {
  /** Prefix of every name, e.g. `mlops-prod`. */
  readonly namePrefix: string;
  /** The VPC range, /16 to /20. */
  readonly cidr: string;
  /** One private and one public subnet in each. */
  readonly availabilityZones: readonly string[];
  /** `single` NAT gateway (cheap) or one per AZ (survives the loss of a zone). */
  readonly natGateways: NatGatewayMode;
  /** Encrypts the flow log group (CloudWatch Logs is allowed to use it; see EncryptedLogGroupProps for an imported key). */
  readonly encryptionKey: IKmsKey;
  /** Retention of the flow log group, in days. */
  readonly flowLogRetentionDays: number;
  /**
   * What traffic the flow log records.
   * @default "ALL"
   */
  readonly flowLogTrafficType?: FlowLogTrafficType;
  /**
   * AWS services reached through interface endpoints, as the suffix of their service name.
   * @default DEFAULT_INTERFACE_ENDPOINTS (SageMaker API and runtime, ECR, STS, CloudWatch Logs)
   */
  readonly interfaceEndpoints?: readonly string[];
  /**
   * Tags of the private subnets besides their name and ELB role, e.g. `karpenter.sh/discovery=<cluster>` so the
   * training cluster's node provisioner finds them. Set here, on the subnet: an `aws_ec2_tag` on a subnet this
   * stack manages would be removed by its next apply.
   * @default {}
   */
  readonly privateSubnetTags?: Readonly<Record<string, string>>;
}

/**
 * A VPC over several availability zones: private subnets for everything that runs, public subnets
 * only for NAT gateways, VPC endpoints so ML traffic (S3, SageMaker, ECR) never leaves AWS's network,
 * a closed default security group, and flow logs to an encrypted log group.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly vpcId: string;
  readonly cidr: string;
  readonly privateSubnetIds: string[];
  readonly publicSubnetIds: string[];
  readonly privateRouteTableIds: string[];
  /** Attached to the interface endpoints; allows HTTPS from the VPC. */
  readonly endpointSecurityGroupId: string;
  readonly natGatewayCount: number;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    this.validate(props);
    const name = (suffix: string) => resourceName([props.namePrefix, suffix], { maxLength: 255 });
    const subnets = planSubnets(props.cidr, props.availabilityZones);
    this.cidr = props.cidr;

    this.vpc = new Vpc(this, "Vpc", {
      cidrBlock: props.cidr,
      enableDnsHostnames: true,
      enableDnsSupport: true,
      tags: { Name: name("vpc") },
    });
    this.vpcId = this.vpc.id;
    // Adopting the default security group with no rules closes it (nothing should use it).
    new DefaultSecurityGroup(this, "DefaultSecurityGroup", { vpcId: this.vpcId, tags: { Name: name("default-closed") } });

    const internetGateway = new InternetGateway(this, "InternetGateway", { vpcId: this.vpcId, tags: { Name: name("igw") } });
    const publicRoutes = new RouteTable(this, "PublicRouteTable", { vpcId: this.vpcId, tags: { Name: name("public") } });
    new Route(this, "PublicDefaultRoute", {
      routeTableId: publicRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: internetGateway.id,
    });

    const publicSubnets = subnets.map((plan, i) => {
      const subnet = new Subnet(this, `PublicSubnet${i}`, {
        vpcId: this.vpcId,
        cidrBlock: plan.publicCidr,
        availabilityZone: plan.availabilityZone,
        mapPublicIpOnLaunch: false,
        tags: { Name: name(`public-${plan.availabilityZone}`), "kubernetes.io/role/elb": "1" },
      });
      new RouteTableAssociation(this, `PublicSubnet${i}Routes`, { subnetId: subnet.id, routeTableId: publicRoutes.id });
      return subnet;
    });

    this.natGatewayCount = props.natGateways === "perAz" ? subnets.length : 1;
    const natGateways = publicSubnets.slice(0, this.natGatewayCount).map((subnet, i) => {
      const zone = subnets[i].availabilityZone;
      const address = new Eip(this, `NatAddress${i}`, { domain: "vpc", tags: { Name: name(`nat-${zone}`) } });
      return new NatGateway(this, `NatGateway${i}`, {
        allocationId: address.allocationId,
        subnetId: subnet.id,
        tags: { Name: name(`nat-${zone}`) },
        dependsOn: [internetGateway],
      });
    });

    const privateSubnets = subnets.map((plan, i) => {
      const subnet = new Subnet(this, `PrivateSubnet${i}`, {
        vpcId: this.vpcId,
        cidrBlock: plan.privateCidr,
        availabilityZone: plan.availabilityZone,
        mapPublicIpOnLaunch: false,
        tags: { ...props.privateSubnetTags, Name: name(`private-${plan.availabilityZone}`), "kubernetes.io/role/internal-elb": "1" },
      });
      const routes = new RouteTable(this, `PrivateRouteTable${i}`, {
        vpcId: this.vpcId,
        tags: { Name: name(`private-${plan.availabilityZone}`) },
      });
      new Route(this, `PrivateDefaultRoute${i}`, {
        routeTableId: routes.id,
        destinationCidrBlock: "0.0.0.0/0",
        natGatewayId: natGateways[i % natGateways.length].id,
      });
      new RouteTableAssociation(this, `PrivateSubnet${i}Routes`, { subnetId: subnet.id, routeTableId: routes.id });
      return { subnet, routes };
    });

    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.subnet.id);
    this.privateRouteTableIds = privateSubnets.map((s) => s.routes.id);

    const endpoints = new VpcEndpoints(this, "Endpoints", {
      namePrefix: props.namePrefix,
      vpcId: this.vpcId,
      vpcCidr: props.cidr,
      subnetIds: this.privateSubnetIds,
      routeTableIds: this.privateRouteTableIds,
      interfaceServices: props.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS,
    });
    this.endpointSecurityGroupId = endpoints.securityGroupId;

    new FlowLog(this, "FlowLog", {
      namePrefix: props.namePrefix,
      vpcId: this.vpcId,
      encryptionKey: props.encryptionKey,
      retentionDays: props.flowLogRetentionDays,
      trafficType: props.flowLogTrafficType ?? "ALL",
    });
  }

  private validate(props: NetworkProps): void {
    const where = this.node.path;
    const vpc = parseCidr(props.cidr);
    if (!vpc || vpc.prefixLength < 16 || vpc.prefixLength > 20) {
      throw new ConstructPropsError(`${where}: cidr "${props.cidr}" must be an IPv4 CIDR from /16 to /20`);
    }
    for (const key of Object.keys(props.privateSubnetTags ?? {})) {
      if (key === "Name" || key === "kubernetes.io/role/internal-elb") throw new ConstructPropsError(`${where}: privateSubnetTags must not set "${key}"; the network sets it`);
    }
    const zones = props.availabilityZones;
    if (zones.length < 1 || zones.length > MAX_ZONES || new Set(zones).size !== zones.length) {
      throw new ConstructPropsError(`${where}: availabilityZones must list 1 to ${MAX_ZONES} distinct zones; got [${zones.join(", ")}]`);
    }
  }
}
