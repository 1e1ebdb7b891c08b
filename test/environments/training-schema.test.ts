import fc from "fast-check";
import { gpusPerInstance } from "../../constructs/training-cluster/gpu-instances";
import { dev } from "../../environments/dev";
import { environmentInputs } from "../../environments/inputs";
import { prod } from "../../environments/prod";
import { parseEnvironment, parseEnvironments, type EnvironmentInput } from "../../environments/schema";
import { type Draft, configError, mutated, problemLines } from "../support/config-errors";

const NOT_A_GPU = "is not a GPU instance type; use a g4dn, g5, g6, g6e, p3, p4d, p4de, p5, p5e or p5en size";
const MIXED = "GPUs; one pool needs one GPU count so the autoscaler knows what a new node brings";
const TEAM_NAME_MESSAGE = "must be 1-32 lowercase letters, digits and inner hyphens, starting with a letter (a Kubernetes-safe name)";
const PRIVATE_API_MESSAGE =
  "a protected environment keeps the API endpoint private; remove these CIDRs and reach the API from inside the VPC";

interface PoolShape {
  readonly instanceTypes: readonly string[];
  readonly maxSize: number;
}

/** GPUs per node of a pool whose instance types all have the same count (the shipped pools do). */
function gpusPerNode(pool: PoolShape): number {
  const counts = new Set(pool.instanceTypes.map((type) => gpusPerInstance(type)));
  if (counts.size !== 1 || [...counts][0] === undefined) throw new Error(`pool ${JSON.stringify(pool)} has no single GPU count`);
  return [...counts][0]!;
}

/** Most GPUs the pools can run at once: sum of maxSize × GPUs per node. */
function reachableGpus(pools: readonly PoolShape[]): number {
  return pools.reduce((sum, pool) => sum + pool.maxSize * gpusPerNode(pool), 0);
}

function quotasMessage(sum: number, reachable: number): string {
  return `GPU quotas add up to ${sum} but the GPU pools can reach only ${reachable} GPUs; lower the quotas or raise a pool's maxSize`;
}

/** prod: a10g-4gpu 4 × 4 + l4-spot 8 × 1 + h100 2 × 8. */
const PROD_REACHABLE = reachableGpus(prod.training.gpuPools);
const PROD_QUOTAS = prod.training.teams.reduce((sum, team) => sum + team.gpuQuota, 0);

