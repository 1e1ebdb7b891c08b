import { z } from "zod";
import { resourceName } from "../constructs/core/naming";
import { deployRunnerProblems } from "../constructs/training-cluster/deploy-runner";
import { type GpuSharing, gpuUnitsPerNode } from "../constructs/training-cluster/gpu-instances";
import { gpuPoolProblems } from "../constructs/training-cluster/workloads/gpu-node-pools";
import {
  CHART_NAMES,
  CONTROL_PLANE_LOG_TYPES,
  chartVersionProblems,
} from "../constructs/training-cluster/versions";
import { teamNamespaceProblems } from "../constructs/training-cluster/workloads/team-namespace";
import { kueueQueueProblems } from "../constructs/training-cluster/workloads/kueue-queues";
import { devicePluginProblems } from "../constructs/training-cluster/workloads/nvidia-device-plugin";
import { CPU_POOL_NAME, cpuPoolProblems } from "../constructs/training-cluster/workloads/cpu-node-pool";
import { karpenterProblems } from "../constructs/training-cluster/workloads/karpenter";
import { trainingClusterProblems } from "../constructs/training-cluster/gpu-training-cluster";
import { prometheusWorkspaceProblems } from "../constructs/observability/prometheus-workspace";
import {
  AddProblem,
  Loose,
  addPropsProblems,
  duplicatePositions,
  isCount,
  numberOrUndefined,
  objectOrUndefined,
  objectsIn,
  stringOrUndefined,
  stringsOrUndefined,
} from "./rule-helpers";

const kubernetesName = z.string().regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, {
  error: "must be 1-32 lowercase letters, digits and inner hyphens, starting with a letter (a Kubernetes-safe name)",
});
const count = z.number().int({ error: "must be a whole number" }).nonnegative({ error: "must be 0 or more" });
/** A Karpenter duration: whole seconds, minutes or hours, e.g. 30s, 10m, 720h. */
const duration = z.string().regex(/^[1-9]\d*(s|m|h)$/, { error: "must be a duration such as 30s, 10m or 720h" });

// Types here; what each value may be is the GpuTrainingCluster construct's check (trainingClusterProblems, in checkTraining).
const systemPoolSchema = z.strictObject({
  /** Instance types for cluster services (CoreDNS, Karpenter, Kueue, Grafana); on-demand, a managed node group. */
  instanceTypes: z.array(z.string()),
  /** Nodes the pool never goes below (at least 1: the controllers run here). */
  minSize: z.number(),
  maxSize: z.number(),
  /** Root volume size of each node, GiB (encrypted gp3, 20-16384). */
  diskSizeGiB: z.number(),
});

/**
 * How the pool's GPUs are shared between pods (the NVIDIA device plugin's configuration for the pool's
 * nodes). Time-slicing: `replicas` pods per GPU, with no memory or fault isolation. MIG: every GPU cut into
 * instances of one `profile` (A100/H100/H200 pools only). Every mode advertises `nvidia.com/gpu`.
 */
const sharingSchema = z.discriminatedUnion(
  "mode",
  [
    z.strictObject({ mode: z.literal("none") }),
    z.strictObject({ mode: z.literal("timeSlicing"), replicas: z.number() }),
    z.strictObject({ mode: z.literal("mig"), profile: z.string() }),
  ],
  { error: 'must be "none", "timeSlicing" or "mig" (MIG\'s mixed strategy is not offered: Karpenter cannot provision nodes for nvidia.com/mig-* resources)' },
);

/** What Karpenter may do to the pool's nodes. Left out: the defaults in {@link DEFAULT_POOL_DISRUPTION}. */
const disruptionSchema = z.strictObject({
  /** WhenEmpty never moves a running job; WhenEmptyOrUnderutilized also repacks pods (it evicts them). */
  consolidation: z.enum(["WhenEmpty", "WhenEmptyOrUnderutilized"]),
  /** How long a node stays empty (or underutilized) before Karpenter removes it. */
  consolidateAfter: duration,
  /** The oldest a node may get before it is replaced (picks up a new AMI); "Never" keeps it. */
  expireAfter: z.union([duration, z.literal("Never")], { error: 'must be a duration such as 720h, or "Never"' }),
  /** Nodes of the pool Karpenter may disrupt at once: a percentage ("10%") or a count ("1"). */
  budget: z.string().regex(/^(\d+|(100|[1-9]?\d)%)$/, { error: 'must be a count such as "1" or a percentage such as "10%"' }),
});

