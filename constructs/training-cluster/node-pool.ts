import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { ConstructPropsError, PropsProblem, throwPropsProblems } from "../core/errors";

export interface NodePoolProps {
  /** The cluster's name as a literal: the node group's name is built from it. */
  readonly clusterName: string;
  /**
   * The cluster's name as a reference, so the node group is created after the cluster.
   * @default clusterName
   */
  readonly clusterNameReference?: string;
  /** The pool's name inside the cluster; the node group is `<clusterName>-<name>`. */
  readonly name: string;
  readonly nodeRoleArn: string;
  readonly subnetIds: readonly string[];
  readonly instanceTypes: readonly string[];
  /** Nodes the pool runs: the node group's desired size, and its minimum. */
  readonly minSize: number;
  /** The most nodes the pool may be scaled to by hand (nothing scales it on its own). */
  readonly maxSize: number;
  /** Encrypted gp3 root volume, GiB. */
  readonly diskSizeGiB: number;
  /**
   * EKS-optimized AMI release, e.g. `1.33.5-20251108`.
   * @default - the latest release when the node group is created, then pinned by EKS
   */
  readonly amiReleaseVersion?: string;
  /**
   * Tags of the pool's instances and volumes (the provider's default tags do not reach what a launch
   * template starts): cost allocation per environment and layer.
   * @default {}
   */
  readonly tags?: Readonly<Record<string, string>>;
  /**
   * Taints of every node (EKS's spelling of the effect).
   * @default []
   */
  readonly taints?: readonly { readonly key: string; readonly value: string; readonly effect: "NO_SCHEDULE" | "NO_EXECUTE" | "PREFER_NO_SCHEDULE" }[];
  /**
   * Resources whose creation must finish first, e.g. the node role's policy attachments: a node that
   * starts without them cannot join the cluster.
   * @default []
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

/**
 * An on-demand EKS managed node group of a fixed size (the cluster's system pool: its controllers, Karpenter among
 * them, run here), on a launch template that requires IMDSv2 with a hop limit of 1 (pods cannot borrow the node's
 * credentials; they use IRSA) and encrypts the root volume. GPU capacity is Karpenter's, not a node group's.
 */
export class NodePool extends Construct {
  readonly nodeGroup: EksNodeGroup;
  readonly nodeGroupName: string;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    this.validate(props);
    this.nodeGroupName = `${props.clusterName}-${props.name}`;

    const launchTemplate = new LaunchTemplate(this, "LaunchTemplate", {
      namePrefix: `${this.nodeGroupName}-`,
      description: `Nodes of ${this.nodeGroupName}: IMDSv2 only, encrypted root volume`,
      updateDefaultVersion: true,
      metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        { deviceName: "/dev/xvda", ebs: { volumeSize: props.diskSizeGiB, volumeType: "gp3", encrypted: "true", deleteOnTermination: "true" } },
      ],
      tagSpecifications: ["instance", "volume", "network-interface"].map((resourceType) => ({ resourceType, tags: { ...props.tags, Name: this.nodeGroupName } })),
    });

    this.nodeGroup = new EksNodeGroup(this, "NodeGroup", {
      clusterName: props.clusterNameReference ?? props.clusterName,
      nodeGroupName: this.nodeGroupName,
      nodeRoleArn: props.nodeRoleArn,
      subnetIds: [...props.subnetIds],
      instanceTypes: [...props.instanceTypes],
      capacityType: "ON_DEMAND",
      amiType: "AL2023_x86_64_STANDARD",
      releaseVersion: props.amiReleaseVersion,
      launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.toString() },
      // Nothing scales this pool: the plan owns its size, and a node count changed by hand shows up in the next plan.
      scalingConfig: { minSize: props.minSize, maxSize: props.maxSize, desiredSize: props.minSize },
      updateConfig: { maxUnavailable: 1 },
      labels: { "mlops/pool": props.name },
      taint: (props.taints ?? []).map((taint) => ({ ...taint })),
      dependsOn: [...(props.dependsOn ?? [])],
    });
  }

  private validate(props: NodePoolProps): void {
    const where = this.node.path;
    throwPropsProblems(where, nodePoolProblems(props));
    if (`${props.clusterName}-${props.name}`.length > 63) throw new ConstructPropsError(`${where}: node group name ${props.clusterName}-${props.name} is over 63 characters`);
  }
}

/** An EC2 instance type, `<family>.<size>`. */
export const EC2_INSTANCE_TYPE = /^[a-z][a-z0-9-]*\.[a-z0-9]+$/;
/** The EKS-optimized AMIs' root volume is 20 GiB; gp3 volumes go up to 16 TiB. */
const DISK_SIZE_GIB = { min: 20, max: 16384 } as const;

/**
 * What EKS or EC2 would refuse in a pool's sizes and instance types, or the blueprint does not allow (a pool of
 * no node: the controllers run here), each at its field. Shared by NodePool (which throws them all) and, through
 * trainingClusterProblems, the environment schema (training.systemPool).
 */
export function nodePoolProblems(pool: Pick<NodePoolProps, "instanceTypes" | "minSize" | "maxSize" | "diskSizeGiB">): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const fail = (path: string, message: string) => problems.push({ path, message });
  if (pool.instanceTypes.length === 0) fail("instanceTypes", "lists none; give at least one instance type");
  pool.instanceTypes.forEach((type, i) => {
    if (!EC2_INSTANCE_TYPE.test(type)) fail(`instanceTypes.${i}`, `is ${JSON.stringify(type)}; it must be an EC2 instance type such as m6i.large`);
  });
  const { minSize: min, maxSize: max } = pool;
  if (!(Number.isInteger(min) && min >= 1)) fail("minSize", `is ${min}; the system pool runs cluster services and must keep at least 1 node`);
  if (!(Number.isInteger(max) && max >= 1)) fail("maxSize", `is ${max}; must be at least 1`);
  if (min > max) fail("minSize", `is ${min}, above maxSize ${max}; minSize must be <= maxSize`);
  const disk = rootVolumeProblem(pool.diskSizeGiB);
  if (disk) fail("diskSizeGiB", disk);
  return problems;
}

/** What is wrong with a node's root volume size, GiB, for every pool (a node group's or Karpenter's): whole, 20-16384. */
export function rootVolumeProblem(diskSizeGiB: number): string | undefined {
  if (Number.isInteger(diskSizeGiB) && diskSizeGiB >= DISK_SIZE_GIB.min && diskSizeGiB <= DISK_SIZE_GIB.max) return undefined;
  return `is ${diskSizeGiB}; it must be whole GiB ${DISK_SIZE_GIB.min}-${DISK_SIZE_GIB.max} (the node AMI's root volume needs ${DISK_SIZE_GIB.min})`;
}
