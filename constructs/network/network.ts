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
import { awsEnvironmentOf } from "../core/aws-environment";
import { cidrsOverlap, parseCidr } from "../core/cidr";
import { IKmsKey } from "../core/kms-key";
import { resourceName } from "../core/naming";
import { FlowLog, FlowLogTrafficType } from "./flow-log";
import { MAX_ZONES, planSubnets } from "./subnet-layout";
import { DEFAULT_INTERFACE_ENDPOINTS, VpcEndpoints } from "./vpc-endpoints";
import { PropsProblem, throwPropsProblems } from "../core/errors";

export type NatGatewayMode = "single" | "perAz";

export interface NetworkProps {
  /** Prefix of every name, e.g. `mlops-prod`. */
  readonly namePrefix: string;
  /** The VPC range, /16 to /20. */
  readonly vpcCidr: string;
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
  readonly vpcCidr: string;
  readonly privateSubnetIds: string[];
  readonly publicSubnetIds: string[];
  readonly privateRouteTableIds: string[];
  /** Attached to the interface endpoints; allows HTTPS from the VPC. */
  readonly endpointSecurityGroupId: string;
  readonly natGatewayCount: number;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, networkProblems(props, awsEnvironmentOf(this).region));
    const name = (suffix: string) => resourceName([props.namePrefix, suffix], { maxLength: 255 });
    const subnets = planSubnets(props.vpcCidr, props.availabilityZones);
    this.vpcCidr = props.vpcCidr;

    this.vpc = new Vpc(this, "Vpc", {
      cidrBlock: props.vpcCidr,
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
      vpcCidr: props.vpcCidr,
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
}

/** VPC prefix lengths the subnet layout supports: public subnets are 6 bits smaller and must stay >= /28. */
const VPC_PREFIX = { min: 16, max: 20 } as const;
/** Address ranges a VPC cannot use (Amazon VPC User Guide, "VPC CIDR blocks"). */
const RANGES_NO_VPC: readonly { cidr: string; what: string }[] = [
  { cidr: "0.0.0.0/8", what: '"this network"' },
  { cidr: "127.0.0.0/8", what: "loopback" },
  { cidr: "169.254.0.0/16", what: "link-local" },
  { cidr: "224.0.0.0/4", what: "multicast" },
  { cidr: "240.0.0.0/4", what: "reserved" },
];
/** A service name's suffix after `com.amazonaws.<region>.`. */
const SERVICE_SUFFIX = /^[a-z0-9-]+(\.[a-z0-9-]+)*$/;
/** Tags of the private subnets the network sets itself. */
const OWN_SUBNET_TAGS = ["Name", "kubernetes.io/role/internal-elb"];

/**
 * What AWS or the subnet layout refuses in a network's props, each at its field (`vpcCidr`, `availabilityZones.1`,
 * `interfaceEndpoints.0`, ...); only the fields given are judged. `region` is the stack's: every zone is one of
 * its availability zones (not judged where the region is unknown, as in a config whose region is invalid). Shared by Network (which throws them all) and the environment schema (the network
 * section), so config the schema accepts always builds.
 */
export function networkProblems(props: Partial<Pick<NetworkProps, "vpcCidr" | "availabilityZones" | "interfaceEndpoints" | "privateSubnetTags">>, region: string | undefined): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  if (props.vpcCidr !== undefined) {
    const vpc = parseCidr(props.vpcCidr);
    const reserved = vpc && RANGES_NO_VPC.find((range) => cidrsOverlap(vpc, parseCidr(range.cidr)!));
    if (!vpc) fail("vpcCidr", `is ${JSON.stringify(props.vpcCidr)}; must be an IPv4 CIDR such as 10.20.0.0/16 with no host bits set`);
    else if (vpc.prefixLength < VPC_PREFIX.min || vpc.prefixLength > VPC_PREFIX.max) fail("vpcCidr", `is a /${vpc.prefixLength}; the VPC must be /${VPC_PREFIX.min} to /${VPC_PREFIX.max}`);
    else if (reserved) fail("vpcCidr", `${props.vpcCidr} overlaps ${reserved.cidr} (${reserved.what}), which AWS does not allow in a VPC; use a private range such as 10.0.0.0/8`);
  }
  const zones = props.availabilityZones;
  if (zones !== undefined) {
    if (zones.length < 1) fail("availabilityZones", "lists none; give at least 1 availability zone");
    else if (zones.length > MAX_ZONES) fail("availabilityZones", `lists ${zones.length}; at most ${MAX_ZONES} availability zones fit the subnet layout`);
    zones.forEach((zone, i) => {
      if (region !== undefined && !new RegExp(`^${region}[a-z]$`).test(zone)) fail(`availabilityZones.${i}`, `${JSON.stringify(zone)} is not an availability zone of ${region} (e.g. ${region}a)`);
      else if (zones.indexOf(zone) !== i) fail(`availabilityZones.${i}`, `"${zone}" is listed twice`);
    });
  }
  props.interfaceEndpoints?.forEach((suffix, i) => {
    if (!SERVICE_SUFFIX.test(suffix)) fail(`interfaceEndpoints.${i}`, `is ${JSON.stringify(suffix)}; it must be a service name suffix such as "sts" or "ecr.api"`);
    else if (props.interfaceEndpoints!.indexOf(suffix) !== i) fail(`interfaceEndpoints.${i}`, `"${suffix}" is listed twice`);
  });
  for (const key of Object.keys(props.privateSubnetTags ?? {})) {
    if (OWN_SUBNET_TAGS.includes(key)) fail(`privateSubnetTags.${key}`, "is set by the network; remove it");
  }
  return problems;
}