describe("shipped training sections", () => {
  test("every shipped environment's training section parses and comes back unchanged", () => {
    const configs = parseEnvironments(environmentInputs);
    configs.forEach((config, i) => expect(config.training).toEqual((environmentInputs[i] as EnvironmentInput).training));
  });

  test("prod's API endpoint is private", () => {
    expect(parseEnvironment(prod).training.publicApiCidrs).toEqual([]);
  });

  test("every GPU pool of every shipped environment can scale to zero", () => {
    const pools = parseEnvironments(environmentInputs).flatMap((env) => env.training.gpuPools.map((pool) => [env.name, pool] as const));
    expect(pools.length).toBeGreaterThan(0);
    for (const [env, pool] of pools) expect({ env, pool: pool.name, minSize: pool.minSize }).toEqual({ env, pool: pool.name, minSize: 0 });
  });

  test("prod's reachable GPUs and quotas are what these tests assume", () => {
    expect(PROD_REACHABLE).toBe(40);
    expect(PROD_QUOTAS).toBe(36);
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

  test("minSize above maxSize", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].minSize = 5)))).toEqual([
      "prod: training.gpuPools.0.minSize: is 5, above maxSize 4; minSize must be <= maxSize",
    ]);
  });

  test("minSize equal to maxSize is accepted", () => {
    expect(parseEnvironment(mutated(prod, (c) => (c.training.gpuPools[0].minSize = 4))).training.gpuPools[0].minSize).toBe(4);
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
    // The pool then brings no GPUs, so prod's quotas no longer fit: a true consequence, reported too.
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[2].maxSize = 0)))).toEqual([
      "prod: training.gpuPools.2.maxSize: is 0; must be at least 1",
      `prod: training.teams: ${quotasMessage(36, 24)}`,
    ]);
  });

  test("duplicate pool names", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[1].name = "a10g-4gpu")))).toEqual([
      'prod: training.gpuPools.1.name: "a10g-4gpu" is used by another GPU pool',
    ]);
  });

  test("a typo key gets a suggestion", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.gpuPools[0].maxSise = 6)))).toEqual([
      'prod: training.gpuPools.0.maxSise: unknown field "maxSise"; allowed: name, instanceTypes, capacityType, minSize, maxSize, diskSizeGiB. Did you mean "maxSize"?',
    ]);
  });

  test("a typo key in place of maxSize: the field is also missing", () => {
    const input = mutated(prod, (c) => {
      c.training.gpuPools[0].maxSise = c.training.gpuPools[0].maxSize;
      delete c.training.gpuPools[0].maxSize;
    });
    expect(problemLines(input)).toEqual([
      "prod: training.gpuPools.0.maxSize: is missing; expected a number",
      'prod: training.gpuPools.0.maxSise: unknown field "maxSise"; allowed: name, instanceTypes, capacityType, minSize, maxSize, diskSizeGiB. Did you mean "maxSize"?',
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
});

describe("teams", () => {
  test("GPU quotas above what the pools can reach", () => {
    const extra = PROD_REACHABLE - PROD_QUOTAS + 1;
    const input = mutated(prod, (c) => (c.training.teams[0].gpuQuota += extra));
    expect(problemLines(input)).toEqual([`prod: training.teams: ${quotasMessage(PROD_REACHABLE + 1, PROD_REACHABLE)}`]);
  });

  test("GPU quotas exactly at what the pools can reach are accepted", () => {
    const input = mutated(prod, (c) => (c.training.teams[0].gpuQuota += PROD_REACHABLE - PROD_QUOTAS));
    const teams = parseEnvironment(input).training.teams;
    expect(teams.reduce((sum, team) => sum + team.gpuQuota, 0)).toBe(PROD_REACHABLE);
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

describe("versions, images and access", () => {
  test("unsupported Kubernetes version", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.kubernetesVersion = "1.27")))).toEqual([
      'prod: training.kubernetesVersion: is "1.27"; allowed: "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"',
    ]);
  });

  test("image tag latest", () => {
    expect(problemLines(mutated(prod, (c) => (c.training.images.clusterAutoscaler = "latest")))).toEqual([
      'prod: training.images.clusterAutoscaler: is "latest"; must be a pinned release such as v1.2.3 (never latest)',
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
      'prod: training.kubernetesVersion: is "1.27"; allowed: "1.29", "1.30", "1.31", "1.32", "1.33", "1.34", "1.35"',
      "prod: training.systemPool.minSize: is 0; the system pool runs cluster services and must keep at least 1 node",
      "prod: training.gpuPools.2.maxSize: is 9; above maxNodesPerGpuPool (8). Raise the ceiling on purpose if you mean it",
    ]);
  });
});

describe("properties", () => {
  test("prod with scaled pools and random quotas parses exactly when the quotas fit the reachable GPUs", () => {
    const factor = fc.double({ min: 0.1, max: 4, noNaN: true });
    const quotas = fc.tuple(...prod.training.teams.map(() => fc.nat({ max: 50 })));
    fc.assert(
      fc.property(factor, quotas, (scale, gpuQuotas) => {
        const input = mutated(prod, (c) => {
          for (const pool of c.training.gpuPools) pool.maxSize = Math.max(1, Math.round(pool.maxSize * scale));
          // The ceiling follows the pools so that only the quotas decide.
          c.training.maxNodesPerGpuPool = Math.max(c.training.maxNodesPerGpuPool, ...c.training.gpuPools.map((p: PoolShape) => p.maxSize));
          c.training.teams.forEach((team: Draft, i: number) => (team.gpuQuota = gpuQuotas[i]));
        });
        const reachable = reachableGpus(input.training.gpuPools);
        const sum = gpuQuotas.reduce((a, b) => a + b, 0);
        if (sum <= reachable) {
          expect(parseEnvironment(input).training.teams.map((team) => team.gpuQuota)).toEqual(gpuQuotas);
        } else {
          expect(configError(() => parseEnvironment(input)).problems).toEqual([
            { environment: "prod", path: "training.teams", message: quotasMessage(sum, reachable) },
          ]);
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
      c.training.teams[0].gpuQuota = 1000000;
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
