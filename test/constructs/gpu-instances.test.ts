import { GPU_INSTANCE_FAMILIES, MIG_CAPABLE_FAMILIES, MIG_PROFILES, gpuSharingProblems, gpuUnitsPerNode, migInstancesPerGpu } from "../../constructs/training-cluster/gpu-instances";
import {
  CHARTS,
  CHART_VERSIONS,
  KARPENTER_MIN_VERSION,
  SUPPORTED_KUBERNETES_VERSIONS,
  chartVersionProblems,
  compareVersions,
  karpenterAmiAlias,
} from "../../constructs/training-cluster/versions";

describe("MIG tables", () => {
  test("only A100, H100 and H200 families are MIG-capable, and each is a known GPU family", () => {
    expect([...MIG_CAPABLE_FAMILIES].sort()).toEqual(["p4d", "p4de", "p5", "p5e", "p5en"]);
    for (const family of MIG_CAPABLE_FAMILIES) expect(Object.hasOwn(GPU_INSTANCE_FAMILIES, family)).toBe(true);
  });

  test("every family has 7 slices of its smallest profile and one of its whole GPU, and no +me profile", () => {
    for (const profiles of Object.values(MIG_PROFILES)) {
      expect(Object.values(profiles).sort()).toEqual([1, 1, 2, 3, 4, 7]);
      expect(Object.keys(profiles).some((p) => p.includes("+me"))).toBe(false);
    }
    expect(migInstancesPerGpu("p4d", "1g.5gb")).toBe(7);
    expect(migInstancesPerGpu("p5", "3g.40gb")).toBe(2);
    expect(migInstancesPerGpu("p5en", "7g.141gb")).toBe(1);
    expect(migInstancesPerGpu("g5", "1g.5gb")).toBeUndefined();
    expect(migInstancesPerGpu("p5", "constructor")).toBeUndefined();
  });
});

describe("gpuUnitsPerNode", () => {
  test.each([
    [["g5.xlarge", "g5.2xlarge"], { mode: "none" } as const, 1],
    [["g5.12xlarge"], { mode: "none" } as const, 4],
    [["g5.xlarge"], { mode: "timeSlicing", replicas: 4 } as const, 4],
    [["g5.12xlarge", "g5.24xlarge"], { mode: "timeSlicing", replicas: 3 } as const, 12],
    [["p4d.24xlarge"], { mode: "mig", profile: "1g.5gb" } as const, 56],
    [["p5.48xlarge"], { mode: "mig", profile: "3g.40gb" } as const, 16],
    [["p4de.24xlarge", "p5.48xlarge"], { mode: "mig", profile: "2g.20gb" } as const, 24],
    [["p5e.48xlarge"], { mode: "mig", profile: "7g.141gb" } as const, 8],
  ])("%j with %j: %i", (types, sharing, units) => {
    expect(gpuUnitsPerNode(types, sharing)).toBe(units);
  });

  test.each([
    [[], { mode: "none" } as const],
    [["m6i.large"], { mode: "none" } as const],
    [["g5.xlarge", "g5.12xlarge"], { mode: "none" } as const],
    [["g5.xlarge"], { mode: "mig", profile: "1g.10gb" } as const],
    [["g5.xlarge"], { mode: "timeSlicing", replicas: 17 } as const],
    [["p5.48xlarge"], { mode: "mig", profile: "1g.5gb" } as const],
  ])("undefined for %j with %j", (types, sharing) => {
    expect(gpuUnitsPerNode(types, sharing)).toBeUndefined();
  });
});

