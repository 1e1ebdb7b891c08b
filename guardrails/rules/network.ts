/**
 * Network: no ingress from the whole internet, no public IPs by default, VPC flow logs, a closed default security
 * group, and launch templates that keep instance credentials behind IMDSv2 and off the pods.
 */
import { compliant, nonCompliant, notApplicable, type ResourceView, type Rule, type RuleContext } from "../rule";
import { type Attributes, attached, block, blocks, bool, defineRule, isReference, joinQuoted, num, str, strings } from "./attributes";

/** A CIDR that covers every address: a /0 (0.0.0.0/0, ::/0). */
const isWholeInternet = (cidr: string): boolean => /\/0+$/.test(cidr.trim());

function portRange(rule: Attributes): string {
  const protocol = str(rule.protocol ?? rule.ip_protocol)?.toLowerCase();
  if (protocol === "-1" || protocol === "all") return "all ports";
  const from = str(rule.from_port);
  const to = str(rule.to_port);
  const ports = from === undefined ? "" : from === to || to === undefined ? ` port ${from}` : ` ports ${from}-${to}`;
  return `${protocol ?? "any protocol"}${ports}`;
}

const noIngressFromInternet = defineRule({
  id: "MLB-NET-001",
  severity: "error",
  resourceTypes: ["aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule"],
  rationale: "Ingress from 0.0.0.0/0 or ::/0 exposes the port to the whole internet; nothing of this platform is meant to be reached that way.",
  publicChecks: ["CKV_AWS_24", "CKV_AWS_25", "CKV_AWS_260", "CKV_AWS_277", "AWS-0107", "EC23"],
  check(resource) {
    const attrs = resource.attributes;
    const open: string[] = [];
    if (resource.type === "aws_security_group") {
      blocks(attrs.ingress).forEach((rule, i) => {
        const cidrs = [...strings(rule.cidr_blocks), ...strings(rule.ipv6_cidr_blocks)].filter(isWholeInternet);
        if (cidrs.length > 0) open.push(`ingress ${str(rule.description) ? `"${str(rule.description)}"` : `#${i + 1}`} allows ${joinQuoted(cidrs)} on ${portRange(rule)}`);
      });
    } else if (resource.type === "aws_security_group_rule") {
      if (str(attrs.type)?.toLowerCase() !== "ingress") return notApplicable;
      const cidrs = [...strings(attrs.cidr_blocks), ...strings(attrs.ipv6_cidr_blocks)].filter(isWholeInternet);
      if (cidrs.length > 0) open.push(`ingress rule allows ${joinQuoted(cidrs)} on ${portRange(attrs)}`);
    } else {
      const cidrs = [str(attrs.cidr_ipv4), str(attrs.cidr_ipv6)].filter((c): c is string => c !== undefined && isWholeInternet(c));
      if (cidrs.length > 0) open.push(`ingress rule allows ${joinQuoted(cidrs)} on ${portRange(attrs)}`);
    }
    return open.length === 0
      ? compliant
      : nonCompliant(
          open.join("; "),
          "Allow ingress from the VPC CIDR, a prefix list or a source security group instead; a public load balancer that must face the internet needs a suppression with its reason.",
        );
  },
});

const noPublicIpOnLaunch = defineRule({
  id: "MLB-NET-002",
  severity: "error",
  resourceTypes: ["aws_subnet"],
  rationale: "A subnet that gives every instance a public IP exposes whatever lands in it, by default and silently.",
  publicChecks: ["CKV_AWS_130", "AWS-0164", "VPCSubnetAutoAssignPublicIpDisabled"],
  check(resource) {
    return bool(resource.attributes.map_public_ip_on_launch) === true
      ? nonCompliant(
          "map_public_ip_on_launch is true: every instance launched in the subnet gets a public IP",
          "Set map_public_ip_on_launch = false; give public IPs explicitly (Elastic IPs for NAT gateways, load balancers) where needed.",
        )
      : compliant;
  },
});

/** Resources of `type` whose vpc_id is this VPC (a reference to it, or in a plan its literal id). */
const inVpc = (vpc: ResourceView, context: RuleContext, type: string): ResourceView[] => attached(vpc, context, type, "vpc_id", [vpc.attributes.id]);

const vpcFlowLogs = defineRule({
  id: "MLB-NET-003",
  severity: "error",
  resourceTypes: ["aws_vpc"],
  rationale: "Without flow logs there is no record of who talked to what inside the VPC, for incident response or audit.",
  publicChecks: ["CKV2_AWS_11", "AWS-0178", "VPC7"],
  check(resource, context) {
    return inVpc(resource, context, "aws_flow_log").length > 0
      ? compliant
      : nonCompliant(
          "no aws_flow_log refers to this VPC",
          "Add an aws_flow_log with vpc_id set to this VPC (traffic_type ALL) delivering to an encrypted log group or bucket.",
        );
  },
});

const closedDefaultSecurityGroup = defineRule({
  id: "MLB-NET-004",
  severity: "error",
  resourceTypes: ["aws_vpc"],
  rationale: "The default security group of a VPC allows all traffic between its members and is used whenever a group is forgotten; it must be adopted and emptied.",
  publicChecks: ["CKV2_AWS_12", "AWS-0173", "VPCDefaultSecurityGroupClosed"],
  check(resource, context) {
    const fix = "Adopt the default security group with an aws_default_security_group (vpc_id = this VPC) that has no ingress and no egress blocks.";
    const adopted = inVpc(resource, context, "aws_default_security_group");
    if (adopted.length === 0) return nonCompliant("the VPC's default security group is not adopted by an aws_default_security_group, so it keeps its allow-all rules", fix);
    const open = adopted.filter((group) => blocks(group.attributes.ingress).length > 0 || blocks(group.attributes.egress).length > 0);
    return open.length === 0
      ? compliant
      : nonCompliant(`the default security group (${open.map((g) => g.address).join(", ")}) has ingress or egress rules`, fix);
  },
});

/** The metadata options of a launch template, and whether its metadata endpoint is switched off entirely. */
function metadataOptions(attrs: Readonly<Record<string, unknown>>): { options: Attributes | undefined; endpointDisabled: boolean } {
  const options = block(attrs.metadata_options);
  return { options, endpointDisabled: str(options?.http_endpoint)?.toLowerCase() === "disabled" };
}

const imdsV2Required = defineRule({
  id: "MLB-NET-005",
  severity: "error",
  resourceTypes: ["aws_launch_template"],
  rationale: "IMDSv1 answers any request that reaches it, so an SSRF in a workload can steal the instance role's credentials.",
  publicChecks: ["CKV_AWS_79", "AWS-0130"],
  check(resource) {
    const { options, endpointDisabled } = metadataOptions(resource.attributes);
    if (endpointDisabled) return compliant;
    const tokens = str(options?.http_tokens);
    if (tokens?.toLowerCase() === "required" || isReference(tokens)) return compliant;
    return nonCompliant(
      options === undefined
        ? "metadata_options is not set, so the instance metadata service also answers IMDSv1 requests"
        : `metadata_options.http_tokens is ${tokens === undefined ? "not set" : `"${tokens}"`}, not "required"`,
      'Set metadata_options { http_tokens = "required" } (or http_endpoint = "disabled").',
    );
  },
});

const imdsHopLimitOne = defineRule({
  id: "MLB-NET-006",
  severity: "error",
  resourceTypes: ["aws_launch_template"],
  rationale: "A metadata hop limit above 1 lets containers reach the node's instance role; pods get their own roles through IRSA.",
  publicChecks: ["CKV_AWS_341"],
  check(resource) {
    const { options, endpointDisabled } = metadataOptions(resource.attributes);
    if (endpointDisabled) return compliant;
    const raw = options?.http_put_response_hop_limit;
    const limit = num(raw);
    if (limit === 1 || isReference(raw)) return compliant;
    return nonCompliant(
      limit === undefined
        ? "metadata_options.http_put_response_hop_limit is not set (AMIs such as AL2023 default to 2)"
        : `metadata_options.http_put_response_hop_limit is ${limit}, so containers on the node can reach the instance role`,
      "Set metadata_options { http_put_response_hop_limit = 1 }.",
    );
  },
});

const noPublicIpInLaunchTemplate = defineRule({
  id: "MLB-NET-007",
  severity: "error",
  resourceTypes: ["aws_launch_template"],
  rationale: "Instances launched with a public IP are reachable from the internet, bypassing the private-subnet design.",
  publicChecks: ["CKV_AWS_88"],
  check(resource) {
    const publicInterfaces = blocks(resource.attributes.network_interfaces).filter((ni) => bool(ni.associate_public_ip_address) === true);
    return publicInterfaces.length === 0
      ? compliant
      : nonCompliant(
          "network_interfaces sets associate_public_ip_address = true",
          "Remove associate_public_ip_address (or set it to false) and launch into private subnets.",
        );
  },
});

export const networkRules: readonly Rule[] = [
  noIngressFromInternet,
  noPublicIpOnLaunch,
  vpcFlowLogs,
  closedDefaultSecurityGroup,
  imdsV2Required,
  imdsHopLimitOne,
  noPublicIpInLaunchTemplate,
];
