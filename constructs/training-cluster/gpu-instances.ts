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
  const [family, size] = instanceType.split(".");
  // Own properties only: "g5.constructor" must not find Object's prototype.
  const sizes = Object.hasOwn(GPU_INSTANCE_FAMILIES, family) ? GPU_INSTANCE_FAMILIES[family] : undefined;
  return sizes && Object.hasOwn(sizes, size) ? sizes[size] : undefined;
}