describe("gpuSharingProblems", () => {
  test("none and time-slicing within 2..16 fit any GPU", () => {
    expect(gpuSharingProblems(["g4dn.xlarge"], { mode: "none" })).toEqual([]);
    expect(gpuSharingProblems(["g6.xlarge"], { mode: "timeSlicing", replicas: 2 })).toEqual([]);
    expect(gpuSharingProblems(["g6.xlarge"], { mode: "timeSlicing", replicas: 16 })).toEqual([]);
  });

  test.each([1, 17, 0, 2.5])("time-slicing replicas %p are refused", (replicas) => {
    expect(gpuSharingProblems(["g5.xlarge"], { mode: "timeSlicing", replicas })).toEqual([
      { path: "sharing.replicas", message: `is ${replicas}; time-slicing shares a GPU between 2 and 16 pods (a whole number)` },
    ]);
  });

  test("MIG on a family without MIG names the families that have it", () => {
    expect(gpuSharingProblems(["g5.xlarge", "g5.2xlarge"], { mode: "mig", profile: "1g.10gb" })).toEqual([
      { path: "sharing.mode", message: "is mig, but g5 GPUs do not support MIG; MIG needs A100, H100 or H200 instances (p4d, p4de, p5, p5e, p5en), or use timeSlicing" },
    ]);
  });

  test("an unknown profile lists the valid ones", () => {
    expect(gpuSharingProblems(["p5.48xlarge"], { mode: "mig", profile: "1g.5gb" })).toEqual([
      { path: "sharing.profile", message: 'is "1g.5gb", not a MIG profile of p5 GPUs; valid: 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb' },
    ]);
  });

  test("+me profiles are refused", () => {
    const [problem] = gpuSharingProblems(["p5.48xlarge"], { mode: "mig", profile: "1g.10gb+me" });
    expect(problem.path).toBe("sharing.profile");
    expect(problem.message).toMatch(/^is "1g\.10gb\+me"; \+me \(media extension\) profiles are not supported.*Use "1g\.10gb"$/);
  });

  test("a profile valid on one family of the pool but not the other", () => {
    expect(gpuSharingProblems(["p4d.24xlarge", "p5.48xlarge"], { mode: "mig", profile: "1g.5gb" }).map((p) => p.message)).toEqual([
      'is "1g.5gb", not a MIG profile of p5 GPUs; valid: 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, 7g.80gb',
    ]);
  });
});

describe("versions", () => {
  test("the Karpenter AMI alias is the AMI release's date", () => {
    expect(karpenterAmiAlias("1.33.5-20251103")).toBe("al2023@v20251103");
    expect(() => karpenterAmiAlias("latest")).toThrow(/not of the form 1.33.5-20251108/);
  });

  test("every supported Kubernetes version has a Karpenter minimum, rising with it", () => {
    const minimums = SUPPORTED_KUBERNETES_VERSIONS.map((k) => KARPENTER_MIN_VERSION[k]);
    for (let i = 1; i < minimums.length; i++) expect(compareVersions(minimums[i], minimums[i - 1])).toBeGreaterThan(0);
    expect(KARPENTER_MIN_VERSION["1.33"]).toBe("1.5.0");
  });

  test("the pinned charts are exact versions that pass for every supported Kubernetes version", () => {
    expect(CHART_VERSIONS).toEqual({ karpenter: "1.14.1", kueue: "0.19.2", nvidiaDevicePlugin: "0.20.0", dcgmExporter: "4.8.2", grafana: "12.11.1" });
    for (const k of SUPPORTED_KUBERNETES_VERSIONS) expect(chartVersionProblems(k, CHART_VERSIONS)).toEqual([]);
    for (const chart of Object.values(CHARTS)) expect(chart.repository).toMatch(/^(oci|https):\/\//);
  });

  test("a Karpenter below the Kubernetes minimum, below the v1 APIs, and inexact versions", () => {
    expect(chartVersionProblems("1.33", { karpenter: "1.4.9" })).toEqual([
      { path: "karpenter", message: "is 1.4.9; Kubernetes 1.33 needs Karpenter 1.5.0 or later (KARPENTER_MIN_VERSION, from Karpenter's compatibility matrix)" },
    ]);
    expect(chartVersionProblems("1.29", { karpenter: "0.37.0" })).toEqual([
      { path: "karpenter", message: "is 0.37.0; the blueprint's NodePools and EC2NodeClasses use the v1 APIs of Karpenter 1.0.0 or later" },
    ]);
    expect(chartVersionProblems("1.33", { kueue: "^0.19.2", grafana: "v12.11.1" }).map((p) => p.path)).toEqual(["kueue", "grafana"]);
  });

  test("compareVersions orders by number, pre-releases first", () => {
    expect(compareVersions("1.10.0", "1.9.0")).toBeGreaterThan(0);
    expect(compareVersions("1.5.0-rc.1", "1.5.0")).toBeLessThan(0);
    expect(compareVersions("1.5.0", "1.5.0")).toBe(0);
  });
});
