import { Construct } from "constructs";
import { CPU_MEMORY_FLAVOR, UNASSIGNED_QUEUE } from "../kueue-names";

export { CPU_MEMORY_FLAVOR, UNASSIGNED_QUEUE };
import { ITerraformDependable } from "cdktf";
import { GPU_NODE_LABEL } from "../gpu-instances";
import { GPU_NODE_TAINT, POOL_LABEL } from "./gpu-node-pools";
import { ClusterObjects, KubernetesObject } from "./helm";
import { TEAM_NAMESPACE_LABEL } from "./team-namespace";
import { PropsProblem, throwPropsProblems } from "../../core/errors";

const API_VERSION = "kueue.x-k8s.io/v1beta2";
/** Every team's ClusterQueue and the `unassigned` one share this cohort: idle quota is borrowable across it. */
export const COHORT = "training";
/** The LocalQueue of each team namespace; jobs without a queue name go there. */
export const DEFAULT_LOCAL_QUEUE = "default";
/** Borrowing jobs may preempt only workloads at or below this priority (`training-preemptible`). */
export const BORROW_PREEMPTION_MAX_PRIORITY = 1000;
const GPU = GPU_NODE_LABEL.key;

/** Workload priorities Kueue orders and preempts by; `training-critical` is deliberately not one (see README). */
export const WORKLOAD_PRIORITY_CLASSES = [
  { name: "training-default", value: 10000, description: "Ordinary training; preempts preemptible training." },
  { name: "training-preemptible", value: BORROW_PREEMPTION_MAX_PRIORITY, description: "Opportunistic training: runs on borrowed or idle quota and is preempted first." },
] as const;

/** A GPU pool as Kueue sees it: a flavor and its capacity in `nvidia.com/gpu` units. */
export interface QueuePool {
  readonly name: string;
  /** Units the pool can reach (GPUs × sharing × maxSize). */
  readonly capacity: number;
}

/** A team's share of the cohort. */
export interface QueueTeam {
  readonly name: string;
  /** The team's namespace (its ClusterQueue admits only that one). */
  readonly namespace: string;
  /** Guaranteed units per pool; a pool left out is 0. */
  readonly gpuQuotas: Readonly<Record<string, number>>;
  /** Units the team may borrow in each pool above its quota. */
  readonly gpuBorrowingLimit: number;
  /** Units of its quota the team lends at most, in each pool. Left out: all of it. */
  readonly gpuLendingLimit?: number;
  readonly cpuQuota: string;
  readonly memoryQuota: string;
}

interface Toleration {
  readonly key: string;
  readonly operator: "Exists" | "Equal";
  readonly value?: string;
  readonly effect: "NoSchedule" | "NoExecute" | "PreferNoSchedule";
}

export interface ResourceFlavorSpec {
  readonly nodeLabels?: Readonly<Record<string, string>>;
  readonly nodeTaints?: readonly { readonly key: string; readonly value: string; readonly effect: string }[];
  /** Added to the pods Kueue admits on the flavor: teams write no toleration themselves. */
  readonly tolerations?: readonly Toleration[];
}

export interface ResourceQuota {
  readonly name: string;
  readonly nominalQuota: string;
  readonly borrowingLimit: string;
  readonly lendingLimit?: string;
}

