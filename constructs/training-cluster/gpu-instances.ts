import { bySize } from "../core/aws-regions";
import type { PropsProblem } from "../core/errors";

/** Label and taint every GPU node carries: only pods that tolerate it (GPU jobs, the device plugin) land there. */
export const GPU_NODE_LABEL = { key: "nvidia.com/gpu", value: "true" } as const;
export const GPU_TAINT = { ...GPU_NODE_LABEL, effect: "NO_SCHEDULE" } as const;

/**
 * NVIDIA GPUs per instance, for the GPU instance families the training cluster supports.
 * Used to validate pools (one GPU count per pool, so the autoscaler's node template is exact)
 * and to tell the cluster autoscaler how many GPUs a node of a pool that is at zero would bring.
 */
const ONE_GPU_SIZES = { xlarge: 1, "2xlarge": 1, "4xlarge": 1, "8xlarge": 1, "16xlarge": 1 };
const G_FAMILY = { ...ONE_GPU_SIZES, "12xlarge": 4, "24xlarge": 4, "48xlarge": 8 };

export const GPU_INSTANCE_FAMILIES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  g4dn: { ...ONE_GPU_SIZES, "12xlarge": 4, metal: 8 },
  g5: G_FAMILY,
  g6: G_FAMILY,
  g6e: G_FAMILY,
  p3: { "2xlarge": 1, "8xlarge": 4, "16xlarge": 8 },
  p4d: { "24xlarge": 8 },
  p4de: { "24xlarge": 8 },
  p5: { "48xlarge": 8 },
  p5e: { "48xlarge": 8 },
  p5en: { "48xlarge": 8 },
};

/** GPUs of an instance type such as `g5.12xlarge`, or undefined when it is not a known GPU instance. */
export function gpusPerInstance(instanceType: string): number | undefined {
  return bySize(GPU_INSTANCE_FAMILIES, instanceType);
}

/**
 * MIG profiles of each MIG-capable family, with the instances one GPU splits into (NVIDIA MIG User Guide,
 * "Supported MIG Profiles"; mig-parted `deployments/systemd/config-default.yaml`). Only A100, H100 and H200
 * support MIG: g4dn (T4), g5 (A10G), g6 (L4), g6e (L40S) and p3 (V100) do not. `+me` profiles (media
 * extensions) are left out on purpose: the pool's units would differ from what Kueue counts.
 */
const A100_40GB = { "1g.5gb": 7, "1g.10gb": 4, "2g.10gb": 3, "3g.20gb": 2, "4g.20gb": 1, "7g.40gb": 1 };
const A100_H100_80GB = { "1g.10gb": 7, "1g.20gb": 4, "2g.20gb": 3, "3g.40gb": 2, "4g.40gb": 1, "7g.80gb": 1 };
const H200_141GB = { "1g.18gb": 7, "1g.35gb": 4, "2g.35gb": 3, "3g.71gb": 2, "4g.71gb": 1, "7g.141gb": 1 };

export const MIG_PROFILES: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  p4d: A100_40GB,
  p4de: A100_H100_80GB,
  p5: A100_H100_80GB,
  p5e: H200_141GB,
  p5en: H200_141GB,
};

/** Families whose GPUs can be partitioned with MIG. */
export const MIG_CAPABLE_FAMILIES: readonly string[] = Object.keys(MIG_PROFILES);

/** Time-slicing replicas per GPU the schema accepts. */
export const TIME_SLICING_REPLICAS = { min: 2, max: 16 } as const;

/**
 * How a pool's GPUs are shared between pods: not at all, by time-slicing (N pods per GPU, no memory or
 * fault isolation) or by MIG (one profile on every GPU of the pool, `migStrategy: single`). In every mode
 * the node advertises `nvidia.com/gpu`, so Kueue, quotas and NodePool limits count one resource name.
 */
export type GpuSharing = { readonly mode: "none" } | { readonly mode: "timeSlicing"; readonly replicas: number } | { readonly mode: "mig"; readonly profile: string };

