/**
 * EKS: encrypted secrets, a private (or fenced) API endpoint, control plane logs, a supported version, and node
 * groups that do not open SSH to everyone.
 */
import { UNKNOWN_VALUE, compliant, nonCompliant, notApplicable, type ResourceView, type Rule } from "../rule";
import { block, blocks, bool, defineRule, isReference, isSet, joinQuoted, num, refersTo, str, strings } from "./attributes";
import { CONTROL_PLANE_LOG_TYPES, SUPPORTED_KUBERNETES_VERSIONS } from "../../constructs/training-cluster/versions";

const secretsEncryption = defineRule({
  id: "MLB-EKS-001",
  severity: "error",
  resourceTypes: ["aws_eks_cluster"],
  rationale: "Kubernetes secrets are only base64 in etcd unless envelope-encrypted with a KMS key of ours.",
  publicChecks: ["CKV_AWS_58", "AWS-0039"],
  check(resource) {
    const configs = blocks(resource.attributes.encryption_config);
    const forSecrets = configs.filter((c) => strings(c.resources).includes("secrets"));
    const withKey = forSecrets.filter((c) => isSet(block(c.provider)?.key_arn));
    if (withKey.length > 0) return compliant;
    return nonCompliant(
      configs.length === 0
        ? "encryption_config is not set: Kubernetes secrets are not envelope-encrypted"
        : forSecrets.length === 0
          ? 'encryption_config.resources does not include "secrets"'
          : "encryption_config.provider.key_arn is not set",
      'Set encryption_config { resources = ["secrets"], provider { key_arn = <customer managed KMS key ARN> } }.',
    );
  },
});

/** Whether the API endpoint is public: vpc_config.endpoint_public_access, which defaults to true; a reference is not judged. */
function isEndpointPublic(attrs: Readonly<Record<string, unknown>>): boolean {
  const value = block(attrs.vpc_config)?.endpoint_public_access;
  return !isReference(value) && bool(value) !== false;
}

const privateEndpointWhenProtected = defineRule({
  id: "MLB-EKS-002",
  severity: "error",
  resourceTypes: ["aws_eks_cluster"],
  rationale: "A protected environment's Kubernetes API must not be reachable from the internet at all.",
  publicChecks: ["CKV_AWS_39", "AWS-0040", "EKS1"],
  check(resource, context) {
    if (!isEndpointPublic(resource.attributes)) return compliant;
    if (!context.protected) return notApplicable;
    return nonCompliant(
      "vpc_config.endpoint_public_access is true (or not set, and true by default) in a protected environment",
      "Set vpc_config { endpoint_public_access = false, endpoint_private_access = true } and reach the API through the VPC (VPN, bastion, CI runners in the VPC).",
    );
  },
});

const fencedPublicEndpoint = defineRule({
  id: "MLB-EKS-003",
  severity: "error",
  resourceTypes: ["aws_eks_cluster"],
  rationale: "A public API endpoint open to 0.0.0.0/0 leaves the cluster's authentication as the only barrier against the whole internet.",
  publicChecks: ["CKV_AWS_38", "AWS-0041"],
  check(resource) {
    if (!isEndpointPublic(resource.attributes)) return compliant;
    const raw = block(resource.attributes.vpc_config)?.public_access_cidrs;
    if (isReference(raw)) return compliant;
    const cidrs = strings(raw);
    const open = cidrs.filter((c) => /\/0+$/.test(c.trim()));
    if (cidrs.length > 0 && open.length === 0) return compliant;
    return nonCompliant(
      cidrs.length === 0
        ? "the API endpoint is public and vpc_config.public_access_cidrs is not set, so it defaults to 0.0.0.0/0"
        : `the API endpoint is public and vpc_config.public_access_cidrs includes ${joinQuoted(open)}`,
      "Set vpc_config.public_access_cidrs to the office/VPN/CI ranges that need the API, or turn the public endpoint off.",
    );
  },
});


const controlPlaneLogs = defineRule({
  id: "MLB-EKS-004",
  severity: "warning",
  resourceTypes: ["aws_eks_cluster"],
  rationale: "Control plane logs (audit above all) are the only record of who did what through the Kubernetes API.",
  publicChecks: ["CKV_AWS_37", "AWS-0038", "EKS2"],
  check(resource) {
    const enabled = new Set(strings(resource.attributes.enabled_cluster_log_types));
    const missing = CONTROL_PLANE_LOG_TYPES.filter((type) => !enabled.has(type));
    return missing.length === 0
      ? compliant
      : nonCompliant(
          `enabled_cluster_log_types lacks ${joinQuoted(missing)}`,
          `Set enabled_cluster_log_types = ${JSON.stringify(CONTROL_PLANE_LOG_TYPES)} (with a log group /aws/eks/<cluster>/cluster that has retention and KMS).`,
        );
  },
});

/** The versions the blueprint supports (one list: the schema, the cluster construct and this rule read it). */
export const SUPPORTED_EKS_VERSIONS: readonly string[] = SUPPORTED_KUBERNETES_VERSIONS;

