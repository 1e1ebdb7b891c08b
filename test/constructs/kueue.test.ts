import fc from "fast-check";
import { TerraformStack } from "cdktf";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { Kueue } from "../../constructs/training-cluster/workloads/kueue";
import { ClusterQueue, KueueQueues, QueuePool, QueueTeam, kueueQueueObjects, teamGpuCap, unassignedCapacity } from "../../constructs/training-cluster/workloads/kueue-queues";
import { testStack } from "../support/stack";
import { resourcesOfType, synthJson } from "../support/terraform-json";

type Attributes = Record<string, any>;

function helmStack(): TerraformStack {
  const stack = testStack();
  new KubernetesProvider(stack, "kubernetes", {});
  new HelmProvider(stack, "helm", {});
  return stack;
}

const POOLS: QueuePool[] = [
  { name: "a10g", capacity: 16 },
  { name: "h100", capacity: 16 },
];
const TEAMS: QueueTeam[] = [
  { name: "vision", namespace: "vision", gpuQuotas: { a10g: 8, h100: 6 }, gpuBorrowingLimit: 8, gpuLendingLimit: 4, cpuQuota: "192", memoryQuota: "768Gi" },
  { name: "nlp", namespace: "nlp", gpuQuotas: { h100: 10 }, gpuBorrowingLimit: 4, cpuQuota: "128", memoryQuota: "512Gi" },
];
const GPU = "nvidia.com/gpu";

/** Nominal GPU quota of a ClusterQueue per flavor. */
const gpuNominal = (queue: ClusterQueue): Record<string, number> =>
  Object.fromEntries(
    queue.spec.resourceGroups
      .filter((g) => g.coveredResources.includes(GPU))
      .flatMap((g) => g.flavors.map((f) => [f.name, Number(f.resources.find((r) => r.name === GPU)!.nominalQuota)])),
  );

