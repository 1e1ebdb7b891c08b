import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TerraformStack } from "cdktf";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { CpuNodePool, CpuNodePoolSpec } from "../../constructs/training-cluster/workloads/cpu-node-pool";
import { DEFAULT_POOL_DISRUPTION } from "../../environments/training-schema";
import { GpuNodePoolSpec, GpuNodePools, GpuNodePoolsProps } from "../../constructs/training-cluster/workloads/gpu-node-pools";
import { CLUSTER_OBJECTS_CHART, ClusterObjects, PinnedRelease, clusterObjectsChartDirectory } from "../../constructs/training-cluster/workloads/helm";
import { Karpenter, KarpenterProps } from "../../constructs/training-cluster/workloads/karpenter";
import { TEST_ACCOUNT, testStack } from "../support/stack";
import { TerraformJson, resourcesOfType, synthJson } from "../support/terraform-json";

type Attributes = Record<string, any>;

function helmStack(): TerraformStack {
  const stack = testStack();
  new KubernetesProvider(stack, "kubernetes", {});
  new HelmProvider(stack, "helm", {});
  return stack;
}
const releases = (json: TerraformJson): Record<string, Attributes> =>
  Object.fromEntries(resourcesOfType(json, "helm_release").map(([address, r]) => [(r as Attributes).name, { ...(r as Attributes), address: `helm_release.${address}` }]));
const valuesOf = (release: Attributes) => JSON.parse(release.values[0]);

const KARPENTER: KarpenterProps = {
  clusterName: "mlops-test-training",
  clusterEndpoint: "https://EXAMPLE.eks.amazonaws.com",
  region: "eu-west-1",
  controllerRoleArn: `arn:aws:iam::${TEST_ACCOUNT}:role/karpenter`,
  interruptionQueueName: "mlops-test-training-karpenter",
  version: "1.14.1",
  replicas: 2,
  systemNodeGroupName: "mlops-test-training-system",
};

describe("Karpenter", () => {
  const stack = helmStack();
  new Karpenter(stack, "Karpenter", KARPENTER);
  const byName = releases(synthJson(stack));

  it("installs the CRDs as their own release, then the controller without its crds/ folder", () => {
    expect(byName["karpenter-crd"]).toMatchObject({
      chart: "karpenter-crd",
      repository: "oci://public.ecr.aws/karpenter",
      version: "1.14.1",
      namespace: "kube-system",
      wait: true,
    });
    expect(byName.karpenter).toMatchObject({ chart: "karpenter", version: "1.14.1", namespace: "kube-system", skip_crds: true });
    expect(byName.karpenter.depends_on).toEqual([byName["karpenter-crd"].address]);
  });

  it("runs the controller with the cluster's IRSA role and interruption queue, on system nodes only, one per node", () => {
    const values = valuesOf(byName.karpenter);
    expect(values.settings).toEqual({
      clusterName: KARPENTER.clusterName,
      clusterEndpoint: KARPENTER.clusterEndpoint,
      interruptionQueue: KARPENTER.interruptionQueueName,
      // Alpha, off by default: the GPU units of shared pools come through NodeOverlays.
      featureGates: { nodeOverlay: true },
    });
    expect(values.serviceAccount).toEqual({ create: true, name: "karpenter", annotations: { "eks.amazonaws.com/role-arn": KARPENTER.controllerRoleArn } });
    expect(values.replicas).toBe(2);
    expect(values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      {
        matchExpressions: [
          { key: "karpenter.sh/nodepool", operator: "DoesNotExist" },
          { key: "eks.amazonaws.com/nodegroup", operator: "In", values: ["mlops-test-training-system"] },
        ],
      },
    ]);
    expect(values.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution).toEqual([
      { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: { "app.kubernetes.io/name": "karpenter" } } },
    ]);
    expect(values.controller.resources.requests).toEqual({ cpu: "500m", memory: "1Gi" });
    expect(values.controller.env).toEqual([{ name: "AWS_REGION", value: "eu-west-1" }]);
  });

  it.each([
    [{ replicas: 0 }, /^test\/Karpenter: replicas: is 0; the controller needs at least 1 pod \(a whole number\)$/],
    [{ controllerRoleArn: "karpenter" }, /^test\/Karpenter: controllerRoleArn: is "karpenter"; it must be an IAM role ARN$/],
    [{ version: "1.14" }, /version "1.14" must be an exact version/],
    [{ version: "^1.14.1" }, /must be an exact version/],
  ])("refuses %p", (props, message) => {
    expect(() => new Karpenter(helmStack(), "Karpenter", { ...KARPENTER, ...props })).toThrow(message);
  });
});

