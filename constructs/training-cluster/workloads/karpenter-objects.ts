import { KARPENTER_DISCOVERY_TAG_KEY } from "../karpenter-infrastructure";
import { KubernetesObject } from "./helm";

/**
 * Karpenter's objects as the blueprint writes them (`karpenter.k8s.aws/v1` EC2NodeClass, `karpenter.sh/v1` NodePool,
 * `karpenter.sh/v1alpha1` NodeOverlay), and what every pool's objects share: the node class (pinned AMI, IMDSv2 with
 * one hop, encrypted root volume, discovery by tag) and the NodePool's requirements and disruption.
 */

/** How Karpenter may disrupt a pool's nodes. */
export interface PoolDisruption {
  readonly consolidation: "WhenEmpty" | "WhenEmptyOrUnderutilized";
  readonly consolidateAfter: string;
  readonly expireAfter: string;
  /** Nodes disrupted at once: a count or a percentage. */
  readonly budget: string;
}

/** Where and how every node Karpenter launches for the cluster starts. */
export interface NodeClassProps {
  /** The EKS cluster (may be a reference): the value of the discovery tag the training stack puts on the private subnets. */
  readonly clusterName: string;
  /** `al2023@v<date>`: the AMI release every node runs (Karpenter picks the NVIDIA variant for GPU types). */
  readonly amiAlias: string;
  /** The instance profile of Karpenter's node role (the training stack makes it; Karpenter does not). */
  readonly instanceProfileName: string;
  /** The EKS cluster security group: nodes and control plane reach each other through it. */
  readonly clusterSecurityGroupId: string;
  /** The cluster's KMS key, for the nodes' root volumes. */
  readonly volumeKeyArn: string;
  /** Tags of every instance, volume and launch template Karpenter makes (cost allocation). */
  readonly tags: Readonly<Record<string, string>>;
}

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist" | "Gt" | "Lt";
  readonly values: readonly string[];
}

export interface Taint {
  readonly key: string;
  readonly value: string;
  readonly effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
}

/** `karpenter.k8s.aws/v1` EC2NodeClass spec, the fields the blueprint sets. */
export interface Ec2NodeClassSpec {
  readonly instanceProfile: string;
  readonly amiSelectorTerms: readonly { readonly alias: string }[];
  readonly subnetSelectorTerms: readonly { readonly tags: Readonly<Record<string, string>> }[];
  readonly securityGroupSelectorTerms: readonly { readonly id: string }[];
  readonly metadataOptions: {
    readonly httpEndpoint: "enabled" | "disabled";
    readonly httpProtocolIPv6: "enabled" | "disabled";
    readonly httpTokens: "required" | "optional";
    readonly httpPutResponseHopLimit: number;
  };
  readonly blockDeviceMappings: readonly {
    readonly deviceName: string;
    readonly ebs: {
      readonly volumeSize: string;
      readonly volumeType: "gp3";
      readonly encrypted: boolean;
      readonly kmsKeyID: string;
      readonly deleteOnTermination: boolean;
    };
  }[];
  readonly tags: Readonly<Record<string, string>>;
}

/** `karpenter.sh/v1` NodePool spec, the fields the blueprint sets. */
export interface NodePoolSpec {
  readonly template: {
    readonly metadata: { readonly labels: Readonly<Record<string, string>> };
    readonly spec: {
      readonly nodeClassRef: { readonly group: "karpenter.k8s.aws"; readonly kind: "EC2NodeClass"; readonly name: string };
      readonly taints: readonly Taint[];
      readonly requirements: readonly NodeSelectorRequirement[];
      readonly expireAfter: string;
      readonly terminationGracePeriod: string;
    };
  };
  readonly limits: Readonly<Record<string, string>>;
  readonly disruption: {
    readonly consolidationPolicy: PoolDisruption["consolidation"];
    readonly consolidateAfter: string;
    readonly budgets: readonly { readonly nodes: string }[];
  };
}

export type Ec2NodeClass = KubernetesObject<"EC2NodeClass", Ec2NodeClassSpec>;
export type KarpenterNodePool = KubernetesObject<"NodePool", NodePoolSpec>;
/** Karpenter's NodeOverlay (`karpenter.sh/v1alpha1`, behind the NodeOverlay feature gate): what its simulation assumes of a pool's nodes. */
export type NodeOverlay = KubernetesObject<"NodeOverlay", { readonly requirements: readonly NodeSelectorRequirement[]; readonly capacity: Readonly<Record<string, string>> }>;


/** Refuses an AMI alias that does not pin an AL2023 release. */
export function amiAliasProblem(amiAlias: string): string | undefined {
  return /^al2023@v\d{8}$/.test(amiAlias) ? undefined : `amiAlias "${amiAlias}" must pin an AL2023 release such as al2023@v20251108 (never @latest)`;
}

/** A pool's EC2NodeClass: the pinned AMI as the only term, IMDSv2 with one hop, the root volume encrypted with the cluster key. */
export function ec2NodeClass(name: string, diskSizeGiB: number, props: NodeClassProps): Ec2NodeClass {
  return {
    apiVersion: "karpenter.k8s.aws/v1",
    kind: "EC2NodeClass",
    metadata: { name },
    spec: {
      // A profile the training stack made: Karpenter then needs no IAM rights over instance profiles.
      instanceProfile: props.instanceProfileName,
      // The only term: it pins the AMI release and implies the AL2023 family (its NVIDIA variant on GPU types).
      amiSelectorTerms: [{ alias: props.amiAlias }],
      subnetSelectorTerms: [{ tags: { [KARPENTER_DISCOVERY_TAG_KEY]: props.clusterName } }],
      securityGroupSelectorTerms: [{ id: props.clusterSecurityGroupId }],
      // Karpenter's defaults, written out: IMDSv2 only, and one hop so pods cannot take the node's role.
      metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        {
          deviceName: "/dev/xvda",
          ebs: { volumeSize: `${diskSizeGiB}Gi`, volumeType: "gp3", encrypted: true, kmsKeyID: props.volumeKeyArn, deleteOnTermination: true },
        },
      ],
      tags: { ...props.tags },
    },
  };
}

/** A pool's NodePool requirements: its instance types and capacity type, on x86 Linux. */
export function poolRequirements(pool: { readonly instanceTypes: readonly string[]; readonly capacityType: "ON_DEMAND" | "SPOT" }): NodeSelectorRequirement[] {
  return [
    { key: "node.kubernetes.io/instance-type", operator: "In", values: [...pool.instanceTypes] },
    { key: "karpenter.sh/capacity-type", operator: "In", values: [pool.capacityType === "SPOT" ? "spot" : "on-demand"] },
    { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
    { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
  ];
}

/** A NodePool's disruption from a pool's settings: consolidation after its delay, a budget of nodes at a time. */
export function poolDisruption(disruption: PoolDisruption): NodePoolSpec["disruption"] {
  return { consolidationPolicy: disruption.consolidation, consolidateAfter: disruption.consolidateAfter, budgets: [{ nodes: disruption.budget }] };
}