export interface ClusterQueueSpec {
  readonly cohortName: string;
  readonly namespaceSelector: {
    readonly matchLabels?: Readonly<Record<string, string>>;
    readonly matchExpressions?: readonly { readonly key: string; readonly operator: "In" | "NotIn" | "Exists" | "DoesNotExist"; readonly values?: readonly string[] }[];
  };
  readonly queueingStrategy: "BestEffortFIFO" | "StrictFIFO";
  readonly resourceGroups: readonly {
    readonly coveredResources: readonly string[];
    readonly flavors: readonly { readonly name: string; readonly resources: readonly ResourceQuota[] }[];
  }[];
  /** Whether Kueue tries the next flavor before borrowing or preempting in this one (v1beta2 FlavorFungibility). */
  readonly flavorFungibility?: { readonly whenCanBorrow: "MayStopSearch" | "TryNextFlavor"; readonly whenCanPreempt: "MayStopSearch" | "TryNextFlavor" };
  readonly preemption: {
    readonly reclaimWithinCohort: "Never" | "LowerPriority" | "Any";
    readonly withinClusterQueue: "Never" | "LowerPriority" | "LowerOrNewerEqualPriority";
    readonly borrowWithinCohort: { readonly policy: "Never" | "LowerPriority"; readonly maxPriorityThreshold?: number };
  };
}

export type ResourceFlavor = KubernetesObject<"ResourceFlavor", ResourceFlavorSpec>;
export type ClusterQueue = KubernetesObject<"ClusterQueue", ClusterQueueSpec>;
export type LocalQueue = KubernetesObject<"LocalQueue", { readonly clusterQueue: string }>;
export interface WorkloadPriorityClass {
  readonly apiVersion: string;
  readonly kind: "WorkloadPriorityClass";
  readonly metadata: { readonly name: string };
  readonly value: number;
  readonly description: string;
}

/** The objects of the cohort, by kind. */
export interface KueueQueueObjects {
  readonly flavors: readonly ResourceFlavor[];
  readonly clusterQueues: readonly ClusterQueue[];
  readonly localQueues: readonly LocalQueue[];
  readonly priorityClasses: readonly WorkloadPriorityClass[];
}

/**
 * The hard cap of a team's ResourceQuota: in each pool its quota plus what it may borrow, but never more
 * than the pool has. Kueue admits within it; the quota stops pods that bypass Kueue.
 */
export function teamGpuCap(team: Pick<QueueTeam, "gpuQuotas" | "gpuBorrowingLimit">, pools: readonly QueuePool[]): number {
  return pools.reduce((sum, pool) => sum + Math.min((team.gpuQuotas[pool.name] ?? 0) + team.gpuBorrowingLimit, pool.capacity), 0);
}

/** What the pools leave of their capacity after the teams' quotas, per pool: the `unassigned` queue's nominal quota. */
export function unassignedCapacity(pools: readonly QueuePool[], teams: readonly Pick<QueueTeam, "gpuQuotas">[]): Record<string, number> {
  return Object.fromEntries(pools.map((pool) => [pool.name, pool.capacity - teams.reduce((sum, team) => sum + (team.gpuQuotas[pool.name] ?? 0), 0)]));
}

const quota = (name: string, nominal: number | string, borrowing: number | string, lending?: number): ResourceQuota => ({
  name,
  nominalQuota: String(nominal),
  borrowingLimit: String(borrowing),
  ...(lending !== undefined ? { lendingLimit: String(lending) } : {}),
});

const PREEMPTION: ClusterQueueSpec["preemption"] = {
  // A team takes its own quota back from borrowers, whatever their priority.
  reclaimWithinCohort: "Any",
  withinClusterQueue: "LowerPriority",
  // A borrower preempts only preemptible work.
  borrowWithinCohort: { policy: "LowerPriority", maxPriorityThreshold: BORROW_PREEMPTION_MAX_PRIORITY },
};

/**
 * What Kueue would refuse, or could not honour, in the pools and teams, each at its field (`pools.0.name`,
 * `teams.1.gpuQuotas.h100`, `teams.2.gpuLendingLimit`, `teams`). A pool whose capacity is unknown (undefined) is not
 * judged for capacity. Shared by KueueQueues (which throws them all) and the environment schema (training.teams).
 */