/** "1.33" from "1.33", "1.33.5" or the number 1.33 (and 1.3 read as "1.30", the way a number loses the 0). */
function minorVersion(value: unknown): string | undefined {
  const text = typeof value === "number" ? (Number.isFinite(value) ? value.toFixed(2) : undefined) : value;
  const match = typeof text === "string" ? /^\s*(\d+)\.(\d+)/.exec(text) : null;
  return match ? `${Number(match[1])}.${Number(match[2])}` : undefined;
}

const supportedVersion = defineRule({
  id: "MLB-EKS-005",
  severity: "error",
  resourceTypes: ["aws_eks_cluster"],
  rationale: "A Kubernetes version out of EKS support gets no security patches and is force-upgraded by AWS on its own schedule.",
  publicChecks: ["CKV_AWS_339"],
  check(resource) {
    const raw = resource.attributes.version;
    // Absent: EKS creates the cluster on its current default version. A reference: only apply knows.
    if (raw === undefined || raw === null || isReference(raw)) return compliant;
    const version = minorVersion(raw);
    if (version !== undefined && SUPPORTED_EKS_VERSIONS.includes(version)) return compliant;
    return nonCompliant(
      version === undefined
        ? `version ${JSON.stringify(raw)} is not a literal Kubernetes version`
        : `version ${version} is not a supported EKS version (${SUPPORTED_EKS_VERSIONS[0]} to ${SUPPORTED_EKS_VERSIONS[SUPPORTED_EKS_VERSIONS.length - 1]})`,
      "Upgrade the cluster one minor version at a time to a supported version; if EKS released a newer one, add it to SUPPORTED_EKS_VERSIONS in guardrails/rules/eks.ts.",
    );
  },
});

const sshOnlyFromSecurityGroups = defineRule({
  id: "MLB-EKS-006",
  severity: "error",
  resourceTypes: ["aws_eks_node_group"],
  rationale: "A node group with an SSH key and no source security groups opens port 22 on every node to 0.0.0.0/0.",
  publicChecks: ["CKV_AWS_100"],
  check(resource) {
    const access = block(resource.attributes.remote_access);
    if (access === undefined || !isSet(access.ec2_ssh_key)) return compliant;
    if (strings(access.source_security_group_ids).length > 0 || isReference(access.source_security_group_ids)) return compliant;
    return nonCompliant(
      `remote_access sets ec2_ssh_key "${str(access.ec2_ssh_key) ?? "?"}" without source_security_group_ids, which opens SSH to 0.0.0.0/0`,
      "Remove remote_access (use SSM Session Manager), or set remote_access.source_security_group_ids to the bastion's security group.",
    );
  },
});

/** Whether a security group rule admits HTTPS (443) in to the cluster security group of `cluster`. */
function admitsApi(rule: ResourceView, cluster: string): boolean {
  const a = rule.attributes;
  if (rule.type === "aws_security_group_rule" && str(a.type) !== "ingress") return false;
  const target = str(a.security_group_id) ?? "";
  // In a plan the group is known only after apply; the rule was found through the configuration's reference.
  if (target !== UNKNOWN_VALUE && !(refersTo(target, cluster) && target.includes("cluster_security_group_id"))) return false;
  const protocol = str(a.ip_protocol) ?? str(a.protocol);
  if (protocol === "-1" || protocol === "all") return true;
  const [from, to] = [num(a.from_port), num(a.to_port)];
  return from !== undefined && to !== undefined && from <= 443 && 443 <= to;
}

const privateApiReachable = defineRule({
  id: "MLB-EKS-007",
  severity: "error",
  resourceTypes: ["aws_eks_cluster"],
  rationale:
    "A private-only API endpoint sits behind the cluster security group, which admits only the cluster itself: without an ingress rule on 443, no runner, VPN or bastion reaches it and every Kubernetes deploy times out.",
  publicChecks: [],
  check(resource, context) {
    if (isEndpointPublic(resource.attributes)) return notApplicable;
    // Additional security groups of the control plane may carry the access; they are not judged here.
    if (strings(block(resource.attributes.vpc_config)?.security_group_ids).length > 0) return compliant;
    const rules = ["aws_vpc_security_group_ingress_rule", "aws_security_group_rule"].flatMap((type) => context.referencing(resource.address, type));
    if (rules.some((rule) => admitsApi(rule, resource.address))) return compliant;
    return nonCompliant(
      "the API endpoint is private and no ingress rule admits anything to the cluster security group on 443: nothing outside the cluster can reach the Kubernetes API",
      "Add an aws_vpc_security_group_ingress_rule on vpc_config[0].cluster_security_group_id for TCP 443 from your runner's security group or VPN range (GpuTrainingCluster: apiAccess or allowApiAccessFrom; environments: training.apiAccess or training.deployRunner).",
    );
  },
});

export const eksRules: readonly Rule[] = [
  secretsEncryption,
  privateEndpointWhenProtected,
  fencedPublicEndpoint,
  controlPlaneLogs,
  supportedVersion,
  sshOnlyFromSecurityGroups,
  privateApiReachable,
];