describe("kueueQueueObjects", () => {
  const objects = kueueQueueObjects(POOLS, TEAMS);
  const queue = (name: string) => objects.clusterQueues.find((q) => q.metadata.name === name)!;

  it("has a flavor per GPU pool, on its nodes, tolerating their taint for the pods it admits, and one for CPU and memory", () => {
    expect(objects.flavors.map((f) => f.metadata.name)).toEqual(["cpu-memory", "a10g", "h100"]);
    expect(objects.flavors[0].spec).toEqual({});
    expect(objects.flavors[1].spec).toEqual({
      nodeLabels: { "mlops/pool": "a10g" },
      nodeTaints: [{ key: GPU, value: "true", effect: "NoSchedule" }],
      tolerations: [{ key: GPU, operator: "Exists", effect: "NoSchedule" }],
    });
  });

  it("gives each team a ClusterQueue in the training cohort, for its namespace only, with its quota, borrowing and lending per pool", () => {
    const vision = queue("vision");
    expect(vision.apiVersion).toBe("kueue.x-k8s.io/v1beta2");
    expect(vision.spec).toMatchObject({ cohortName: "training", namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "vision" } }, queueingStrategy: "BestEffortFIFO" });
    expect(vision.spec.resourceGroups).toEqual([
      {
        coveredResources: ["cpu", "memory"],
        flavors: [
          {
            name: "cpu-memory",
            resources: [
              { name: "cpu", nominalQuota: "192", borrowingLimit: "0" },
              { name: "memory", nominalQuota: "768Gi", borrowingLimit: "0" },
            ],
          },
        ],
      },
      {
        coveredResources: [GPU],
        flavors: [
          { name: "a10g", resources: [{ name: GPU, nominalQuota: "8", borrowingLimit: "8", lendingLimit: "4" }] },
          { name: "h100", resources: [{ name: GPU, nominalQuota: "6", borrowingLimit: "8", lendingLimit: "4" }] },
        ],
      },
    ]);
    // A pool the team has no quota in: it only borrows there; without a lending limit it lends all.
    expect(queue("nlp").spec.resourceGroups[1].flavors).toEqual([
      { name: "a10g", resources: [{ name: GPU, nominalQuota: "0", borrowingLimit: "4" }] },
      { name: "h100", resources: [{ name: GPU, nominalQuota: "10", borrowingLimit: "4" }] },
    ]);
  });

  it("sets an explicit borrowing limit on every flavor resource of every ClusterQueue (the cohort limit)", () => {
    for (const q of objects.clusterQueues) {
      expect(q.spec.cohortName).toBe("training");
      expect(q.spec.namespaceSelector).not.toEqual({});
      for (const resource of q.spec.resourceGroups.flatMap((g) => g.flavors.flatMap((f) => f.resources))) expect(resource.borrowingLimit).toMatch(/^\d+/);
    }
  });

  it("lets a team reclaim its quota from anyone and lets borrowers preempt only preemptible work", () => {
    expect(queue("vision").spec.preemption).toEqual({
      reclaimWithinCohort: "Any",
      withinClusterQueue: "LowerPriority",
      borrowWithinCohort: { policy: "LowerPriority", maxPriorityThreshold: 1000 },
    });
  });

  it("lets a job that fits several pools use its team's own quota in another pool before borrowing in the first", () => {
    expect(queue("vision").spec.flavorFungibility).toEqual({ whenCanBorrow: "TryNextFlavor", whenCanPreempt: "TryNextFlavor" });
  });

  it("puts what no team is guaranteed in an `unassigned` queue that admits no namespace, so idle capacity is borrowable", () => {
    const unassigned = queue("unassigned");
    expect(gpuNominal(unassigned)).toEqual({ a10g: 8, h100: 0 });
    expect(unassigned.spec.namespaceSelector).toEqual({ matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "DoesNotExist" }] });
    expect(unassigned.spec.resourceGroups).toHaveLength(1);
    expect(objects.localQueues.map((q) => q.spec.clusterQueue)).not.toContain("unassigned");
  });

  it("gives each team namespace a `default` LocalQueue on the team's ClusterQueue", () => {
    expect(objects.localQueues).toEqual([
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "default", namespace: "vision" }, spec: { clusterQueue: "vision" } },
      { apiVersion: "kueue.x-k8s.io/v1beta2", kind: "LocalQueue", metadata: { name: "default", namespace: "nlp" }, spec: { clusterQueue: "nlp" } },
    ]);
  });

  it("maps the default and preemptible priorities to workload priority classes, and not the critical one", () => {
    expect(objects.priorityClasses.map((c) => [c.metadata.name, c.value])).toEqual([
      ["training-default", 10000],
      ["training-preemptible", 1000],
    ]);
    expect(objects.priorityClasses.map((c) => c.metadata.name)).not.toContain("training-critical");
  });

  it.each([
    ["quotas above a pool's capacity", POOLS, [{ ...TEAMS[0], gpuQuotas: { a10g: 10 } }, { ...TEAMS[1], gpuQuotas: { a10g: 7 } }], /^kueueQueueObjects: teams: GPU quotas in pool "a10g" add up to 17 but the pool can reach only 16 GPU units/],
    ["a quota in no pool", POOLS, [{ ...TEAMS[0], gpuQuotas: { t4: 1 } }], /^kueueQueueObjects: teams\.0\.gpuQuotas\.t4: names no GPU pool; the pools are "a10g", "h100"$/m],
    ["a team named unassigned", POOLS, [{ ...TEAMS[0], name: "unassigned" }], /^kueueQueueObjects: teams\.0\.name: "unassigned" is the queue that holds capacity no team has/],
    ["a lending limit above every quota of the team", POOLS, [{ ...TEAMS[0], gpuQuotas: { a10g: 2 }, gpuLendingLimit: 3 }], /^kueueQueueObjects: teams\.0\.gpuLendingLimit: is 3, above the team's largest pool quota \(2\)/],
    ["a pool named cpu-memory", [{ name: "cpu-memory", capacity: 1 }], [], /^kueueQueueObjects: pools\.0\.name: "cpu-memory" is the name of the CPU and memory flavor; rename the pool$/],
  ])("refuses %s", (_, pools, teams, message) => {
    expect(() => kueueQueueObjects(pools as QueuePool[], teams as QueueTeam[])).toThrow(message);
  });

  it("caps a team's pods at its quota plus what it may borrow, per pool, never above the pool", () => {
    // a10g: min(8 + 8, 16) = 16; h100: min(6 + 8, 16) = 14.
    expect(teamGpuCap(TEAMS[0], POOLS)).toBe(30);
    // a10g: min(0 + 4, 16) = 4; h100: min(10 + 4, 16) = 14.
    expect(teamGpuCap(TEAMS[1], POOLS)).toBe(18);
  });

  it("keeps, for any pools and quotas within capacity, the nominal quotas of each flavor equal to the pool's capacity", () => {
    const scenario = fc
      .array(fc.integer({ min: 0, max: 64 }), { minLength: 1, maxLength: 4 })
      .chain((capacities) =>
        fc.tuple(
          fc.constant(capacities),
          fc.array(fc.array(fc.nat(), { minLength: capacities.length, maxLength: capacities.length }), { minLength: 0, maxLength: 5 }),
          fc.nat({ max: 16 }),
        ),
      );
    fc.assert(
      fc.property(scenario, ([capacities, shares, borrowing]) => {
        const pools = capacities.map((capacity, i) => ({ name: `pool-${i}`, capacity }));
        // Scale each team's shares down so that, per pool, they fit the capacity.
        const teams = shares.map((share, t) => ({
          name: `team-${t}`,
          namespace: `team-${t}`,
          // At most capacity / teams each: together within the pool.
          gpuQuotas: Object.fromEntries(pools.map((pool, i) => [pool.name, share[i] % (Math.floor(pool.capacity / shares.length) + 1)])),
          gpuBorrowingLimit: borrowing,
          cpuQuota: "1",
          memoryQuota: "1Gi",
        }));
        const { clusterQueues } = kueueQueueObjects(pools, teams);
        for (const pool of pools) {
          const total = clusterQueues.reduce((sum, q) => sum + (gpuNominal(q)[pool.name] ?? 0), 0);
          expect(total).toBe(pool.capacity);
        }
        expect(Object.values(unassignedCapacity(pools, teams)).every((units) => units >= 0)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe("Kueue and its queues as releases", () => {
  const stack = helmStack();
  const kueue = new Kueue(stack, "Kueue", { version: "0.19.2", namespace: "kueue-system", systemNodeGroupName: "mlops-test-training-system" });
  new KueueQueues(stack, "Queues", { pools: POOLS, teams: TEAMS, dependsOn: [kueue.release.release] });
  const releases = Object.fromEntries(resourcesOfType(synthJson(stack), "helm_release").map(([address, r]) => [(r as Attributes).name, { ...(r as Attributes), address }]));

  it("installs the pinned chart with the same release's image from registry.k8s.io, without Prometheus operator objects or cert-manager", () => {
    expect(releases.kueue).toMatchObject({ chart: "kueue", repository: "oci://registry.k8s.io/kueue/charts", version: "0.19.2", namespace: "kueue-system" });
    const values = JSON.parse(releases.kueue.values[0]);
    expect(values).toMatchObject({ enablePrometheus: false, enableCertManager: false });
    expect(values.controllerManager.manager.image).toEqual({ repository: "registry.k8s.io/kueue/kueue", tag: "v0.19.2", pullPolicy: "IfNotPresent" });
  });

  it("runs the controller on the system nodes, whose taint it tolerates", () => {
    const { controllerManager } = JSON.parse(releases.kueue.values[0]);
    expect(controllerManager.nodeSelector).toEqual({ "eks.amazonaws.com/nodegroup": "mlops-test-training-system" });
    expect(controllerManager.tolerations).toEqual([{ key: "CriticalAddonsOnly", operator: "Exists", effect: "NoSchedule" }]);
  });

  it("manages every job of the team namespaces, queue name or not, and reports quota and usage per ClusterQueue", () => {
    const config = JSON.parse(JSON.parse(releases.kueue.values[0]).managerConfig.controllerManagerConfigYaml);
    expect(config).toMatchObject({
      apiVersion: "config.kueue.x-k8s.io/v1beta2",
      kind: "Configuration",
      manageJobsWithoutQueueName: true,
      managedJobsNamespaceSelector: { matchExpressions: [{ key: "mlops/team", operator: "Exists" }] },
      metrics: { enableClusterQueueResources: true },
    });
    expect(config.integrations.frameworks).toEqual(expect.arrayContaining(["batch/job", "jobset.x-k8s.io/jobset", "trainer.kubeflow.org/trainjob", "ray.io/rayjob"]));
  });

  it("applies the queues after Kueue (its webhooks ready), every object of the cohort in one release", () => {
    expect(releases["kueue-queues"].depends_on).toEqual([`helm_release.${releases.kueue.address}`]);
    const kinds = (JSON.parse(releases["kueue-queues"].values[0]).objects as Attributes[]).map((o) => o.kind);
    expect(kinds.filter((k) => k === "ClusterQueue")).toHaveLength(TEAMS.length + 1);
    expect(kinds.filter((k) => k === "LocalQueue")).toHaveLength(TEAMS.length);
    expect(kinds.filter((k) => k === "ResourceFlavor")).toHaveLength(POOLS.length + 1);
    expect(kinds.filter((k) => k === "WorkloadPriorityClass")).toHaveLength(2);
  });
});
