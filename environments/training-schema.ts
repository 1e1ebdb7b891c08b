import { z } from "zod";
import { addressesCovered, parseCidr } from "../constructs/core/cidr";
import { resourceName } from "../constructs/core/naming";
import { deployRunnerProblems } from "../constructs/training-cluster/deploy-runner";
import { gpusPerInstance } from "../constructs/training-cluster/gpu-instances";
import { CONTROL_PLANE_LOG_TYPES, SUPPORTED_KUBERNETES_VERSIONS, versionMismatchProblems } from "../constructs/training-cluster/versions";
import { KUBERNETES_QUANTITY } from "../constructs/training-cluster/workloads/team-namespace";
import { AddProblem, Loose, duplicatePositions, isCount, objectOrUndefined, objectsIn } from "./rule-helpers";

const kubernetesName = z.string().regex(/^[a-z]([a-z0-9-]{0,30}[a-z0-9])?$/, {
  error: "must be 1-32 lowercase letters, digits and inner hyphens, starting with a letter (a Kubernetes-safe name)",
});
const count = z.number().int({ error: "must be a whole number" }).nonnegative({ error: "must be 0 or more" });
const imageTag = z.string().regex(/^v?\d+\.\d+\.\d+$/, { error: "must be a pinned release such as v1.2.3 (never latest)" });
const iamRoleArn = z.string().regex(/^arn:aws:iam::\d{12}:role\/[\w+=,.@/-]+$/, { error: "must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)" });
const quantity = z.string().regex(KUBERNETES_QUANTITY, { error: "must be a Kubernetes quantity such as 64, 500m, 1G or 256Gi" });

const scaling = {
  /** Nodes the pool never goes below. */
  minSize: count,
  /** Nodes the pool never goes above; at least 1 (EKS refuses an empty node group). */
  maxSize: z.number().int({ error: "must be a whole number" }).positive({ error: "must be at least 1" }),
  /** Root volume size of each node, GiB (encrypted gp3). */
  diskSizeGiB: z.number().int().min(20, { error: "must be at least 20 GiB" }).max(16384, { error: "must be at most 16384 GiB" }),
};

const systemPoolSchema = z.strictObject({
  /** Instance types for cluster services (CoreDNS, autoscaler); on-demand. */
  instanceTypes: z.array(z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: "must be an EC2 instance type such as m6i.large" })).min(1),
  ...scaling,
});

const gpuPoolSchema = z.strictObject({
  name: kubernetesName,
  /** GPU instance types, all with the same number of GPUs. */
  instanceTypes: z.array(z.string()).min(1, { error: "must list at least one GPU instance type" }),
  capacityType: z.enum(["ON_DEMAND", "SPOT"]),
  ...scaling,
});

const teamSchema = z.strictObject({
  /** Also the team's namespace. */
  name: kubernetesName,
  /** GPUs the team's pods may request at once (ResourceQuota requests.nvidia.com/gpu). */
  gpuQuota: count,
  /** CPU the team's pods may request at once. */
  cpuQuota: quantity,
  /** Memory the team's pods may request at once. */
  memoryQuota: quantity,
});

