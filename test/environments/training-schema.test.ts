import fc from "fast-check";
import { gpuUnitsPerNode, type GpuSharing } from "../../constructs/training-cluster/gpu-instances";
import { dev } from "../../environments/dev";
import { environmentInputs } from "../../environments/inputs";
import { prod } from "../../environments/prod";
import { parseEnvironment, parseEnvironments, type EnvironmentInput } from "../../environments/schema";
import { gpuPoolCapacity, gpuPoolDisruption } from "../../environments/training-schema";
import { kueueQueueObjects } from "../../constructs/training-cluster/workloads/kueue-queues";
import { type Draft, configError, mutated, problemLines } from "../support/config-errors";

const NOT_A_GPU = "is not a GPU instance type; use a g4dn, g5, g6, g6e, p3, p4d, p4de, p5, p5e or p5en size";
const MIXED = "GPUs; one pool needs one GPU count so its capacity (Kueue quotas, NodePool limits) is exact";
const TEAM_NAME_MESSAGE = "must be 1-32 lowercase letters, digits and inner hyphens, starting with a letter (a Kubernetes-safe name)";
const POOL_FIELDS = "name, instanceTypes, capacityType, maxSize, diskSizeGiB, sharing, disruption";
const PRIVATE_API_MESSAGE =
  "a protected environment keeps the API endpoint private; remove these CIDRs and reach the API from inside the VPC";

interface PoolShape {
  readonly name: string;
  readonly instanceTypes: readonly string[];
  readonly maxSize: number;
  readonly sharing: GpuSharing;
}

/** `nvidia.com/gpu` units a pool can reach: units per node × maxSize. */
function capacity(pool: PoolShape): number {
  const units = gpuUnitsPerNode(pool.instanceTypes, pool.sharing);
  if (units === undefined) throw new Error(`pool ${JSON.stringify(pool)} has no single unit count`);
  return units * pool.maxSize;
}

function quotasMessage(pool: string, sum: number, reachable: number): string {
  return `GPU quotas in pool "${pool}" add up to ${sum} but the pool can reach only ${reachable} GPU units (units per node × maxSize); quotas cannot exceed capacity: lower them or raise the pool's maxSize`;
}

/** Σ of the teams' quotas in one pool. */
function quotaIn(teams: readonly { gpuQuotas: Record<string, number> }[], pool: string): number {
  return teams.reduce((sum, team) => sum + (team.gpuQuotas[pool] ?? 0), 0);
}

describe("shipped training sections", () => {
  test("every shipped environment's training section parses and comes back unchanged", () => {
    const configs = parseEnvironments(environmentInputs);
    configs.forEach((config, i) => expect(config.training).toEqual((environmentInputs[i] as EnvironmentInput).training));
  });

  test("prod's API endpoint is private", () => {
    expect(parseEnvironment(prod).training.publicApiCidrs).toEqual([]);
  });

  test("prod's pool capacities and quotas are what these tests assume", () => {
    // a10g-4gpu 4 × 4, l4-spot 8 × 1, h100 2 × 8.
    expect(prod.training.gpuPools.map(capacity)).toEqual([16, 8, 16]);
    expect(prod.training.gpuPools.map((pool) => quotaIn(prod.training.teams, pool.name))).toEqual([12, 8, 16]);
  });

  test("at least one shipped environment shares GPUs, and every shipped quota fits its pool", () => {
    const envs = parseEnvironments(environmentInputs);
    expect(envs.some((env) => env.training.gpuPools.some((pool) => pool.sharing.mode !== "none"))).toBe(true);
    expect(dev.training.gpuPools[0].sharing).toEqual({ mode: "timeSlicing", replicas: 4 });
    for (const env of envs) {
      for (const pool of env.training.gpuPools) expect(quotaIn(env.training.teams, pool.name)).toBeLessThanOrEqual(capacity(pool));
    }
  });
});