describe("PinnedRelease", () => {
  it.each([
    [{ repository: "http://charts.example.com" }, /must be an oci:\/\/ or https:\/\/ address/],
    [{ version: "latest" }, /version "latest" must be an exact version/],
  ])("refuses %p", (chart, message) => {
    const create = () =>
      new PinnedRelease(helmStack(), "Release", { name: "x", namespace: "x", values: {}, chart: { repository: "https://charts.example.com", chart: "x", version: "1.0.0", ...chart } });
    expect(create).toThrow(message);
  });
});

const POOL: GpuNodePoolSpec = {
  name: "a10g",
  instanceTypes: ["g5.12xlarge", "g5.24xlarge"],
  capacityType: "ON_DEMAND",
  maxSize: 3,
  diskSizeGiB: 500,
  sharing: { mode: "none" },
  disruption: { consolidation: "WhenEmpty", consolidateAfter: "10m", expireAfter: "720h", budget: "10%" },
};
const POOLS_PROPS: Omit<GpuNodePoolsProps, "dependsOn"> = {
  clusterName: "mlops-test-training",
  pools: [POOL, { ...POOL, name: "l4-spot", instanceTypes: ["g6.xlarge"], capacityType: "SPOT", maxSize: 8, diskSizeGiB: 200, sharing: { mode: "timeSlicing", replicas: 4 } }],
  amiAlias: "al2023@v20251103",
  instanceProfileName: "mlops-test-karpenter-node",
  clusterSecurityGroupId: "sg-0123456789abcdef0",
  volumeKeyArn: `arn:aws:kms:eu-west-1:${TEST_ACCOUNT}:key/abcd`,
  tags: { "mlops:environment": "test", "mlops:layer": "training" },
};

