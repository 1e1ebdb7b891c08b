import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { AutoscalingGroupTagA } from "@cdktf/provider-aws/lib/autoscaling-group-tag";
import { EksNodeGroup } from "@cdktf/provider-aws/lib/eks-node-group";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { ACCELERATOR_LABEL_KEY, GPU_NODE_LABEL, GPU_TAINT, acceleratorOf, gpusPerInstance } from "./gpu-instances";

export type CapacityType = "ON_DEMAND" | "SPOT";

export interface NodePoolProps {
  /** The cluster's name as a literal: node group names and autoscaler tag keys are built from it. */
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
  readonly minSize: number;
  readonly maxSize: number;
  /** Encrypted gp3 root volume, GiB. */
  readonly diskSizeGiB: number;
  /**
   * Run NVIDIA GPUs: the NVIDIA AMI, the `nvidia.com/gpu` label and NoSchedule taint, and the
   * cluster-autoscaler node-template tags that let the pool scale up from zero.
   * @default false
   */
  readonly gpu?: boolean;
  /** @default "ON_DEMAND" */
  readonly capacityType?: CapacityType;
  /**
   * EKS-optimized AMI release, e.g. `1.33.5-20251103`.
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
   * Resources whose creation must finish first, e.g. the node role's policy attachments: a node that
   * starts without them cannot join the cluster.
   * @default []
   */
  readonly dependsOn?: readonly ITerraformDependable[];
}

const AUTOSCALER_TEMPLATE = "k8s.io/cluster-autoscaler/node-template";

/**
 * An EKS managed node group on a launch template that requires IMDSv2 with a hop limit of 1
 * (pods cannot borrow the node's credentials; they use IRSA) and encrypts the root volume.
 */
export class NodePool extends Construct {
  readonly nodeGroup: EksNodeGroup;
  readonly nodeGroupName: string;
  /** GPUs per node (0 for CPU pools). */
  readonly gpusPerNode: number;

  constructor(scope: Construct, id: string, props: NodePoolProps) {
    super(scope, id);
    this.gpusPerNode = this.validate(props);
    const gpu = props.gpu ?? false;
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

    const labels: Record<string, string> = {
      "mlops/pool": props.name,
      ...(gpu ? { [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value, [ACCELERATOR_LABEL_KEY]: acceleratorOf(props.instanceTypes) } : {}),
    };
    const templateTags = this.autoscalerTemplateTags(labels, gpu);
    this.nodeGroup = new EksNodeGroup(this, "NodeGroup", {
      clusterName: props.clusterNameReference ?? props.clusterName,
      nodeGroupName: this.nodeGroupName,
      nodeRoleArn: props.nodeRoleArn,
      subnetIds: [...props.subnetIds],
      instanceTypes: [...props.instanceTypes],
      capacityType: props.capacityType ?? "ON_DEMAND",
      amiType: gpu ? "AL2023_x86_64_NVIDIA" : "AL2023_x86_64_STANDARD",
      releaseVersion: props.amiReleaseVersion,
      launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.toString() },
      scalingConfig: { minSize: props.minSize, maxSize: props.maxSize, desiredSize: props.minSize },
      updateConfig: { maxUnavailable: 1 },
      labels,
      taint: gpu ? [{ ...GPU_TAINT }] : undefined,
      tags: {
        "k8s.io/cluster-autoscaler/enabled": "true",
        [`k8s.io/cluster-autoscaler/${props.clusterName}`]: "owned",
        ...templateTags,
      },
      // The cluster autoscaler owns the node count between min and max.
      lifecycle: { ignoreChanges: ["scaling_config[0].desired_size"] },
      dependsOn: [...(props.dependsOn ?? [])],
    });

    // Node group tags do not reach its Auto Scaling group; the autoscaler reads node templates from there
    // when the pool has no node to look at (scale from zero).
    const autoscalingGroupName = this.nodeGroup.resources.get(0).autoscalingGroups.get(0).name;
    Object.entries(templateTags).forEach(([key, value], i) => {
      new AutoscalingGroupTagA(this, `TemplateTag${i}`, { autoscalingGroupName, tag: { key, value, propagateAtLaunch: false } });
    });
  }

  /** What a node of this pool would look like, for the cluster autoscaler when the pool is at zero. */
  private autoscalerTemplateTags(labels: Record<string, string>, gpu: boolean): Record<string, string> {
    const tags: Record<string, string> = {};
    for (const [key, value] of Object.entries(labels)) tags[`${AUTOSCALER_TEMPLATE}/label/${key}`] = value;
    if (gpu) {
      tags[`${AUTOSCALER_TEMPLATE}/taint/${GPU_TAINT.key}`] = `${GPU_TAINT.value}:NoSchedule`;
      tags[`${AUTOSCALER_TEMPLATE}/resources/nvidia.com/gpu`] = String(this.gpusPerNode);
    }
    return tags;
  }

  private validate(props: NodePoolProps): number {
    const where = this.node.path;
    if (!Number.isInteger(props.minSize) || !Number.isInteger(props.maxSize) || props.minSize < 0 || props.minSize > props.maxSize || props.maxSize < 1) {
      throw new Error(`${where}: minSize ${props.minSize} and maxSize ${props.maxSize} must be whole numbers with 0 <= minSize <= maxSize and maxSize >= 1`);
    }
    if (props.instanceTypes.length === 0) throw new Error(`${where}: instanceTypes must list at least one instance type`);
    if (`${props.clusterName}-${props.name}`.length > 63) throw new Error(`${where}: node group name ${props.clusterName}-${props.name} is over 63 characters`);
    if (!props.gpu) return 0;
    const counts = new Set(props.instanceTypes.map((type) => gpusPerInstance(type)));
    if (counts.has(undefined)) {
      throw new Error(`${where}: ${props.instanceTypes.filter((t) => gpusPerInstance(t) === undefined).join(", ")} is not a known GPU instance type`);
    }
    if (counts.size > 1) throw new Error(`${where}: instanceTypes mix GPU counts (${[...counts].join(", ")}); use one count per pool`);
    return [...counts][0]!;
  }
}