describe("GPU pools", () => {
  test("a non-GPU instance type", () => {
    // l4-spot keeps g6.xlarge, so the pool still counts toward reachable GPUs.
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[1].instanceTypes[1] = "m6i.large")))).toEqual([
      `prod: training.gpuPools.1.instanceTypes.1: "m6i.large" ${NOT_A_GPU}`,
    ]);
  });

  test("an unknown size of a GPU family", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].instanceTypes[1] = "g5.3xlarge")))).toEqual([
      `prod: training.gpuPools.0.instanceTypes.1: "g5.3xlarge" ${NOT_A_GPU}`,
    ]);
  });

  test("instance types with different GPU counts in one pool", () => {
    // No quota line: what a mixed pool can reach is unknown, and a number without it would mislead.
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].instanceTypes = ["g5.xlarge", "g5.12xlarge"])))).toEqual([
      `prod: training.gpuPools.0.instanceTypes: mixes instances with 1 and 4 ${MIXED}`,
    ]);
  });

  test("instance types with different GPU counts in a dev pool", () => {
    expect(problemLines(mutated(dev, (c) => (c.training.gpuPools[0].instanceTypes = ["g5.xlarge", "g5.12xlarge"])))).toEqual([
      `dev: training.gpuPools.0.instanceTypes: mixes instances with 1 and 4 ${MIXED}`,
    ]);
  });

  test("minSize is gone: Karpenter pools scale from zero", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].minSize = 0)))).toEqual([
      `prod: training.gpuPools.0.minSize: unknown field "minSize"; allowed: ${POOL_FIELDS}. Did you mean "maxSize"?`,
      "prod: training.gpuPools.0.minSize: was removed with the node groups: Karpenter starts GPU nodes for waiting pods and removes empty ones, so every pool scales from zero; delete the field",
    ]);
  });

  test("maxSize above maxNodesPerGpuPool", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[2].maxSize = 9)))).toEqual([
      "prod: training.gpuPools.2.maxSize: is 9; above maxNodesPerGpuPool (8). Raise the ceiling on purpose if you mean it",
    ]);
  });

  test("maxSize at maxNodesPerGpuPool is accepted", () => {
    expect(parseEnvironment(mutated(prod, (c) => (c.training.gpuPools[2].maxSize = 8))).training.gpuPools[2].maxSize).toBe(8);
  });

  test("maxSize 0", () => {
    // The pool then brings no GPUs, so prod's quotas there no longer fit: a true consequence, reported too.
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[2].maxSize = 0)))).toEqual([
      "prod: training.gpuPools.2.maxSize: is 0; must be a whole number of nodes, at least 1",
      `prod: training.teams: ${quotasMessage("h100", 16, 0)}`,
    ]);
  });

  test("a root volume over gp3's 16384 GiB", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].diskSizeGiB = 20000)))).toEqual([
      "prod: training.gpuPools.0.diskSizeGiB: is 20000; it must be whole GiB 20-16384 (the node AMI's root volume needs 20)",
    ]);
  });

  test("duplicate pool names", () => {
    // The teams' l4-spot quotas then name no pool: a true consequence, reported too.
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[1].name = "a10g-4gpu")))).toEqual([
      'prod: training.gpuPools.1.name: "a10g-4gpu" is used by another GPU pool',
      ...[0, 1, 2].map((i) => `prod: training.teams.${i}.gpuQuotas.l4-spot: names no GPU pool; the pools are "a10g-4gpu", "h100"`),
    ]);
  });

  test("a typo key gets a suggestion", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].maxSise = 6)))).toEqual([
      `prod: training.gpuPools.0.maxSise: unknown field "maxSise"; allowed: ${POOL_FIELDS}. Did you mean "maxSize"?`,
    ]);
  });

  test("a typo key in place of maxSize: the field is also missing", () => {
    const input = mutated(prod, (c) => {
      c.training.gpuPools[0].maxSise = c.training.gpuPools[0].maxSize;
      delete c.training.gpuPools[0].maxSize;
    });
    expect(problemLines(input)).toEqual([
      "prod: training.gpuPools.0.maxSize: is missing; expected a number",
      `prod: training.gpuPools.0.maxSise: unknown field "maxSise"; allowed: ${POOL_FIELDS}. Did you mean "maxSize"?`,
    ]);
  });
});