export const trainingSchema = z.strictObject({
  /** EKS Kubernetes version (minor), e.g. "1.33". */
  kubernetesVersion: z.enum(SUPPORTED_KUBERNETES_VERSIONS),
  /** EKS-optimized AMI release of the nodes, e.g. "1.33.0-20251104"; pins node images so upgrades are reviewed. */
  nodeAmiReleaseVersion: z.string().regex(/^\d+\.\d+\.\d+-\d{8}$/, { error: "must be an EKS AMI release such as 1.33.0-20251104" }),
  /** CIDRs allowed to reach the public API endpoint. Empty: the endpoint is private only (required when protected). */
  publicApiCidrs: z.array(z.string()),
  /**
   * Who reaches the private API endpoint on HTTPS from the network: ranges (a VPN, a runner subnet) and
   * security groups. The cluster security group admits only itself, so a private endpoint needs one of
   * these or the deploy runner.
   */
  apiAccess: z.strictObject({
    cidrs: z.array(z.string()),
    securityGroupIds: z.array(z.string().regex(/^sg-[0-9a-f]{8,17}$/, { error: "must be a security group id such as sg-0123456789abcdef0" })),
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
  access: z.strictObject({ adminRoleArns: z.array(iamRoleArn), readOnlyRoleArns: z.array(iamRoleArn) }),
  /** EKS managed add-on versions. */
  addons: z.strictObject({
    vpcCni: z.string().min(1),
    coreDns: z.string().min(1),
    kubeProxy: z.string().min(1),
    ebsCsiDriver: z.string().min(1),
  }),
  systemPool: systemPoolSchema,
  gpuPools: z.array(gpuPoolSchema),
  /** The most nodes any one GPU pool may reach: a guard against a typo that would buy a fleet. */
  maxNodesPerGpuPool: z.number().int().positive({ error: "must be a positive whole number" }),
  /** Image tags of the cluster's own workloads. */
  images: z.strictObject({ nvidiaDevicePlugin: imageTag, clusterAutoscaler: imageTag }),
  teams: z.array(teamSchema),
});

export type TrainingConfig = z.output<typeof trainingSchema>;


/** Namespaces Kubernetes makes itself: a team namespace of that name would take over the cluster's own. */
const RESERVED_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"];
/** The system pool's node group is `<cluster>-system`: a GPU pool of that name would collide with it. */
const SYSTEM_POOL_NAME = "system";
/** EKS's quota of public access CIDR blocks per cluster (Amazon EKS User Guide, "Service quotas"). */
const MAX_PUBLIC_ACCESS_CIDRS = 40;
/** The most of the IPv4 space the public API may open to, all ranges together: a /8. */
const MAX_PUBLIC_ADDRESSES = 2 ** 24;

/** Rules of the training section that relate several fields, or the environment's protection and account. */
export function checkTraining(training: unknown, environment: { readonly isProtected: boolean; readonly accountId?: string }, add: AddProblem): void {
  const { isProtected, accountId } = environment;
  if (typeof training !== "object" || training === null) return;
  const t = training as Loose<TrainingConfig>;
  const at = (...path: (string | number)[]) => ["training", ...path];

  if (Array.isArray(t.publicApiCidrs)) {
    t.publicApiCidrs.forEach((cidr, i) => {
      if (typeof cidr !== "string") return; // the schema reports the type
      const parsed = parseCidr(cidr);
      if (!parsed) add(at("publicApiCidrs", i), `is ${JSON.stringify(cidr)}; must be an IPv4 CIDR`);
      else if (parsed.prefixLength === 0) add(at("publicApiCidrs", i), "0.0.0.0/0 opens the API to the internet; list your networks");
    });
    const ranges = t.publicApiCidrs.map((cidr) => (typeof cidr === "string" ? parseCidr(cidr) : undefined)).filter((r) => r !== undefined);
    // 0.0.0.0/0 itself is reported above; the sum is for the internet opened in pieces.
    const open = addressesCovered(ranges.filter((r) => r.prefixLength > 0));
    if (t.publicApiCidrs.length > MAX_PUBLIC_ACCESS_CIDRS) {
      add(at("publicApiCidrs"), `lists ${t.publicApiCidrs.length} ranges; EKS allows at most ${MAX_PUBLIC_ACCESS_CIDRS} per cluster`);
    } else if (open > MAX_PUBLIC_ADDRESSES) {
      add(at("publicApiCidrs"), `together open the API to ${open.toLocaleString("en-US")} addresses (${((open / 2 ** 32) * 100).toFixed(1)} % of the internet); list your networks, a /8 at most in all`);
    }
    if (isProtected && t.publicApiCidrs.length > 0) {
      add(at("publicApiCidrs"), "a protected environment keeps the API endpoint private; remove these CIDRs and reach the API from inside the VPC");
    }
  }

  const roles = objectOrUndefined(t.access) as Loose<TrainingConfig["access"]> | undefined;
  // EKS keeps one access entry per principal; a role in another account is a copied file's leftover.
  const seenRoles = new Map<string, string>();
  for (const list of ["adminRoleArns", "readOnlyRoleArns"] as const) {
    const arns: unknown[] = Array.isArray(roles?.[list]) ? (roles[list] as unknown[]) : [];
    arns.forEach((arn, i) => {
      if (typeof arn !== "string") return;
      const earlier = seenRoles.get(arn);
      if (earlier) add(at("access", list, i), `${arn} is already in ${earlier}; EKS allows one access entry per principal, so give each role one level`);
      else seenRoles.set(arn, `access.${list}`);
      const roleAccount = /^arn:aws:iam::(\d{12}):/.exec(arn)?.[1];
      if (accountId && roleAccount && roleAccount !== accountId) add(at("access", list, i), `is a role of account ${roleAccount}, not this environment's ${accountId}`);
    });
  }

  // An unsupported version is the schema's to report; what goes with it cannot be judged.
  if (typeof t.kubernetesVersion === "string" && (SUPPORTED_KUBERNETES_VERSIONS as readonly string[]).includes(t.kubernetesVersion)) {
    const addons = (objectOrUndefined(t.addons) ?? {}) as Loose<TrainingConfig["addons"]>;
    const text = (value: unknown) => (typeof value === "string" ? value : undefined);
    const problems = versionMismatchProblems({
      kubernetesVersion: t.kubernetesVersion,
      nodeAmiReleaseVersion: text(t.nodeAmiReleaseVersion),
      kubeProxy: text(addons.kubeProxy),
      coreDns: text(addons.coreDns),
    });
    for (const problem of problems) add(problem.field === "nodeAmiReleaseVersion" ? at(problem.field) : at("addons", problem.field), problem.message);
  }

  const access = objectOrUndefined(t.apiAccess) as Loose<TrainingConfig["apiAccess"]> | undefined;
  const accessCidrs = Array.isArray(access?.cidrs) ? (access.cidrs as unknown[]) : [];
  accessCidrs.forEach((cidr, i) => {
    if (typeof cidr !== "string") return; // the schema reports the type
    const parsed = parseCidr(cidr);
    if (!parsed) add(at("apiAccess", "cidrs", i), `is ${JSON.stringify(cidr)}; must be an IPv4 CIDR`);
    else if (parsed.prefixLength < 8) add(at("apiAccess", "cidrs", i), `${cidr} is wider than a /8; list the networks that deploy and operate the cluster`);
  });
  const runner = objectOrUndefined(t.deployRunner) as Loose<NonNullable<TrainingConfig["deployRunner"]>> | undefined;
  if (runner && typeof runner.repositoryUrl === "string" && typeof runner.connectionArn === "string") {
    const problems = deployRunnerProblems({ repositoryUrl: runner.repositoryUrl, connectionArn: runner.connectionArn });
    for (const problem of problems) add(at("deployRunner", problem.field), problem.message);
    // A connection belongs to one account: a copied file's would make CodeBuild refuse the project.
    const connectionAccount = /^arn:aws:[a-z-]+:[a-z0-9-]+:(\d{12}):/.exec(runner.connectionArn)?.[1];
    if (accountId && connectionAccount && connectionAccount !== accountId && !problems.some((p) => p.field === "connectionArn")) {
      add(at("deployRunner", "connectionArn"), `is a connection of account ${connectionAccount}, not this environment's ${accountId}; make one in this account`);
    }
  }
  const privateOnly = Array.isArray(t.publicApiCidrs) && t.publicApiCidrs.length === 0;
  const securityGroups = Array.isArray(access?.securityGroupIds) ? access.securityGroupIds.length : 0;
  if (privateOnly && access && accessCidrs.length === 0 && securityGroups === 0 && !runner) {
    add(
      at("apiAccess"),
      "the API endpoint is private and nothing may reach it (the cluster security group admits only itself): add training.deployRunner, or the networks (apiAccess.cidrs) or security groups (apiAccess.securityGroupIds) that deploy and operate the cluster",
    );
  }

  const system = objectOrUndefined(t.systemPool) as Loose<TrainingConfig["systemPool"]> | undefined;
  if (system) checkMinMax(system, at("systemPool"), add);
  if (system && isCount(system.minSize) && system.minSize < 1) {
    add(at("systemPool", "minSize"), "is 0; the system pool runs cluster services and must keep at least 1 node");
  }

  const ceiling = isCount(t.maxNodesPerGpuPool) && t.maxNodesPerGpuPool > 0 ? t.maxNodesPerGpuPool : undefined;
  const pools = objectsIn(t.gpuPools) as Loose<TrainingConfig["gpuPools"][number]>[];
  // Undefined as soon as one pool's GPUs are unknown: its own problems are reported, and a quota
  // line computed without it would mislead.
  let reachableGpus: number | undefined = 0;
  const duplicatePools = duplicatePositions(pools.map((pool) => pool?.name));
  pools.forEach((pool, i) => {
    if (!pool) return;
    checkMinMax(pool, at("gpuPools", i), add);
    if (ceiling !== undefined && isCount(pool.maxSize) && pool.maxSize > ceiling) {
      add(at("gpuPools", i, "maxSize"), `is ${pool.maxSize}; above maxNodesPerGpuPool (${ceiling}). Raise the ceiling on purpose if you mean it`);
    }
    if (duplicatePools.includes(i)) add(at("gpuPools", i, "name"), `"${pool.name}" is used by another GPU pool`);
    if (pool.name === SYSTEM_POOL_NAME) add(at("gpuPools", i, "name"), `"${SYSTEM_POOL_NAME}" is the system pool's name (its node group would collide); name the GPU pool otherwise`);
    const types = Array.isArray(pool.instanceTypes) ? (pool.instanceTypes as unknown[]) : [];
    const counts = new Set<number>();
    types.forEach((type, j) => {
      if (typeof type !== "string") return; // the schema reports the type
      const gpus = gpusPerInstance(type);
      if (gpus === undefined) {
        add(at("gpuPools", i, "instanceTypes", j), `${JSON.stringify(type)} is not a GPU instance type; use a g4dn, g5, g6, g6e, p3, p4d, p4de, p5, p5e or p5en size`);
      } else counts.add(gpus);
    });
    if (counts.size > 1) {
      add(at("gpuPools", i, "instanceTypes"), `mixes instances with ${[...counts].sort().join(" and ")} GPUs; one pool needs one GPU count so the autoscaler knows what a new node brings`);
    }
    const known = counts.size === 1 && types.every((type) => typeof type === "string" && gpusPerInstance(type) !== undefined);
    reachableGpus = known && isCount(pool.maxSize) && reachableGpus !== undefined ? reachableGpus + [...counts][0] * pool.maxSize : undefined;
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
  teams.forEach((team, i) => {
    if (typeof team?.name === "string" && RESERVED_NAMESPACES.includes(team.name)) {
      add(at("teams", i, "name"), `"${team.name}" is a namespace Kubernetes keeps for itself; name the team otherwise`);
    }
  });
  const quotaSum = teams.reduce((sum, team) => sum + (isCount(team?.gpuQuota) ? team.gpuQuota : 0), 0);
  if (reachableGpus !== undefined && quotaSum > reachableGpus) {
    add(at("teams"), `GPU quotas add up to ${quotaSum} but the GPU pools can reach only ${reachableGpus} GPUs; lower the quotas or raise a pool's maxSize`);
  }
}

function checkMinMax(pool: { minSize?: unknown; maxSize?: unknown }, path: (string | number)[], add: AddProblem): void {
  if (isCount(pool.minSize) && isCount(pool.maxSize) && pool.minSize > pool.maxSize) {
    add([...path, "minSize"], `is ${pool.minSize}, above maxSize ${pool.maxSize}; minSize must be <= maxSize`);
  }
}