/** Disruption of a GPU pool that does not say: empty nodes go after 10 minutes, nodes live 30 days, 10 % at a time. */
export const DEFAULT_POOL_DISRUPTION = { consolidation: "WhenEmpty", consolidateAfter: "10m", expireAfter: "720h", budget: "10%" } as const;

// Types here; what each value may be is the GpuNodePools construct's check (gpuPoolProblems, in checkTraining).
const gpuPoolSchema = z.strictObject({
  name: kubernetesName,
  /** GPU instance types, all with the same number of GPUs; a Karpenter NodePool of these types. */
  instanceTypes: z.array(z.string()),
  capacityType: z.enum(["ON_DEMAND", "SPOT"]),
  /** Nodes the pool never goes above (the NodePool's limits), at least 1. Pools scale from and to zero. */
  maxSize: z.number(),
  /** Root volume size of each node, GiB (encrypted gp3, 20-16384). */
  diskSizeGiB: z.number(),
  sharing: sharingSchema,
  disruption: disruptionSchema.optional(),
});

const teamSchema = z.strictObject({
  /** Also the team's namespace. */
  name: kubernetesName,
  /**
   * The team's guaranteed `nvidia.com/gpu` units per GPU pool (its Kueue ClusterQueue's nominal quota in the
   * pool's flavor). A pool left out is 0: the team only borrows there.
   */
  gpuQuotas: z.record(z.string(), count),
  /** Units the team may borrow from the cohort above its quota, in each pool (Kueue borrowingLimit). */
  gpuBorrowingLimit: count,
  /** Units of its quota the team lends to others at most, in each pool (Kueue lendingLimit). Left out: all of it. */
  gpuLendingLimit: count.optional(),
  /** CPU the team's pods may request at once. */
  cpuQuota: z.string(),
  /** Memory the team's pods may request at once. */
  memoryQuota: z.string(),
});

