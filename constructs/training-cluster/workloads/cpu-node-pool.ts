import { Construct } from "constructs";
import { ITerraformDependable } from "cdktf";
import { gpusPerInstance } from "../gpu-instances";
import { POOL_LABEL } from "./gpu-node-pools";
import { ClusterObjects } from "./helm";
import { Ec2NodeClass, KarpenterNodePool, NodeClassProps, PoolDisruption, amiAliasProblem, ec2NodeClass, poolDisruption, poolRequirements } from "./karpenter-objects";
import { ConstructPropsError, PropsProblem, problemsAt, throwPropsProblems } from "../../core/errors";
import { EC2_INSTANCE_TYPE, rootVolumeProblem } from "../node-pool";

/** The CPU pool's name: its NodePool, EC2NodeClass and `mlops/pool` label. No GPU pool may take it. */
export const CPU_POOL_NAME = "cpu";

export interface CpuNodePoolSpec {
  /** Instance types without GPUs. */
  readonly instanceTypes: readonly string[];
  readonly capacityType: "ON_DEMAND" | "SPOT";
  /** Nodes the pool never goes above; it scales from and to zero. */
  readonly maxSize: number;
  readonly diskSizeGiB: number;
  readonly disruption: PoolDisruption;
}

export interface CpuNodePoolProps extends NodeClassProps {
  readonly pool: CpuNodePoolSpec;
  /** The Karpenter controller release. */
  readonly dependsOn: readonly ITerraformDependable[];
}

/**
 * Capacity for the teams' work that needs no GPU (data preparation, launchers, Ray heads): a Karpenter NodePool of
 * CPU instance types, untainted, scaling from zero. The system nodes are tainted for the cluster's controllers, so
 * without this pool such pods would have nowhere to run; with it they never crowd the controllers. One
 * `cpu-capacity` release of the cluster-objects chart.
 */
export class CpuNodePool extends Construct {
  readonly objects: ClusterObjects;
  readonly nodeClass: Ec2NodeClass;
  readonly nodePool: KarpenterNodePool;

  constructor(scope: Construct, id: string, props: CpuNodePoolProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, problemsAt("pool", cpuPoolProblems(props.pool)));
    const aliasProblem = amiAliasProblem(props.amiAlias);
    if (aliasProblem) throw new ConstructPropsError(`${this.node.path}: ${aliasProblem}`);
    const { pool } = props;
    this.nodeClass = ec2NodeClass(CPU_POOL_NAME, pool.diskSizeGiB, props);
    this.nodePool = {
      apiVersion: "karpenter.sh/v1",
      kind: "NodePool",
      metadata: { name: CPU_POOL_NAME },
      spec: {
        template: {
          metadata: { labels: { [POOL_LABEL]: CPU_POOL_NAME } },
          spec: {
            nodeClassRef: { group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: CPU_POOL_NAME },
            taints: [],
            requirements: poolRequirements(pool),
            expireAfter: pool.disruption.expireAfter,
            terminationGracePeriod: "24h",
          },
        },
        limits: { nodes: String(pool.maxSize) },
        disruption: poolDisruption(pool.disruption),
      },
    };
    this.objects = new ClusterObjects(this, "Objects", { name: "cpu-capacity", namespace: "kube-system", objects: [this.nodeClass, this.nodePool], dependsOn: props.dependsOn });
  }
}

/**
 * What the CPU pool's settings must not be, each at its field (`instanceTypes.1`, `maxSize`, ...). Shared by
 * CpuNodePool (which throws them all) and the environment schema (training.cpuPool).
 */
export function cpuPoolProblems(pool: Partial<Pick<CpuNodePoolSpec, "instanceTypes" | "maxSize" | "diskSizeGiB">>): PropsProblem[] {
  const problems: PropsProblem[] = [];
  if (pool.instanceTypes?.length === 0) problems.push({ path: "instanceTypes", message: "lists none; give at least one instance type" });
  (pool.instanceTypes ?? []).forEach((type, i) => {
    if (!EC2_INSTANCE_TYPE.test(type)) problems.push({ path: `instanceTypes.${i}`, message: `is ${JSON.stringify(type)}; it must be an EC2 instance type such as m6i.2xlarge` });
    else if (gpusPerInstance(type) !== undefined) problems.push({ path: `instanceTypes.${i}`, message: `${type} has GPUs; the CPU pool takes CPU instance types (GPU capacity is the gpuPools')` });
  });
  if (pool.maxSize !== undefined && !(Number.isInteger(pool.maxSize) && pool.maxSize >= 1)) problems.push({ path: "maxSize", message: `is ${pool.maxSize}; must be a whole number of nodes, at least 1` });
  const disk = pool.diskSizeGiB === undefined ? undefined : rootVolumeProblem(pool.diskSizeGiB);
  if (disk) problems.push({ path: "diskSizeGiB", message: disk });
  return problems;
}
