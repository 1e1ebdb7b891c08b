import { TerraformStack, Testing } from "cdktf";
import { HelmProvider } from "@cdktf/provider-helm/lib/provider";
import { environments } from "../../environments";
import { GpuSharing } from "../../constructs/training-cluster/gpu-instances";
import { gpuPoolNodeLabels, poolCapacity } from "../../constructs/training-cluster/workloads/gpu-node-pools";
import { NvidiaDevicePlugin, devicePluginConfig } from "../../constructs/training-cluster/workloads/nvidia-device-plugin";
import { workloadsStackProps } from "../../stacks/platform";
import { WorkloadsStack } from "../../stacks/workloads-stack";
import { testStack } from "../support/stack";
import { resourcesOfType, synthJson } from "../support/terraform-json";

type Attributes = Record<string, any>;

function helmStack(): TerraformStack {
  const stack = testStack();
  new HelmProvider(stack, "helm", {});
  return stack;
}

const TIME_SLICED: GpuSharing = { mode: "timeSlicing", replicas: 4 };
const MIG: GpuSharing = { mode: "mig", profile: "1g.10gb" };

describe("device plugin configuration per pool", () => {
  it("hands out whole GPUs where a pool shares nothing, and fails loudly when it cannot use them", () => {
    expect(devicePluginConfig({ mode: "none" })).toEqual({ version: "v1", flags: { migStrategy: "none", failOnInitError: true } });
  });

  it("time-slices nvidia.com/gpu into replicas under the same name, refusing requests above one share", () => {
    expect(devicePluginConfig(TIME_SLICED)).toEqual({
      version: "v1",
      flags: { migStrategy: "none", failOnInitError: true },
      sharing: { timeSlicing: { renameByDefault: false, failRequestsGreaterThanOne: true, resources: [{ name: "nvidia.com/gpu", replicas: 4 }] } },
    });
  });

  it("advertises each MIG instance as nvidia.com/gpu (single strategy)", () => {
    expect(devicePluginConfig(MIG)).toEqual({ version: "v1", flags: { migStrategy: "single", failOnInitError: true } });
  });
});

describe("node labels of a pool", () => {
  it("name the pool, its sharing and the plugin's config entry; MIG pools also name their layout", () => {
    expect(gpuPoolNodeLabels({ name: "g5-spot", sharing: TIME_SLICED })).toMatchObject({
      "mlops/pool": "g5-spot",
      "mlops/gpu-sharing": "time-slicing",
      "nvidia.com/device-plugin.config": "g5-spot",
    });
    expect(gpuPoolNodeLabels({ name: "h100", sharing: MIG })).toMatchObject({ "mlops/gpu-sharing": "mig", "nvidia.com/mig.config": "all-1g.10gb" });
    expect(gpuPoolNodeLabels({ name: "a10g", sharing: { mode: "none" } })).not.toHaveProperty("nvidia.com/mig.config");
  });

  it("count a pool's capacity in units: GPUs x replicas or MIG instances, times its maximum", () => {
    expect(poolCapacity({ name: "g5", instanceTypes: ["g5.xlarge", "g5.2xlarge"], sharing: TIME_SLICED, maxSize: 2 })).toBe(8);
    expect(poolCapacity({ name: "p5", instanceTypes: ["p5.48xlarge"], sharing: MIG, maxSize: 2 })).toBe(2 * 8 * 7);
    expect(poolCapacity({ name: "g5", instanceTypes: ["g5.12xlarge"], sharing: { mode: "none" }, maxSize: 3 })).toBe(12);
  });
});