export const trainingSchema = z.strictObject({
  // Types here for the cluster's own fields; what each value may be is the GpuTrainingCluster construct's check
  // (trainingClusterProblems, in checkTraining).
  /** EKS Kubernetes version (minor), e.g. "1.33": one of SUPPORTED_KUBERNETES_VERSIONS. */
  kubernetesVersion: z.string(),
  /** EKS-optimized AMI release of the nodes, e.g. "1.33.0-20251104"; pins node images so upgrades are reviewed. */
  nodeAmiReleaseVersion: z.string(),
  /** CIDRs allowed to reach the public API endpoint. Empty: the endpoint is private only (required when protected). */
  publicApiCidrs: z.array(z.string()),
  /**
   * Who reaches the private API endpoint on HTTPS from the network: ranges (a VPN, a runner subnet) and
   * security groups. The cluster security group admits only itself, so a private endpoint needs one of
   * these or the deploy runner.
   */
  apiAccess: z.strictObject({
    cidrs: z.array(z.string()),
    securityGroupIds: z.array(z.string()),
  }),
  /**
   * A GitHub Actions runner in the private subnets (CodeBuild-hosted), let in to the API endpoint: how the
   * deploy workflow reaches a private cluster. Omit it where the API is reached another way.
   */
  deployRunner: z.strictObject({ repositoryUrl: z.string(), connectionArn: z.string() }).optional(),
  /** STANDARD: EKS upgrades the control plane when its version leaves standard support; EXTENDED: it stays, at a price. */
  upgradePolicy: z.enum(["STANDARD", "EXTENDED"]),
  /** Control plane log types sent to CloudWatch Logs; each can be switched off. */
  controlPlaneLogs: z.strictObject(Object.fromEntries(CONTROL_PLANE_LOG_TYPES.map((t) => [t, z.boolean()])) as Record<(typeof CONTROL_PLANE_LOG_TYPES)[number], z.ZodBoolean>),
  /** IAM roles given cluster access entries. */
  access: z.strictObject({ adminRoleArns: z.array(z.string()), readOnlyRoleArns: z.array(z.string()) }),
  /** EKS managed add-on versions. */
  addons: z.strictObject({
    vpcCni: z.string().min(1),
    coreDns: z.string().min(1),
    kubeProxy: z.string().min(1),
    ebsCsiDriver: z.string().min(1),
  }),
  systemPool: systemPoolSchema,
  gpuPools: z.array(gpuPoolSchema),
  /**
   * Capacity for the teams' pods that need no GPU (data preparation, launchers): a Karpenter NodePool of CPU
   * instance types, scaling from zero. The system nodes are tainted for the controllers, so this is where such
   * pods run. Types here; what each value may be is the CpuNodePool construct's check (cpuPoolProblems, in checkTraining).
   */
  cpuPool: z.strictObject({
    instanceTypes: z.array(z.string()),
    capacityType: z.enum(["ON_DEMAND", "SPOT"]),
    maxSize: z.number(),
    diskSizeGiB: z.number(),
  }),
  /** The most nodes any one GPU pool may reach: a guard against a typo that would buy a fleet. */
  maxNodesPerGpuPool: z.number().int().positive({ error: "must be a positive whole number" }),
  /** The Karpenter controller, which launches the GPU pools' nodes (what the replicas may be: the Karpenter construct's karpenterProblems). */
  karpenter: z.strictObject({
    /** Controller pods, one per system node (hostname anti-affinity): at most systemPool.minSize. */
    controllerReplicas: z.number(),
  }),
  /** Exact versions of the cluster's Helm charts (where each comes from: CHARTS in constructs/training-cluster/versions.ts). */
  // Each an exact version; what each may be is chartVersionProblems' check (in checkTraining).
  charts: z.strictObject(Object.fromEntries(CHART_NAMES.map((name) => [name, z.string()])) as Record<(typeof CHART_NAMES)[number], z.ZodString>),
  /** GPU metrics (DCGM, Kueue, Karpenter) scraped into Amazon Managed Service for Prometheus, and the alerts on them. */
  // Types here; what each value may be is the PrometheusWorkspace construct's check (prometheusWorkspaceProblems, in checkTraining).
  observability: z.strictObject({
    /** How often the managed collector scrapes, whole seconds 30-300. */
    scrapeIntervalSeconds: z.number(),
    alerts: z.strictObject({
      /** A GPU allocated to a pod counts as idle below this utilization, percent (above 0, at most 100). */
      idleGpuUtilPercent: z.number(),
      /** For how long an allocated GPU stays idle before the alert fires, whole minutes 1-1440. */
      idleForMinutes: z.number(),
      /** For how long a queue holds pending workloads and admits none before the alert fires, whole minutes 1-1440. */
      pendingForMinutes: z.number(),
      /** For how long node launches fail while pods wait before the alert fires, whole minutes 1-1440. */
      launchFailureForMinutes: z.number(),
    }),
  }),
  teams: z.array(teamSchema),
});

export type TrainingConfig = z.output<typeof trainingSchema>;


/**
 * The system pool's node group is `<cluster>-system` and the CPU pool's NodePool `cpu`: a GPU pool of either name
 * would collide with another construct's object. (Kueue's flavor and the device plugin's default entry are those
 * constructs' own checks.)
 */
const RESERVED_POOL_NAMES = ["system", CPU_POOL_NAME];

