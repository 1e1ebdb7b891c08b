import { bySize } from "../core/aws-regions";

/**
 * What the blueprint needs to know about SageMaker hosting instance types, from their names
 * (`ml.<family>.<size>`, e.g. `ml.g5.2xlarge`).
 */

/** SageMaker hosting instance types: `ml.<family>.<size>`; families may hold a hyphen (`ml.p6-b200.48xlarge`). */
export const INSTANCE_TYPE = /^ml\.[a-z0-9]+(?:-[a-z0-9]+)?\.[a-z0-9]+$/;

/**
 * Families with local NVMe instance storage that do not say so with a "d" in their name (EC2 names
 * instance-store families with "d": m5d, c5d, r5d, g4dn, p3dn, p4d, p4de, ...). SageMaker documents
 * p4d, g4dn and g5 as NVMe families; the others are their successors with instance storage in EC2.
 */
const NVME_FAMILIES_WITHOUT_D: ReadonlySet<string> = new Set(["g5", "g6", "g6e", "gr6", "p5", "p5e", "p5en", "p6", "p6e", "trn1", "trn1n", "trn2", "dl1"]);

function family(instanceType: string): string {
  return instanceType.split(".")[1] ?? "";
}

/**
 * Whether the type has local instance storage. CreateEndpointConfig fails when KmsKeyId is set and a
 * variant runs on such a type: its NVMe volumes are encrypted by a hardware module on the instance, not with KMS.
 */
export function hasInstanceStorage(instanceType: string): boolean {
  const name = family(instanceType).split("-")[0];
  return NVME_FAMILIES_WITHOUT_D.has(name) || /^[a-z]+\d+[a-z]*d[a-z]*$/.test(name);
}

/** Whether the type has GPUs (the G and P families), so that a GPUUtilization alarm can ever see data. */
export function hasGpus(instanceType: string): boolean {
  return /^(g|gr|p)\d/.test(family(instanceType));
}

/** vCPUs by size, as EC2 (and so SageMaker's `ml.` types) names sizes: `<N>xlarge` has 4N vCPUs. */
const LARGE_TO_32XLARGE = { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64, "24xlarge": 96, "32xlarge": 128 };
const LARGE_TO_48XLARGE = { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64, "24xlarge": 96, "48xlarge": 192 };
const GRAVITON = { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64 };
const M5_R5 = { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "12xlarge": 48, "24xlarge": 96 };
const C5 = { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "9xlarge": 36, "18xlarge": 72 };
const G5_G6 = { xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64, "24xlarge": 96, "48xlarge": 192 };

/**
 * vCPUs of the SageMaker real-time hosting instance types the blueprint knows, by family and size: the same
 * counts as the EC2 instance types of the same name (EC2 "Instance types" specifications). CPUUtilization of an
 * endpoint is summed over these vCPUs (100 % each), so a CPU alarm needs the count. A type missing here has no
 * CPU alarm until its count is added (from EC2's specifications, never guessed).
 */
export const SERVING_INSTANCE_VCPUS: Readonly<Record<string, Readonly<Record<string, number>>>> = {
  t2: { medium: 2, large: 2, xlarge: 4, "2xlarge": 8 },
  m4: { xlarge: 4, "2xlarge": 8, "4xlarge": 16, "10xlarge": 40, "16xlarge": 64 },
  m5: M5_R5,
  m5d: M5_R5,
  m6i: LARGE_TO_32XLARGE,
  m7i: LARGE_TO_48XLARGE,
  m6g: GRAVITON,
  c4: { large: 2, xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 36 },
  c5: C5,
  c5d: C5,
  c6i: LARGE_TO_32XLARGE,
  c7i: LARGE_TO_48XLARGE,
  c6g: GRAVITON,
  c7g: GRAVITON,
  r5: M5_R5,
  r5d: M5_R5,
  r6i: LARGE_TO_32XLARGE,
  r7i: LARGE_TO_48XLARGE,
  r6g: GRAVITON,
  g4dn: { xlarge: 4, "2xlarge": 8, "4xlarge": 16, "8xlarge": 32, "12xlarge": 48, "16xlarge": 64 },
  g5: G5_G6,
  g6: G5_G6,
  g6e: G5_G6,
  p3: { "2xlarge": 8, "8xlarge": 32, "16xlarge": 64 },
  p4d: { "24xlarge": 96 },
  p5: { "48xlarge": 192 },
  inf1: { xlarge: 4, "2xlarge": 8, "6xlarge": 24, "24xlarge": 96 },
  inf2: { xlarge: 4, "8xlarge": 32, "24xlarge": 96, "48xlarge": 192 },
};

/** The vCPUs of a hosting instance type (`ml.c6i.xlarge`: 4), or undefined when the table does not know it. */
export function vcpusOf(instanceType: string): number | undefined {
  return bySize(SERVING_INSTANCE_VCPUS, instanceType, "ml");
}

/**
 * Why no CPU alarm can be made on `instanceType`, or undefined when it can: its threshold is a share of the whole
 * instance, converted with the vCPU count (the ServingEndpoint construct and the environment schema both ask this).
 */
export function cpuAlarmProblem(instanceType: string): string | undefined {
  if (vcpusOf(instanceType) !== undefined) return undefined;
  return `the vCPU count of ${instanceType} is not in SERVING_INSTANCE_VCPUS (constructs/serving/instance-types.ts), so the percentage of the instance cannot be converted to SageMaker's per-vCPU sum; add the type there or remove the alarm`;
}