describe("system pool", () => {
  test("minSize above maxSize", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.systemPool.minSize = 7)))).toEqual([
      "prod: training.systemPool.minSize: is 7, above maxSize 6; minSize must be <= maxSize",
    ]);
  });

  test("minSize 0: the system pool would reach zero", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.systemPool.minSize = 0)))).toEqual([
      "prod: training.systemPool.minSize: is 0; the system pool runs cluster services and must keep at least 1 node",
    ]);
  });

  test("maxSize 0", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.systemPool.maxSize = 0)))).toEqual([
      "prod: training.systemPool.maxSize: is 0; must be at least 1",
      "prod: training.systemPool.minSize: is 3, above maxSize 0; minSize must be <= maxSize",
    ]);
  });

  test.each([10, 20000, 50.5])("a root volume of %p GiB", (size) => {
    expect(problemLines(mutated(prod, (c) => (c.training.systemPool.diskSizeGiB = size)))).toEqual([
      `prod: training.systemPool.diskSizeGiB: is ${size}; it must be whole GiB 20-16384 (the node AMI's root volume needs 20)`,
    ]);
  });

  test("an instance type that is no EC2 type", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.systemPool.instanceTypes = ["m6i"])))).toEqual([
      'prod: training.systemPool.instanceTypes.0: is "m6i"; it must be an EC2 instance type such as m6i.large',
    ]);
  });
});

describe("CPU pool", () => {
  it.each([
    ["a GPU instance type", (c: any) => (c.training.cpuPool.instanceTypes = ["m6i.2xlarge", "g5.xlarge"]),
      ["prod: training.cpuPool.instanceTypes.1: g5.xlarge has GPUs; the CPU pool takes CPU instance types (GPU capacity is the gpuPools')"]],
    ["a name that is no instance type", (c: any) => (c.training.cpuPool.instanceTypes = ["m6i"]),
      ['prod: training.cpuPool.instanceTypes.0: is "m6i"; it must be an EC2 instance type such as m6i.2xlarge']],
    ["no instance type", (c: any) => (c.training.cpuPool.instanceTypes = []), ["prod: training.cpuPool.instanceTypes: lists none; give at least one instance type"]],
    ["maxSize 0", (c: any) => (c.training.cpuPool.maxSize = 0), ["prod: training.cpuPool.maxSize: is 0; must be a whole number of nodes, at least 1"]],
    ["a root volume too small for the AMI", (c: any) => (c.training.cpuPool.diskSizeGiB = 8),
      ["prod: training.cpuPool.diskSizeGiB: is 8; it must be whole GiB 20-16384 (the node AMI's root volume needs 20)"]],
    ["no CPU pool at all", (c: any) => delete c.training.cpuPool, ["prod: training.cpuPool: is missing; expected an object"]],
  ])("refuses %s", (_what, edit, expected) => {
    expect(problemLines(mutated(prod, edit))).toEqual(expected);
  });
});