describe("GpuNodePools", () => {
  const synthPools = (props: Partial<GpuNodePoolsProps> = {}) => {
    const stack = helmStack();
    const karpenter = new Karpenter(stack, "Karpenter", KARPENTER);
    const pools = new GpuNodePools(stack, "GpuNodePools", { ...POOLS_PROPS, dependsOn: [karpenter.controller.release], ...props });
    return { pools, json: synthJson(stack) };
  };
  const { pools, json } = synthPools();
  const byName = releases(json);
  const objects = valuesOf(byName["gpu-capacity"]).objects as Attributes[];
  const nodeClass = (name: string) => objects.find((o) => o.kind === "EC2NodeClass" && o.metadata.name === name)!;
  const nodePool = (name: string) => objects.find((o) => o.kind === "NodePool" && o.metadata.name === name)!;

  it("is one gpu-capacity release of the repository's chart, after the Karpenter controller", () => {
    expect(byName["gpu-capacity"]).toMatchObject({ chart: expect.stringMatching(/^\.\/assets\/ClusterObjectsChart\/[0-9A-F]+$/), version: CLUSTER_OBJECTS_CHART.version, namespace: "kube-system" });
    expect(byName["gpu-capacity"]).not.toHaveProperty("repository");
    expect(byName["gpu-capacity"].depends_on).toEqual([byName.karpenter.address]);
    expect(objects.map((o) => `${o.apiVersion} ${o.kind} ${o.metadata.name}`)).toEqual([
      "karpenter.k8s.aws/v1 EC2NodeClass a10g",
      "karpenter.sh/v1 NodePool a10g",
      "karpenter.k8s.aws/v1 EC2NodeClass l4-spot",
      "karpenter.sh/v1 NodePool l4-spot",
      "karpenter.sh/v1alpha1 NodeOverlay l4-spot-gpu-units",
    ]);
    expect(pools.nodePools).toHaveLength(2);
  });

  it("tells Karpenter the GPU units of a pool that shares its GPUs, for that NodePool only; a pool that does not share keeps EC2's count", () => {
    // l4-spot: 1 GPU per node, time-sliced 4 ways. Without the overlay Karpenter would launch a node per unit asked for.
    expect(objects.find((o) => o.kind === "NodeOverlay")!.spec).toEqual({
      requirements: [{ key: "karpenter.sh/nodepool", operator: "In", values: ["l4-spot"] }],
      capacity: { "nvidia.com/gpu": "4" },
    });
    expect(pools.overlays).toHaveLength(1);
  });

  it("gives every node class the pinned AMI alias as its only term, IMDSv2 with one hop, and an encrypted root volume with the cluster key", () => {
    expect(nodeClass("a10g").spec).toEqual({
      instanceProfile: "mlops-test-karpenter-node",
      amiSelectorTerms: [{ alias: "al2023@v20251103" }],
      subnetSelectorTerms: [{ tags: { "karpenter.sh/discovery": "mlops-test-training" } }],
      securityGroupSelectorTerms: [{ id: "sg-0123456789abcdef0" }],
      metadataOptions: { httpEndpoint: "enabled", httpProtocolIPv6: "disabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [
        { deviceName: "/dev/xvda", ebs: { volumeSize: "500Gi", volumeType: "gp3", encrypted: true, kmsKeyID: POOLS_PROPS.volumeKeyArn, deleteOnTermination: true } },
      ],
      tags: POOLS_PROPS.tags,
    });
    expect(nodeClass("l4-spot").spec.blockDeviceMappings[0].ebs.volumeSize).toBe("200Gi");
  });

  it("labels and taints each pool's nodes, and limits the pool to its maximum", () => {
    const pool = nodePool("a10g").spec;
    expect(pool.template.metadata.labels).toEqual({
      "mlops/pool": "a10g",
      "nvidia.com/gpu": "true",
      "nvidia.com/gpu.present": "true",
      "mlops/gpu-sharing": "none",
      "nvidia.com/device-plugin.config": "a10g",
    });
    expect(pool.template.spec.taints).toEqual([{ key: "nvidia.com/gpu", value: "true", effect: "NoSchedule" }]);
    expect(pool.template.spec.nodeClassRef).toEqual({ group: "karpenter.k8s.aws", kind: "EC2NodeClass", name: "a10g" });
    expect(pool.template.spec.requirements).toEqual([
      { key: "node.kubernetes.io/instance-type", operator: "In", values: ["g5.12xlarge", "g5.24xlarge"] },
      { key: "karpenter.sh/capacity-type", operator: "In", values: ["on-demand"] },
      { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
      { key: "kubernetes.io/os", operator: "In", values: ["linux"] },
    ]);
    // 3 nodes of 4 GPUs; a time-sliced pool counts units: 8 nodes x 1 GPU x 4 replicas.
    expect(pool.limits).toEqual({ "nvidia.com/gpu": "12", nodes: "3" });
    expect(nodePool("l4-spot").spec.limits).toEqual({ "nvidia.com/gpu": "32", nodes: "8" });
    expect(nodePool("l4-spot").spec.template.spec.requirements[1].values).toEqual(["spot"]);
  });

  it("removes only empty nodes, after the pool's delay, a budget of nodes at a time, and replaces old nodes", () => {
    const pool = nodePool("a10g").spec;
    expect(pool.disruption).toEqual({ consolidationPolicy: "WhenEmpty", consolidateAfter: "10m", budgets: [{ nodes: "10%" }] });
    expect(pool.template.spec).toMatchObject({ expireAfter: "720h", terminationGracePeriod: "24h" });
  });

  it.each([
    [{ amiAlias: "al2023@latest" }, /amiAlias "al2023@latest" must pin an AL2023 release/],
    [{ pools: [{ ...POOL, instanceTypes: ["g5.xlarge", "g5.12xlarge"] }] }, /^test\/GpuNodePools: pools\.0\.instanceTypes: mixes instances with 1 and 4 GPUs; one pool needs one GPU count/],
    [{ pools: [{ ...POOL, instanceTypes: ["m6i.large"] }] }, /^test\/GpuNodePools: pools\.0\.instanceTypes\.0: "m6i\.large" is not a GPU instance type; use a g4dn, g5, .* or p5en size$/],
    [{ pools: [POOL, { ...POOL, name: "b", sharing: { mode: "timeSlicing", replicas: 1 } }] }, /^test\/GpuNodePools: pools\.1\.sharing\.replicas: is 1; time-slicing shares a GPU between 2 and 16 pods/],
    [{ pools: [{ ...POOL, maxSize: 0 }] }, /^test\/GpuNodePools: pools\.0\.maxSize: is 0; must be a whole number of nodes, at least 1$/],
    [{ pools: [{ ...POOL, diskSizeGiB: 16385 }] }, /^test\/GpuNodePools: pools\.0\.diskSizeGiB: is 16385; it must be whole GiB 20-16384/],
  ])("refuses %p", (props, message) => {
    expect(() => synthPools(props as Partial<GpuNodePoolsProps>)).toThrow(message);
  });
});

describe("CpuNodePool", () => {
  const { pools: _gpuPools, ...nodeClass } = POOLS_PROPS;
  const CPU_POOL: CpuNodePoolSpec = { instanceTypes: ["m6i.2xlarge", "m6i.4xlarge"], capacityType: "ON_DEMAND", maxSize: 3, diskSizeGiB: 100, disruption: DEFAULT_POOL_DISRUPTION };
  const synthCpu = (pool: CpuNodePoolSpec = CPU_POOL) => {
    const stack = helmStack();
    const karpenter = new Karpenter(stack, "Karpenter", KARPENTER);
    new CpuNodePool(stack, "CpuNodePool", { ...nodeClass, pool, dependsOn: [karpenter.controller.release] });
    return releases(synthJson(stack));
  };
  const byName = synthCpu();
  const [cpuClass, cpuPool] = valuesOf(byName["cpu-capacity"]).objects as Attributes[];

  it("is one cpu-capacity release after the controller: a node class like the GPU pools' and an untainted NodePool labelled cpu", () => {
    expect(byName["cpu-capacity"].depends_on).toEqual([byName.karpenter.address]);
    expect(cpuClass).toMatchObject({ kind: "EC2NodeClass", metadata: { name: "cpu" }, spec: { amiSelectorTerms: [{ alias: nodeClass.amiAlias }], metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 } } });
    expect(cpuClass.spec.blockDeviceMappings[0].ebs).toMatchObject({ volumeSize: "100Gi", encrypted: true, kmsKeyID: nodeClass.volumeKeyArn });
    expect(cpuPool.spec.template.metadata.labels).toEqual({ "mlops/pool": "cpu" });
    expect(cpuPool.spec.template.spec.taints).toEqual([]);
    expect(cpuPool.spec.template.spec.requirements[0]).toEqual({ key: "node.kubernetes.io/instance-type", operator: "In", values: ["m6i.2xlarge", "m6i.4xlarge"] });
    expect(cpuPool.spec.limits).toEqual({ nodes: "3" });
    expect(cpuPool.spec.disruption).toEqual({ consolidationPolicy: "WhenEmpty", consolidateAfter: "10m", budgets: [{ nodes: "10%" }] });
  });

  it.each([
    [{ ...CPU_POOL, instanceTypes: ["m6i.large", "g5.xlarge"] }, /^test\/CpuNodePool: pool\.instanceTypes\.1: g5\.xlarge has GPUs; the CPU pool takes CPU instance types/],
    [{ ...CPU_POOL, maxSize: 0 }, /^test\/CpuNodePool: pool\.maxSize: is 0; must be a whole number of nodes, at least 1$/],
  ])("refuses %p", (pool, message) => {
    expect(() => synthCpu(pool)).toThrow(message);
  });
});

