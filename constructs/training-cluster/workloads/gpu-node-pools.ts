import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { GPU_INSTANCE_FAMILIES, GPU_NODE_LABEL, GPU_TAINT, GpuSharing, gpuSharingProblems, gpuUnitsPerNode, gpusPerInstance } from "../gpu-instances";
import { ClusterObjects } from "./helm";
import {
  Ec2NodeClass,
  KarpenterNodePool,
  NodeClassProps,
  NodeOverlay,
  PoolDisruption,
  Taint,
  amiAliasProblem,
  ec2NodeClass,
  poolDisruption,
  poolRequirements,
} from "./karpenter-objects";
import { ConstructPropsError, PropsProblem, problemsAt, throwPropsProblems } from "../../core/errors";
import { rootVolumeProblem } from "../node-pool";

/** Label of every GPU node naming its pool: Kueue's ResourceFlavors and jobs select pools by it. */
export const POOL_LABEL = "mlops/pool";
/** Label telling how the node's GPUs are shared: `none`, `time-slicing` or `mig`. */
export const SHARING_LABEL = "mlops/gpu-sharing";
/** The device plugin's config-manager picks the node's entry of the plugin's config map by this label. */
export const DEVICE_PLUGIN_CONFIG_LABEL = "nvidia.com/device-plugin.config";
/** What the device plugin chart's node affinity looks for (without node feature discovery). */
export const GPU_PRESENT_LABEL = "nvidia.com/gpu.present";
/** The MIG layout NVIDIA's mig-manager applies to a node. */
export const MIG_CONFIG_LABEL = "nvidia.com/mig.config";


export interface GpuNodePoolSpec {
  readonly name: string;
  readonly instanceTypes: readonly string[];
  readonly capacityType: "ON_DEMAND" | "SPOT";
  readonly maxSize: number;
  readonly diskSizeGiB: number;
  readonly sharing: GpuSharing;
  readonly disruption: PoolDisruption;
}

export interface GpuNodePoolsProps extends NodeClassProps {
  readonly pools: readonly GpuNodePoolSpec[];
  /** The Karpenter controller release: the CRDs exist and the controller validates nothing after the fact. */
  readonly dependsOn: readonly ITerraformDependable[];
}

/** The GPU taint as Kubernetes writes it (the EKS API's `NO_SCHEDULE` is `NoSchedule`). */
export const GPU_NODE_TAINT: Taint = { key: GPU_TAINT.key, value: GPU_TAINT.value, effect: "NoSchedule" };

/** The `mlops/gpu-sharing` label's value for a sharing mode. */
export function sharingLabel(sharing: GpuSharing): string {
  return sharing.mode === "timeSlicing" ? "time-slicing" : sharing.mode;
}

/** The labels every node of a pool carries (what jobs, Kueue, the device plugin and DCGM select on). */
export function gpuPoolNodeLabels(pool: Pick<GpuNodePoolSpec, "name" | "sharing">): Record<string, string> {
  return {
    [POOL_LABEL]: pool.name,
    [GPU_NODE_LABEL.key]: GPU_NODE_LABEL.value,
    [GPU_PRESENT_LABEL]: "true",
    [SHARING_LABEL]: sharingLabel(pool.sharing),
    [DEVICE_PLUGIN_CONFIG_LABEL]: pool.name,
    ...(pool.sharing.mode === "mig" ? { [MIG_CONFIG_LABEL]: `all-${pool.sharing.profile}` } : {}),
  };
}

/** The supported families, "g4dn, g5, ... or p5en". */
const GPU_FAMILIES_TEXT = Object.keys(GPU_INSTANCE_FAMILIES).join(", ").replace(/, ([^,]+)$/, " or $1");

/**
 * What EC2, the device plugin or Karpenter would refuse in one GPU pool, or the blueprint does not allow, each at
 * its field (`instanceTypes.1`, `sharing.profile`, `maxSize`, ...). Shared by GpuNodePools (which throws them all)
 * and the environment schema (training.gpuPools).
 */
export function gpuPoolProblems(pool: Partial<Pick<GpuNodePoolSpec, "instanceTypes" | "sharing" | "maxSize" | "diskSizeGiB">>): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const types = pool.instanceTypes ?? [];
  if (pool.instanceTypes?.length === 0) problems.push({ path: "instanceTypes", message: "must list at least one GPU instance type" });
  const counts = new Set<number>();
  types.forEach((type, i) => {
    const gpus = gpusPerInstance(type);
    if (gpus === undefined) problems.push({ path: `instanceTypes.${i}`, message: `${JSON.stringify(type)} is not a GPU instance type; use a ${GPU_FAMILIES_TEXT} size` });
    else counts.add(gpus);
  });
  if (counts.size > 1) {
    problems.push({
      path: "instanceTypes",
      message: `mixes instances with ${[...counts].sort().join(" and ")} GPUs; one pool needs one GPU count so its capacity (Kueue quotas, NodePool limits) is exact`,
    });
  }
  // Sharing is judged against known instance types only; unknown ones are reported above.
  if (pool.sharing && types.length > 0 && types.every((type) => gpusPerInstance(type) !== undefined)) {
    problems.push(...gpuSharingProblems(types, pool.sharing));
  }
  if (pool.maxSize !== undefined && !(Number.isInteger(pool.maxSize) && pool.maxSize >= 1)) problems.push({ path: "maxSize", message: `is ${pool.maxSize}; must be a whole number of nodes, at least 1` });
  const disk = pool.diskSizeGiB === undefined ? undefined : rootVolumeProblem(pool.diskSizeGiB);
  if (disk) problems.push({ path: "diskSizeGiB", message: disk });
  return problems;
}