describe("teams", () => {
  test("GPU quotas above what a pool can reach: quotas cannot exceed capacity, per pool", () => {
    // a10g-4gpu holds 12 of 16: 5 more is one too many, though prod has room in no other pool either.
    const input = mutated(prod, (c) => (c.training.teams[0].gpuQuotas["a10g-4gpu"] += 5));
    expect(problemLines(input)).toEqual([`prod: training.teams: ${quotasMessage("a10g-4gpu", 17, 16)}`]);
  });

  test("GPU quotas exactly at a pool's capacity are accepted", () => {
    const input = mutated(prod, (c) => (c.training.teams[0].gpuQuotas["a10g-4gpu"] += 4));
    expect(quotaIn(parseEnvironment(input).training.teams, "a10g-4gpu")).toBe(16);
  });

  test("spare units in one pool do not cover another's excess", () => {
    // Before, quotas were summed over all pools: 36 of 40 would have let nlp take 2 more L4s.
    const input = mutated(prod, (c) => (c.training.teams[2].gpuQuotas["l4-spot"] += 2));
    expect(problemLines(input)).toEqual([`prod: training.teams: ${quotasMessage("l4-spot", 10, 8)}`]);
  });

  test("time-slicing multiplies a pool's capacity", () => {
    // dev: 2 nodes × 1 GPU × 4 replicas = 8 units, all research's; 9 is too many, and 2 replicas halve it.
    expect(problemLines(mutated(dev, (c) => (c.training.teams[0].gpuQuotas["g5-spot"] = 9)))).toEqual([
      `dev: training.teams: ${quotasMessage("g5-spot", 9, 8)}`,
    ]);
    expect(problemLines(mutated(dev, (c) => (c.training.gpuPools[0].sharing.replicas = 2)))).toEqual([
      `dev: training.teams: ${quotasMessage("g5-spot", 8, 4)}`,
    ]);
  });

  test("MIG multiplies a pool's capacity by the profile's instances per GPU", () => {
    // h100: 2 nodes × 8 GPUs × 7 instances of 1g.10gb = 112 units.
    const input = mutated(prod, (c) => {
      c.training.gpuPools[2].sharing = { mode: "mig", profile: "1g.10gb" };
      c.training.teams[2].gpuQuotas.h100 = 100;
    });
    expect(quotaIn(parseEnvironment(input).training.teams, "h100")).toBe(110);
    const over = mutated(input, (c) => (c.training.teams[2].gpuQuotas.h100 = 103));
    expect(problemLines(over)).toEqual([`prod: training.teams: ${quotasMessage("h100", 113, 112)}`]);
  });

  test("a gpuQuotas key that names no pool", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.teams[1].gpuQuotas["a100"] = 2)))).toEqual([
      'prod: training.teams.1.gpuQuotas.a100: names no GPU pool; the pools are "a10g-4gpu", "l4-spot", "h100"',
    ]);
  });

  test("gpuQuota (one number for all pools) is gone", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.teams[0].gpuQuota = 4)))).toEqual([
      'prod: training.teams.0.gpuQuota: unknown field "gpuQuota"; allowed: name, gpuQuotas, gpuBorrowingLimit, gpuLendingLimit, cpuQuota, memoryQuota. Did you mean "gpuQuotas"?',
    ]);
  });

  test("a quota that is not a whole number", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.teams[0].gpuQuotas.h100 = 1.5)))).toEqual([
      "prod: training.teams.0.gpuQuotas.h100: is 1.5, a number; expected a whole number",
    ]);
  });

  test("lending above the team's quota", () => {
    // vision's largest pool quota is 6 (h100).
    expect(problemLines(mutated(prod, (c) => (c.training.teams[1].gpuLendingLimit = 7)))).toEqual([
      "prod: training.teams.1.gpuLendingLimit: is 7, above the team's largest pool quota (6); a team lends at most its own quota in a pool, so lower it to 6 or less (or leave it out to lend all of it)",
    ]);
    expect(parseEnvironment(mutated(prod, (c) => (c.training.teams[1].gpuLendingLimit = 6))).training.teams[1].gpuLendingLimit).toBe(6);
  });

  test("a team without a borrowing limit", () => {
    expect(problemLines(mutated(prod, (c) => delete c.training.teams[0].gpuBorrowingLimit))).toEqual([
      "prod: training.teams.0.gpuBorrowingLimit: is missing; expected a number",
    ]);
  });

  test("duplicate team names", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.teams[2].name = "vision")))).toEqual([
      'prod: training.teams.2.name: "vision" is used by another team',
    ]);
  });

  test("uppercase team name", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.teams[1].name = "Vision")))).toEqual([
      `prod: training.teams.1.name: is "Vision"; ${TEAM_NAME_MESSAGE}`,
    ]);
  });

  test("a quantity that is not a Kubernetes quantity", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.teams[0].cpuQuota = "lots")))).toEqual([
      'prod: training.teams.0.cpuQuota: is "lots"; must be a Kubernetes quantity such as 64, 500m, 1G or 256Gi',
    ]);
  });
});