/** Rules of the training section that relate several fields, or the environment's protection and account. */
export function checkTraining(training: unknown, environment: { readonly isProtected: boolean; readonly accountId?: string }, add: AddProblem): void {
  const { isProtected, accountId } = environment;
  if (typeof training !== "object" || training === null) return;
  const t = training as Loose<TrainingConfig>;
  const at = (...path: (string | number)[]) => ["training", ...path];

  const addons = (objectOrUndefined(t.addons) ?? {}) as Loose<TrainingConfig["addons"]>;
  const roles = objectOrUndefined(t.access) as Loose<TrainingConfig["access"]> | undefined;
  const apiAccess = objectOrUndefined(t.apiAccess) as Loose<TrainingConfig["apiAccess"]> | undefined;
  const system = objectOrUndefined(t.systemPool) as Loose<TrainingConfig["systemPool"]> | undefined;
  const systemTyped = system && stringsOrUndefined(system.instanceTypes) && [system.minSize, system.maxSize, system.diskSizeGiB].every((n) => numberOrUndefined(n) !== undefined);
  // The GpuTrainingCluster construct's own checks, on the fields that have their types (the schema reports the others).
  const clusterProps = {
    kubernetesVersion: stringOrUndefined(t.kubernetesVersion),
    nodeAmiReleaseVersion: stringOrUndefined(t.nodeAmiReleaseVersion),
    addonVersions: { kubeProxy: stringOrUndefined(addons.kubeProxy), coreDns: stringOrUndefined(addons.coreDns) },
    systemPool: systemTyped ? (system as TrainingConfig["systemPool"]) : undefined,
    publicApiCidrs: stringsOrUndefined(t.publicApiCidrs),
    apiAccess: { cidrs: stringsOrUndefined(apiAccess?.cidrs), securityGroupIds: stringsOrUndefined(apiAccess?.securityGroupIds) },
    adminRoleArns: stringsOrUndefined(roles?.adminRoleArns),
    readOnlyRoleArns: stringsOrUndefined(roles?.readOnlyRoleArns),
  };
  addPropsProblems(trainingClusterProblems(clusterProps, accountId), ["training"], add, {
    addonVersions: ["addons"],
    adminRoleArns: ["access", "adminRoleArns"],
    readOnlyRoleArns: ["access", "readOnlyRoleArns"],
  });
  const observability = objectOrUndefined(t.observability) as Loose<TrainingConfig["observability"]> | undefined;
  const alerts = (objectOrUndefined(observability?.alerts) ?? {}) as Loose<TrainingConfig["observability"]["alerts"]>;
  const workspaceProps = {
    scrapeIntervalSeconds: numberOrUndefined(observability?.scrapeIntervalSeconds),
    alerts: {
      idleGpuUtilPercent: numberOrUndefined(alerts.idleGpuUtilPercent),
      idleForMinutes: numberOrUndefined(alerts.idleForMinutes),
      pendingForMinutes: numberOrUndefined(alerts.pendingForMinutes),
      launchFailureForMinutes: numberOrUndefined(alerts.launchFailureForMinutes),
    },
  };
  addPropsProblems(prometheusWorkspaceProblems(workspaceProps), ["training", "observability"], add);
  if (isProtected && Array.isArray(t.publicApiCidrs) && t.publicApiCidrs.length > 0) {
    add(at("publicApiCidrs"), "a protected environment keeps the API endpoint private; remove these CIDRs and reach the API from inside the VPC");
  }

  const access = apiAccess;
  const accessCidrs = Array.isArray(access?.cidrs) ? (access.cidrs as unknown[]) : [];
  const runner = objectOrUndefined(t.deployRunner) as Loose<NonNullable<TrainingConfig["deployRunner"]>> | undefined;
  if (runner && typeof runner.repositoryUrl === "string" && typeof runner.connectionArn === "string") {
    addPropsProblems(deployRunnerProblems({ repositoryUrl: runner.repositoryUrl, connectionArn: runner.connectionArn }, accountId), at("deployRunner"), add);
  }
  const privateOnly = Array.isArray(t.publicApiCidrs) && t.publicApiCidrs.length === 0;
  const securityGroups = Array.isArray(access?.securityGroupIds) ? access.securityGroupIds.length : 0;
  if (privateOnly && access && accessCidrs.length === 0 && securityGroups === 0 && !runner) {
    add(
      at("apiAccess"),
      "the API endpoint is private and nothing may reach it (the cluster security group admits only itself): add training.deployRunner, or the networks (apiAccess.cidrs) or security groups (apiAccess.securityGroupIds) that deploy and operate the cluster",
    );
  }

  const karpenter = objectOrUndefined(t.karpenter) as Loose<TrainingConfig["karpenter"]> | undefined;
  addPropsProblems(karpenterProblems({ replicas: numberOrUndefined(karpenter?.controllerReplicas) }), at("karpenter"), add, { replicas: ["controllerReplicas"] });
  if (karpenter && isCount(karpenter.controllerReplicas) && system && isCount(system.minSize) && system.minSize >= 1 && karpenter.controllerReplicas > system.minSize) {
    add(
      at("karpenter", "controllerReplicas"),
      `is ${karpenter.controllerReplicas}, above systemPool.minSize ${system.minSize}; Karpenter runs one replica per system node (hostname anti-affinity), so the extra ones would stay Pending. Lower the replicas or raise systemPool.minSize`,
    );
  }
  const charts = objectOrUndefined(t.charts) as Record<string, unknown> | undefined;
  if (charts) {
    const versions = Object.fromEntries(CHART_NAMES.flatMap((name) => (typeof charts[name] === "string" ? [[name, charts[name]]] : [])));
    // A Kubernetes version of the wrong type leaves only the versions' form to judge.
    addPropsProblems(chartVersionProblems(stringOrUndefined(t.kubernetesVersion) ?? "", versions), at("charts"), add);
  }

  const ceiling = isCount(t.maxNodesPerGpuPool) && t.maxNodesPerGpuPool > 0 ? t.maxNodesPerGpuPool : undefined;
  const pools = objectsIn(t.gpuPools) as Loose<TrainingConfig["gpuPools"][number]>[];
  /**
   * `nvidia.com/gpu` units each named pool can reach (units per node × maxSize), or undefined when the
   * pool's own problems leave it unknown: its quota line would then mislead, so it is not judged.
   */
  // The CpuNodePool and GpuNodePools constructs' own checks, on the fields that have their types (the schema reports the others).
  const cpuPool = objectOrUndefined(t.cpuPool) as Loose<TrainingConfig["cpuPool"]> | undefined;
  if (cpuPool) {
    const cpuProps = { instanceTypes: stringsOrUndefined(cpuPool.instanceTypes), maxSize: numberOrUndefined(cpuPool.maxSize), diskSizeGiB: numberOrUndefined(cpuPool.diskSizeGiB) };
    addPropsProblems(cpuPoolProblems(cpuProps), at("cpuPool"), add);
  }
  const poolCapacity = new Map<string, number | undefined>();
  const duplicatePools = duplicatePositions(pools.map((pool) => pool?.name));
  pools.forEach((pool, i) => {
    if (!pool) return;
    if (ceiling !== undefined && isCount(pool.maxSize) && pool.maxSize > ceiling) {
      add(at("gpuPools", i, "maxSize"), `is ${pool.maxSize}; above maxNodesPerGpuPool (${ceiling}). Raise the ceiling on purpose if you mean it`);
    }
    if (duplicatePools.includes(i)) add(at("gpuPools", i, "name"), `"${pool.name}" is used by another GPU pool`);
    // The unknown-field message says "did you mean maxSize?"; the migration needs the reason.
    if ("minSize" in pool) add(at("gpuPools", i, "minSize"), "was removed with the node groups: Karpenter starts GPU nodes for waiting pods and removes empty ones, so every pool scales from zero; delete the field");
    if (typeof pool.name === "string" && RESERVED_POOL_NAMES.includes(pool.name)) {
      const owner = pool.name === "system" ? "the system pool's name (its node group would collide)" : "the CPU pool's name (its NodePool would collide)";
      add(at("gpuPools", i, "name"), `"${pool.name}" is ${owner}; name the GPU pool otherwise`);
    }
    const types = stringsOrUndefined(pool.instanceTypes);
    const sharing = validSharing(pool.sharing);
    addPropsProblems(gpuPoolProblems({ instanceTypes: types, sharing, maxSize: numberOrUndefined(pool.maxSize), diskSizeGiB: numberOrUndefined(pool.diskSizeGiB) }), at("gpuPools", i), add);
    if (typeof pool.name === "string" && !duplicatePools.includes(i)) {
      const units = sharing && types ? gpuUnitsPerNode(types, sharing) : undefined;
      poolCapacity.set(pool.name, units !== undefined && isCount(pool.maxSize) ? units * pool.maxSize : undefined);
    }
  });

  const teams = objectsIn(t.teams) as Loose<TrainingConfig["teams"][number]>[];
  duplicatePositions(teams.map((team) => team?.name)).forEach((i) => add(at("teams", i, "name"), `"${teams[i]!.name}" is used by another team`));
  // Team roles are named from the team name with runs of non-alphanumerics folded: "a-b" and "a--b" give one role.
  const roleParts = teams.map((team) => (typeof team?.name === "string" && team.name !== "" ? resourceName([team.name], { maxLength: 64 }) : undefined));
  roleParts.forEach((part, i) => {
    const first = roleParts.indexOf(part);
    if (part !== undefined && first < i && teams[first]?.name !== teams[i]?.name) {
      add(at("teams", i, "name"), `"${teams[i]!.name}" gives the same IAM role name as team "${teams[first]!.name}"; rename one`);
    }
  });
  // The TeamNamespace construct's own checks (a namespace Kubernetes keeps, quantities), on names the schema accepts.
  teams.forEach((team, i) => {
    const teamProps = {
      team: kubernetesName.safeParse(team?.name).success ? (team!.name as string) : undefined,
      cpuQuota: stringOrUndefined(team?.cpuQuota),
      memoryQuota: stringOrUndefined(team?.memoryQuota),
    };
    addPropsProblems(teamNamespaceProblems(teamProps), at("teams", i), add, { team: ["name"] });
  });
  // The KueueQueues construct's own checks: quotas in pools that exist, within their capacity, lending within quota.
  const queuePools = pools.flatMap((pool, i) => (typeof pool?.name === "string" ? [{ index: i, name: pool.name, capacity: poolCapacity.get(pool.name) }] : []));
  const queueTeams = teams.map((team) => ({
    name: stringOrUndefined(team?.name) ?? "",
    gpuQuotas: Object.fromEntries(Object.entries(objectOrUndefined(team?.gpuQuotas) ?? {}).map(([pool, quota]) => [pool, isCount(quota) ? quota : 0])),
    gpuLendingLimit: isCount(team?.gpuLendingLimit) ? team.gpuLendingLimit : undefined,
  }));
  // The NvidiaDevicePlugin construct's own check: no pool takes its default configuration's name.
  for (const problem of [...kueueQueueProblems(queuePools, queueTeams), ...devicePluginProblems(queuePools)]) {
    // Pools are listed by name only: a problem at `pools.<k>` is at that pool's position in gpuPools.
    const [list, k, ...rest] = problem.path.split(".");
    const path = list === "pools" ? ["gpuPools", queuePools[Number(k)].index, ...rest] : problem.path.split(".").map((part: string) => (/^\d+$/.test(part) ? Number(part) : part));
    add(at(...path), problem.message);
  }
}