/** `nvidia.com/gpu` units the pool can reach: one node's units (GPUs × sharing) times its maximum. */
export function poolCapacity(pool: Pick<GpuNodePoolSpec, "name" | "instanceTypes" | "sharing" | "maxSize">): number {
  const units = gpuUnitsPerNode(pool.instanceTypes, pool.sharing);
  if (units === undefined) throw new ConstructPropsError(`GPU pool ${pool.name}: its instance types and sharing give no single GPU count per node`);
  return units * pool.maxSize;
}

/**
 * For a pool that shares its GPUs, what its nodes advertise: EC2 reports physical GPUs, the device plugin advertises
 * units (GPUs × replicas, or MIG instances). Without it Karpenter would launch a node per unit asked for, and the
 * scheduler would spread the pods so that no node ever empties. Keyed on the NodePool, so another pool of the same
 * instance types keeps EC2's count.
 */
export function gpuPoolOverlay(pool: GpuNodePoolSpec): NodeOverlay | undefined {
  if (pool.sharing.mode === "none") return undefined;
  return {
    apiVersion: "karpenter.sh/v1alpha1",
    kind: "NodeOverlay",
    metadata: { name: `${pool.name}-gpu-units` },
    spec: {
      requirements: [{ key: "karpenter.sh/nodepool", operator: "In", values: [pool.name] }],
      capacity: { [GPU_NODE_LABEL.key]: String(gpuUnitsPerNode(pool.instanceTypes, pool.sharing)) },
    },
  };
}

/** One pool's EC2NodeClass and NodePool. */
export function gpuPoolObjects(pool: GpuNodePoolSpec, props: NodeClassProps): [Ec2NodeClass, KarpenterNodePool] {
  const gpus = new Set(pool.instanceTypes.map(gpusPerInstance));
  if (gpus.size !== 1 || gpus.has(undefined)) throw new ConstructPropsError(`GPU pool ${pool.name}: instance types ${pool.instanceTypes.join(", ")} must be known GPU types with one GPU count`);
  const nodeClass = ec2NodeClass(pool.name, pool.diskSizeGiB, props);
  const units = poolCapacity(pool);
  const nodePool: KarpenterNodePool = {
    apiVersion: "karpenter.sh/v1",
    kind: "NodePool",
    metadata: { name: pool.name },
    spec: {
      template: {
        metadata: { labels: gpuPoolNodeLabels(pool) },
        spec: {
          nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: pool.name },
          taints: [GPU_NODE_TAINT],
          requirements: poolRequirements(pool),
          expireAfter: pool.disruption.expireAfter,
          // A draining node waits at most a day for its jobs before they are evicted.
          terminationGracePeriod: "24h",
        },
      },
      // `nodes` is the pool's maximum. The GPU limit counts units (GPUs × sharing), as the nodes advertise them
      // and the pool's NodeOverlay tells Karpenter.
      limits: { [GPU_NODE_LABEL.key]: String(units), nodes: String(pool.maxSize) },
      disruption: poolDisruption(pool.disruption),
    },
  };
  return [nodeClass, nodePool];
}

/**
 * The GPU capacity Karpenter may launch: per pool an EC2NodeClass (pinned AMI, IMDSv2 with one hop,
 * encrypted root volume with the cluster's key, cost tags) and a NodePool (its instance types and capacity
 * type, the GPU taint and labels, limits from its maximum, consolidation of empty nodes), and for a pool that
 * shares its GPUs a NodeOverlay with its nodes' GPU units. Pools scale from and to zero. One `gpu-capacity`
 * release of the cluster-objects chart.
 */
export class GpuNodePools extends Construct {
  readonly objects: ClusterObjects;
  readonly nodeClasses: readonly Ec2NodeClass[];
  readonly nodePools: readonly KarpenterNodePool[];
  readonly overlays: readonly NodeOverlay[];

  constructor(scope: Construct, id: string, props: GpuNodePoolsProps) {
    super(scope, id);
    const aliasProblem = amiAliasProblem(props.amiAlias);
    if (aliasProblem) throw new ConstructPropsError(`${this.node.path}: ${aliasProblem}`);
    throwPropsProblems(this.node.path, props.pools.flatMap((pool, i) => problemsAt(`pools.${i}`, gpuPoolProblems(pool))));
    const pairs = props.pools.map((pool) => gpuPoolObjects(pool, props));
    this.nodeClasses = pairs.map(([nodeClass]) => nodeClass);
    this.nodePools = pairs.map(([, nodePool]) => nodePool);
    this.overlays = props.pools.map(gpuPoolOverlay).filter((overlay): overlay is NodeOverlay => overlay !== undefined);
    this.objects = new ClusterObjects(this, "Objects", {
      name: "gpu-capacity",
      namespace: "kube-system",
      objects: [...pairs.flat(), ...this.overlays],
      dependsOn: props.dependsOn,
    });
  }
}