describe("GPU sharing", () => {
  test("MIG on a family without MIG", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[1].sharing = { mode: "mig", profile: "1g.10gb" })))).toEqual([
      "prod: training.gpuPools.1.sharing.mode: is mig, but g6 GPUs do not support MIG; MIG needs A100, H100 or H200 instances (p4d, p4de, p5, p5e, p5en), or use timeSlicing",
    ]);
  });

  test("an unknown MIG profile lists the valid ones", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[2].sharing = { mode: "mig", profile: "1g.5gb" })))).toEqual([
      'prod: training.gpuPools.2.sharing.profile: is "1g.5gb", not a MIG profile of p5 GPUs; valid: 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb',
    ]);
  });

  test("a +me MIG profile", () => {
    const lines = problemLines(mutated(prod, (c) => (c.training.gpuPools[2].sharing = { mode: "mig", profile: "1g.10gb+me" })));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^prod: training\.gpuPools\.2\.sharing\.profile: is "1g\.10gb\+me"; \+me \(media extension\) profiles are not supported/);
  });

  test("MIG's mixed strategy", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[2].sharing = { mode: "mixed" })))).toEqual([
      'prod: training.gpuPools.2.sharing.mode: must be "none", "timeSlicing" or "mig" (MIG\'s mixed strategy is not offered: Karpenter cannot provision nodes for nvidia.com/mig-* resources)',
    ]);
  });

  test.each([1, 17])("time-slicing replicas %i", (replicas) => {
    expect(problemLines(mutated(dev, (c) => (c.training.gpuPools[0].sharing.replicas = replicas)))).toEqual([
      `dev: training.gpuPools.0.sharing.replicas: is ${replicas}; time-slicing shares a GPU between 2 and 16 pods (a whole number)`,
    ]);
  });

  test("time-slicing replicas at the bounds are accepted", () => {
    // 2 replicas halve dev's capacity to 4, so research's quota follows.
    const two = mutated(dev, (c) => ((c.training.gpuPools[0].sharing.replicas = 2), (c.training.teams[0].gpuQuotas["g5-spot"] = 4)));
    expect(parseEnvironment(two).training.gpuPools[0].sharing).toEqual({ mode: "timeSlicing", replicas: 2 });
    expect(parseEnvironment(mutated(dev, (c) => (c.training.gpuPools[0].sharing.replicas = 16))).training.gpuPools[0].sharing).toEqual({ mode: "timeSlicing", replicas: 16 });
  });

  test("a pool without sharing", () => {
    expect(problemLines(mutated(prod, (c) => delete c.training.gpuPools[0].sharing))).toEqual([
      "prod: training.gpuPools.0.sharing: is missing; expected an object",
    ]);
  });

  test("typos inside sharing and disruption get suggestions", () => {
    expect(problemLines(mutated(dev, (c) => (c.training.gpuPools[0].sharing.replica = 2)))).toEqual([
      'dev: training.gpuPools.0.sharing.replica: unknown field "replica"; allowed: mode, replicas, profile. Did you mean "replicas"?',
    ]);
    const disruption = { consolidation: "WhenEmpty", consolidateAfter: "10m", expireAfter: "720h", budgets: "1" };
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].disruption = disruption)))).toEqual([
      "prod: training.gpuPools.0.disruption.budget: is missing; expected a string",
      'prod: training.gpuPools.0.disruption.budgets: unknown field "budgets"; allowed: consolidation, consolidateAfter, expireAfter, budget. Did you mean "budget"?',
    ]);
  });

  test("gpuQuotas as one number", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.teams[0].gpuQuotas = 4)))).toEqual(["prod: training.teams.0.gpuQuotas: is 4, a number; expected an object"]);
  });

  test("disruption: defaults when left out, refused when malformed", () => {
    const config = parseEnvironment(prod);
    expect(config.training.gpuPools[0].disruption).toBeUndefined();
    expect(gpuPoolDisruption(config.training.gpuPools[0])).toEqual({ consolidation: "WhenEmpty", consolidateAfter: "10m", expireAfter: "720h", budget: "10%" });
    const custom = { consolidation: "WhenEmptyOrUnderutilized", consolidateAfter: "30m", expireAfter: "Never", budget: "1" };
    expect(parseEnvironment(mutated(prod, (c) => (c.training.gpuPools[0].disruption = custom))).training.gpuPools[0].disruption).toEqual(custom);
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].disruption = { ...custom, consolidateAfter: "10 minutes", budget: "150%" })))).toEqual([
      'prod: training.gpuPools.0.disruption.consolidateAfter: is "10 minutes"; must be a duration such as 30s, 10m or 720h',
      'prod: training.gpuPools.0.disruption.budget: is "150%"; must be a count such as "1" or a percentage such as "10%"',
    ]);
  });
});

