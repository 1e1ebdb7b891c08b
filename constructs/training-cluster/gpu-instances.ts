import { bySize } from "../core/aws-regions";

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
 * The label the cluster autoscaler reads to know a node has GPUs: until the device plugin advertises
 * `nvidia.com/gpu`, a new GPU node looks GPU-less and the autoscaler would start more nodes for the same pods.
 */
export const ACCELERATOR_LABEL_KEY = "k8s.amazonaws.com/accelerator";

/** The NVIDIA GPU of each supported family, as the accelerator label's value. */
const GPU_MODELS: Readonly<Record<string, string>> = {
  g4dn: "nvidia-tesla-t4",
  g5: "nvidia-a10g",
  g6: "nvidia-l4",
  g6e: "nvidia-l40s",
  p3: "nvidia-tesla-v100",
  p4d: "nvidia-a100",
  p4de: "nvidia-a100",
  p5: "nvidia-h100",
  p5e: "nvidia-h200",
  p5en: "nvidia-h200",
};

/** The accelerator label's value for a pool: its GPU model, or `nvidia` when the pool mixes models. */
export function acceleratorOf(instanceTypes: readonly string[]): string {
  const models = new Set(instanceTypes.map((type) => {
    const family = type.split(".")[0];
    return Object.hasOwn(GPU_MODELS, family) ? GPU_MODELS[family] : "nvidia";
  }));
  return models.size === 1 ? [...models][0] : "nvidia";
}