export function kueueQueueProblems(
  pools: readonly (Pick<QueuePool, "name"> & { readonly capacity?: number })[],
  teams: readonly Pick<QueueTeam, "name" | "gpuQuotas" | "gpuLendingLimit">[],
): PropsProblem[] {
  const problems: PropsProblem[] = [];
  const poolNames = [...new Set(pools.map((p) => p.name))];
  pools.forEach((pool, i) => {
    if (pool.name === CPU_MEMORY_FLAVOR) problems.push({ path: `pools.${i}.name`, message: `"${CPU_MEMORY_FLAVOR}" is the name of the CPU and memory flavor; rename the pool` });
  });
  teams.forEach((team, i) => {
    if (team.name === UNASSIGNED_QUEUE) problems.push({ path: `teams.${i}.name`, message: `"${UNASSIGNED_QUEUE}" is the queue that holds capacity no team has; name the team otherwise` });
    for (const pool of Object.keys(team.gpuQuotas)) {
      if (!poolNames.includes(pool)) {
        problems.push({ path: `teams.${i}.gpuQuotas.${pool}`, message: `names no GPU pool; the pools are ${poolNames.length > 0 ? poolNames.map((n) => JSON.stringify(n)).join(", ") : "none"}` });
      }
    }
    // Kueue refuses a lendingLimit above the nominal quota; one limit applies to every pool, so the largest bounds it.
    const largest = Math.max(0, ...Object.values(team.gpuQuotas));
    if (team.gpuLendingLimit !== undefined && team.gpuLendingLimit > largest) {
      problems.push({
        path: `teams.${i}.gpuLendingLimit`,
        message: `is ${team.gpuLendingLimit}, above the team's largest pool quota (${largest}); a team lends at most its own quota in a pool, so lower it to ${largest} or less (or leave it out to lend all of it)`,
      });
    }
  });
  // Per pool (a Kueue flavor): guaranteed quotas Karpenter could not provision would never be honoured.
  for (const pool of pools) {
    const sum = teams.reduce((total, team) => total + (team.gpuQuotas[pool.name] ?? 0), 0);
    if (pool.capacity !== undefined && sum > pool.capacity) {
      problems.push({
        path: "teams",
        message: `GPU quotas in pool "${pool.name}" add up to ${sum} but the pool can reach only ${pool.capacity} GPU units (units per node × maxSize); quotas cannot exceed capacity: lower them or raise the pool's maxSize`,
      });
    }
  }
  return problems;
}

/**
 * Kueue's view of the GPU pools and teams: a ResourceFlavor per pool (its node label and taint, and the
 * toleration Kueue adds), a ClusterQueue per team in the `training` cohort (nominal quota per pool, borrowing
 * and lending limits, preemption), the `unassigned` ClusterQueue that holds the rest of each pool so that per
 * flavor the nominal quotas add up to the capacity, a `default` LocalQueue per team namespace, and the
 * workload priority classes.
 */