describe("Karpenter, charts and observability", () => {
  test("more controller replicas than system nodes", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.karpenter.controllerReplicas = 4)))).toEqual([
      "prod: training.karpenter.controllerReplicas: is 4, above systemPool.minSize 3; Karpenter runs one replica per system node (hostname anti-affinity), so the extra ones would stay Pending. Lower the replicas or raise systemPool.minSize",
    ]);
    expect(parseEnvironment(mutated(prod, (c) => (c.training.karpenter.controllerReplicas = 3))).training.karpenter.controllerReplicas).toBe(3);
  });

  test.each([0, 1.5])("%p controller replicas", (replicas) => {
    expect(problemLines(mutated(prod, (c) => (c.training.karpenter.controllerReplicas = replicas)))).toEqual([
      `prod: training.karpenter.controllerReplicas: is ${replicas}; the controller needs at least 1 pod (a whole number)`,
    ]);
  });

  test("a Karpenter chart below the Kubernetes version's minimum", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.charts.karpenter = "1.4.1")))).toEqual([
      "prod: training.charts.karpenter: is 1.4.1; Kubernetes 1.33 needs Karpenter 1.5.0 or later (KARPENTER_MIN_VERSION, from Karpenter's compatibility matrix)",
    ]);
  });

  test("the same Karpenter is fine on an older Kubernetes, the v1 APIs permitting", () => {
    const older = (c: Draft) => {
      c.training.kubernetesVersion = "1.32";
      c.training.nodeAmiReleaseVersion = "1.32.9-20251103";
      c.training.addons.kubeProxy = "v1.32.6-eksbuild.2";
      c.training.addons.coreDns = "v1.11.4-eksbuild.2";
    };
    expect(() => parseEnvironment(mutated(prod, (c) => (older(c), (c.training.charts.karpenter = "1.2.0"))))).not.toThrow();
  });

  test.each(["latest", "^1.14.1", "v1.14.1", "1.14"])("a chart version %j that is not exact", (version) => {
    expect(problemLines(mutated(prod, (c) => (c.training.charts.kueue = version)))).toEqual([
      `prod: training.charts.kueue: is ${JSON.stringify(version)}; pin an exact chart version such as 0.19.2 (no range, no "v", never latest)`,
    ]);
  });

  test("a chart left out", () => {
    expect(problemLines(mutated(prod, (c) => delete c.training.charts.grafana))).toEqual([
      "prod: training.charts.grafana: is missing; expected a string",
    ]);
  });

  test("images are gone: the device plugin and Karpenter come from charts", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.images = { nvidiaDevicePlugin: "v0.17.4" })))).toEqual([
      `prod: training.images: unknown field "images"; allowed: kubernetesVersion, nodeAmiReleaseVersion, publicApiCidrs, apiAccess, deployRunner, upgradePolicy, controlPlaneLogs, access, addons, systemPool, gpuPools, cpuPool, maxNodesPerGpuPool, karpenter, charts, observability, teams.`,
    ]);
  });

  test.each([
    [(c: Draft) => (c.training.observability.scrapeIntervalSeconds = 5), "prod: training.observability.scrapeIntervalSeconds: is 5; must be whole seconds 30-300 (the managed collector scrapes at most every 30 seconds)"],
    [(c: Draft) => (c.training.observability.alerts.idleGpuUtilPercent = 0), "prod: training.observability.alerts.idleGpuUtilPercent: is 0; must be a percentage above 0, at most 100"],
    [(c: Draft) => (c.training.observability.scrapeIntervalSeconds = 301), "prod: training.observability.scrapeIntervalSeconds: is 301; must be whole seconds 30-300 (the managed collector scrapes at most every 30 seconds)"],
    // A fraction of a percent is a threshold Prometheus compares against (the construct's rule: above 0, at most 100).
    [(c: Draft) => (c.training.observability.alerts.idleGpuUtilPercent = 100.5), "prod: training.observability.alerts.idleGpuUtilPercent: is 100.5; must be a percentage above 0, at most 100"],
    [(c: Draft) => (c.training.observability.alerts.idleForMinutes = 0), "prod: training.observability.alerts.idleForMinutes: is 0; must be whole minutes 1-1440"],
    [(c: Draft) => (c.training.observability.alerts.pendingForMinutes = 2000), "prod: training.observability.alerts.pendingForMinutes: is 2000; must be whole minutes 1-1440"],
    [(c: Draft) => (c.training.observability.alerts.launchFailureForMinutes = 2.5), "prod: training.observability.alerts.launchFailureForMinutes: is 2.5; must be whole minutes 1-1440"],
  ])("observability %#", (edit, line) => {
    expect(problemLines(mutated(prod, edit))).toEqual([line]);
  });
});

describe("versions, images and access", () => {
  test("unsupported Kubernetes version", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.kubernetesVersion = "1.27")))).toEqual([
      'prod: training.kubernetesVersion: is "1.27"; EKS versions supported here: 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35',
    ]);
  });

  test("malformed node AMI release", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.nodeAmiReleaseVersion = "1.33.5")))).toEqual([
      'prod: training.nodeAmiReleaseVersion: is "1.33.5"; must be an EKS AMI release such as 1.33.0-20251104',
    ]);
  });

  test("an admin ARN that is not a role ARN", () => {
    const arn = "arn:aws:iam::161803398874:user/alice";
    expect(problemLines(mutated(prod, (c) => (c.training.access.adminRoleArns[0] = arn)))).toEqual([
      `prod: training.access.adminRoleArns.0: is "${arn}"; must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)`,
    ]);
  });
});