describe("NvidiaDevicePlugin", () => {
  const stack = helmStack();
  const plugin = new NvidiaDevicePlugin(stack, "Plugin", {
    version: "0.20.0",
    pools: [
      { name: "g5-spot", sharing: TIME_SLICED },
      { name: "h100", sharing: MIG },
    ],
  });
  const [[, release]] = resourcesOfType(synthJson(stack), "helm_release") as [string, Attributes][];
  const values = JSON.parse(release.values[0]);

  it("has a config map entry per pool, named as the pool's nodes are labelled, and a default one", () => {
    expect(values.config.default).toBe("default");
    expect(Object.keys(values.config.map).sort()).toEqual(["default", "g5-spot", "h100"]);
    expect(JSON.parse(values.config.map["g5-spot"])).toEqual(devicePluginConfig(TIME_SLICED));
    expect(JSON.parse(values.config.map.h100)).toEqual(devicePluginConfig(MIG));
    expect(plugin.configs["g5-spot"].sharing?.timeSlicing.resources[0].replicas).toBe(4);
  });

  it("runs the pinned release's image on GPU nodes only, tolerating their taint, without feature discovery", () => {
    expect(release).toMatchObject({ chart: "nvidia-device-plugin", version: "0.20.0", namespace: "kube-system" });
    expect(values.image).toEqual({ tag: "v0.20.0" });
    expect(values.gfd).toEqual({ enabled: false });
    expect(values.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "nvidia.com/gpu.present", operator: "In", values: ["true"] }] },
    ]);
    expect(values.tolerations).toEqual([{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }]);
    expect(values.priorityClassName).toBe("system-node-critical");
  });

  it("refuses a pool named like the default entry", () => {
    expect(() => new NvidiaDevicePlugin(helmStack(), "Plugin", { version: "0.20.0", pools: [{ name: "default", sharing: { mode: "none" } }] })).toThrow(/^test\/Plugin: pools\.0\.name: "default" is the name of the device plugin's default configuration entry; rename the pool$/);
  });
});

describe("a shipped environment shares GPUs", () => {
  const shared = environments.filter((env) => env.training.gpuPools.some((pool) => pool.sharing.mode !== "none"));

  it("at least one does (time-slicing or MIG)", () => {
    expect(shared.length).toBeGreaterThan(0);
  });

  it.each(shared.map((env) => [env.name, env] as const))("%s: each shared pool's nodes pick the matching plugin entry and Kueue counts its units", (_, env) => {
    const stack = new WorkloadsStack(Testing.app(), `${env.name}-workloads`, workloadsStackProps(env, {
      clusterName: "c",
      endpoint: "https://c",
      certificateAuthorityData: "QQ==",
      oidcProviderArn: `arn:aws:iam::${env.account.id}:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/E`,
      oidcIssuerUrl: "https://oidc.eks.eu-west-1.amazonaws.com/id/E",
      clusterSecurityGroupId: "sg-0123456789abcdef0",
      clusterKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/k",
      karpenterControllerRoleArn: `arn:aws:iam::${env.account.id}:role/k`,
      karpenterInterruptionQueueName: "q",
      karpenterNodeInstanceProfileName: "p",
      prometheusWorkspaceArn: "arn:aws:aps:eu-west-1:123456789012:workspace/ws-1",
      prometheusEndpoint: "https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/",
    }));
    const releases = Object.fromEntries(resourcesOfType(synthJson(stack), "helm_release").map(([, r]) => [(r as Attributes).name, JSON.parse((r as Attributes).values[0])]));
    const pluginMap = releases["nvidia-device-plugin"].config.map as Record<string, string>;
    const nodePools = (releases["gpu-capacity"].objects as Attributes[]).filter((o) => o.kind === "NodePool");
    const queues = (releases["kueue-queues"].objects as Attributes[]).filter((o) => o.kind === "ClusterQueue");
    for (const pool of env.training.gpuPools.filter((p) => p.sharing.mode !== "none")) {
      const labels = nodePools.find((p) => p.metadata.name === pool.name)!.spec.template.metadata.labels;
      expect(JSON.parse(pluginMap[labels["nvidia.com/device-plugin.config"]])).toEqual(devicePluginConfig(pool.sharing));
      const nominal = queues
        .flatMap((q) => q.spec.resourceGroups.flatMap((g: Attributes) => g.flavors))
        .filter((f: Attributes) => f.name === pool.name)
        .reduce((sum: number, f: Attributes) => sum + Number(f.resources[0].nominalQuota), 0);
      expect(nominal).toBe(poolCapacity(pool));
    }
  });
});
