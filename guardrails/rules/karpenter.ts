/**
 * Karpenter's objects (EC2NodeClass, NodePool), read from Helm release values and kubernetes_manifest: nodes
 * with IMDSv2 and one hop, encrypted root volumes with our key, a pinned AMI, and a ceiling on every pool.
 */
import type { Rule } from "../rule";
import { block, blocks, bool, isReference, num, str } from "./attributes";

import { objectRule } from "./helm";

const KARPENTER_AWS = "karpenter.k8s.aws";
const KARPENTER = "karpenter.sh";

const nodeClassImdsV2 = objectRule({
  id: "MLB-KARPENTER-001",
  group: KARPENTER_AWS,
  kind: "EC2NodeClass",
  rationale: "Without IMDSv2 and a hop limit of 1, any pod on a node can take the node's IAM role from the instance metadata service.",
  publicChecks: ["CKV_AWS_79", "AWS-0028"],
  fix: 'Set spec.metadataOptions { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 } (or httpEndpoint "disabled").',
  problems(nodeClass) {
    // Left out, Karpenter's own defaults apply: required tokens and one hop.
    const options = block(block(nodeClass.body.spec)?.metadataOptions);
    if (options === undefined || str(options.httpEndpoint) === "disabled") return [];
    const problems: string[] = [];
    const tokens = options.httpTokens;
    if (tokens !== undefined && !isReference(tokens) && str(tokens) !== "required") problems.push(`has metadataOptions.httpTokens ${JSON.stringify(tokens)}, so IMDSv1 answers`);
    const hops = options.httpPutResponseHopLimit;
    if (hops !== undefined && !isReference(hops) && num(hops) !== 1) problems.push(`has metadataOptions.httpPutResponseHopLimit ${JSON.stringify(hops)}, so pods reach the metadata service`);
    return problems;
  },
});

const nodeClassEncryptedVolumes = objectRule({
  id: "MLB-KARPENTER-002",
  group: KARPENTER_AWS,
  kind: "EC2NodeClass",
  rationale: "Node volumes hold images, checkpoints and datasets: each is encrypted with our KMS key, not left to the AMI's defaults.",
  publicChecks: ["CKV_AWS_8"],
  fix: "Give spec.blockDeviceMappings a root volume (/dev/xvda) with ebs { encrypted: true, kmsKeyID: <the cluster key ARN> }.",
  problems(nodeClass) {
    const mappings = blocks(block(nodeClass.body.spec)?.blockDeviceMappings);
    if (mappings.length === 0) return ["has no blockDeviceMappings, so the root volume is encrypted (or not) as the AMI says, without our key"];
    return mappings.flatMap((mapping, i) => {
      const device = str(mapping.deviceName) ?? `#${i + 1}`;
      const ebs = block(mapping.ebs);
      const problems: string[] = [];
      const encrypted = ebs?.encrypted;
      if (bool(encrypted) !== true && !isReference(encrypted)) problems.push(`volume ${device} is not encrypted (ebs.encrypted is not true)`);
      const key = str(ebs?.kmsKeyID);
      if (key === undefined || key.trim() === "") problems.push(`volume ${device} names no kmsKeyID, so it would use the account's default EBS key`);
      return problems;
    });
  },
});

const nodeClassPinnedAmi = objectRule({
  id: "MLB-KARPENTER-003",
  group: KARPENTER_AWS,
  kind: "EC2NodeClass",
  rationale: "An AMI selected by @latest, a name pattern or tags changes under the pool: nodes roll to an image nobody reviewed.",
  publicChecks: [],
  fix: 'Select the AMI with one term { alias: "al2023@v<YYYYMMDD>" } (the environment\'s nodeAmiReleaseVersion), or by id.',
  problems(nodeClass) {
    const terms = blocks(block(nodeClass.body.spec)?.amiSelectorTerms);
    if (terms.length === 0) return ["has no amiSelectorTerms"];
    return terms.flatMap((term, i) => {
      const alias = str(term.alias);
      if (alias !== undefined) {
        if (isReference(alias)) return [];
        const version = alias.split("@")[1];
        return version === undefined || version === "" || version.toLowerCase() === "latest" ? [`amiSelectorTerms[${i}] alias ${JSON.stringify(alias)} is not pinned to a version`] : [];
      }
      if (str(term.id) !== undefined) return [];
      return [`amiSelectorTerms[${i}] selects AMIs by ${Object.keys(term).join(", ") || "nothing"}, not by a pinned alias or id`];
    });
  },
});

const nodePoolLimits = objectRule({
  id: "MLB-KARPENTER-004",
  group: KARPENTER,
  kind: "NodePool",
  rationale: "A NodePool without limits launches as many nodes as pending pods ask for: one runaway job buys a fleet of GPUs.",
  publicChecks: [],
  fix: "Set spec.limits, e.g. { nodes: <maxSize>, nvidia.com/gpu: <maxSize × GPU units per node> }.",
  problems(nodePool) {
    const limits = block(block(nodePool.body.spec)?.limits);
    if (isReference(block(nodePool.body.spec)?.limits)) return [];
    return limits !== undefined && Object.keys(limits).length > 0 ? [] : ["has no spec.limits"];
  },
});

export const karpenterRules: readonly Rule[] = [nodeClassImdsV2, nodeClassEncryptedVolumes, nodeClassPinnedAmi, nodePoolLimits];