describe("publicApiCidrs", () => {
  test("0.0.0.0/0 is refused", () => {
    expect(problemLines(mutated(dev, (c) => (c.training.publicApiCidrs = ["0.0.0.0/0"])))).toEqual([
      "dev: training.publicApiCidrs.0: 0.0.0.0/0 opens the API to the internet; list your networks",
    ]);
  });

  test.each(["203.0.113.0/33", "203.0.113.1/24", "not-a-cidr"])("malformed %j", (cidr) => {
    expect(problemLines(mutated(dev, (c) => (c.training.publicApiCidrs = ["203.0.113.0/24", cidr])))).toEqual([
      `dev: training.publicApiCidrs.1: is ${JSON.stringify(cidr)}; must be an IPv4 CIDR`,
    ]);
  });

  test("any CIDR in a protected environment is refused", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.publicApiCidrs = ["198.51.100.0/24"])))).toEqual([
      `prod: training.publicApiCidrs: ${PRIVATE_API_MESSAGE}`,
    ]);
  });

  test("the same CIDR is accepted in dev", () => {
    const config = parseEnvironment(mutated(dev, (c) => (c.training.publicApiCidrs = ["198.51.100.0/24"])));
    expect(config.training.publicApiCidrs).toEqual(["198.51.100.0/24"]);
  });
});

describe("every training problem is reported at once", () => {
  test("three independent mistakes", () => {
    const input = mutated(prod, (c) => {
      c.training.kubernetesVersion = "1.27";
      c.training.systemPool.minSize = 0;
      c.training.gpuPools[2].maxSize = 9;
    });
    expect(problemLines(input)).toEqual([
      'prod: training.kubernetesVersion: is "1.27"; EKS versions supported here: 1.29, 1.30, 1.31, 1.32, 1.33, 1.34, 1.35',
      "prod: training.systemPool.minSize: is 0; the system pool runs cluster services and must keep at least 1 node",
      "prod: training.gpuPools.2.maxSize: is 9; above maxNodesPerGpuPool (8). Raise the ceiling on purpose if you mean it",
    ]);
  });
});

