import { KmsKey } from "../../constructs/core/kms-key";
import { Network, NetworkProps } from "../../constructs/network/network";
import { DEFAULT_INTERFACE_ENDPOINTS } from "../../constructs/network/vpc-endpoints";
import { propsError, testStack } from "../support/stack";
import { TerraformJson, resourcesOfType, synthJson } from "../support/terraform-json";

const ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"];

function synthNetwork(props: Partial<NetworkProps> = {}): TerraformJson {
  const stack = testStack();
  const key = new KmsKey(stack, "Key", { alias: "k", description: "d" });
  new Network(stack, "Network", {
    namePrefix: "mlops-test",
    vpcCidr: "10.30.0.0/16",
    availabilityZones: ZONES,
    natGateways: "perAz",
    encryptionKey: key,
    flowLogRetentionDays: 365,
    ...props,
  });
  return synthJson(stack);
}

const attributesOf = (json: TerraformJson, type: string) => resourcesOfType(json, type).map(([, attributes]) => attributes);

describe("Network", () => {
  it("has one private and one public subnet per zone, none giving public IPs", () => {
    const subnets = attributesOf(synthNetwork(), "aws_subnet");
    expect(subnets).toHaveLength(6);
    for (const zone of ZONES) expect(subnets.filter((s) => s.availability_zone === zone)).toHaveLength(2);
    expect(subnets.map((s) => s.cidr_block).sort()).toEqual(
      ["10.30.0.0/19", "10.30.32.0/19", "10.30.64.0/19", "10.30.224.0/22", "10.30.228.0/22", "10.30.232.0/22"].sort(),
    );
    expect(subnets.every((s) => s.map_public_ip_on_launch === false)).toBe(true);
  });

  it.each([
    ["perAz", 3],
    ["single", 1],
  ] as const)("with %s NAT gateways has %i, and every private route table leaves through one", (natGateways, count) => {
    const json = synthNetwork({ natGateways });
    expect(attributesOf(json, "aws_nat_gateway")).toHaveLength(count);
    expect(attributesOf(json, "aws_eip")).toHaveLength(count);
    const natRoutes = attributesOf(json, "aws_route").filter((r) => r.nat_gateway_id);
    expect(natRoutes).toHaveLength(ZONES.length);
    expect(new Set(natRoutes.map((r) => r.nat_gateway_id)).size).toBe(count);
  });

  it("keeps ML traffic private: an S3 gateway endpoint and private-DNS interface endpoints for SageMaker, ECR, STS and logs", () => {
    const endpoints = attributesOf(synthNetwork(), "aws_vpc_endpoint");
    const gateway = endpoints.filter((e) => e.vpc_endpoint_type === "Gateway");
    expect(gateway).toEqual([expect.objectContaining({ service_name: "com.amazonaws.eu-west-1.s3" })]);
    expect((gateway[0].route_table_ids as string[]).length).toBe(ZONES.length);
    const interfaces = endpoints.filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => e.service_name).sort()).toEqual(DEFAULT_INTERFACE_ENDPOINTS.map((s) => `com.amazonaws.eu-west-1.${s}`).sort());
    expect(interfaces.every((e) => e.private_dns_enabled === true && (e.subnet_ids as string[]).length === ZONES.length)).toBe(true);
  });

  it("lets only the VPC reach the interface endpoints, over HTTPS", () => {
    const json = synthNetwork();
    expect(attributesOf(json, "aws_vpc_security_group_ingress_rule")).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, ip_protocol: "tcp", cidr_ipv4: "10.30.0.0/16" }),
    ]);
  });

  it("tags the private subnets, and only them, with the tags it is given (Karpenter's discovery tag)", () => {
    const subnets = attributesOf(synthNetwork({ privateSubnetTags: { "karpenter.sh/discovery": "mlops-test-training" } }), "aws_subnet");
    const tags = (s: Record<string, unknown>) => s.tags as Record<string, string>;
    const [privateSubnets, publicSubnets] = [subnets.filter((s) => tags(s).Name.includes("-private-")), subnets.filter((s) => tags(s).Name.includes("-public-"))];
    expect(privateSubnets).toHaveLength(ZONES.length);
    for (const subnet of privateSubnets) {
      expect(tags(subnet)).toEqual({ Name: expect.stringMatching(/^mlops-test-private-/), "kubernetes.io/role/internal-elb": "1", "karpenter.sh/discovery": "mlops-test-training" });
    }
    for (const subnet of publicSubnets) expect(tags(subnet)).not.toHaveProperty(["karpenter.sh/discovery"]);
    for (const subnet of attributesOf(synthNetwork(), "aws_subnet")) expect(tags(subnet)).not.toHaveProperty(["karpenter.sh/discovery"]);
  });

  it("closes the default security group", () => {
    const [defaultGroup] = attributesOf(synthNetwork(), "aws_default_security_group");
    expect(defaultGroup.ingress).toBeUndefined();
    expect(defaultGroup.egress).toBeUndefined();
  });

  it("logs all traffic to a KMS-encrypted log group with the configured retention", () => {
    const json = synthNetwork({ flowLogRetentionDays: 90 });
    expect(attributesOf(json, "aws_flow_log")).toEqual([
      expect.objectContaining({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs", vpc_id: expect.stringContaining("aws_vpc.") }),
    ]);
    expect(attributesOf(json, "aws_cloudwatch_log_group")).toEqual([
      expect.objectContaining({ name: "/mlops-test/vpc-flow-logs", retention_in_days: 90, kms_key_id: expect.stringContaining("aws_kms_key.") }),
    ]);
  });

  it.each([
    [{ vpcCidr: "10.30.0.0/24" }, /: vpcCidr: is a \/24; the VPC must be \/16 to \/20$/],
    [{ vpcCidr: "nonsense" }, /: vpcCidr: is "nonsense"; must be an IPv4 CIDR/],
    [{ vpcCidr: "127.0.0.0/16" }, /: vpcCidr: 127.0.0.0\/16 overlaps 127.0.0.0\/8 \(loopback\), which AWS does not allow in a VPC/],
    [{ availabilityZones: [] }, /: availabilityZones: lists none; give at least 1 availability zone$/],
    [{ availabilityZones: [..."abcdefg"].map((zone) => `eu-west-1${zone}`) }, /: availabilityZones: lists 7; at most 6 availability zones fit the subnet layout$/],
    [{ availabilityZones: ["eu-west-1a", "eu-west-1a"] }, /: availabilityZones\.1: "eu-west-1a" is listed twice$/],
    [{ availabilityZones: ["eu-west-1a", "us-east-1b"] }, /: availabilityZones\.1: "us-east-1b" is not an availability zone of eu-west-1 \(e\.g\. eu-west-1a\)$/],
    [{ interfaceEndpoints: ["sts", "STS!"] }, /: interfaceEndpoints\.1: is "STS!"; it must be a service name suffix such as "sts" or "ecr.api"$/],
    [{ interfaceEndpoints: ["sts", "sts"] }, /: interfaceEndpoints\.1: "sts" is listed twice$/],
    [{ privateSubnetTags: { Name: "x" } }, /: privateSubnetTags\.Name: is set by the network; remove it$/],
  ])("refuses %p", (props, message) => {
    expect(() => synthNetwork(props)).toThrow(message);
  });

  it("reports every wrong prop at once, a line each", () => {
    const error = propsError(() => synthNetwork({ vpcCidr: "10.30.0.0/24", availabilityZones: ["eu-west-1a", "eu-west-1a"] }));
    expect(error.message.split("\n")).toEqual(["test/Network: vpcCidr: is a /24; the VPC must be /16 to /20", 'test/Network: availabilityZones.1: "eu-west-1a" is listed twice']);
    expect(error.problems.map((problem) => problem.path)).toEqual(["vpcCidr", "availabilityZones.1"]);
  });
});