const familyOf = (instanceType: string) => instanceType.split(".")[0];

/** Instances of `profile` one GPU of `family` splits into, or undefined when the family has no such profile. */
export function migInstancesPerGpu(family: string, profile: string): number | undefined {
  const profiles = Object.hasOwn(MIG_PROFILES, family) ? MIG_PROFILES[family] : undefined;
  return profiles && Object.hasOwn(profiles, profile) ? profiles[profile] : undefined;
}

/**
 * What a pool's sharing asks that its instances cannot give: MIG on a family without MIG, a profile the
 * family does not have (the message lists those it has), a `+me` profile, replicas outside 2..16.
 * Empty when the sharing fits. Instance types that are not known GPU types are the caller's to report.
 */
export function gpuSharingProblems(instanceTypes: readonly string[], sharing: GpuSharing): PropsProblem[] {
  if (sharing.mode === "none") return [];
  if (sharing.mode === "timeSlicing") {
    const { replicas } = sharing;
    const { min, max } = TIME_SLICING_REPLICAS;
    return Number.isInteger(replicas) && replicas >= min && replicas <= max
      ? []
      : [{ path: "sharing.replicas", message: `is ${replicas}; time-slicing shares a GPU between ${min} and ${max} pods (a whole number)` }];
  }
  if (sharing.mode !== "mig") return [{ path: "sharing.mode", message: `is ${JSON.stringify((sharing as { mode: unknown }).mode)}; must be none, timeSlicing or mig` }];
  const families = [...new Set(instanceTypes.map(familyOf))];
  const notMig = families.filter((family) => !Object.hasOwn(MIG_PROFILES, family));
  if (notMig.length > 0) {
    return [{
      path: "sharing.mode",
      message: `is mig, but ${notMig.join(", ")} GPUs do not support MIG; MIG needs A100, H100 or H200 instances (${MIG_CAPABLE_FAMILIES.join(", ")}), or use timeSlicing`,
    }];
  }
  const { profile } = sharing;
  if (/\+me$/.test(profile)) {
    return [{ path: "sharing.profile", message: `is ${JSON.stringify(profile)}; +me (media extension) profiles are not supported: a GPU has one, so the pool's units would not match its quota. Use ${JSON.stringify(profile.replace(/\+me$/, ""))}` }];
  }
  const problems: PropsProblem[] = [];
  for (const family of families) {
    if (migInstancesPerGpu(family, profile) === undefined) {
      problems.push({ path: "sharing.profile", message: `is ${JSON.stringify(profile)}, not a MIG profile of ${family} GPUs; valid: ${Object.keys(MIG_PROFILES[family]).join(", ")}` });
    }
  }
  // Families of one pool sharing a profile name (p4de and p5) still split alike; others are reported above.
  return problems;
}

/**
 * `nvidia.com/gpu` units one node of a pool advertises: its GPUs, times the time-slicing replicas or the
 * MIG instances per GPU. The single source for a pool's capacity, its Kueue quotas and the ResourceQuota.
 * Undefined when an instance type is unknown, the pool mixes GPU counts or the sharing does not fit.
 */
export function gpuUnitsPerNode(instanceTypes: readonly string[], sharing: GpuSharing): number | undefined {
  const counts = new Set(instanceTypes.map(gpusPerInstance));
  if (instanceTypes.length === 0 || counts.size !== 1 || counts.has(undefined)) return undefined;
  if (gpuSharingProblems(instanceTypes, sharing).length > 0) return undefined;
  const gpus = [...counts][0]!;
  if (sharing.mode === "timeSlicing") return gpus * sharing.replicas;
  if (sharing.mode === "mig") {
    const per = new Set(instanceTypes.map((type) => migInstancesPerGpu(familyOf(type), sharing.profile)));
    return per.size === 1 ? gpus * [...per][0]! : undefined;
  }
  return gpus;
}