describe("properties", () => {
  test("prod with scaled pools and random per-pool quotas parses exactly when every pool's quotas fit its capacity", () => {
    const factor = fc.double({ min: 0.1, max: 4, noNaN: true });
    const quotas = fc.array(fc.array(fc.nat({ max: 30 }), { minLength: 3, maxLength: 3 }), { minLength: 3, maxLength: 3 });
    fc.assert(
      fc.property(factor, quotas, (scale, table) => {
        const input = mutated(prod, (c) => {
          for (const pool of c.training.gpuPools) pool.maxSize = Math.max(1, Math.round(pool.maxSize * scale));
          // The ceiling follows the pools so that only the quotas decide.
          c.training.maxNodesPerGpuPool = Math.max(c.training.maxNodesPerGpuPool, ...c.training.gpuPools.map((p: PoolShape) => p.maxSize));
          c.training.teams.forEach((team: Draft, i: number) => {
            team.gpuQuotas = Object.fromEntries(c.training.gpuPools.map((p: PoolShape, j: number) => [p.name, table[i][j]]));
            delete team.gpuLendingLimit;
          });
        });
        const pools: PoolShape[] = input.training.gpuPools;
        const over = pools.flatMap((pool) => {
          const sum = quotaIn(input.training.teams, pool.name);
          return sum > capacity(pool) ? [{ environment: "prod", path: "training.teams", message: quotasMessage(pool.name, sum, capacity(pool)) }] : [];
        });
        if (over.length === 0) {
          // Accepted quotas fit; and with the `unassigned` queue, Kueue's nominal quotas per flavor add up to
          // exactly what Karpenter may launch in that pool.
          const config = parseEnvironment(input);
          for (const pool of config.training.gpuPools) expect(quotaIn(config.training.teams, pool.name)).toBeLessThanOrEqual(gpuPoolCapacity(pool));
          const { clusterQueues } = kueueQueueObjects(
            config.training.gpuPools.map((pool) => ({ name: pool.name, capacity: gpuPoolCapacity(pool) })),
            config.training.teams.map((team) => ({ ...team, namespace: team.name })),
          );
          for (const pool of config.training.gpuPools) {
            const nominal = clusterQueues
              .flatMap((q) => q.spec.resourceGroups.flatMap((g) => g.flavors))
              .filter((f) => f.name === pool.name)
              .flatMap((f) => f.resources.filter((r) => r.name === "nvidia.com/gpu"))
              .reduce((sum, r) => sum + Number(r.nominalQuota), 0);
            expect(nominal).toBe(gpuPoolCapacity(pool));
          }
        } else {
          expect(configError(() => parseEnvironment(input)).problems).toEqual(over);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe("inputs that would break a naive check", () => {
  test("a property of Object's prototype is not a GPU size, and cannot switch the quota check off", () => {
    const input = mutated(dev, (c) => {
      c.training.gpuPools[0].instanceTypes = ["g5.constructor"];
      c.training.teams[0].gpuQuotas["g5-spot"] = 1000000;
    });
    expect(problemLines(input)).toEqual([`dev: training.gpuPools.0.instanceTypes.0: "g5.constructor" ${NOT_A_GPU}`]);
  });

  test("null teams are reported, not crashed on, and nameless entries are not duplicates", () => {
    const lines = problemLines(mutated(dev, (c) => (c.training.teams = [null, {}, {}])));
    expect(lines).toContain("dev: training.teams.0: is null; expected an object");
    expect(lines.some((line) => line.includes("is used by another team"))).toBe(false);
  });
});

describe("quantities", () => {
  test("decimal suffixes the TeamNamespace construct takes are accepted too", () => {
    expect(parseEnvironment(mutated(prod, (c) => (c.training.teams[0].memoryQuota = "1000G"))).training.teams[0].memoryQuota).toBe("1000G");
  });
});

describe("reaching the cluster's API", () => {
  const noAccess = (c: Draft) => {
    c.training.apiAccess = { cidrs: [], securityGroupIds: [] };
    delete c.training.deployRunner;
  };

  it("refuses a private endpoint that nothing may reach, naming what to add", () => {
    expect(problemLines(mutated(prod, noAccess))).toEqual([
      "prod: training.apiAccess: the API endpoint is private and nothing may reach it (the cluster security group admits only itself): add training.deployRunner, or the networks (apiAccess.cidrs) or security groups (apiAccess.securityGroupIds) that deploy and operate the cluster",
    ]);
  });

  it.each([
    ["a deploy runner", (c: Draft) => (c.training.deployRunner = { repositoryUrl: "https://github.com/o/r", connectionArn: "arn:aws:codeconnections:eu-west-1:161803398874:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab" })],
    ["a VPN range", (c: Draft) => (c.training.apiAccess.cidrs = ["10.200.0.0/16"])],
    ["a security group", (c: Draft) => (c.training.apiAccess.securityGroupIds = ["sg-0123456789abcdef0"])],
  ])("accepts a private endpoint reached through %s", (_what, grant) => {
    expect(() => parseEnvironment(mutated(prod, (c) => (noAccess(c), grant(c))))).not.toThrow();
  });

  it.each([
    [(c: Draft) => (c.training.apiAccess.cidrs = ["10.200.0.0/33"]), 'prod: training.apiAccess.cidrs.0: is "10.200.0.0/33"; must be an IPv4 CIDR'],
    [(c: Draft) => (c.training.apiAccess.cidrs = ["0.0.0.0/1"]), "prod: training.apiAccess.cidrs.0: 0.0.0.0/1 is wider than a /8; list the networks that deploy and operate the cluster"],
    [(c: Draft) => (c.training.apiAccess.securityGroupIds = ["web"]), 'prod: training.apiAccess.securityGroupIds.0: is "web"; must be a security group id such as sg-0123456789abcdef0'],
    [(c: Draft) => (c.training.deployRunner.repositoryUrl = "github.com/o/r"), 'prod: training.deployRunner.repositoryUrl: "github.com/o/r" must be https://github.com/<owner>/<repo>'],
    [(c: Draft) => (c.training.upgradePolicy = "FOREVER"), 'prod: training.upgradePolicy: is "FOREVER"; allowed: "STANDARD", "EXTENDED"'],
  ])("refuses %#", (edit, line) => {
    expect(problemLines(mutated(prod, edit))).toEqual([line]);
  });
});