describe("ClusterObjects", () => {
  it("shares one chart asset per stack and refuses an object declared twice", () => {
    const stack = helmStack();
    const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "x" } };
    new ClusterObjects(stack, "One", { name: "one", namespace: "x", objects: [object] });
    new ClusterObjects(stack, "Two", { name: "two", namespace: "x", objects: [{ ...object, metadata: { name: "b", namespace: "x" } }] });
    const charts = resourcesOfType(synthJson(stack), "helm_release").map(([, r]) => (r as Attributes).chart);
    expect(new Set(charts).size).toBe(1);
    expect(() => new ClusterObjects(helmStack(), "Three", { name: "three", namespace: "x", objects: [object, object] })).toThrow(/ConfigMap "a" is declared twice/);
  });

  it("is a chart at the version the releases pin, rendering each of .Values.objects as a YAML document", () => {
    const dir = clusterObjectsChartDirectory();
    const chart = readFileSync(join(dir, "Chart.yaml"), "utf8");
    expect(chart).toMatch(new RegExp(`^name: ${CLUSTER_OBJECTS_CHART.name}$`, "m"));
    expect(chart).toMatch(new RegExp(`^version: ${CLUSTER_OBJECTS_CHART.version.replace(/\./g, "\\.")}$`, "m"));
    expect(readFileSync(join(dir, "templates", "objects.yaml"), "utf8")).toBe("{{- range .Values.objects }}\n---\n{{ toYaml . }}\n{{- end }}\n");
  });
});