/** The pool's sharing when it is well-formed enough to judge (the schema reports the rest). */
function validSharing(value: unknown): GpuSharing | undefined {
  const sharing = objectOrUndefined(value) as { mode?: unknown; replicas?: unknown; profile?: unknown } | undefined;
  if (sharing?.mode === "none") return { mode: "none" };
  if (sharing?.mode === "timeSlicing" && typeof sharing.replicas === "number" && Number.isFinite(sharing.replicas)) return { mode: "timeSlicing", replicas: sharing.replicas };
  if (sharing?.mode === "mig" && typeof sharing.profile === "string") return { mode: "mig", profile: sharing.profile };
  return undefined;
}

/** A GPU pool's disruption settings, its own or the defaults. */
export function gpuPoolDisruption(pool: Pick<TrainingConfig["gpuPools"][number], "disruption">): NonNullable<TrainingConfig["gpuPools"][number]["disruption"]> {
  return pool.disruption ?? DEFAULT_POOL_DISRUPTION;
}

/** `nvidia.com/gpu` units a pool can reach: units per node × maxSize (0 when the pool is invalid, which the schema refuses). */
export function gpuPoolCapacity(pool: Pick<TrainingConfig["gpuPools"][number], "instanceTypes" | "sharing" | "maxSize">): number {
  return (gpuUnitsPerNode(pool.instanceTypes, pool.sharing) ?? 0) * pool.maxSize;
}