export function kueueQueueObjects(pools: readonly QueuePool[], teams: readonly QueueTeam[]): KueueQueueObjects {
  throwPropsProblems("kueueQueueObjects", kueueQueueProblems(pools, teams));
  const rest = unassignedCapacity(pools, teams);

  const flavors: ResourceFlavor[] = [
    { apiVersion: API_VERSION, kind: "ResourceFlavor", metadata: { name: CPU_MEMORY_FLAVOR }, spec: {} },
    ...pools.map((pool): ResourceFlavor => ({
      apiVersion: API_VERSION,
      kind: "ResourceFlavor",
      metadata: { name: pool.name },
      spec: {
        nodeLabels: { [POOL_LABEL]: pool.name },
        nodeTaints: [GPU_NODE_TAINT],
        tolerations: [{ key: GPU_NODE_TAINT.key, operator: "Exists", effect: GPU_NODE_TAINT.effect }],
      },
    })),
  ];
  const gpuGroup = (quotas: (pool: QueuePool) => ResourceQuota) => ({
    coveredResources: [GPU],
    flavors: pools.map((pool) => ({ name: pool.name, resources: [quotas(pool)] })),
  });
  const teamQueues = teams.map((team): ClusterQueue => ({
    apiVersion: API_VERSION,
    kind: "ClusterQueue",
    metadata: { name: team.name, labels: { [TEAM_NAMESPACE_LABEL]: team.name } },
    spec: {
      cohortName: COHORT,
      namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": team.namespace } },
      queueingStrategy: "BestEffortFIFO",
      resourceGroups: [
        // CPU and memory are the team's own: nothing borrowed.
        { coveredResources: ["cpu", "memory"], flavors: [{ name: CPU_MEMORY_FLAVOR, resources: [quota("cpu", team.cpuQuota, 0), quota("memory", team.memoryQuota, 0)] }] },
        ...(pools.length > 0
          ? [
              gpuGroup((pool) => {
                const nominal = team.gpuQuotas[pool.name] ?? 0;
                return quota(GPU, nominal, team.gpuBorrowingLimit, team.gpuLendingLimit === undefined ? undefined : Math.min(team.gpuLendingLimit, nominal));
              }),
            ]
          : []),
      ],
      // A job that may run in several pools takes one where the team's own quota has room before borrowing in the
      // first (Kueue's default stops at the first flavor it fits by borrowing, leaving the team's quota elsewhere idle).
      flavorFungibility: { whenCanBorrow: "TryNextFlavor", whenCanPreempt: "TryNextFlavor" },
      preemption: PREEMPTION,
    },
  }));
  const unassigned: ClusterQueue[] =
    pools.length > 0
      ? [
          {
            apiVersion: API_VERSION,
            kind: "ClusterQueue",
            metadata: { name: UNASSIGNED_QUEUE },
            spec: {
              cohortName: COHORT,
              // Admits no namespace (every namespace has this label): it only lends.
              namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "DoesNotExist" }] },
              queueingStrategy: "BestEffortFIFO",
              resourceGroups: [gpuGroup((pool) => quota(GPU, rest[pool.name], 0))],
              preemption: { reclaimWithinCohort: "Never", withinClusterQueue: "Never", borrowWithinCohort: { policy: "Never" } },
            },
          },
        ]
      : [];
  const localQueues = teams.map((team): LocalQueue => ({
    apiVersion: API_VERSION,
    kind: "LocalQueue",
    metadata: { name: DEFAULT_LOCAL_QUEUE, namespace: team.namespace },
    spec: { clusterQueue: team.name },
  }));
  const priorityClasses = WORKLOAD_PRIORITY_CLASSES.map((c): WorkloadPriorityClass => ({
    apiVersion: API_VERSION,
    kind: "WorkloadPriorityClass",
    metadata: { name: c.name },
    value: c.value,
    description: c.description,
  }));
  return { flavors, clusterQueues: [...teamQueues, ...unassigned], localQueues, priorityClasses };
}

export interface KueueQueuesProps {
  readonly pools: readonly QueuePool[];
  readonly teams: readonly QueueTeam[];
  /** The Kueue release (CRDs, webhooks ready) and the team namespaces. */
  readonly dependsOn: readonly ITerraformDependable[];
}

/** The cohort's objects as one `kueue-queues` release of the cluster-objects chart. */
export class KueueQueues extends Construct {
  readonly objects: KueueQueueObjects;
  readonly release: ClusterObjects;

  constructor(scope: Construct, id: string, props: KueueQueuesProps) {
    super(scope, id);
    throwPropsProblems(this.node.path, kueueQueueProblems(props.pools, props.teams));
    this.objects = kueueQueueObjects(props.pools, props.teams);
    const { flavors, clusterQueues, localQueues, priorityClasses } = this.objects;
    this.release = new ClusterObjects(this, "Objects", {
      name: "kueue-queues",
      namespace: "kueue-system",
      objects: [...priorityClasses, ...flavors, ...clusterQueues, ...localQueues],
      dependsOn: props.dependsOn,
    });
  }
}
